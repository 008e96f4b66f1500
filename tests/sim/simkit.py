"""Helpers for the simulator's tests: registration, wallets, images and a Socket.IO probe."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from typing import Any

import httpx
import socketio

from cockpit.sim.encoding import b58encode
from cockpit.sim.images import solid_png

EVENT_TIMEOUT = 5.0
EVENTS = (
    "message",
    "pinned",
    "tip_received",
    "newtrade",
    "session_started",
    "user_followed",
    "rawtrade",
)


def wallet(number: int = 0) -> str:
    """A valid Solana address (32 bytes in base58) that differs by ``number``."""
    return b58encode(random.Random(number).randbytes(32))


async def register_agent(api: httpx.AsyncClient, name: str, number: int = 0) -> dict[str, Any]:
    """Register ``name`` and return the response plus ``headers`` carrying its bearer token."""
    response = await api.post(
        "/agent/register",
        json={
            "agent_name": name,
            "agent_description": f"{name} under test",
            "image_url": "https://example.com/avatar.png",
            "wallet_address": wallet(number),
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    body["headers"] = {"Authorization": f"Bearer {body['access_token']}"}
    return body


async def go_live(api: httpx.AsyncClient, agent: dict[str, Any]) -> dict[str, Any]:
    """Fetch a key and start the agent's stream; return the start response."""
    assert (await api.post("/agent/rtmp", headers=agent["headers"])).status_code == 200
    response = await api.post("/agent/stream/start", headers=agent["headers"])
    assert response.status_code == 200, response.text
    return dict(response.json())


def png(width: int = 16, height: int = 9) -> bytes:
    return solid_png(width, height, (200, 30, 30))


def jpeg(width: int = 32, height: int = 18) -> bytes:
    """A tiny JPEG-framed file: SOI, one baseline SOF0 segment with the size, EOI.

    It is not decodable image data, but it carries the markers a magic-byte and
    size check reads.
    """
    sof = (
        bytes([0xFF, 0xC0, 0x00, 0x11, 0x08]) + height.to_bytes(2, "big") + width.to_bytes(2, "big")
    )
    sof += bytes([0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01])
    return b"\xff\xd8" + bytes([0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00]) + sof + b"\xff\xd9"


class SocketProbe:
    """A Socket.IO client that queues every server event by name."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.queues: dict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.disconnected = asyncio.Event()
        for event in EVENTS:
            self.client.on(event, self._recorder(event))
        self.client.on("disconnect", self._on_disconnect)

    def _recorder(self, event: str) -> Any:
        async def record(data: Any) -> None:
            self.queues[event].put_nowait(data)

        return record

    async def _on_disconnect(self, reason: Any = None) -> None:
        self.disconnected.set()

    async def connect(self, origin: str, transport: str = "websocket") -> SocketProbe:
        await self.client.connect(origin, transports=[transport], wait_timeout=EVENT_TIMEOUT)
        return self

    async def join(self, room: str) -> None:
        ack = await self.client.call("joinRoom", {"roomId": room}, timeout=EVENT_TIMEOUT)
        assert ack == {"roomId": room, "joined": True}

    async def leave(self, room: str) -> None:
        ack = await self.client.call("leaveRoom", {"roomId": room}, timeout=EVENT_TIMEOUT)
        assert ack == {"roomId": room, "joined": False}

    async def next(self, event: str) -> Any:
        """The next ``event`` received, waiting up to EVENT_TIMEOUT seconds."""
        return await asyncio.wait_for(self.queues[event].get(), EVENT_TIMEOUT)

    def pending(self, event: str) -> int:
        return self.queues[event].qsize()

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()
