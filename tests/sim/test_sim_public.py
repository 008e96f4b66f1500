"""Public endpoints of the simulator: each returns its documented shape."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from simkit import go_live, register_agent

from cockpit.sim.encoding import is_solana_address

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


async def live_streamer(api: httpx.AsyncClient) -> dict[str, Any]:
    users = (await api.get("/users/live/")).json()["users"]
    assert users, "the seeded world has live agents"
    return dict(users[0])


async def test_skill_json_and_md(control: httpx.AsyncClient) -> None:
    skill = await control.get("/skill.json")
    text = await control.get("/skill.md")

    assert skill.status_code == 200
    assert skill.json()["name"] == "retake"
    assert skill.json()["version"] == "2.0.0"
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/markdown")
    assert "version: 2.0.0" in text.text


async def test_unknown_path_is_json_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/no/such/endpoint")

    assert response.status_code == 404
    assert "error" in response.json()


@pytest.mark.parametrize(
    "path", ["/users/live", "/users/live/", "/tokens/top", "/chat/top-tippers/"]
)
async def test_trailing_slash_optional(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(path, params={"streamer_id": (await live_streamer(api))["user_id"]})

    assert response.status_code == 200


async def test_users_live_shape(api: httpx.AsyncClient) -> None:
    users = (await api.get("/users/live/")).json()["users"]

    assert len(users) >= 3
    for rank, user in enumerate(users, start=1):
        assert set(user) == {"user_id", "username", "ticker", "token_address", "market_cap", "rank"}
        assert UUID.match(user["user_id"])
        assert is_solana_address(user["token_address"])
        assert user["rank"] == rank
    caps = [user["market_cap"] for user in users]
    assert caps == sorted(caps, reverse=True)


async def test_users_search_finds_agents_and_viewers(api: httpx.AsyncClient) -> None:
    agent = await register_agent(api, "SearchableBot")

    found = (await api.get("/users/search/searchable")).json()["users"]

    assert found[0] == {
        "user_id": agent["userDbId"],
        "username": "SearchableBot",
        "profile_picture_url": "https://example.com/avatar.png",
        "wallet_address": agent["wallet_address"],
    }
    assert (await api.get("/users/search/zzzznothing")).json() == {"users": []}


async def test_users_newest_lists_latest_first(api: httpx.AsyncClient) -> None:
    agent = await register_agent(api, "NewestBot")

    users = (await api.get("/users/newest/", params={"limit": 5})).json()["users"]

    assert len(users) == 5
    assert users[0]["user_id"] == agent["userDbId"]
    assert set(users[0]) == {"user_id", "username", "profile_picture_url", "wallet_address"}


async def test_users_metadata(api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
    agent = await register_agent(api, "MetaBot")

    body = (await api.get(f"/users/metadata/{agent['userDbId']}")).json()
    missing = await api.get("/users/metadata/nobody")
    avatar_owner = (await live_streamer(api))["user_id"]
    avatar_url = (await api.get(f"/users/metadata/{avatar_owner}")).json()["profile_picture_url"]
    avatar = await control.get(avatar_url)

    assert body == {
        "user_id": agent["userDbId"],
        "username": "MetaBot",
        "bio": "MetaBot under test",
        "wallet_address": agent["wallet_address"],
        "social_links": [],
        "profile_picture_url": "https://example.com/avatar.png",
    }
    assert missing.status_code == 404
    assert avatar.status_code == 200
    assert avatar.content.startswith(b"\x89PNG")


async def test_users_streamer_by_name_and_id(api: httpx.AsyncClient) -> None:
    agent = await register_agent(api, "StreamerBot")
    offline = (await api.get("/users/streamer/streamerbot")).json()
    start = await go_live(api, agent)

    live = (await api.get(f"/users/streamer/{agent['userDbId']}")).json()
    missing = await api.get("/users/streamer/NoSuchBot")

    assert offline == {
        "streamer_id": agent["userDbId"],
        "user_id": agent["userDbId"],
        "username": "StreamerBot",
        "ticker": None,
        "token_address": None,
        "is_live": False,
        "session": None,
    }
    assert live["is_live"] is True
    assert live["ticker"] == "STREAMERBO"
    assert live["token_address"] == start["token"]["tokenAddress"]
    assert live["session"]["streamer_id"] == agent["userDbId"]
    assert live["session"]["status"] == "live"
    assert missing.status_code == 404


def assert_session_item(item: dict[str, Any]) -> None:
    assert set(item) >= {"session_id", "streamer_id", "title", "status", "started_at", "streamer"}
    assert UUID.match(item["session_id"])
    assert ISO_Z.match(item["started_at"])
    assert set(item["streamer"]) == {"username", "profile_picture_url"}


async def test_sessions_active(api: httpx.AsyncClient) -> None:
    agent = await register_agent(api, "ActiveBot")
    await go_live(api, agent)

    sessions = (await api.get("/sessions/active/")).json()["sessions"]
    own = (await api.get(f"/sessions/active/{agent['userDbId']}/")).json()

    assert sessions[0]["streamer_id"] == agent["userDbId"]
    for item in sessions:
        assert_session_item(item)
        assert item["status"] == "live"
    assert own["session"] == sessions[0]


async def test_sessions_active_of_offline_and_unknown(api: httpx.AsyncClient) -> None:
    agent = await register_agent(api, "OfflineBot")

    offline = await api.get(f"/sessions/active/{agent['userDbId']}/")
    unknown = await api.get("/sessions/active/nobody/")

    assert offline.json() == {"session": None}
    assert unknown.status_code == 404


async def test_sessions_recorded(api: httpx.AsyncClient) -> None:
    agent = await register_agent(api, "RecordedBot")
    await go_live(api, agent)
    await api.post("/agent/stream/stop", headers=agent["headers"])

    everything = (await api.get("/sessions/recorded/")).json()["sessions"]
    own = (await api.get(f"/sessions/recorded/{agent['userDbId']}/")).json()["sessions"]

    assert everything[0]["streamer_id"] == agent["userDbId"]
    assert len(own) == 1
    item = own[0]
    assert_session_item(item)
    assert item["status"] == "ended"
    assert ISO_Z.match(item["ended_at"])
    assert isinstance(item["duration_seconds"], int)
    assert item["recording"] is None
    seeded = [entry for entry in everything if entry["recording"] is not None]
    assert seeded, "seeded agents have recordings"
    assert set(seeded[0]["recording"]) == {"url", "format", "size_bytes"}
    assert seeded[0]["recording"]["format"] == "flv"


async def test_seeded_recording_is_served(
    api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    recorded = (await api.get("/sessions/recorded/")).json()["sessions"]
    recording = next(item["recording"] for item in recorded if item["recording"])

    served = await control.get(recording["url"])

    assert served.status_code == 200
    assert served.content.startswith(b"FLV")
    assert len(served.content) == recording["size_bytes"]


async def test_sessions_scheduled(api: httpx.AsyncClient) -> None:
    scheduled = (await api.get("/sessions/scheduled/")).json()["sessions"]
    streamer_id = scheduled[0]["streamer_id"]
    own = (await api.get(f"/sessions/scheduled/{streamer_id}/")).json()["sessions"]

    assert scheduled
    for item in scheduled:
        assert set(item) == {"session_id", "streamer_id", "title", "scheduled_for"}
        assert ISO_Z.match(item["scheduled_for"])
    times = [item["scheduled_for"] for item in scheduled]
    assert times == sorted(times)
    assert own
    assert all(item["streamer_id"] == streamer_id for item in own)


async def test_session_join(api: httpx.AsyncClient) -> None:
    agent = await register_agent(api, "JoinBot")
    await go_live(api, agent)
    session_id = (await api.get(f"/sessions/active/{agent['userDbId']}/")).json()["session"][
        "session_id"
    ]

    joined = await api.get(f"/sessions/{session_id}/join/")
    await api.post("/agent/stream/stop", headers=agent["headers"])
    ended = await api.get(f"/sessions/{session_id}/join/")
    unknown = await api.get("/sessions/nope/join/")

    assert joined.status_code == 200
    assert joined.json()["url"].startswith("wss://127.0.0.1:")
    assert joined.json()["token"].count(".") == 2
    assert ended.status_code == 409
    assert unknown.status_code == 404


async def test_tokens_top(api: httpx.AsyncClient) -> None:
    tokens = (await api.get("/tokens/top/")).json()["tokens"]

    assert len(tokens) >= 5
    for rank, token in enumerate(tokens, start=1):
        assert set(token) == {"user_id", "name", "ticker", "address", "current_market_cap", "rank"}
        assert token["rank"] == rank
    caps = [token["current_market_cap"] for token in tokens]
    assert caps == sorted(caps, reverse=True)


async def test_tokens_trending(api: httpx.AsyncClient) -> None:
    tokens = (await api.get("/tokens/trending/")).json()["tokens"]

    assert tokens
    for token in tokens:
        assert set(token) == {"username", "token_ticker", "growth_24h", "market_cap"}
    growth = [token["growth_24h"] for token in tokens]
    assert growth == sorted(growth, reverse=True)


async def test_token_stats_shape(api: httpx.AsyncClient) -> None:
    address = (await live_streamer(api))["token_address"]

    stats = (await api.get(f"/tokens/{address}/stats")).json()
    missing = await api.get("/tokens/nothing/stats")

    assert set(stats) == {
        "token_address",
        "ticker",
        "current_price",
        "current_market_cap",
        "all_time_high",
        "growth",
        "volume",
        "earnings",
    }
    assert stats["token_address"] == address
    assert set(stats["growth"]) == {"1h", "6h", "24h"}
    assert set(stats["volume"]) == {"total", "24h"}
    assert set(stats["earnings"]) == {"total", "24h"}
    assert missing.status_code == 404


async def test_trades_recent_pages_with_cursor(api: httpx.AsyncClient) -> None:
    first = (await api.get("/trades/recent/", params={"limit": 20})).json()
    second = (
        await api.get("/trades/recent/", params={"limit": 20, "cursor": first["next_cursor"]})
    ).json()

    assert len(first["trades"]) == 20
    trade = first["trades"][0]
    assert set(trade) == {
        "token_address",
        "buyer_address",
        "seller_address",
        "is_buy",
        "amount_in_usd",
        "tx_hash",
        "token_ticker",
        "timestamp",
    }
    assert ISO_Z.match(trade["timestamp"])
    stamps = [t["timestamp"] for t in first["trades"] + second["trades"]]
    assert stamps == sorted(stamps, reverse=True)
    assert len(set(stamps)) == len(stamps)
    assert first["next_cursor"] == first["trades"][-1]["timestamp"]
    assert all(t["timestamp"] < first["next_cursor"] for t in second["trades"])
    assert {t["tx_hash"] for t in first["trades"]}.isdisjoint(
        t["tx_hash"] for t in second["trades"]
    )


async def test_trades_recent_of_token_until_exhausted(api: httpx.AsyncClient) -> None:
    address = (await live_streamer(api))["token_address"]
    seen: list[dict[str, Any]] = []
    cursor = None

    for _ in range(50):
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get(f"/trades/recent/{address}/", params=params)).json()
        seen.extend(page["trades"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert cursor is None
    assert seen
    assert all(trade["token_address"] == address for trade in seen)
    assert len({trade["tx_hash"] for trade in seen}) == len(seen)


async def test_trades_buyer_and_seller_sides(
    api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    address = (await live_streamer(api))["token_address"]
    trader = "So11111111111111111111111111111111111111112"

    buy = (
        await control.post(
            "/_sim/trade",
            json={"token_address": address, "is_buy": True, "amount_in_usd": 50, "wallet": trader},
        )
    ).json()
    sell = (
        await control.post(
            "/_sim/trade",
            json={"token_address": address, "is_buy": False, "amount_in_usd": 20, "wallet": trader},
        )
    ).json()

    assert buy["buyer_address"] == trader
    assert sell["seller_address"] == trader
    assert buy["seller_address"] == sell["buyer_address"]  # the curve's pool


async def test_trades_invalid_cursor_rejected(api: httpx.AsyncClient) -> None:
    response = await api.get("/trades/recent/", params={"cursor": "yesterday"})

    assert response.status_code == 400


@pytest.mark.parametrize(("path", "key"), [("/trades/top-volume/", 0), ("/trades/top-count/", 1)])
async def test_trades_leaders(api: httpx.AsyncClient, path: str, key: int) -> None:
    body = (await api.get(path)).json()
    weekly = (await api.get(path, params={"window": "7d"})).json()
    invalid = await api.get(path, params={"window": "fortnight"})

    assert body["window"] == "24h"
    assert weekly["window"] == "7d"
    assert invalid.status_code == 400
    rows = body["tokens"]
    assert rows
    for row in rows:
        assert set(row) == {"token_address", "token_ticker", "volume_usd", "trade_count"}
    order = [(row["volume_usd"], row["trade_count"])[key] for row in rows]
    assert order == sorted(order, reverse=True)


async def test_chat_by_streamer_and_session(
    api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    streamer_id = (await live_streamer(api))["user_id"]
    session_id = (await api.get(f"/sessions/active/{streamer_id}/")).json()["session"]["session_id"]
    posted = (
        await control.post("/_sim/chat", json={"streamer_id": streamer_id, "text": "fresh line"})
    ).json()

    by_streamer = (await api.get("/chat/", params={"streamer_id": streamer_id})).json()
    by_session = (await api.get("/chat/", params={"session_id": session_id})).json()

    assert by_streamer["chats"][0]["chat_event_id"] == posted["chat_event_id"]
    assert by_session["chats"][0]["chat_event_id"] == posted["chat_event_id"]
    item = by_streamer["chats"][0]
    assert set(item) == {
        "chat_event_id",
        "sender_username",
        "sender_user_id",
        "text",
        "type",
        "tip_data",
        "trade_data",
        "timestamp",
    }
    assert isinstance(item["timestamp"], int)
    assert item["type"] == "message"
    assert isinstance(by_streamer["has_more"], bool)


async def test_chat_pages_back_with_has_more(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    for index in range(5):
        await control.post(
            "/_sim/chat", json={"streamer_id": agent["userDbId"], "text": f"c{index}"}
        )
    params = {"streamer_id": agent["userDbId"], "limit": 3}

    first = (await api.get("/chat/", params=params)).json()
    second = (
        await api.get(
            "/chat/", params={**params, "before_chat_event_id": first["chats"][-1]["chat_event_id"]}
        )
    ).json()

    assert [c["text"] for c in first["chats"]] == ["c4", "c3", "c2"]
    assert first["has_more"] is True
    assert [c["text"] for c in second["chats"]] == ["c1", "c0"]
    assert second["has_more"] is False


@pytest.mark.parametrize(
    "params", [{}, {"streamer_id": "a", "session_id": "b"}], ids=["neither", "both"]
)
async def test_chat_needs_exactly_one_filter(
    api: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await api.get("/chat/", params=params)

    assert response.status_code == 400


async def test_chat_unknown_ids_404(api: httpx.AsyncClient) -> None:
    assert (await api.get("/chat/", params={"streamer_id": "nobody"})).status_code == 404
    assert (await api.get("/chat/", params={"session_id": "nothing"})).status_code == 404


async def test_chat_tip_and_trade_items(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    start = await go_live(api, agent)
    await control.post("/_sim/tip", json={"streamer_id": agent["userDbId"], "amount": 7.5})
    await control.post(
        "/_sim/trade",
        json={"token_address": start["token"]["tokenAddress"], "is_buy": True, "amount_in_usd": 12},
    )

    trade, tip = (await api.get("/chat/", params={"streamer_id": agent["userDbId"]})).json()[
        "chats"
    ][:2]

    assert tip["type"] == "tip"
    assert tip["tip_data"]["receiver_id"] == agent["userDbId"]
    assert tip["tip_data"]["amount"] == 7.5
    assert tip["tip_data"]["tx_hash"]
    assert tip["trade_data"] is None
    assert trade["type"] == "trade"
    assert trade["trade_data"]["amount"] == 12
    assert trade["trade_data"]["type"] == "buy"
    assert trade["tip_data"] is None


async def test_top_tippers(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    for name, amount in (("ann", 5), ("bob", 20), ("ann", 10)):
        await control.post(
            "/_sim/tip", json={"streamer_id": agent["userDbId"], "amount": amount, "username": name}
        )

    tippers = (await api.get("/chat/top-tippers", params={"streamer_id": agent["userDbId"]})).json()
    missing = await api.get("/chat/top-tippers")

    assert [
        (t["username"], t["total_amount"], t["tip_count"], t["rank"]) for t in tippers["tippers"]
    ] == [
        ("bob", 20, 1, 1),
        ("ann", 15, 2, 2),
    ]
    assert set(tippers["tippers"][0]) == {
        "user_id",
        "username",
        "total_amount",
        "tip_count",
        "rank",
    }
    assert missing.status_code == 400
