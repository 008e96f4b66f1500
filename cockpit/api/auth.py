"""The token-host rule: where an access token may go, enforced on every request.

A token is sent only to the origin (scheme, host, port) it was created for,
and that origin must be either https://retake.tv on port 443 or a loopback
origin (127.0.0.0/8, ::1 or localhost) where a local simulator runs. The rule
lives in `TokenHostAuth`, an httpx auth flow, so it applies to every request
the client sends, including redirect hops. A request to any other origin leaves
without an Authorization header.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Generator
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from cockpit.api.errors import RedirectError, TokenHostError

logger = logging.getLogger(__name__)

PLATFORM_HOST = "retake.tv"
MAX_REDIRECTS = 3
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Origin:
    """The scheme, host and port of a URL, with the scheme's default port filled in."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: httpx.URL | str) -> Origin:
        """Return the origin of ``url``. The port is 0 for a scheme other than http(s)."""
        parsed = httpx.URL(url)
        port = parsed.port or _DEFAULT_PORTS.get(parsed.scheme, 0)
        return cls(parsed.scheme, parsed.host, port)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


PLATFORM_ORIGIN = Origin("https", PLATFORM_HOST, 443)


def is_loopback_host(host: str) -> bool:
    """Return whether ``host`` is ``localhost`` or an address in 127.0.0.0/8 or ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def may_hold_token(origin: Origin) -> bool:
    """Return whether a token may be created for and sent to ``origin`` at all."""
    if origin == PLATFORM_ORIGIN:
        return True
    return origin.scheme in _DEFAULT_PORTS and is_loopback_host(origin.host)


def check_token_origin(origin: Origin) -> None:
    """Raise TokenHostError unless a token may be sent to ``origin``."""
    if not may_hold_token(origin):
        raise TokenHostError(str(origin))


def may_receive_token(url: httpx.URL | str, token_origin: Origin) -> bool:
    """Return whether a request to ``url`` may carry a token created for ``token_origin``."""
    return may_hold_token(token_origin) and Origin.of(url) == token_origin


class TokenHostAuth(httpx.Auth):
    """Attach ``Authorization: Bearer <token>`` only to requests for the token's own origin.

    Any Authorization header already on a request to another origin is removed.
    The token is kept as a SecretStr, and the repr shows only the origin.
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(self, token: SecretStr, token_origin: Origin) -> None:
        check_token_origin(token_origin)
        self._token = token
        self._origin = token_origin

    @property
    def origin(self) -> Origin:
        """The only origin that receives the token."""
        return self._origin

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if may_receive_token(request.url, self._origin):
            request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        else:
            if "Authorization" in request.headers:
                del request.headers["Authorization"]
            logger.debug(
                "Sending %s %s without the token: other origin", request.method, request.url
            )
        yield request

    def __repr__(self) -> str:
        return f"TokenHostAuth(origin={str(self._origin)!r})"


def check_redirect(endpoint: str, request: httpx.Request, target: httpx.Request, hops: int) -> None:
    """Raise RedirectError unless the client may follow a redirect from ``request`` to ``target``.

    A redirect is followed only within the same origin (so never from https
    down to http), without a change of method, and for at most MAX_REDIRECTS hops.
    """
    destination = f"{Origin.of(target.url)}{target.url.path}"
    if hops > MAX_REDIRECTS:
        raise RedirectError(endpoint, destination, f"it is more than {MAX_REDIRECTS} redirects")
    if request.url.scheme == "https" and target.url.scheme != "https":
        raise RedirectError(endpoint, destination, "it downgrades https to http")
    if Origin.of(target.url) != Origin.of(request.url):
        raise RedirectError(endpoint, destination, "it leads to another host")
    if target.method != request.method:
        raise RedirectError(
            endpoint, destination, f"it changes the method {request.method} to {target.method}"
        )
