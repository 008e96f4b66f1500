"""Drift mode (observed live shapes), flat stats and the served skill version."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from simkit import register_agent

from cockpit.sim.server import SimServer

DRIFT_COMMENT_FIELDS = {
    "chat_event_id",
    "sender_user_id",
    "sender_username",
    "sender_display_name",
    "sender_pfp",
    "sender_wallet_address",
    "session_id",
    "streamer_id",
    "text",
    "timestamp",
    "type",
}


async def post_lines(server: SimServer, streamer_id: str, count: int) -> None:
    async with httpx.AsyncClient(base_url=server.origin) as control:
        for index in range(count):
            response = await control.post(
                "/_sim/chat", json={"streamer_id": streamer_id, "text": f"d{index}"}
            )
            assert response.status_code == 200


async def test_drift_comments_bare_list(make_sim: Any) -> None:
    server: SimServer = make_sim(drift=True)
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        agent = await register_agent(api, "DriftAgent")
        await post_lines(server, agent["userDbId"], 3)
        params = {"userDbId": agent["userDbId"], "limit": 2}

        first = (
            await api.get("/agent/stream/comments", params=params, headers=agent["headers"])
        ).json()
        second = (
            await api.get(
                "/agent/stream/comments",
                params={**params, "beforeId": first[-1]["chat_event_id"]},
                headers=agent["headers"],
            )
        ).json()

    assert isinstance(first, list)
    assert [item["text"] for item in first] == ["d2", "d1"]
    assert [item["text"] for item in second] == ["d0"]
    item = first[0]
    assert set(item) == DRIFT_COMMENT_FIELDS
    assert isinstance(item["timestamp"], int)
    assert item["streamer_id"] == agent["userDbId"]
    assert item["type"] == "message"


async def test_drift_comments_wrapped_in_messages(make_sim: Any) -> None:
    server: SimServer = make_sim(drift=True, drift_comments_key="messages")
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        agent = await register_agent(api, "WrappedAgent")
        await post_lines(server, agent["userDbId"], 1)
        body = (
            await api.get(
                "/agent/stream/comments",
                params={"userDbId": agent["userDbId"]},
                headers=agent["headers"],
            )
        ).json()

    assert list(body) == ["messages"]
    assert set(body["messages"][0]) == DRIFT_COMMENT_FIELDS


@pytest.mark.parametrize(
    "path",
    [
        "/users/live/",
        "/users/newest/",
        "/users/search/a",
        "/sessions/active/",
        "/sessions/recorded/",
        "/sessions/scheduled/",
        "/tokens/top/",
        "/tokens/trending/",
        "/trades/recent/",
        "/trades/top-volume/",
        "/trades/top-count/",
    ],
)
async def test_drift_lists_are_bare(make_sim: Any, path: str) -> None:
    server: SimServer = make_sim(drift=True)
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        body = (await api.get(path)).json()

    assert isinstance(body, list)
    assert body


async def test_drift_chat_and_tippers_bare(make_sim: Any) -> None:
    server: SimServer = make_sim(drift=True)
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        streamer_id = (await api.get("/users/live/")).json()[0]["user_id"]
        async with httpx.AsyncClient(base_url=server.origin) as control:
            await control.post("/_sim/tip", json={"streamer_id": streamer_id, "amount": 1})
        chats = (await api.get("/chat/", params={"streamer_id": streamer_id})).json()
        tippers = (await api.get("/chat/top-tippers", params={"streamer_id": streamer_id})).json()
        single = (await api.get(f"/sessions/active/{streamer_id}/")).json()

    assert isinstance(chats, list)
    assert chats[0]["type"] == "tip"
    assert isinstance(tippers, list)
    assert tippers[0]["total_amount"] == 1
    assert set(single) == {"session"}


async def test_documented_shapes_without_drift(
    api: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    comments = (
        await api.get(
            "/agent/stream/comments",
            params={"userDbId": agent["userDbId"]},
            headers=agent["headers"],
        )
    ).json()

    assert comments == {"comments": []}
    assert "users" in (await api.get("/users/live/")).json()


async def test_flat_stats(make_sim: Any) -> None:
    server: SimServer = make_sim(flat_stats=True)
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        address = (await api.get("/tokens/top/")).json()["tokens"][0]["address"]
        stats = (await api.get(f"/tokens/{address}/stats")).json()

    assert set(stats) == {
        "token_address",
        "ticker",
        "current_price",
        "current_market_cap",
        "all_time_high",
        "growth_1h",
        "growth_6h",
        "growth_24h",
        "volume_total",
        "volume_24h",
        "earnings_total",
        "earnings_24h",
    }


async def test_skill_version_configurable(make_sim: Any) -> None:
    server: SimServer = make_sim(skill_version="2.1.0")
    async with httpx.AsyncClient(base_url=server.origin) as client:
        skill = (await client.get("/skill.json")).json()
        text = (await client.get("/skill.md")).text

    assert skill["version"] == "2.1.0"
    assert "version: 2.1.0" in text
