"""Public session endpoints under /api/v1/sessions."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cockpit.sim import shapes
from cockpit.sim.errors import conflict, not_found
from cockpit.sim.models import Agent
from cockpit.sim.web import SimContext, context, limit_param, list_response, routes

JOIN_TOKEN_SECONDS = 3_600


def _streamer(sim: SimContext, streamer_id: str) -> Agent:
    agent = sim.state.agents.get(streamer_id)
    if agent is None:
        raise not_found(f"No streamer has the id {streamer_id!r}; check the streamer_id.")
    return agent


async def active(request: Request) -> Response:
    state = context(request).state
    agents = sorted(state.live_agents(), key=lambda a: -(a.session.started_at if a.session else 0))
    items = [
        shapes.session_item(agent.session, agent)
        for agent in agents[: limit_param(request)]
        if agent.session is not None
    ]
    return list_response(request, "sessions", items)


async def active_of(request: Request) -> Response:
    sim = context(request)
    agent = _streamer(sim, request.path_params["streamer_id"])
    session = agent.session if sim.state.is_live(agent) else None
    return JSONResponse(
        {"session": shapes.session_item(session, agent) if session is not None else None}
    )


def _recorded(sim: SimContext, streamer_id: str | None, limit: int) -> list[dict[str, Any]]:
    ended = [
        session
        for session in sim.state.sessions.values()
        if session.status == "ended" and (streamer_id is None or session.streamer_id == streamer_id)
    ]
    ended.sort(key=lambda session: -(session.ended_at or 0.0))
    return [
        shapes.recorded_item(session, sim.state.agents[session.streamer_id])
        for session in ended[:limit]
    ]


async def recorded(request: Request) -> Response:
    return list_response(
        request, "sessions", _recorded(context(request), None, limit_param(request))
    )


async def recorded_of(request: Request) -> Response:
    sim = context(request)
    agent = _streamer(sim, request.path_params["streamer_id"])
    return list_response(request, "sessions", _recorded(sim, agent.user_id, limit_param(request)))


def _scheduled(sim: SimContext, streamer_id: str | None, limit: int) -> list[dict[str, Any]]:
    now = sim.state.clock()
    upcoming = [
        scheduled
        for scheduled in sim.state.scheduled
        if scheduled.scheduled_for > now
        and (streamer_id is None or scheduled.streamer_id == streamer_id)
    ]
    upcoming.sort(key=lambda scheduled: scheduled.scheduled_for)
    return [shapes.scheduled_item(scheduled) for scheduled in upcoming[:limit]]


async def scheduled(request: Request) -> Response:
    return list_response(
        request, "sessions", _scheduled(context(request), None, limit_param(request))
    )


async def scheduled_of(request: Request) -> Response:
    sim = context(request)
    agent = _streamer(sim, request.path_params["streamer_id"])
    return list_response(request, "sessions", _scheduled(sim, agent.user_id, limit_param(request)))


async def join(request: Request) -> Response:
    sim = context(request)
    session_id = request.path_params["session_id"]
    session = sim.state.sessions.get(session_id)
    if session is None:
        raise not_found(f"No session has the id {session_id!r}; check the session_id.")
    if session.status != "live":
        raise conflict(f"The session {session_id!r} has ended; join a live session.")
    host = urlsplit(sim.origin).netloc
    return JSONResponse(
        {"token": _viewer_token(session_id, sim.state.clock()), "url": f"wss://{host}/livekit"}
    )


def _viewer_token(session_id: str, now: float) -> str:
    """Return a JWT-shaped viewer token. Its signature is random because nothing verifies it."""

    def part(value: dict[str, Any]) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = part({"alg": "HS256", "typ": "JWT"})
    claims = part(
        {
            "sub": "viewer",
            "video": {"room": session_id, "roomJoin": True, "canSubscribe": True},
            "iat": int(now),
            "exp": int(now) + JOIN_TOKEN_SECONDS,
        }
    )
    return f"{header}.{claims}.{secrets.token_urlsafe(32)}"


def session_routes() -> list[Route]:
    """Build the routes of the public session endpoints, relative to /api/v1."""
    return [
        *routes("/sessions/active", active, ["GET"]),
        *routes("/sessions/active/{streamer_id}", active_of, ["GET"]),
        *routes("/sessions/recorded", recorded, ["GET"]),
        *routes("/sessions/recorded/{streamer_id}", recorded_of, ["GET"]),
        *routes("/sessions/scheduled", scheduled, ["GET"]),
        *routes("/sessions/scheduled/{streamer_id}", scheduled_of, ["GET"]),
        *routes("/sessions/{session_id}/join", join, ["GET"]),
    ]
