"""Sending one API call: deadline, retries with backoff, redirects, status mapping and logging.

`HttpCore` owns the one long-lived ``httpx.AsyncClient``. Each `Call` names how
it may be retried:

- ``IDEMPOTENT`` calls are retried after a 5xx status or any connection problem.
- ``ONCE`` calls change state, so they are retried only when the request
  certainly never left (the connection could not be opened).
- ``ONCE_OUTCOME_UNKNOWN`` calls (chat sends) are like ``ONCE``, and a failure
  after the request may have left raises `SendOutcomeUnknown`.

All attempts and backoff waits of one call share one overall deadline.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from cockpit import __version__
from cockpit.api._base import BODY
from cockpit.api.auth import TokenHostAuth, check_redirect
from cockpit.api.errors import (
    AuthError,
    BadRequestError,
    DeadlineExceeded,
    HttpStatusError,
    NoActiveSessionError,
    NotFoundError,
    ResponseFormatError,
    SendOutcomeUnknown,
    ServerError,
    TransportError,
    UnexpectedStatusError,
    clean_server_text,
)
from cockpit.settings import HttpSettings

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 8 * 1024 * 1024
"""Maximum response body size in bytes, far above the platform's largest lists."""

# httpx errors raised before any byte of the request was written.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

QueryParams = Mapping[str, str | int | None]


class RetryPolicy(enum.Enum):
    """The retry rule of a call."""

    IDEMPOTENT = "idempotent"
    ONCE = "once"
    ONCE_OUTCOME_UNKNOWN = "once, outcome unknown"


@dataclass(frozen=True)
class Call:
    """One API call: what to send, and how it may be retried.

    ``path`` is relative to the API URL (``/agent/rtmp``) or an absolute URL.
    Only ``authenticated`` calls go through the token-host auth, and the others
    never carry a token.
    """

    method: str
    path: str
    retry: RetryPolicy
    authenticated: bool = False
    params: QueryParams | None = None
    json: Mapping[str, Any] | None = None
    files: Mapping[str, tuple[str, bytes, str]] | None = None
    bad_request_hint: str = ""

    @property
    def endpoint(self) -> str:
        """The method and path, as named in errors."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Reply:
    """A successful response, read in full."""

    status: int
    body: bytes
    content_type: str


@dataclass
class _Trace:
    """Trace events of one attempt, which show whether the request may have left."""

    seen: bool = False
    request_started: bool = False

    async def __call__(self, event_name: str, info: Mapping[str, Any]) -> None:
        self.seen = True
        if event_name.endswith("send_request_headers.started"):
            self.request_started = True

    def may_have_left(self) -> bool:
        # Without trace events (a mock transport) nothing proves that the request was not sent.
        return self.request_started or not self.seen


def backoff_delay(retry: int, initial: float, maximum: float, rng: random.Random) -> float:
    """Return the wait in seconds before retry number ``retry`` (1 for the first).

    Full jitter: a uniform draw between 0 and ``initial * 2**(retry - 1)``, capped at ``maximum``.
    """
    ceiling = min(maximum, initial * 2 ** (retry - 1))
    return rng.uniform(0.0, ceiling)


def describe_transport_error(error: httpx.TransportError) -> str:
    """Return a short phrase for a connection problem, such as ``the read timed out``."""
    phrases: list[tuple[type[httpx.TransportError], str]] = [
        (httpx.ConnectTimeout, "opening the connection timed out"),
        (httpx.ConnectError, "the connection could not be opened"),
        (httpx.ReadTimeout, "the read timed out"),
        (httpx.WriteTimeout, "sending the request timed out"),
        (httpx.PoolTimeout, "no connection became free in time"),
        (httpx.RemoteProtocolError, "the server closed the connection or broke the protocol"),
        (httpx.ReadError, "the connection broke while reading"),
        (httpx.WriteError, "the connection broke while sending"),
    ]
    for kind, phrase in phrases:
        if isinstance(error, kind):
            return phrase
    return f"the connection failed ({type(error).__name__})"


@dataclass
class _Progress:
    """The state of one call across its attempts."""

    attempts: int = 0
    last_problem: str = ""
    trace: _Trace = field(default_factory=_Trace)


class HttpCore:
    """The HTTP layer under RetakeClient: one httpx.AsyncClient and the rules for using it."""

    def __init__(
        self,
        api_url: str,
        *,
        auth: TokenHostAuth | None,
        settings: HttpSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        profile: str | None = None,
        secrets: Callable[[], list[str]] = list,
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._profile = profile
        self._secrets = secrets
        self._rng = rng or random.Random()
        timeout = httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.connect_timeout,
        )
        self._client = httpx.AsyncClient(
            base_url=api_url,
            auth=auth,
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
            # No proxies or .netrc from the environment: they could see or add credentials.
            trust_env=False,
            headers={"User-Agent": f"retake-cockpit/{__version__}", "Accept": "application/json"},
        )

    @property
    def api_url(self) -> str:
        """The base URL every path is relative to."""
        return str(self._client.base_url).rstrip("/")

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def send(self, call: Call) -> Reply:
        """Send ``call`` with retries within the deadline and return the successful reply.

        Raises:
            HttpStatusError: a subclass per status (400, 401, 404, 409, 5xx, other).
            TransportError: no response arrived, after the retries the call allows.
            DeadlineExceeded: the call, retries included, took longer than ``http.deadline``.
            SendOutcomeUnknown: a chat send failed after the request may have left.
            RedirectError: a redirect left the origin, changed the method or repeated too often.
            ResponseFormatError: the body is larger than MAX_BODY_BYTES.
        """
        progress = _Progress()
        deadline = asyncio.timeout(self._settings.deadline)
        try:
            async with deadline:
                return await self._send_with_retries(call, progress)
        except TimeoutError:
            if not deadline.expired():
                raise
            if call.retry is RetryPolicy.ONCE_OUTCOME_UNKNOWN and progress.trace.may_have_left():
                raise SendOutcomeUnknown(
                    call.endpoint,
                    f"no response arrived within the deadline of {self._settings.deadline:g} s",
                ) from None
            raise DeadlineExceeded(
                call.endpoint, self._settings.deadline, progress.last_problem
            ) from None

    async def _send_with_retries(self, call: Call, progress: _Progress) -> Reply:
        while True:
            progress.attempts += 1
            progress.trace = _Trace()
            try:
                reply = await self._send_following_redirects(call, progress.trace)
            except httpx.TransportError as error:
                self._check_transport_retry(call, error, progress)
            else:
                if reply.status < 300:
                    return reply
                self._check_status_retry(call, reply, progress)

            delay = backoff_delay(
                progress.attempts,
                self._settings.backoff_initial,
                self._settings.backoff_max,
                self._rng,
            )
            logger.info(
                "%s failed (%s); retry %d of %d in %.2f s",
                call.endpoint,
                progress.last_problem,
                progress.attempts,
                self._settings.retries,
                delay,
            )
            await asyncio.sleep(delay)

    def _check_transport_retry(
        self, call: Call, error: httpx.TransportError, progress: _Progress
    ) -> None:
        """Record a connection problem, or raise when the call must not be retried."""
        problem = describe_transport_error(error)
        may_have_left = not isinstance(error, _NOT_SENT_ERRORS) and progress.trace.may_have_left()
        if call.retry is RetryPolicy.ONCE_OUTCOME_UNKNOWN and may_have_left:
            raise SendOutcomeUnknown(call.endpoint, problem) from None

        retryable = call.retry is RetryPolicy.IDEMPOTENT or not may_have_left
        if not retryable or progress.attempts > self._settings.retries:
            if may_have_left and call.retry is RetryPolicy.ONCE:
                problem += " after the request may have reached the server"
            problem += f" (API URL {self.api_url})"
            raise TransportError(call.endpoint, problem, progress.attempts) from None
        progress.last_problem = problem

    def _check_status_retry(self, call: Call, reply: Reply, progress: _Progress) -> None:
        """Record a 5xx status of an idempotent call, or raise the status's error."""
        retryable = reply.status >= 500 and call.retry is RetryPolicy.IDEMPOTENT
        if not retryable or progress.attempts > self._settings.retries:
            raise self._status_error(call, reply, progress.attempts)
        progress.last_problem = f"server error {reply.status}"

    async def _send_following_redirects(self, call: Call, trace: _Trace) -> Reply:
        request = self._build_request(call, trace)
        auth: Any = httpx.USE_CLIENT_DEFAULT if call.authenticated else None
        hops = 0
        while True:
            started = time.monotonic()
            response = await self._client.send(request, auth=auth, stream=True)
            try:
                target = response.next_request
                if target is None:
                    body = await self._read_body(call, response)
                    self._log_response(request, response.status_code, started)
                    return Reply(
                        response.status_code, body, response.headers.get("content-type", "")
                    )
                self._log_response(request, response.status_code, started)
            finally:
                await response.aclose()

            hops += 1
            check_redirect(call.endpoint, request, target, hops)
            target.extensions["trace"] = trace
            request = target

    def _build_request(self, call: Call, trace: _Trace) -> httpx.Request:
        params = {name: value for name, value in (call.params or {}).items() if value is not None}
        return self._client.build_request(
            call.method,
            call.path,
            params=params or None,
            json=call.json,
            files=call.files,
            extensions={"trace": trace},
        )

    async def _read_body(self, call: Call, response: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise ResponseFormatError(
                    call.endpoint, BODY, f"the body is larger than {MAX_BODY_BYTES} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _log_response(request: httpx.Request, status: int, started: float) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000
        level = logging.DEBUG if status < 400 else logging.INFO
        logger.log(
            level, "%s %s -> %d (%.0f ms)", request.method, request.url.path, status, elapsed_ms
        )

    def _status_error(self, call: Call, reply: Reply, attempts: int) -> HttpStatusError:
        text = self._server_text(reply)
        status = reply.status
        if status == 400:
            return BadRequestError(call.endpoint, text, call.bad_request_hint)
        if status == 401:
            return AuthError(call.endpoint, text, self._profile)
        if status == 404:
            return NotFoundError(call.endpoint, text, self.api_url)
        if status == 409:
            return NoActiveSessionError(call.endpoint, text)
        if status >= 500:
            return ServerError(call.endpoint, status, text, attempts)
        return UnexpectedStatusError(call.endpoint, status, text)

    def _server_text(self, reply: Reply) -> str:
        """Return the ``error`` or ``message`` text of a JSON body, or a plain-text body."""
        text = ""
        try:
            data = json.loads(reply.body)
        except (ValueError, RecursionError):
            if reply.content_type.startswith("text/plain"):
                text = reply.body[:1000].decode("utf-8", errors="replace")
        else:
            if isinstance(data, dict):
                for key in ("error", "message"):
                    if isinstance(data.get(key), str):
                        text = data[key]
                        break
        return clean_server_text(text, self._secrets())
