"""The client against the simulator in drift mode: chat-event comments, bare lists, flat stats."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from contract_helpers import Agent, SimControl, solana_address, unique_agent_name

from cockpit.api import RetakeClient
from cockpit.settings import HttpSettings
from cockpit.sim.server import SimOptions, SimServer


@pytest.fixture(scope="module", params=[None, "messages"], ids=["bare list", "messages"])
def drift_sim(request: pytest.FixtureRequest) -> Iterator[SimServer]:
    options = SimOptions(
        seed=2, audience_rate=0.0, drift=True, drift_comments_key=request.param, flat_stats=True
    )
    with SimServer(options) as server:
        yield server


@pytest.fixture
async def drift_agent(drift_sim: SimServer, settings: HttpSettings) -> AsyncIterator[Agent]:
    async with RetakeClient(drift_sim.api_url, settings=settings) as anonymous:
        registration = await anonymous.register(
            unique_agent_name(), "Drift agent", "https://example.com/a.png", solana_address()
        )
    client = RetakeClient(
        drift_sim.api_url, access_token=registration.access_token, settings=settings
    )
    async with client:
        await client.rtmp()
        await client.stream_start()
        yield Agent(registration, client)


@pytest.fixture
async def drift_control(drift_sim: SimServer) -> AsyncIterator[SimControl]:
    control = SimControl(drift_sim.origin)
    try:
        yield control
    finally:
        await control.aclose()


async def test_comments_drift_shape(drift_control: SimControl, drift_agent: Agent):
    wallet = solana_address()
    await drift_control.post(
        "chat",
        {
            "streamer_id": drift_agent.user_id,
            "text": "drifted",
            "username": "viewer_d",
            "wallet": wallet,
        },
    )
    raw = await drift_control.raw_get(
        "/agent/stream/comments",
        token=drift_agent.registration.access_token.get_secret_value(),
        userDbId=drift_agent.user_id,
        limit=1,
    )

    [comment] = await drift_agent.client.comments(drift_agent.user_id, limit=1)

    items = raw if isinstance(raw, list) else raw["messages"]
    assert "chat_event_id" in items[0]
    assert comment.id == items[0]["chat_event_id"]
    assert comment.text == "drifted"
    assert comment.streamer_id == drift_agent.user_id
    assert comment.session_id
    assert comment.timestamp.tzinfo is not None
    assert comment.author.username == "viewer_d"
    assert comment.author.wallet == wallet
    assert comment.author.user_id


async def test_comments_drift_paging(drift_control: SimControl, drift_agent: Agent):
    for number in range(5):
        await drift_control.post("chat", {"streamer_id": drift_agent.user_id, "text": f"d{number}"})

    texts = [
        comment.text
        async for comment in drift_agent.client.iter_comments(drift_agent.user_id, page_size=2)
    ]

    assert texts == ["d4", "d3", "d2", "d1", "d0"]


async def test_lists_bare(drift_control: SimControl, drift_agent: Agent):
    raw = await drift_control.raw_get("/users/live/")

    users = await drift_agent.client.live_users()
    sessions = await drift_agent.client.active_sessions()
    tokens = await drift_agent.client.top_tokens()
    trades = await drift_agent.client.recent_trades(limit=3)

    assert isinstance(raw, list)
    assert drift_agent.user_id in [user.user_id for user in users]
    assert drift_agent.user_id in [session.streamer_id for session in sessions]
    assert tokens
    assert len(trades.trades) <= 3


async def test_token_stats_flat(drift_control: SimControl, drift_agent: Agent):
    address = (await drift_agent.client.stream_status()).token_address
    assert address
    await drift_control.post(
        "trade", {"token_address": address, "is_buy": True, "amount_in_usd": 20.0}
    )
    raw = await drift_control.raw_get(f"/tokens/{address}/stats")

    stats = await drift_agent.client.token_stats(address)

    assert "volume_total" in raw
    assert "volume" not in raw
    assert stats.volume.total == raw["volume_total"]
    assert stats.volume.h24 == raw["volume_24h"]
    assert stats.growth.h1 == raw["growth_1h"]
    assert stats.earnings.total == raw["earnings_total"]
