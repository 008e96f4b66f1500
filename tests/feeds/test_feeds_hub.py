"""FeedHub against the real simulator: socket and polling paths, drops, restarts and bursts."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from feeds_helpers import (
    Agent,
    HubFactory,
    SimControl,
    eventually,
    fast_settings,
    register_agent,
    start_stream,
)

from cockpit.feeds.events import ChatItem, TradeItem
from cockpit.feeds.hub import FeedHub
from cockpit.feeds.textsafe import display_safe
from cockpit.sim.server import SimOptions, SimServer


@contextmanager
def own_sim(**options: object) -> Iterator[SimServer]:
    """A simulator for one test, so that its audience writes only to that test's agent."""
    with SimServer(SimOptions(seed=31, audience_rate=0.0, **options)) as server:  # type: ignore[arg-type]
        yield server


async def socket_up(hub: FeedHub) -> None:
    await eventually(lambda: hub.health().socket_connected, 10, "the Socket.IO connection")


def own_chat(hub: FeedHub) -> list[ChatItem]:
    return [item for item in hub.recent_chat() if item.streamer_id == hub.identity.user_db_id]


async def stored_chat_matches_record(
    hub: FeedHub, control: SimControl, timeout: float = 20.0
) -> list[ChatItem]:
    """Wait until the stored chat equals the simulator's chat of the agent; return the rows."""
    record = await control.chat_record(hub.identity.user_db_id)
    expected = {item["chat_event_id"] for item in record}
    rows: list[ChatItem] = []

    async def matches() -> bool:
        nonlocal rows
        await hub.store.flush()
        rows = await hub.store.chat(hub.identity.user_db_id)
        return {row.platform_id for row in rows} == expected and len(rows) == len(expected)

    deadline = asyncio.get_running_loop().time() + timeout
    while not await matches():
        if asyncio.get_running_loop().time() > deadline:
            missing = expected - {row.platform_id for row in rows}
            unmatched = [row for row in rows if row.platform_id is None]
            raise AssertionError(
                f"store has {len(rows)} rows for {len(expected)} in the record: "
                f"{len(missing)} missing, {len(unmatched)} without a platform id"
            )
        await asyncio.sleep(0.1)
    return rows


async def stored_trades_match_record(
    hub: FeedHub, control: SimControl, timeout: float = 20.0
) -> list[TradeItem]:
    """Wait until the stored trades equal the simulator's trades of the token; return them."""
    token = hub.identity.token_address
    expected = {item["tx_hash"] for item in await control.trade_record(token)}
    rows: list[TradeItem] = []

    async def matches() -> bool:
        nonlocal rows
        await hub.store.flush()
        rows = await hub.store.trades(token)
        return {row.tx_hash for row in rows} == expected and len(rows) == len(expected)

    deadline = asyncio.get_running_loop().time() + timeout
    while not await matches():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"store has {len(rows)} trades for {len(expected)} in the record")
        await asyncio.sleep(0.1)
    return rows


async def test_chat_tip_trade_merged_once(
    control: SimControl, agent: Agent, make_hub: HubFactory
) -> None:
    token, ticker = await start_stream(agent)
    hub, recorder = await make_hub(agent, identity=agent.identity(token, ticker))
    await socket_up(hub)
    hub.set_live(True)

    for index in range(3):
        await control.post("chat", {"streamer_id": agent.user_id, "text": f"hello {index}"})
    await control.post("tip", {"streamer_id": agent.user_id, "amount": 3.0, "username": "tipper"})
    trade = await control.post(
        "trade", {"token_address": token, "is_buy": True, "amount_in_usd": 12.5}
    )

    await eventually(
        lambda: [item.source for item in own_chat(hub)] == ["both"] * 5, 10, "5 merged chat items"
    )
    await eventually(
        lambda: [item.source for item in hub.recent_trades()] == ["both"], 10, "a merged trade"
    )
    chat = own_chat(hub)
    assert [item.text for item in chat[:3]] == ["hello 0", "hello 1", "hello 2"]
    assert [item.kind for item in chat] == ["message"] * 3 + ["tip", "trade"]
    assert chat[3].amount_usd == 3.0
    assert chat[4].amount_usd == 12.5
    (merged_trade,) = hub.recent_trades()
    assert merged_trade.tx_hash == trade["tx_hash"]
    assert merged_trade.wallet == trade["buyer_address"]
    assert len(recorder.latest_by_id(ChatItem)) == 5
    assert await stored_chat_matches_record(hub, control)


async def test_socket_delivers_between_polls(
    control: SimControl, agent: Agent, make_hub: HubFactory
) -> None:
    token, ticker = await start_stream(agent)
    slow = fast_settings(
        chat_interval_active=60.0,
        chat_interval_quiet=60.0,
        chat_interval_offline=60.0,
        tips_interval=60.0,
        trades_interval=60.0,
    )
    hub, _ = await make_hub(agent, settings=slow, identity=agent.identity(token, ticker))
    await socket_up(hub)
    await eventually(lambda: "chat" in hub.health().last_poll_ok_at, 5, "the first chat poll")
    await eventually(lambda: "trades" in hub.health().last_poll_ok_at, 5, "the first trades poll")

    await control.post("chat", {"streamer_id": agent.user_id, "text": "via the socket"})
    await control.post("trade", {"token_address": token, "is_buy": True, "amount_in_usd": 1.0})

    await eventually(lambda: len(own_chat(hub)) == 2, 5, "the socket's message and trade")
    trades = await eventually(lambda: hub.recent_trades(), 5, "the socket's trade")
    chat = own_chat(hub)
    assert [(item.kind, item.source) for item in chat] == [
        ("message", "socket"),
        ("trade", "socket"),
    ]
    assert chat[0].text == "via the socket"
    assert chat[0].platform_id is None
    assert [(item.is_buy, item.source) for item in trades] == [(True, "socket")]


async def test_polling_alone(control: SimControl, agent: Agent, make_hub: HubFactory) -> None:
    token, ticker = await start_stream(agent)
    hub, _ = await make_hub(agent, realtime=False, identity=agent.identity(token, ticker))
    hub.set_live(True)

    await control.post("chat", {"streamer_id": agent.user_id, "text": "polled hello"})
    await control.post("tip", {"streamer_id": agent.user_id, "amount": 2.0})
    await control.post("trade", {"token_address": token, "is_buy": True, "amount_in_usd": 7.0})

    await eventually(lambda: len(own_chat(hub)) == 3, 10, "3 polled chat items")
    await eventually(lambda: len(hub.recent_trades()) == 1, 10, "1 polled trade")
    assert {item.source for item in own_chat(hub)} == {"poll"}
    assert hub.recent_trades()[0].source == "poll"
    assert hub.health().socket_connected is None
    assert await stored_chat_matches_record(hub, control)


async def test_socket_drop_during_burst(make_hub: HubFactory) -> None:
    with own_sim(hostile_share=0.05) as sim:
        control = SimControl(sim.origin)
        agent = await register_agent(sim.api_url)
        try:
            token, ticker = await start_stream(agent)
            hub, _ = await make_hub(agent, identity=agent.identity(token, ticker))
            await socket_up(hub)
            hub.set_live(True)

            await control.post("audience", {"rate": 120})
            await eventually(lambda: len(own_chat(hub)) > 20, 10, "chat from the audience")
            dropped = await control.faults(drop_sockets=True)
            assert dropped["dropped_sockets"] >= 1
            await eventually(lambda: not hub.health().socket_connected, 5, "the drop")
            await socket_up(hub)
            reconnected_at = asyncio.get_running_loop().time()
            await eventually(
                lambda: asyncio.get_running_loop().time() - reconnected_at > 1.0, 5, "a second"
            )
            await control.post("audience", {"rate": 0})

            rows = await stored_chat_matches_record(hub, control)
            assert not [
                id for id, count in Counter(r.platform_id for r in rows).items() if count > 1
            ]
            assert {row.source for row in rows} >= {"both"}
            trades = await stored_trades_match_record(hub, control)
            assert len(trades) > 0
        finally:
            await agent.client.aclose()
            await control.aclose()


async def test_rooms_joined_after_restart(make_hub: HubFactory) -> None:
    first = SimServer(SimOptions(seed=41, audience_rate=0.0)).start()
    port = first.port
    control = SimControl(first.origin)
    agent = await register_agent(first.api_url)
    second: SimServer | None = None
    try:
        hub, _ = await make_hub(agent)
        await socket_up(hub)
        await control.post("chat", {"streamer_id": agent.user_id, "text": "before the restart"})
        await eventually(lambda: own_chat(hub), 5, "chat before the restart")

        first.stop()
        await eventually(lambda: not hub.health().socket_connected, 5, "the disconnect")
        # The same seed and the same registration give the agent the same user id again.
        second = SimServer(SimOptions(seed=41, audience_rate=0.0, port=port)).start()
        again = await register_agent(second.api_url)
        await again.client.aclose()
        assert again.user_id == agent.user_id
        await socket_up(hub)

        await control.post("chat", {"streamer_id": agent.user_id, "text": "after the restart"})
        item = await eventually(
            lambda: [i for i in own_chat(hub) if i.text == "after the restart"],
            5,
            "chat after the restart",
        )
        assert item[0].source == "socket"
    finally:
        await agent.client.aclose()
        await control.aclose()
        if second is not None:
            second.stop()
        first.stop()


async def test_burst_bounded_and_stored(make_hub: HubFactory) -> None:
    with own_sim(hostile_share=0.05) as sim:
        control = SimControl(sim.origin)
        agent = await register_agent(sim.api_url)
        try:
            token, ticker = await start_stream(agent)
            settings = fast_settings(chat_window=50, trade_window=40, merge_pending_max=2000)
            hub, _ = await make_hub(
                agent, settings=settings, identity=agent.identity(token, ticker)
            )
            await socket_up(hub)
            hub.set_live(True)

            await control.post("audience", {"rate": 300})
            sizes = []
            for _ in range(30):
                await asyncio.sleep(0.1)
                sizes.append(hub.memory_sizes())
            await control.post("audience", {"rate": 0})

            rows = await stored_chat_matches_record(hub, control, timeout=30)
            trades = await stored_trades_match_record(hub, control, timeout=30)
            assert len(rows) > 400
            assert len(trades) > 100
            assert max(size["chat_window"] for size in sizes) <= 50
            assert max(size["trade_window"] for size in sizes) <= 40
            assert max(size["chat_waiting"] for size in sizes) <= 2000
            assert len(hub.recent_chat()) == 50
            assert len(hub.recent_trades()) == 40
            times = [item.at for item in hub.recent_chat()]
            assert times == sorted(times)
        finally:
            await agent.client.aclose()
            await control.aclose()


async def test_hostile_text_stored_verbatim(make_hub: HubFactory) -> None:
    with own_sim(hostile_share=1.0) as sim:
        control = SimControl(sim.origin)
        agent = await register_agent(sim.api_url)
        try:
            hub, _ = await make_hub(agent)
            await socket_up(hub)
            await control.post("audience", {"rate": 60})
            await eventually(lambda: len(own_chat(hub)) >= 30, 10, "30 hostile chat items")
            await control.post("audience", {"rate": 0})

            rows = await stored_chat_matches_record(hub, control)
            record = {
                item["chat_event_id"]: item for item in await control.chat_record(agent.user_id)
            }
            for row in rows:
                original = record[row.platform_id]
                assert row.text == original["text"]
                assert row.author_name == original["sender_username"]
            messages = [row for row in rows if row.kind == "message"]
            assert any("\x1b" in row.text for row in messages)
            for row in rows:
                for text in (row.text, row.author_name or ""):
                    safe = display_safe(text, 300)
                    assert "\x1b" not in safe
                    assert not [c for c in safe if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F]
                    assert not [c for c in safe if c in "\u202a\u202b\u202c\u202d\u202e\u200b"]
        finally:
            await agent.client.aclose()
            await control.aclose()


async def test_first_connect_retried(make_hub: HubFactory) -> None:
    first = SimServer(SimOptions(seed=43, audience_rate=0.0)).start()
    port = first.port
    agent = await register_agent(first.api_url)
    first.stop()
    second: SimServer | None = None
    control: SimControl | None = None
    try:
        hub, _ = await make_hub(agent)
        await eventually(lambda: hub.health().consecutive_failures["status"] >= 1, 5, "a failure")
        assert not hub.health().socket_connected

        second = SimServer(SimOptions(seed=43, audience_rate=0.0, port=port)).start()
        again = await register_agent(second.api_url)
        await again.client.aclose()
        assert again.user_id == agent.user_id
        await socket_up(hub)

        control = SimControl(second.origin)
        await control.post("chat", {"streamer_id": agent.user_id, "text": "late hello"})
        item = await eventually(lambda: own_chat(hub), 5, "chat once connected")
        assert item[0].source == "socket"
    finally:
        await agent.client.aclose()
        if control is not None:
            await control.aclose()
        if second is not None:
            second.stop()


async def test_restart_duplicates_nothing(
    control: SimControl, agent: Agent, make_hub: HubFactory, tmp_path: Path
) -> None:
    store_path = tmp_path / "restart.sqlite3"
    slow = fast_settings(chat_interval_offline=60.0, tips_interval=60.0)
    first, _ = await make_hub(agent, settings=slow, store_path=store_path)
    await socket_up(first)
    await eventually(lambda: "chat" in first.health().last_poll_ok_at, 5, "the first chat poll")
    await control.post("chat", {"streamer_id": agent.user_id, "text": "seen by the socket only"})
    await eventually(lambda: own_chat(first), 5, "the socket's item")
    assert own_chat(first)[0].source == "socket"
    await first.stop()

    second, _ = await make_hub(agent, realtime=False, store_path=store_path)
    rows = await stored_chat_matches_record(second, control)
    assert [(row.text, row.source) for row in rows] == [("seen by the socket only", "both")]
    assert [item.source for item in own_chat(second)] == ["both"]
