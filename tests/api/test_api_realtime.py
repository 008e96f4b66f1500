"""RealtimeClient against a plain python-socketio server on loopback.

The simulator only emits well-formed events, so malformed payloads, a full
queue and the connection headers are checked against this bare server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from api_servers import SocketIOServer, wait_for_async

from cockpit.api import ConnectionChanged, RealtimeClient, TransportError
from cockpit.api.events import ChatMessageEvent, NewTradeEvent
from cockpit.settings import HttpSettings

SETTINGS = HttpSettings(connect_timeout=5.0, backoff_initial=0.1, backoff_max=0.5)
MESSAGE = {
    "type": "message",
    "session_id": "s1",
    "streamer_id": "u1",
    "sender_user_id": "v1",
    "sender_username": "viewer",
    "text": "hello",
    "timestamp": "1738419600000",
}


@pytest.fixture
def sio_server() -> Iterator[SocketIOServer]:
    with SocketIOServer() as server:
        yield server


@pytest.fixture
async def realtime(sio_server: SocketIOServer) -> AsyncIterator[RealtimeClient]:
    client = RealtimeClient(sio_server.origin, settings=SETTINGS)
    await client.join("u1")
    await client.connect()
    try:
        yield client
    finally:
        await client.close()


async def _next_platform_event(client: RealtimeClient) -> object:
    while True:
        event = await asyncio.wait_for(client.events.get(), timeout=5)
        if not isinstance(event, ConnectionChanged):
            return event


async def test_joins_rooms_on_connect(sio_server: SocketIOServer, realtime: RealtimeClient):
    assert await wait_for_async(lambda: "u1" in sio_server.joined)
    first = await asyncio.wait_for(realtime.events.get(), timeout=5)

    assert first == ConnectionChanged(connected=True)
    assert realtime.rooms == {"u1"}


async def test_malformed_payload_dropped(sio_server: SocketIOServer, realtime: RealtimeClient):
    assert await wait_for_async(lambda: "u1" in sio_server.joined)

    await asyncio.to_thread(sio_server.emit, "message", {"text": 5}, "u1")
    await asyncio.to_thread(sio_server.emit, "message", "not an object", "u1")
    await asyncio.to_thread(sio_server.emit, "message", MESSAGE, "u1")

    event = await _next_platform_event(realtime)
    assert isinstance(event, ChatMessageEvent)
    assert event.text == "hello"
    assert realtime.malformed == 2
    assert realtime.connected


async def test_leave_stops_rejoin(sio_server: SocketIOServer, realtime: RealtimeClient):
    await realtime.join("trades")
    await realtime.leave("u1")

    assert realtime.rooms == {"trades"}
    assert await wait_for_async(lambda: "trades" in sio_server.joined)
    await asyncio.to_thread(sio_server.emit, "message", MESSAGE, "u1")
    trade = {"address": "T1", "action": "sell", "usdAmount": 3, "tokenTicker": "A"}
    await asyncio.to_thread(sio_server.emit, "newtrade", trade, "trades")

    event = await _next_platform_event(realtime)
    assert isinstance(event, NewTradeEvent)


async def test_rejoins_after_drop(sio_server: SocketIOServer, realtime: RealtimeClient):
    await realtime.join("live_u1")
    assert await wait_for_async(lambda: len(sio_server.joined) >= 2)
    assert sio_server.connects == 1
    sio_server.joined.clear()

    await asyncio.to_thread(sio_server.disconnect_all)

    assert await wait_for_async(lambda: sio_server.connects == 2, timeout=10)
    assert await wait_for_async(lambda: {"u1", "live_u1"} <= set(sio_server.joined))
    await asyncio.to_thread(sio_server.emit, "message", MESSAGE, "u1")
    seen: list[object] = []
    while not any(isinstance(event, ChatMessageEvent) for event in seen):
        seen.append(await asyncio.wait_for(realtime.events.get(), timeout=5))
    changes = [event for event in seen if isinstance(event, ConnectionChanged)]
    assert [change.connected for change in changes] == [True, False, True]
    assert changes[1].reason == "server disconnect"


async def test_full_queue_drops_new_events(sio_server: SocketIOServer):
    client = RealtimeClient(sio_server.origin, settings=SETTINGS, queue_size=2)
    await client.join("u1")
    await client.connect()
    try:
        assert await wait_for_async(lambda: "u1" in sio_server.joined)
        for _ in range(3):
            await asyncio.to_thread(sio_server.emit, "message", MESSAGE, "u1")

        assert await wait_for_async(lambda: client.dropped == 2)
        assert client.events.qsize() == 2
    finally:
        await client.close()


async def test_sends_no_credentials(sio_server: SocketIOServer, realtime: RealtimeClient):
    assert await wait_for_async(lambda: sio_server.connects == 1)

    headers = sio_server.connect_headers[0]
    assert "authorization" not in headers
    assert "cookie" not in headers


async def test_connect_refused():
    client = RealtimeClient("http://127.0.0.1:9", settings=SETTINGS)

    with pytest.raises(TransportError) as caught:
        await client.connect()

    assert "http://127.0.0.1:9" in str(caught.value)
    await client.close()


def test_for_api_url_uses_origin():
    client = RealtimeClient.for_api_url("http://127.0.0.1:8123/api/v1")

    assert client.origin == "http://127.0.0.1:8123"
