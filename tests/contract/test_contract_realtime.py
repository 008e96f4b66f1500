"""RealtimeClient against the simulator's Socket.IO server: every event, re-joins after drops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import pytest
from contract_helpers import Agent, SimControl

from cockpit.api import ConnectionChanged, RealtimeClient
from cockpit.api.events import (
    ChatMessageEvent,
    NewTradeEvent,
    PinnedEvent,
    PlatformEvent,
    RawTradeEvent,
    SessionStartedEvent,
    TipReceivedEvent,
    UserFollowedEvent,
)
from cockpit.settings import HttpSettings
from cockpit.sim.server import SimServer

EventT = TypeVar("EventT", bound=PlatformEvent)
REALTIME_SETTINGS = HttpSettings(connect_timeout=5.0, backoff_initial=0.1, backoff_max=0.5)


@pytest.fixture
async def realtime(sim: SimServer) -> AsyncIterator[RealtimeClient]:
    client = RealtimeClient.for_api_url(sim.api_url, settings=REALTIME_SETTINGS)
    await client.connect()
    try:
        yield client
    finally:
        await client.close()


async def _joined(client: RealtimeClient, *rooms: str) -> None:
    """Join ``rooms``, waiting for the simulator's acknowledgement of each."""
    for room in rooms:
        assert await client.join(room, ack_timeout=5.0), f"the simulator did not ack {room}"


async def _next(client: RealtimeClient, kind: type[EventT], timeout: float = 5.0) -> EventT:
    """Return the next event of ``kind``, skipping others, or fail after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            event = await client.events.get()
            if isinstance(event, kind):
                return event


async def test_message_event(control: SimControl, live_agent: Agent, realtime: RealtimeClient):
    await _joined(realtime, live_agent.user_id)

    await control.post("chat", {"streamer_id": live_agent.user_id, "text": "live hello"})
    event = await _next(realtime, ChatMessageEvent)

    assert event.type == "message"
    assert event.text == "live hello"
    assert event.streamer_id == live_agent.user_id
    assert event.session_id
    assert event.sender_username
    assert event.sender_user_id
    assert event.timestamp.tzinfo is not None


async def test_tip_events(control: SimControl, live_agent: Agent, realtime: RealtimeClient):
    await _joined(realtime, live_agent.user_id, f"live_{live_agent.user_id}")

    await control.post("tip", {"streamer_id": live_agent.user_id, "amount": 4.0, "username": "t1"})
    message = await _next(realtime, ChatMessageEvent)
    received = await _next(realtime, TipReceivedEvent)

    assert message.type == "tip"
    assert message.tip_data is not None
    assert message.tip_data.amount == 4.0
    assert message.tip_data.receiver_id == live_agent.user_id
    assert received.receiver_id == live_agent.user_id
    assert received.amount == 4.0
    assert received.sender_username == "t1"
    assert received.tx_hash
    assert received.timestamp is not None


async def test_trade_events(control: SimControl, live_agent: Agent, realtime: RealtimeClient):
    address = (await live_agent.client.stream_status()).token_address
    assert address
    # A sell needs something on the curve; this buy happens before the rooms are joined.
    await control.post("trade", {"token_address": address, "is_buy": True, "amount_in_usd": 20.0})
    await _joined(realtime, "trades", f"trades_{address}", live_agent.user_id)

    await control.post("trade", {"token_address": address, "is_buy": False, "amount_in_usd": 7.5})
    message = await _next(realtime, ChatMessageEvent)
    first = await _next(realtime, NewTradeEvent)
    second = await _next(realtime, NewTradeEvent)
    raw = await _next(realtime, RawTradeEvent)

    assert message.type == "trade"
    assert message.trade_data is not None
    assert message.trade_data.type == "sell"
    for trade in (first, second):
        assert trade.address == address
        assert trade.action == "sell"
        assert trade.usd_amount == 7.5
        assert trade.token_ticker
    assert raw.mint == address
    assert raw.is_buy is False
    assert raw.signature
    assert raw.trader
    assert raw.sol_amount > 0
    assert raw.token_amount > 0


async def test_follow_event(control: SimControl, live_agent: Agent, realtime: RealtimeClient):
    await _joined(realtime, f"live_{live_agent.user_id}")

    await control.post("follow", {"streamer_id": live_agent.user_id, "username": "fan1"})
    event = await _next(realtime, UserFollowedEvent)

    assert event.streamer_id == live_agent.user_id
    assert event.follower_username == "fan1"
    assert event.follower_id


async def test_pinned_event(control: SimControl, live_agent: Agent, realtime: RealtimeClient):
    session = await live_agent.client.active_session(live_agent.user_id)
    assert session is not None
    await _joined(realtime, f"{live_agent.user_id}/{session.session_id}")
    await control.post("chat", {"streamer_id": live_agent.user_id, "text": "pin me"})

    await control.post("pin", {"streamer_id": live_agent.user_id})
    pinned = await _next(realtime, PinnedEvent)
    await control.post("pin", {"streamer_id": live_agent.user_id, "pinned": False})
    unpinned = await _next(realtime, PinnedEvent)

    assert pinned.pinned is True
    assert pinned.message is not None
    assert pinned.message.text == "pin me"
    assert unpinned.pinned is False
    assert unpinned.message is None


async def test_session_started_event(agent: Agent, realtime: RealtimeClient):
    await _joined(realtime, f"live_{agent.user_id}")

    await agent.client.rtmp()
    await agent.client.stream_start()
    event = await _next(realtime, SessionStartedEvent)
    await agent.client.stream_stop()

    assert event.streamer_id == agent.user_id
    assert event.session_id
    assert event.username
    assert event.title


async def test_rejoins_after_drop(control: SimControl, live_agent: Agent, realtime: RealtimeClient):
    await _joined(realtime, live_agent.user_id, f"live_{live_agent.user_id}")
    assert await _next_change(realtime) == ConnectionChanged(connected=True)

    result = await control.faults(drop_sockets=True)
    assert result["dropped_sockets"] >= 1
    down = await _next_change(realtime)
    up = await _next_change(realtime, timeout=15.0)

    assert down.connected is False
    assert up.connected is True
    # The client re-joins without waiting for acks, so probe each room until an event arrives.
    message = await _probe(
        realtime,
        ChatMessageEvent,
        lambda: control.post("chat", {"streamer_id": live_agent.user_id, "text": "after"}),
    )
    assert message.text == "after"
    follow = await _probe(
        realtime,
        UserFollowedEvent,
        lambda: control.post("follow", {"streamer_id": live_agent.user_id, "username": "fan2"}),
    )
    assert follow.follower_username == "fan2"
    assert realtime.rooms == {live_agent.user_id, f"live_{live_agent.user_id}"}


async def _probe(
    client: RealtimeClient,
    kind: type[EventT],
    trigger: Callable[[], Awaitable[object]],
    timeout: float = 5.0,
) -> EventT:
    """Call ``trigger`` every 0.1 s until an event of ``kind`` arrives; return that event."""
    async with asyncio.timeout(timeout):
        while True:
            await trigger()
            try:
                return await _next(client, kind, timeout=0.1)
            except TimeoutError:
                continue


async def _next_change(client: RealtimeClient, timeout: float = 5.0) -> ConnectionChanged:
    async with asyncio.timeout(timeout):
        while True:
            event = await client.events.get()
            if isinstance(event, ConnectionChanged):
                return event
