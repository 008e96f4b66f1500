"""The Socket.IO side of the simulator: rooms, and the payloads of every server event."""

from __future__ import annotations

import logging
from typing import Any

import socketio

from cockpit.sim.curve import LAMPORTS_PER_SOL, TOKEN_DECIMALS
from cockpit.sim.models import ChatEvent, Trade, epoch_ms

logger = logging.getLogger(__name__)


class Realtime:
    """A Socket.IO server; clients join rooms with ``joinRoom`` and leave with ``leaveRoom``."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncServer(async_mode="asgi", logger=False, engineio_logger=False)
        self.connected: set[str] = set()
        self.emitted = 0
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("joinRoom", self._on_join_room)
        self.sio.on("leaveRoom", self._on_leave_room)

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        self.connected.add(sid)
        logger.debug("Socket %s connected", sid)

    async def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.connected.discard(sid)
        logger.debug("Socket %s disconnected", sid)

    async def _on_join_room(self, sid: str, data: Any) -> dict[str, Any]:
        room = _room_id(data)
        if room is None:
            return {"error": "joinRoom needs a JSON object with a non-empty string 'roomId'."}
        await self.sio.enter_room(sid, room)
        return {"roomId": room, "joined": True}

    async def _on_leave_room(self, sid: str, data: Any) -> dict[str, Any]:
        room = _room_id(data)
        if room is None:
            return {"error": "leaveRoom needs a JSON object with a non-empty string 'roomId'."}
        await self.sio.leave_room(sid, room)
        return {"roomId": room, "joined": False}

    async def emit(self, event: str, payload: dict[str, Any], room: str) -> None:
        """Send ``event`` with ``payload`` to every client in ``room``."""
        self.emitted += 1
        await self.sio.emit(event, payload, room=room)

    async def drop_all(self) -> int:
        """Disconnect every connected client once; return how many there were."""
        sids = list(self.connected)
        for sid in sids:
            await self.sio.disconnect(sid)
        if sids:
            logger.info("Dropped %d Socket.IO connections", len(sids))
        return len(sids)


def _room_id(data: Any) -> str | None:
    if isinstance(data, dict):
        room = data.get("roomId")
        if isinstance(room, str) and room:
            return room
    return None


def message_payload(event: ChatEvent) -> dict[str, Any]:
    """Build the ``message`` event for a chat entry, sent to the room ``{streamer_id}``."""
    payload: dict[str, Any] = {
        "type": event.type,
        "session_id": event.session_id,
        "streamer_id": event.streamer_id,
        "sender_user_id": event.sender.user_id,
        "sender_username": event.sender.username,
        "text": event.text,
        "timestamp": str(epoch_ms(event.at)),
    }
    if event.type == "tip":
        payload["tip_data"] = event.tip_data
    if event.type == "trade":
        payload["trade_data"] = event.trade_data
    return payload


def tip_received_payload(event: ChatEvent) -> dict[str, Any]:
    """Build the ``tip_received`` event, sent to ``live_{receiver_id}``."""
    tip = event.tip_data or {}
    return {
        "receiver_id": event.streamer_id,
        "sender_user_id": event.sender.user_id,
        "sender_username": event.sender.username,
        "amount": tip.get("amount"),
        "tx_hash": tip.get("tx_hash"),
        "timestamp": str(epoch_ms(event.at)),
    }


def newtrade_payload(trade: Trade) -> dict[str, Any]:
    """Build the ``newtrade`` event, sent to ``trades`` and ``trades_{tokenAddress}``."""
    return {
        "address": trade.token_address,
        "action": "buy" if trade.is_buy else "sell",
        "usdAmount": trade.amount_in_usd,
        "tokenTicker": trade.token_ticker,
    }


def rawtrade_payload(trade: Trade) -> dict[str, Any]:
    """Build the ``rawtrade`` event, sent to ``trades``, with amounts in lamports and base units."""
    return {
        "signature": trade.tx_hash,
        "mint": trade.token_address,
        "trader": trade.trader_wallet,
        "is_buy": trade.is_buy,
        "sol_amount": round(trade.sol_amount * LAMPORTS_PER_SOL),
        "token_amount": round(trade.token_amount * 10**TOKEN_DECIMALS),
        "timestamp": str(trade.at_micros // 1000),
    }
