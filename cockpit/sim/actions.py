"""Platform actions that change state and announce it: the one path for chat, tips, trades,
follows, pins and session starts, whether they come from the API, /_sim or the audience."""

from __future__ import annotations

import logging
import math
from typing import Any

from cockpit.sim import encoding
from cockpit.sim.errors import bad_request, conflict, not_found
from cockpit.sim.models import Agent, ChatEvent, Follow, Session, Token, Trade, User
from cockpit.sim.realtime import (
    Realtime,
    message_payload,
    newtrade_payload,
    rawtrade_payload,
    tip_received_payload,
)
from cockpit.sim.state import SimState

logger = logging.getLogger(__name__)


class Actions:
    """The store-then-emit path of every platform action."""

    def __init__(self, state: SimState, realtime: Realtime) -> None:
        self.state = state
        self.realtime = realtime

    async def chat(self, streamer: Agent, sender: User, text: str) -> ChatEvent:
        """Post a chat message in the streamer's room."""
        if not text.strip():
            raise bad_request("The message is empty; send some text.")
        event = self.state.add_chat_event(streamer, sender, text)
        await self.realtime.emit("message", message_payload(event), streamer.user_id)
        return event

    async def tip(self, streamer: Agent, sender: User, amount: float) -> ChatEvent:
        """Tip the streamer ``amount`` USD: a chat entry plus ``tip_received``."""
        if not _is_positive(amount):
            raise bad_request(f"The tip amount {amount!r} is not a positive number.")
        tip_data = {
            "receiver_id": streamer.user_id,
            "amount": amount,
            "tx_hash": encoding.random_signature(self.state.id_rng),
        }
        text = f"tipped ${amount:,.2f}"
        event = self.state.add_chat_event(streamer, sender, text, "tip", tip_data=tip_data)
        await self.realtime.emit("message", message_payload(event), streamer.user_id)
        await self.realtime.emit(
            "tip_received", tip_received_payload(event), f"live_{streamer.user_id}"
        )
        return event

    async def trade(
        self, token: Token, is_buy: bool, usd_amount: float, trader: User
    ) -> tuple[Trade, ChatEvent]:
        """Fill a trade on the token's curve; it also shows in the streamer's chat."""
        if not _is_positive(usd_amount):
            raise bad_request(f"The trade amount {usd_amount!r} is not a positive number of USD.")
        tx_hash = encoding.random_signature(self.state.id_rng)
        trade = self.state.market.trade(token, is_buy, usd_amount, trader.wallet_address, tx_hash)

        streamer = self.state.agent(token.streamer_id)
        verb = "bought" if is_buy else "sold"
        trade_data = {"amount": usd_amount, "type": "buy" if is_buy else "sell", "tx_hash": tx_hash}
        text = f"{verb} ${usd_amount:,.2f} of {token.ticker}"
        event = self.state.add_chat_event(streamer, trader, text, "trade", trade_data=trade_data)

        await self.realtime.emit("message", message_payload(event), streamer.user_id)
        await self.realtime.emit("newtrade", newtrade_payload(trade), "trades")
        await self.realtime.emit("newtrade", newtrade_payload(trade), f"trades_{token.address}")
        await self.realtime.emit("rawtrade", rawtrade_payload(trade), "trades")
        return trade, event

    async def follow(self, streamer: Agent, follower: User) -> Follow:
        """Follow the streamer and emit ``user_followed``."""
        follow = self.state.follow(streamer, follower)
        payload = {
            "streamer_id": streamer.user_id,
            "follower_id": follower.user_id,
            "follower_username": follower.username,
        }
        await self.realtime.emit("user_followed", payload, f"live_{streamer.user_id}")
        return follow

    async def pin(self, streamer: Agent, pinned: bool = True) -> dict[str, Any]:
        """Pin the latest message of the active session, or unpin; emit ``pinned``."""
        session = streamer.session
        if session is None:
            raise conflict(f"The streamer {streamer.user_id!r} has no active session to pin in.")
        message: dict[str, Any] | None = None
        if pinned:
            latest = next(
                (
                    event
                    for event in reversed(self.state.chat.events(streamer.user_id))
                    if event.session_id == session.session_id and event.type == "message"
                ),
                None,
            )
            if latest is None:
                raise not_found("The active session has no message to pin; post one first.")
            message = message_payload(latest)
        payload = {"pinned": pinned, "message": message}
        await self.realtime.emit("pinned", payload, f"{streamer.user_id}/{session.session_id}")
        return payload

    async def start_stream(self, agent: Agent) -> Session:
        """Open a session, creating the token on the first call; emit ``session_started`` if new."""
        session, opened = self.state.start_stream(agent)
        if opened:
            await self.announce_session(agent, session)
        return session

    async def announce_session(self, agent: Agent, session: Session) -> None:
        """Emit ``session_started`` for a session that just opened."""
        payload = {
            "streamer_id": agent.user_id,
            "session_id": session.session_id,
            "username": agent.name,
            "title": session.title,
        }
        await self.realtime.emit("session_started", payload, f"live_{agent.user_id}")


def _is_positive(value: float) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
