"""The simulated audience: seeded, aimed at registered agents, hostile in a configurable share."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from simkit import go_live, register_agent

from cockpit.sim.server import SimServer

BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff\u00ad")
POLL_SECONDS = 15.0


def hostile_kinds(text: str) -> set[str]:
    kinds = set()
    if len(text) >= 2_000:
        kinds.add("long")
    if "[" in text:
        kinds.add("markup")
    if "\x1b[" in text:
        kinds.add("csi")
    if "\x1b]" in text:
        kinds.add("osc")
    if any((ord(c) < 32 and c != "\x1b") or 0x7F <= ord(c) <= 0x9F for c in text):
        kinds.add("controls")
    if BIDI & set(text):
        kinds.add("bidi")
    if ZERO_WIDTH & set(text):
        kinds.add("zero_width")
    return kinds


async def set_rate(server: SimServer, rate: float) -> None:
    async with httpx.AsyncClient(base_url=server.origin) as control:
        response = await control.post("/_sim/audience", json={"rate": rate})
        assert response.status_code == 200


async def wait_for_chat(
    api: httpx.AsyncClient, streamer_id: str, count: int
) -> list[dict[str, Any]]:
    """Poll the streamer's chat until it has ``count`` entries; return them oldest first."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        chats: list[dict[str, Any]] = []
        before = None
        while len(chats) < count:
            params: dict[str, Any] = {"streamer_id": streamer_id, "limit": 100}
            if before:
                params["before_chat_event_id"] = before
            page = (await api.get("/chat/", params=params)).json()
            chats.extend(page["chats"])
            if not page["has_more"]:
                break
            before = page["chats"][-1]["chat_event_id"]
        if len(chats) >= count:
            return list(reversed(chats))
        assert time.monotonic() < deadline, f"only {len(chats)} of {count} chat entries arrived"
        await asyncio.sleep(0.05)


async def first_events(server: SimServer, count: int) -> list[tuple[str, str, str]]:
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        agent = await register_agent(api, "CrowdAgent")
        await set_rate(server, 300)
        chats = await wait_for_chat(api, agent["userDbId"], count)
        await set_rate(server, 0)
    return [(c["type"], c["sender_username"], c["text"]) for c in chats[:count]]


async def test_same_seed_same_events(make_sim: Any) -> None:
    first = await first_events(make_sim(seed=42), 40)
    second = await first_events(make_sim(seed=42), 40)

    assert first == second


async def test_other_seed_other_events(make_sim: Any) -> None:
    first = await first_events(make_sim(seed=42), 20)
    other = await first_events(make_sim(seed=43), 20)

    assert first != other


async def test_same_seed_same_world(make_sim: Any) -> None:
    bodies = []
    for _ in range(2):
        server: SimServer = make_sim(seed=7)
        async with httpx.AsyncClient(base_url=server.api_url) as api:
            live = (await api.get("/users/live/")).json()["users"]
            newest = (await api.get("/users/newest/", params={"limit": 100})).json()["users"]
        bodies.append(([u["username"] for u in live], [u["username"] for u in newest]))

    assert bodies[0] == bodies[1]
    assert 5 <= len(bodies[0][0]) <= 8
    assert len(bodies[0][1]) >= 60


async def test_viewers_write_before_stream_starts(make_sim: Any) -> None:
    server: SimServer = make_sim(seed=5)
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        agent = await register_agent(api, "NotLiveYet")
        await set_rate(server, 200)
        chats = await wait_for_chat(api, agent["userDbId"], 10)
        await set_rate(server, 0)
        status = (await api.get("/agent/stream/status", headers=agent["headers"])).json()

    assert status["is_live"] is False
    assert all(chat["sender_user_id"] != agent["userDbId"] for chat in chats)


async def test_audience_trades_registered_token(make_sim: Any) -> None:
    server: SimServer = make_sim(seed=6)
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        agent = await register_agent(api, "TradedAgent")
        address = (await go_live(api, agent))["token"]["tokenAddress"]
        await set_rate(server, 300)
        deadline = time.monotonic() + POLL_SECONDS
        trades: list[dict[str, Any]] = []
        while not trades:
            assert time.monotonic() < deadline, "no audience trade reached the agent's token"
            trades = (await api.get(f"/trades/recent/{address}/")).json()["trades"]
            await asyncio.sleep(0.05)
        await set_rate(server, 0)
        status = (await api.get("/agent/stream/status", headers=agent["headers"])).json()

    assert trades[0]["token_ticker"] == "TRADEDAGEN"
    assert status["viewers"] > 0


async def test_viewers_come_back_across_streams(make_sim: Any) -> None:
    server: SimServer = make_sim(seed=8)
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        agent = await register_agent(api, "ReturningAgent")
        await go_live(api, agent)
        await set_rate(server, 300)
        first = await wait_for_chat(api, agent["userDbId"], 60)
        await set_rate(server, 0)
        await api.post("/agent/stream/stop", headers=agent["headers"])
        await go_live(api, agent)
        await set_rate(server, 300)
        both = await wait_for_chat(api, agent["userDbId"], len(first) + 60)
        await set_rate(server, 0)

    first_names = {chat["sender_username"] for chat in first}
    second_names = {chat["sender_username"] for chat in both[len(first) :]}
    assert first_names & second_names
    assert len(first_names | second_names) <= 60 + 8


async def test_hostile_share_one_makes_every_text_hostile(make_sim: Any) -> None:
    server: SimServer = make_sim(seed=9, hostile_share=1.0)
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        agent = await register_agent(api, "HostileAgent")
        await set_rate(server, 400)
        chats = await wait_for_chat(api, agent["userDbId"], 150)
        await set_rate(server, 0)

    messages = [chat["text"] for chat in chats if chat["type"] == "message"]
    assert messages
    assert all(hostile_kinds(text) for text in messages)
    seen = set().union(*(hostile_kinds(text) for text in messages))
    assert seen == {"long", "markup", "csi", "osc", "controls", "bidi", "zero_width"}


async def test_default_share_has_some_hostile_text(make_sim: Any) -> None:
    server: SimServer = make_sim(seed=10)
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        agent = await register_agent(api, "MixedAgent")
        await set_rate(server, 500)
        chats = await wait_for_chat(api, agent["userDbId"], 400)
        await set_rate(server, 0)

    messages = [chat["text"] for chat in chats if chat["type"] == "message"]
    hostile = [text for text in messages if hostile_kinds(text)]
    assert hostile
    assert len(hostile) < len(messages) / 4


async def test_zero_share_has_no_hostile_text(make_sim: Any) -> None:
    server: SimServer = make_sim(seed=11, hostile_share=0.0)
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        agent = await register_agent(api, "CleanAgent")
        await set_rate(server, 500)
        chats = await wait_for_chat(api, agent["userDbId"], 300)
        await set_rate(server, 0)

    assert not [chat["text"] for chat in chats if hostile_kinds(chat["text"])]
    assert not [chat["sender_username"] for chat in chats if hostile_kinds(chat["sender_username"])]


async def test_high_rate_keeps_pace(make_sim: Any) -> None:
    server: SimServer = make_sim(seed=12)
    audience = server.context.audience
    await set_rate(server, 400)
    started = time.monotonic()
    start_count = server.call(lambda: audience.produced)

    while (produced := server.call(lambda: audience.produced) - start_count) < 200:
        assert time.monotonic() - started < POLL_SECONDS, "the audience fell far behind 400/s"
        await asyncio.sleep(0.02)
    elapsed = time.monotonic() - started
    await set_rate(server, 0)

    # Events come in 50 ms batches, so the count may run one batch (20 events) ahead.
    assert produced <= 400 * elapsed + 40
    assert elapsed < 2.0


async def test_rate_zero_is_silent(sim: SimServer, control: httpx.AsyncClient) -> None:
    await control.post("/_sim/audience", json={"rate": 50})
    await control.post("/_sim/audience", json={"rate": 0})
    produced = sim.call(lambda: sim.context.audience.produced)

    # A negative check needs a wait: 0.3 s is 15 events at the previous rate.
    await asyncio.sleep(0.3)

    assert sim.call(lambda: sim.context.audience.produced) == produced
    state = (await control.get("/_sim/state")).json()
    assert state["audience_rate"] == 0


async def test_invalid_rate_rejected(control: httpx.AsyncClient) -> None:
    negative = await control.post("/_sim/audience", json={"rate": -1})
    text = await control.post("/_sim/audience", json={"rate": "fast"})

    assert negative.status_code == 400
    assert text.status_code == 400
