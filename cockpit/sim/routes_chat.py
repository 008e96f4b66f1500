"""Public chat endpoints under /api/v1/chat."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cockpit.sim import shapes
from cockpit.sim.errors import bad_request, not_found
from cockpit.sim.models import ChatEvent
from cockpit.sim.web import context, limit_param, list_response, routes


async def chat(request: Request) -> Response:
    sim = context(request)
    streamer_id = request.query_params.get("streamer_id") or None
    session_id = request.query_params.get("session_id") or None
    if (streamer_id is None) == (session_id is None):
        raise bad_request("Pass exactly one of 'streamer_id' and 'session_id'.")

    accept = None
    if session_id is not None:
        session = sim.state.sessions.get(session_id)
        if session is None:
            raise not_found(f"No session has the id {session_id!r}; check the session_id.")
        streamer_id = session.streamer_id

        def accept(event: ChatEvent) -> bool:
            return event.session_id == session_id

    assert streamer_id is not None
    if streamer_id not in sim.state.agents:
        raise not_found(f"No streamer has the id {streamer_id!r}; check the streamer_id.")

    before = request.query_params.get("before_chat_event_id") or None
    events, has_more = sim.state.chat.page(streamer_id, limit_param(request), before, accept)
    return list_response(
        request, "chats", [shapes.chat_item(event) for event in events], has_more=has_more
    )


async def top_tippers(request: Request) -> Response:
    sim = context(request)
    streamer_id = request.query_params.get("streamer_id")
    if not streamer_id:
        raise bad_request("The 'streamer_id' query is missing; pass the streamer's user id.")
    if streamer_id not in sim.state.agents:
        raise not_found(f"No streamer has the id {streamer_id!r}; check the streamer_id.")
    rows = sim.state.chat.top_tippers(streamer_id)[: limit_param(request)]
    items = [
        {
            "user_id": row.user_id,
            "username": row.username,
            "total_amount": row.total_amount,
            "tip_count": row.tip_count,
            "rank": rank,
        }
        for rank, row in enumerate(rows, start=1)
    ]
    return list_response(request, "tippers", items)


def chat_routes() -> list[Route]:
    """Build the routes of the public chat endpoints, relative to /api/v1."""
    return [
        *routes("/chat/top-tippers", top_tippers, ["GET"]),
        *routes("/chat", chat, ["GET"]),
    ]
