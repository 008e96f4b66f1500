"""Typed async client of the retake.tv agent API (skill 2.0.0) and its Socket.IO feed.

- `RetakeClient`: every agent and public endpoint, with deadlines, retries and
  the token-host rule (the access token goes only to https://retake.tv or to
  the loopback simulator it was issued by).
- `RealtimeClient`: Socket.IO rooms and events, delivered as typed models on a queue.
- `cockpit.api.models` and `cockpit.api.events`: the response and event models.
- `cockpit.api.errors`: the exceptions, all subclasses of `ApiError`.
"""

from __future__ import annotations

from cockpit.api.client import RetakeClient
from cockpit.api.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    DeadlineExceeded,
    HttpStatusError,
    InvalidApiUrlError,
    NoActiveSessionError,
    NotFoundError,
    ProfileMismatchError,
    RedirectError,
    ResponseFormatError,
    SendOutcomeUnknown,
    ServerError,
    TokenHostError,
    TransportError,
    UnexpectedStatusError,
)
from cockpit.api.events import ConnectionChanged, PlatformEvent, RealtimeEvent
from cockpit.api.realtime import RealtimeClient

__all__ = [
    "ApiError",
    "AuthError",
    "BadRequestError",
    "ConnectionChanged",
    "DeadlineExceeded",
    "HttpStatusError",
    "InvalidApiUrlError",
    "NoActiveSessionError",
    "NotFoundError",
    "PlatformEvent",
    "ProfileMismatchError",
    "RealtimeClient",
    "RealtimeEvent",
    "RedirectError",
    "ResponseFormatError",
    "RetakeClient",
    "SendOutcomeUnknown",
    "ServerError",
    "TokenHostError",
    "TransportError",
    "UnexpectedStatusError",
]
