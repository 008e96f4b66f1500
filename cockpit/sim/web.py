"""Helpers shared by the simulator's HTTP routes: context, errors, auth, bodies and paging."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cockpit.sim.actions import Actions
from cockpit.sim.audience import Audience
from cockpit.sim.errors import SimError, bad_request
from cockpit.sim.faults import FaultPlan
from cockpit.sim.models import Agent
from cockpit.sim.options import DEFAULT_INGEST_URL, SimOptions
from cockpit.sim.realtime import Realtime
from cockpit.sim.state import SimState

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
MAX_LIMIT = 100

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class SimContext:
    """Everything a route can reach, stored on the Starlette app as ``app.state.sim``."""

    options: SimOptions
    state: SimState
    realtime: Realtime
    actions: Actions
    faults: FaultPlan
    audience: Audience

    @property
    def origin(self) -> str:
        return self.state.origin

    @property
    def ingest_url(self) -> str:
        return self.options.ingest_url or DEFAULT_INGEST_URL


def context(request: Request) -> SimContext:
    """Return the simulator serving this request."""
    sim: SimContext = request.app.state.sim
    return sim


def error_response(status: int, message: str) -> JSONResponse:
    """Return the platform's error body, ``{"error": "<sentence>"}``, with ``status``."""
    return JSONResponse({"error": message}, status_code=status)


def handles_errors(handler: Handler) -> Handler:
    """Turn a SimError raised by ``handler`` into its JSON error response."""

    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except SimError as error:
            return error_response(error.status, error.message)

    return wrapper


def routes(path: str, handler: Handler, methods: list[str]) -> list[Route]:
    """Build routes for ``path`` with and without a trailing slash, so neither form redirects."""
    bare = path.rstrip("/")
    wrapped = handles_errors(handler)
    return [Route(bare, wrapped, methods=methods), Route(bare + "/", wrapped, methods=methods)]


async def json_body(request: Request) -> dict[str, Any]:
    """Return the JSON object in the request body; an empty body counts as ``{}``."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_request("The request body is not valid JSON; send a JSON object.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


async def current_agent(request: Request, body: dict[str, Any] | None = None) -> Agent:
    """Return the agent whose token is in the Authorization header or ``body``; else 401."""
    token: str | None = None
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        token = value.strip()
    elif body is not None and isinstance(body.get("access_token"), str):
        token = body["access_token"]
    return context(request).state.authenticate(token)


def limit_param(request: Request, default: int = DEFAULT_LIMIT) -> int:
    """Return the ``limit`` query: a whole number of at least 1, cut to 100 if larger."""
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request(f"The limit {raw!r} is not a whole number.") from None
    if limit < 1:
        raise bad_request(f"The limit {limit} is below 1; ask for 1 to {MAX_LIMIT} items.")
    return min(limit, MAX_LIMIT)


def list_response(request: Request, key: str, items: Iterable[Any], **extra: Any) -> JSONResponse:
    """Return a wrapped list ``{key: [...], **extra}``, or in drift mode the bare list."""
    values = list(items)
    if context(request).options.drift:
        return JSONResponse(values)
    return JSONResponse({key: values, **extra})
