"""Exceptions raised by the API client, rooted at `ApiError`.

Every message is a full sentence that names the endpoint or value involved and
the next step. No message, attribute or repr contains the access token or an
RTMP key: server error text is cleaned by `clean_server_text` before it is
quoted, and callers pass the secrets to remove.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_MAX_QUOTED_CHARACTERS = 300


def clean_server_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Make text from a server safe to quote in an error message.

    Control and bidirectional-override characters become spaces, every secret
    in ``secrets`` becomes ``[redacted]`` and the result is cut to 300 characters.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _CONTROL_CHARACTERS.sub(" ", text).strip()
    if len(text) > _MAX_QUOTED_CHARACTERS:
        text = text[: _MAX_QUOTED_CHARACTERS - 3] + "..."
    return text


def _profile_flag(profile: str | None) -> str:
    return f"--profile {profile}" if profile else "--profile NAME"


class ApiError(Exception):
    """Base class of every error the API client raises."""


class InvalidApiUrlError(ApiError, ValueError):
    """Raised when an API URL is not an absolute http(s) URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"Invalid API URL {url!r}: expected an absolute http or https URL such as "
            "https://retake.tv/api/v1. Fix --api-url or the api_url setting."
        )


class ResponseFormatError(ApiError):
    """Raised when a response has a missing field or a field of the wrong type.

    ``field`` is a dotted path such as ``trades[3].timestamp``, or ``(body)``
    when the body as a whole is invalid (not JSON, or not the expected shape).
    ``source`` is ``response`` for HTTP and ``payload`` for Socket.IO events.
    """

    def __init__(self, endpoint: str, field: str, reason: str, source: str = "response") -> None:
        self.endpoint = endpoint
        self.field = field
        self.reason = reason
        where = "body" if field == "(body)" else f"field {field!r}"
        super().__init__(
            f"The {source} of {endpoint} has an invalid {where}: {reason}. "
            "The platform's API may have changed, so update retake-cockpit, "
            "and report it if the problem remains."
        )


class HttpStatusError(ApiError):
    """Raised when the server responds with an error status.

    ``server_message`` is the server's ``error`` text, already cleaned, or an
    empty string when the body carried none.
    """

    def __init__(self, endpoint: str, status: int, server_message: str, message: str) -> None:
        self.endpoint = endpoint
        self.status = status
        self.server_message = server_message
        super().__init__(message)


def _quoted(server_message: str) -> str:
    return f" The server said: {server_message!r}." if server_message else ""


class BadRequestError(HttpStatusError):
    """Raised on 400: a name is taken, an input is invalid or no token exists yet."""

    def __init__(self, endpoint: str, server_message: str, hint: str = "") -> None:
        fix = hint or "Fix the field the server names and send the request again."
        super().__init__(
            endpoint,
            400,
            server_message,
            f"{endpoint} was rejected as a bad request (400).{_quoted(server_message)} {fix}",
        )


class AuthError(HttpStatusError):
    """Raised on 401: the access token is invalid or missing."""

    def __init__(self, endpoint: str, server_message: str, profile: str | None = None) -> None:
        self.profile = profile
        super().__init__(
            endpoint,
            401,
            server_message,
            f"{endpoint} was rejected because the access token is invalid or missing (401)."
            f"{_quoted(server_message)} Run `cockpit login {_profile_flag(profile)}` "
            "to store a valid token.",
        )


class NotFoundError(HttpStatusError):
    """Raised on 404: an id in the request does not exist."""

    def __init__(self, endpoint: str, server_message: str, api_url: str = "") -> None:
        where = f" at {api_url}" if api_url else ""
        super().__init__(
            endpoint,
            404,
            server_message,
            f"{endpoint} returned not found (404){where}.{_quoted(server_message)} "
            "Verify the id in the request (userDbId, session_id, user_id or token address), "
            "and that the API URL ends in /api/v1.",
        )


class NoActiveSessionError(HttpStatusError):
    """Raised on 409: the agent has no active stream session."""

    def __init__(self, endpoint: str, server_message: str) -> None:
        super().__init__(
            endpoint,
            409,
            server_message,
            f"{endpoint} failed because the agent has no active session (409)."
            f"{_quoted(server_message)} Call stream start (POST /agent/stream/start) first.",
        )


class ServerError(HttpStatusError):
    """Raised on 5xx after the retries allowed for the request are used up."""

    def __init__(self, endpoint: str, status: int, server_message: str, attempts: int) -> None:
        self.attempts = attempts
        tries = "once" if attempts == 1 else f"{attempts} times"
        super().__init__(
            endpoint,
            status,
            server_message,
            f"{endpoint} failed with server error {status} (tried {tries})."
            f"{_quoted(server_message)} Try again later, and report it if it persists.",
        )


class UnexpectedStatusError(HttpStatusError):
    """Raised on an error status the platform does not document (for example 403 or 429)."""

    def __init__(self, endpoint: str, status: int, server_message: str) -> None:
        super().__init__(
            endpoint,
            status,
            server_message,
            f"{endpoint} returned the unexpected status {status}.{_quoted(server_message)} "
            "Check the API URL, and report it if it persists.",
        )


class TransportError(ApiError):
    """Raised when a connection could not be made or broke before a response arrived."""

    def __init__(self, endpoint: str, reason: str, attempts: int = 1) -> None:
        self.endpoint = endpoint
        self.reason = reason
        self.attempts = attempts
        tries = "once" if attempts == 1 else f"{attempts} times"
        super().__init__(
            f"{endpoint} failed: {reason} (tried {tries}). "
            "Check that the API URL is right and the platform is reachable, then try again."
        )


class DeadlineExceeded(ApiError):
    """Raised when a request, retries included, takes longer than its overall deadline."""

    def __init__(self, endpoint: str, deadline: float, last_problem: str = "") -> None:
        self.endpoint = endpoint
        self.deadline = deadline
        detail = f" The last problem was: {last_problem}." if last_problem else ""
        super().__init__(
            f"{endpoint} did not complete within its deadline of {deadline:g} s.{detail} "
            "The platform is slow or unreachable. Try again later or raise http.deadline."
        )


class SendOutcomeUnknown(ApiError):
    """Raised when a chat message may or may not have reached the server.

    The request was sent but no response arrived, so the client cannot tell
    whether the message was posted. It is never sent again automatically.
    """

    def __init__(self, endpoint: str, reason: str) -> None:
        self.endpoint = endpoint
        self.reason = reason
        super().__init__(
            f"{endpoint} may or may not have posted the message: {reason} after the request "
            "was sent. It was not sent again, so check the chat before sending it again."
        )


class RedirectError(ApiError):
    """Raised when a redirect leaves the request's origin, downgrades to http or loops."""

    def __init__(self, endpoint: str, target: str, reason: str) -> None:
        self.endpoint = endpoint
        self.target = target
        super().__init__(
            f"{endpoint} was redirected to {target}, which was not followed because {reason}. "
            "Check the API URL."
        )


class TokenHostError(ApiError):
    """Raised when an access token would go to a host other than its own."""

    def __init__(self, target: str) -> None:
        self.target = target
        super().__init__(
            f"The access token would be sent to {target}, but a token is only sent to "
            "https://retake.tv or to the loopback simulator URL it was created for. "
            "Use --api-url https://retake.tv/api/v1 or a local simulator URL."
        )


class ProfileMismatchError(ApiError):
    """Raised when the profile's token belongs to another API URL than the one in use."""

    def __init__(self, api_url: str, token_api_url: str, profile: str | None = None) -> None:
        self.api_url = api_url
        self.token_api_url = token_api_url
        self.profile = profile
        name = f"profile {profile!r}" if profile else "the profile"
        super().__init__(
            f"The access token of {name} belongs to {token_api_url}, not to {api_url}, "
            f"so it was not used. Make a profile for {api_url} with "
            f"`cockpit register --api-url {api_url} --profile NAME` or "
            f"`cockpit login --api-url {api_url} --profile NAME`, where NAME is a new "
            "profile name, or use the profile's own --api-url."
        )
