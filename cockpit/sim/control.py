"""Control endpoints under /_sim: faults, audience rate, scripted activity and a state dump.

They are not part of the platform. Each accepts loopback clients only (403 otherwise).
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cockpit.sim import encoding, shapes
from cockpit.sim.errors import SimError, bad_request, not_found
from cockpit.sim.models import Agent, User, iso_z
from cockpit.sim.options import is_loopback_host
from cockpit.sim.web import Handler, SimContext, context, handles_errors, json_body

logger = logging.getLogger(__name__)

FAULT_KEYS = frozenset(
    {"errors", "latency", "trickle", "drop_sockets", "rotate_key", "revoke_token"}
)
MAX_AUDIENCE_RATE = 2_000.0


def loopback_only(handler: Handler) -> Handler:
    """Wrap ``handler`` so that it serves loopback clients only and returns 403 to others."""

    async def wrapper(request: Request) -> Response:
        host = request.client.host if request.client else ""
        if not is_loopback_host(host):
            raise SimError(403, "The /_sim endpoints accept requests from loopback clients only.")
        return await handler(request)

    return handles_errors(wrapper)


def streamer_of(sim: SimContext, body: dict[str, Any]) -> Agent:
    streamer_id = body.get("streamer_id")
    if not isinstance(streamer_id, str) or not streamer_id:
        raise bad_request("The 'streamer_id' field is missing; pass a streamer's user id.")
    return sim.state.agent(streamer_id)


def _sender(sim: SimContext, body: dict[str, Any], default_name: str) -> User:
    """Return the user with ``user_id``, else the one named ``username`` (created if new)."""
    user_id = body.get("user_id")
    if user_id is not None:
        user = sim.state.users.get(user_id) if isinstance(user_id, str) else None
        if user is None:
            raise not_found(f"No user has the id {user_id!r}; omit user_id or pass a known one.")
        return user
    username = body.get("username") or default_name
    if not isinstance(username, str):
        raise bad_request(f"The username {username!r} must be a string.")
    existing = sim.state.find_user_by_name(username)
    if existing is not None:
        return existing
    wallet = body.get("wallet")
    if wallet is not None and not (isinstance(wallet, str) and encoding.is_solana_address(wallet)):
        raise bad_request(f"The wallet {wallet!r} is not a base58 Solana address.")
    return sim.state.add_user(username, wallet)


def _trader(sim: SimContext, body: dict[str, Any]) -> User:
    wallet = body.get("wallet")
    if wallet is None:
        wallet = encoding.random_address(sim.state.id_rng)
    if not isinstance(wallet, str) or not encoding.is_solana_address(wallet):
        raise bad_request(f"The wallet {wallet!r} is not a base58 Solana address.")
    known = next((u for u in sim.state.users.values() if u.wallet_address == wallet), None)
    return known or sim.state.add_user(f"trader_{wallet[:6]}", wallet)


def _number(body: dict[str, Any], field: str) -> float:
    value = body.get(field)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise bad_request(f"The field {field!r} must be a number, not {value!r}.")
    return float(value)


async def faults_post(request: Request) -> Response:
    sim = context(request)
    body = await json_body(request)
    unknown = sorted(set(body) - FAULT_KEYS)
    if unknown:
        raise bad_request(
            f"The fault fields {unknown} are not supported; use {sorted(FAULT_KEYS)}."
        )
    for field in ("rotate_key", "revoke_token"):
        if field in body:
            sim.state.agent(str(body[field]))

    sim.faults.apply(body)
    if "rotate_key" in body:
        sim.state.rotate_key(str(body["rotate_key"]))
    if "revoke_token" in body:
        sim.state.revoke_token(str(body["revoke_token"]))
    dropped = await sim.realtime.drop_all() if body.get("drop_sockets") else 0
    return JSONResponse({**sim.faults.as_dict(), "dropped_sockets": dropped})


async def faults_delete(request: Request) -> Response:
    sim = context(request)
    sim.faults.clear()
    logger.info("Cleared every fault")
    return JSONResponse(sim.faults.as_dict())


async def faults_get(request: Request) -> Response:
    return JSONResponse(context(request).faults.as_dict())


def _chat_result(event: Any) -> dict[str, Any]:
    return {
        **shapes.chat_item(event),
        "streamer_id": event.streamer_id,
        "session_id": event.session_id,
    }


async def chat(request: Request) -> Response:
    sim = context(request)
    body = await json_body(request)
    streamer = streamer_of(sim, body)
    text = body.get("text")
    if not isinstance(text, str):
        raise bad_request("The 'text' field is missing; pass the message text.")
    sender = _sender(sim, body, "sim_viewer")
    event = await sim.actions.chat(streamer, sender, text)
    return JSONResponse(_chat_result(event))


async def tip(request: Request) -> Response:
    sim = context(request)
    body = await json_body(request)
    streamer = streamer_of(sim, body)
    amount = _number(body, "amount")
    event = await sim.actions.tip(streamer, _sender(sim, body, "sim_tipper"), amount)
    return JSONResponse(_chat_result(event))


async def trade(request: Request) -> Response:
    sim = context(request)
    body = await json_body(request)
    address = body.get("token_address")
    token = sim.state.market.tokens.get(address) if isinstance(address, str) else None
    if token is None:
        raise not_found(f"No token has the address {address!r}; start the agent's stream first.")
    is_buy = body.get("is_buy")
    if not isinstance(is_buy, bool):
        raise bad_request(f"The field 'is_buy' must be true or false, not {is_buy!r}.")
    amount = _number(body, "amount_in_usd")
    made, event = await sim.actions.trade(token, is_buy, amount, _trader(sim, body))
    return JSONResponse(
        {
            **shapes.trade_item(made),
            "chat_event_id": event.chat_event_id,
            "streamer_id": token.streamer_id,
        }
    )


async def follow(request: Request) -> Response:
    sim = context(request)
    body = await json_body(request)
    streamer = streamer_of(sim, body)
    made = await sim.actions.follow(streamer, _sender(sim, body, "sim_follower"))
    return JSONResponse(
        {
            "streamer_id": made.streamer_id,
            "follower_id": made.follower.user_id,
            "follower_username": made.follower.username,
        }
    )


async def pin(request: Request) -> Response:
    sim = context(request)
    body = await json_body(request)
    streamer = streamer_of(sim, body)
    pinned = body.get("pinned", True)
    if not isinstance(pinned, bool):
        raise bad_request(f"The field 'pinned' must be true or false, not {pinned!r}.")
    return JSONResponse(await sim.actions.pin(streamer, pinned))


async def audience(request: Request) -> Response:
    sim = context(request)
    body = await json_body(request)
    rate = _number(body, "rate")
    if not 0 <= rate <= MAX_AUDIENCE_RATE:
        raise bad_request(
            f"The rate {rate!r} is outside 0 to {MAX_AUDIENCE_RATE:g} events per second."
        )
    sim.audience.set_rate(rate)
    return JSONResponse({"rate": rate})


async def state(request: Request) -> Response:
    sim = context(request)
    current = sim.state
    sessions = []
    for session in sorted(current.sessions.values(), key=lambda s: s.started_at):
        streamer = current.agents[session.streamer_id]
        shape = shapes.recorded_item if session.status == "ended" else shapes.session_item
        sessions.append(shape(session, streamer))
    return JSONResponse(
        {
            "agents": [
                {
                    "user_id": agent.user_id,
                    "agent_name": agent.name,
                    "token_address": agent.token.address if agent.token else "",
                    "is_live": current.is_live(agent),
                    "simulated": agent.simulated,
                }
                for agent in current.agents.values()
            ],
            "chat_sent": [
                {
                    "user_id": sent.user_id,
                    "destination_user_id": sent.destination_user_id,
                    "text": sent.text,
                    "at": iso_z(sent.at),
                }
                for sent in current.chat_sent
            ],
            "thumbnails": [
                {
                    "user_id": thumbnail.user_id,
                    "at": iso_z(thumbnail.at),
                    "content_type": thumbnail.info.content_type,
                    "size_bytes": len(thumbnail.data),
                    "width": thumbnail.info.width,
                    "height": thumbnail.info.height,
                }
                for thumbnail in current.thumbnails.values()
            ],
            "sessions": sessions,
            "requests": current.request_count,
            "seed": current.seed,
            "audience_rate": sim.audience.rate,
            "sockets": len(sim.realtime.connected),
        }
    )


def control_routes() -> list[Route]:
    """Build the routes of the /_sim control endpoints."""
    return [
        Route("/_sim/faults", loopback_only(faults_post), methods=["POST"]),
        Route("/_sim/faults", loopback_only(faults_delete), methods=["DELETE"]),
        Route("/_sim/faults", loopback_only(faults_get), methods=["GET"]),
        Route("/_sim/chat", loopback_only(chat), methods=["POST"]),
        Route("/_sim/tip", loopback_only(tip), methods=["POST"]),
        Route("/_sim/trade", loopback_only(trade), methods=["POST"]),
        Route("/_sim/follow", loopback_only(follow), methods=["POST"]),
        Route("/_sim/pin", loopback_only(pin), methods=["POST"]),
        Route("/_sim/audience", loopback_only(audience), methods=["POST"]),
        Route("/_sim/state", loopback_only(state), methods=["GET"]),
    ]
