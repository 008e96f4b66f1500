"""The client against the simulator: every public endpoint, with field names and types.

Each test also reads the raw JSON of the same endpoint, so that a field the
client reads under the wrong name fails here instead of silently becoming None.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from contract_helpers import Agent, SimControl

from cockpit.api import NotFoundError
from cockpit.api.models import Session


def _check_keys(raw_item: dict[str, Any], keys: set[str]) -> None:
    missing = keys - set(raw_item)
    assert not missing, f"the simulator's item lacks {sorted(missing)}: {sorted(raw_item)}"


async def _activity(control: SimControl, agent: Agent) -> str:
    """Give the agent's stream a message, a tip and a buy; return its token address."""
    status = await agent.client.stream_status()
    assert status.token_address
    await control.post("chat", {"streamer_id": agent.user_id, "text": "hi there"})
    await control.post("tip", {"streamer_id": agent.user_id, "amount": 2.5, "username": "tipper1"})
    await control.post(
        "trade", {"token_address": status.token_address, "is_buy": True, "amount_in_usd": 12.0}
    )
    return status.token_address


async def test_users_search(control: SimControl, live_agent: Agent):
    name = (await live_agent.client.streamer(live_agent.user_id)).username

    users = await live_agent.client.search_users(name)
    raw = (await control.raw_get(f"/users/search/{name}"))["users"]

    _check_keys(raw[0], {"user_id", "username", "profile_picture_url", "wallet_address"})
    assert [user.user_id for user in users] == [item["user_id"] for item in raw]
    assert live_agent.user_id in [user.user_id for user in users]
    assert users[0].wallet_address == raw[0]["wallet_address"]


async def test_users_live(control: SimControl, live_agent: Agent):
    users = await live_agent.client.live_users()
    raw = (await control.raw_get("/users/live/"))["users"]

    _check_keys(raw[0], {"user_id", "username", "ticker", "token_address", "market_cap", "rank"})
    ours = next(user for user in users if user.user_id == live_agent.user_id)
    assert ours.ticker
    assert ours.token_address
    assert isinstance(ours.market_cap, float)
    assert isinstance(ours.rank, int)


async def test_users_newest(control: SimControl, live_agent: Agent):
    users = await live_agent.client.newest_users(limit=5)
    raw = (await control.raw_get("/users/newest/", limit=5))["users"]

    assert len(users) == len(raw) <= 5
    assert [user.username for user in users] == [item["username"] for item in raw]
    assert all(user.profile_picture_url for user in users)


async def test_users_metadata(control: SimControl, live_agent: Agent):
    metadata = await live_agent.client.user_metadata(live_agent.user_id)
    raw = await control.raw_get(f"/users/metadata/{live_agent.user_id}")

    _check_keys(raw, {"username", "bio", "wallet_address", "social_links", "profile_picture_url"})
    assert metadata.username == raw["username"]
    assert metadata.bio == "Contract test agent"
    assert metadata.wallet_address == live_agent.registration.wallet_address
    assert metadata.social_links == raw["social_links"]


async def test_users_metadata_unknown(live_agent: Agent):
    with pytest.raises(NotFoundError) as caught:
        await live_agent.client.user_metadata("00000000-0000-0000-0000-000000000000")

    assert "GET /users/metadata/00000000-0000-0000-0000-000000000000" in str(caught.value)


async def test_users_streamer(control: SimControl, live_agent: Agent):
    by_id = await live_agent.client.streamer(live_agent.user_id)
    by_name = await live_agent.client.streamer(by_id.username)
    raw = await control.raw_get(f"/users/streamer/{live_agent.user_id}")

    _check_keys(raw, {"streamer_id", "user_id", "username", "ticker", "token_address", "is_live"})
    assert by_id == by_name
    assert by_id.streamer_id == live_agent.user_id
    assert by_id.is_live is True
    assert by_id.session is not None
    assert by_id.session.streamer_id == live_agent.user_id


async def test_sessions_active(control: SimControl, live_agent: Agent):
    sessions = await live_agent.client.active_sessions()
    mine = await live_agent.client.active_session(live_agent.user_id)
    raw = (await control.raw_get("/sessions/active/"))["sessions"]

    _check_keys(raw[0], {"session_id", "streamer_id", "title", "status", "started_at", "streamer"})
    assert mine is not None
    assert mine.session_id in [session.session_id for session in sessions]
    assert mine.status == "live"
    assert isinstance(mine.started_at, datetime)
    assert mine.streamer is not None
    assert mine.streamer.username


async def test_sessions_active_none(agent: Agent):
    assert await agent.client.active_session(agent.user_id) is None


async def test_sessions_recorded(control: SimControl, live_agent: Agent):
    session = await live_agent.client.active_session(live_agent.user_id)
    assert session is not None
    await live_agent.client.stream_stop()

    everyone = await live_agent.client.recorded_sessions()
    mine = await live_agent.client.recorded_sessions(live_agent.user_id)
    raw = (await control.raw_get("/sessions/recorded/"))["sessions"]

    _check_keys(raw[0], {"session_id", "ended_at", "duration_seconds", "recording"})
    assert everyone
    assert all(item.status == "ended" for item in everyone)
    [ended] = [item for item in mine if item.session_id == session.session_id]
    assert isinstance(ended.ended_at, datetime)
    assert ended.duration_seconds is not None
    # Nothing was pushed to the ingest, so this session has no recording; seeded ones do.
    recorded = [item for item in everyone if item.recording is not None]
    assert len(recorded) == len([item for item in raw if item["recording"]])
    assert recorded[0].recording is not None
    assert recorded[0].recording.format == "flv"
    assert recorded[0].recording.url.endswith(".flv")


async def test_sessions_scheduled(control: SimControl, live_agent: Agent):
    everyone = await live_agent.client.scheduled_sessions()
    raw = (await control.raw_get("/sessions/scheduled/"))["sessions"]

    assert raw, "the seeded world has scheduled sessions"
    assert len(everyone) == len(raw)
    _check_keys(raw[0], {"session_id", "streamer_id", "title", "scheduled_for"})
    streamer_id = everyone[0].streamer_id
    theirs = await live_agent.client.scheduled_sessions(streamer_id)
    assert theirs
    assert all(item.streamer_id == streamer_id for item in theirs)
    assert isinstance(everyone[0].scheduled_for, datetime)


async def test_sessions_join(live_agent: Agent):
    session = await live_agent.client.active_session(live_agent.user_id)
    assert isinstance(session, Session)

    joined = await live_agent.client.join_session(session.session_id)

    assert joined.token.get_secret_value()
    assert joined.url.startswith(("ws://", "wss://"))


async def test_tokens_top_and_trending(control: SimControl, live_agent: Agent):
    top = await live_agent.client.top_tokens()
    trending = await live_agent.client.trending_tokens(limit=3)
    raw_top = (await control.raw_get("/tokens/top/"))["tokens"]
    raw_trending = (await control.raw_get("/tokens/trending/", limit=3))["tokens"]

    _check_keys(raw_top[0], {"user_id", "name", "ticker", "address", "current_market_cap", "rank"})
    _check_keys(raw_trending[0], {"username", "token_ticker", "growth_24h", "market_cap"})
    assert [token.address for token in top] == [item["address"] for item in raw_top]
    assert [token.rank for token in top] == list(range(1, len(top) + 1))
    assert len(trending) == 3
    assert all(isinstance(token.growth_24h, float) for token in trending)


async def test_token_stats(control: SimControl, live_agent: Agent):
    address = await _activity(control, live_agent)

    stats = await live_agent.client.token_stats(address)
    raw = await control.raw_get(f"/tokens/{address}/stats")

    _check_keys(raw, {"current_price", "current_market_cap", "all_time_high", "growth", "volume"})
    assert stats.token_address == address
    assert stats.current_price is not None
    assert stats.growth.h24 == raw["growth"]["24h"]
    assert stats.volume.total == raw["volume"]["total"]
    assert stats.volume.total is not None
    assert stats.volume.total >= 12.0
    assert stats.earnings.total == raw["earnings"]["total"]


async def test_token_stats_unknown(live_agent: Agent):
    with pytest.raises(NotFoundError):
        await live_agent.client.token_stats("11111111111111111111111111111111")


async def test_trades_recent_and_cursor(control: SimControl, live_agent: Agent):
    address = await _activity(control, live_agent)

    first = await live_agent.client.recent_trades(limit=2)
    raw = (await control.raw_get("/trades/recent/", limit=2))["trades"]
    mine = await live_agent.client.recent_trades(address)

    _check_keys(raw[0], {"token_address", "buyer_address", "seller_address", "is_buy"})
    _check_keys(raw[0], {"amount_in_usd", "tx_hash", "token_ticker", "timestamp"})
    assert len(first.trades) == 2
    assert first.next_cursor is not None
    older = await live_agent.client.recent_trades(limit=2, cursor=first.next_cursor)
    assert older.trades[0].timestamp is not None
    assert first.trades[-1].timestamp is not None
    assert older.trades[0].timestamp <= first.trades[-1].timestamp
    assert mine.trades[0].token_address == address
    assert mine.trades[0].is_buy is True
    assert mine.trades[0].trader_address
    assert mine.trades[0].amount_in_usd == 12.0


@pytest.mark.parametrize("method", ["top_volume", "top_count"])
async def test_trades_rankings(control: SimControl, live_agent: Agent, method: str):
    await _activity(control, live_agent)

    ranking = await getattr(live_agent.client, method)(limit=3, window="24h")
    path = "/trades/top-volume/" if method == "top_volume" else "/trades/top-count/"
    raw = await control.raw_get(path, limit=3, window="24h")

    _check_keys(raw["tokens"][0], {"token_address", "token_ticker", "volume_usd", "trade_count"})
    assert ranking.window == "24h"
    assert 0 < len(ranking.tokens) <= 3
    assert all(isinstance(token.trade_count, int) for token in ranking.tokens)
    assert all(isinstance(token.volume_usd, float) for token in ranking.tokens)


async def test_chat_history(control: SimControl, live_agent: Agent):
    await _activity(control, live_agent)
    session = await live_agent.client.active_session(live_agent.user_id)
    assert session is not None

    by_streamer = await live_agent.client.chat_history(streamer_id=live_agent.user_id, limit=2)
    by_session = await live_agent.client.chat_history(session_id=session.session_id)
    raw = await control.raw_get("/chat/", streamer_id=live_agent.user_id, limit=2)

    _check_keys(raw["chats"][0], {"chat_event_id", "sender_username", "sender_user_id", "text"})
    _check_keys(raw["chats"][0], {"type", "tip_data", "trade_data", "timestamp"})
    assert [item.type for item in by_streamer.chats] == ["trade", "tip"]
    assert by_streamer.has_more is True
    trade, tip = by_streamer.chats
    assert trade.trade_data is not None
    assert trade.trade_data.type == "buy"
    assert tip.tip_data is not None
    assert tip.tip_data.amount == 2.5
    assert {item.text for item in by_session.chats} >= {"hi there"}
    older = await live_agent.client.chat_history(
        streamer_id=live_agent.user_id, before_chat_event_id=tip.chat_event_id
    )
    assert older.chats[0].text == "hi there"


async def test_top_tippers(control: SimControl, live_agent: Agent):
    await _activity(control, live_agent)

    tippers = await live_agent.client.top_tippers(live_agent.user_id)
    raw = (await control.raw_get("/chat/top-tippers", streamer_id=live_agent.user_id))["tippers"]

    _check_keys(raw[0], {"user_id", "username", "total_amount", "tip_count", "rank"})
    assert tippers[0].username == "tipper1"
    assert tippers[0].total_amount == 2.5
    assert tippers[0].tip_count == 1
    assert tippers[0].rank == 1
