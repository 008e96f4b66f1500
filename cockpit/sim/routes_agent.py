"""Agent endpoints under /api/v1/agent: registration, RTMP keys, stream control, chat, comments."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cockpit.sim import shapes
from cockpit.sim.errors import SimError, bad_request, not_found
from cockpit.sim.models import ChatEvent
from cockpit.sim.multipart import parse_form
from cockpit.sim.web import context, current_agent, json_body, limit_param, routes

logger = logging.getLogger(__name__)

MAX_CHAT_LENGTH = 4_000


async def register(request: Request) -> Response:
    body = await json_body(request)
    agent = context(request).state.register_agent(
        body.get("agent_name"),
        body.get("agent_description"),
        body.get("image_url"),
        body.get("wallet_address"),
    )
    return JSONResponse(
        {
            "access_token": agent.access_token,
            "agent_id": agent.agent_id,
            "userDbId": agent.user_id,
            "wallet_address": agent.user.wallet_address,
            "token_address": "",
            "token_ticker": "",
        }
    )


async def rtmp(request: Request) -> Response:
    agent = await current_agent(request, await json_body(request))
    sim = context(request)
    key = sim.state.issue_rtmp_key(agent)
    return JSONResponse({"url": sim.ingest_url, "key": key})


async def stream_start(request: Request) -> Response:
    agent = await current_agent(request, await json_body(request))
    await context(request).actions.start_stream(agent)
    token = agent.token
    assert token is not None
    return JSONResponse(
        {
            "success": True,
            "token": {
                "name": token.name,
                "ticker": token.ticker,
                "imageUrl": token.image_url,
                "tokenAddress": token.address,
                "tokenType": token.token_type,
            },
        }
    )


async def stream_status(request: Request) -> Response:
    agent = await current_agent(request)
    state = context(request).state
    return JSONResponse(
        {
            "is_live": state.is_live(agent),
            "viewers": state.viewers(agent),
            "uptime_seconds": state.uptime_seconds(agent),
            "token_address": agent.token.address if agent.token is not None else "",
            "userDbId": agent.user_id,
        }
    )


async def stream_stop(request: Request) -> Response:
    agent = await current_agent(request, await json_body(request))
    session, duration = context(request).state.stop_stream(agent)
    return JSONResponse(
        {"status": "stopped", "duration_seconds": duration, "viewers": session.peak_viewers}
    )


async def update_thumbnail(request: Request) -> Response:
    # A bearer token is checked before the body is read, so a bad token gets 401, not 400.
    if request.headers.get("authorization"):
        agent = await current_agent(request)
        form = parse_form(request.headers.get("content-type", ""), await request.body())
    else:
        try:
            form = parse_form(request.headers.get("content-type", ""), await request.body())
        except SimError:
            # No token in a header and no form to carry one: the request is unauthenticated.
            await current_agent(request)
            raise
        token_part = form.get("access_token")
        body = {"access_token": token_part.data.decode("utf-8", "replace")} if token_part else {}
        agent = await current_agent(request, body)
    image = form.get("image")
    if image is None:
        raise bad_request("The form has no 'image' field; upload the thumbnail as 'image'.")

    sim = context(request)
    thumbnail = sim.state.add_thumbnail(agent, image.data)
    return JSONResponse(
        {
            "message": "Thumbnail updated",
            "thumbnail_url": f"{sim.origin}/thumbnails/{thumbnail.filename}",
        }
    )


async def chat_send(request: Request) -> Response:
    body = await json_body(request)
    agent = await current_agent(request, body)
    message = body.get("message")
    destination = body.get("destination_user_id")
    if not isinstance(message, str) or not message.strip():
        raise bad_request("The 'message' field is missing or empty; send some text.")
    if len(message) > MAX_CHAT_LENGTH:
        raise bad_request(
            f"The message has {len(message)} characters, over the {MAX_CHAT_LENGTH} allowed."
        )
    if not isinstance(destination, str) or not destination:
        raise bad_request("The 'destination_user_id' field is missing; pass a streamer's userDbId.")

    sim = context(request)
    streamer = sim.state.agents.get(destination)
    if streamer is None:
        raise not_found(f"No streamer has the id {destination!r}; check destination_user_id.")
    await sim.actions.chat(streamer, agent.user, message)
    sim.state.record_sent_chat(agent, destination, message)
    return JSONResponse({"success": True})


async def comments(request: Request) -> Response:
    await current_agent(request)
    sim = context(request)
    streamer_id = request.query_params.get("userDbId")
    if not streamer_id:
        raise bad_request("The 'userDbId' query is missing; pass the streamer's userDbId.")
    if streamer_id not in sim.state.agents:
        raise not_found(f"No streamer has the id {streamer_id!r}; check userDbId.")
    limit = limit_param(request)
    before_id = request.query_params.get("beforeId") or None

    if sim.options.drift:
        events, _ = sim.state.chat.page(streamer_id, limit, before_id)
        items = [shapes.drift_comment_item(event) for event in events]
        key = sim.options.drift_comments_key
        return JSONResponse({key: items} if key else items)

    events, _ = sim.state.chat.page(streamer_id, limit, before_id, accept=_is_message)
    return JSONResponse({"comments": [shapes.comment_item(event) for event in events]})


def _is_message(event: ChatEvent) -> bool:
    return event.type == "message"


def agent_routes() -> list[Route]:
    """Build the routes of the agent endpoints, relative to /api/v1."""
    return [
        *routes("/agent/register", register, ["POST"]),
        *routes("/agent/rtmp", rtmp, ["POST"]),
        *routes("/agent/stream/start", stream_start, ["POST"]),
        *routes("/agent/stream/status", stream_status, ["GET"]),
        *routes("/agent/stream/stop", stream_stop, ["POST"]),
        *routes("/agent/update-thumbnail", update_thumbnail, ["POST"]),
        *routes("/agent/stream/chat/send", chat_send, ["POST"]),
        *routes("/agent/stream/comments", comments, ["GET"]),
    ]
