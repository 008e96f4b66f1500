"""Agent endpoints of the simulator over real loopback HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from simkit import go_live, jpeg, png, register_agent, wallet

from cockpit.sim.encoding import is_solana_address
from cockpit.sim.options import DEFAULT_INGEST_URL
from cockpit.sim.server import SimServer


def registration(**overrides: Any) -> dict[str, Any]:
    body = {
        "agent_name": "Fresh",
        "agent_description": "an agent",
        "image_url": "https://example.com/a.jpg",
        "wallet_address": wallet(5),
    }
    body.update(overrides)
    return body


async def test_register_returns_documented_fields(api: httpx.AsyncClient) -> None:
    response = await api.post("/agent/register", json=registration())

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "access_token",
        "agent_id",
        "userDbId",
        "wallet_address",
        "token_address",
        "token_ticker",
    }
    assert body["access_token"].startswith("rtk_")
    assert body["agent_id"].startswith("agent_")
    assert body["wallet_address"] == wallet(5)
    assert body["token_address"] == ""
    assert body["token_ticker"] == ""


async def test_register_duplicate_name_rejected(api: httpx.AsyncClient) -> None:
    assert (await api.post("/agent/register", json=registration())).status_code == 200

    again = await api.post("/agent/register", json=registration(agent_name="fresh"))

    assert again.status_code == 400
    assert "taken" in again.json()["error"]


async def test_register_simulated_agent_name_taken(api: httpx.AsyncClient) -> None:
    live = (await api.get("/users/live/")).json()["users"]

    response = await api.post("/agent/register", json=registration(agent_name=live[0]["username"]))

    assert response.status_code == 400


@pytest.mark.parametrize(
    "bad_wallet",
    [
        "not-base58-0OIl",
        wallet(1)[:-4],  # decodes to fewer than 32 bytes
        "1" * 33,  # 33 zero bytes
        "",
    ],
)
async def test_register_invalid_wallet_rejected(api: httpx.AsyncClient, bad_wallet: str) -> None:
    response = await api.post("/agent/register", json=registration(wallet_address=bad_wallet))

    assert response.status_code == 400
    assert "wallet_address" in response.json()["error"]


@pytest.mark.parametrize(
    "image_url",
    [
        "http://example.com/a.png",
        "https://example.com/a.gif",
        "https://example.com/png",
        "ftp://example.com/a.jpg",
        "https:///a.png",
    ],
)
async def test_register_invalid_image_url_rejected(api: httpx.AsyncClient, image_url: str) -> None:
    response = await api.post("/agent/register", json=registration(image_url=image_url))

    assert response.status_code == 400
    assert "image_url" in response.json()["error"]


@pytest.mark.parametrize(
    "image_url", ["https://cdn.example.com/x/y.JPEG", "https://e.com/a.png?v=2"]
)
async def test_register_accepts_jpeg_and_png_urls(api: httpx.AsyncClient, image_url: str) -> None:
    response = await api.post("/agent/register", json=registration(image_url=image_url))

    assert response.status_code == 200


@pytest.mark.parametrize("missing", ["agent_name", "image_url", "wallet_address"])
async def test_register_missing_field_rejected(api: httpx.AsyncClient, missing: str) -> None:
    body = registration()
    del body[missing]

    response = await api.post("/agent/register", json=body)

    assert response.status_code == 400
    assert missing in response.json()["error"]


async def test_register_invalid_json_rejected(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/agent/register", content=b"{nope", headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/agent/rtmp"),
        ("POST", "/agent/stream/start"),
        ("GET", "/agent/stream/status"),
        ("POST", "/agent/stream/stop"),
        ("POST", "/agent/stream/chat/send"),
        ("GET", "/agent/stream/comments?userDbId=x"),
        ("POST", "/agent/update-thumbnail"),
    ],
)
async def test_agent_endpoints_need_token(api: httpx.AsyncClient, method: str, path: str) -> None:
    missing = await api.request(method, path)
    invalid = await api.request(method, path, headers={"Authorization": "Bearer rtk_wrong"})

    assert missing.status_code == 401
    assert invalid.status_code == 401
    assert "error" in invalid.json()


async def test_token_in_json_body_accepted(api: httpx.AsyncClient, agent: dict[str, Any]) -> None:
    response = await api.post("/agent/rtmp", json={"access_token": agent["access_token"]})

    assert response.status_code == 200


async def test_rtmp_key_fresh_every_call(api: httpx.AsyncClient, agent: dict[str, Any]) -> None:
    first = (await api.post("/agent/rtmp", headers=agent["headers"])).json()
    second = (await api.post("/agent/rtmp", headers=agent["headers"])).json()

    assert first["url"] == DEFAULT_INGEST_URL
    assert first["key"].startswith("sk_")
    assert second["key"].startswith("sk_")
    assert first["key"] != second["key"]


async def test_rtmp_url_follows_ingest_option(make_sim: Any) -> None:
    server: SimServer = make_sim(ingest_url="rtmp://127.0.0.1:19350/live")
    async with httpx.AsyncClient(base_url=server.api_url) as api:
        agent = await register_agent(api, "IngestAgent")
        body = (await api.post("/agent/rtmp", headers=agent["headers"])).json()

    assert body["url"] == "rtmp://127.0.0.1:19350/live"


async def test_start_creates_token_once(api: httpx.AsyncClient, agent: dict[str, Any]) -> None:
    first = await go_live(api, agent)
    second = await go_live(api, agent)

    token = first["token"]
    assert first["success"] is True
    assert set(token) == {"name", "ticker", "imageUrl", "tokenAddress", "tokenType"}
    assert token["ticker"] == "TESTAGENT"
    assert token["name"] == "TestAgent"
    assert token["imageUrl"] == "https://example.com/avatar.png"
    assert is_solana_address(token["tokenAddress"])
    assert second["token"] == token


async def test_ticker_cut_to_ten_characters(api: httpx.AsyncClient) -> None:
    agent = await register_agent(api, "averyverylongagentname", number=3)

    start = await go_live(api, agent)

    assert start["token"]["ticker"] == "AVERYVERYL"


async def test_status_before_and_after_start(api: httpx.AsyncClient, agent: dict[str, Any]) -> None:
    before = (await api.get("/agent/stream/status", headers=agent["headers"])).json()
    start = await go_live(api, agent)
    after = (await api.get("/agent/stream/status", headers=agent["headers"])).json()

    assert before == {
        "is_live": False,
        "viewers": 0,
        "uptime_seconds": 0,
        "token_address": "",
        "userDbId": agent["userDbId"],
    }
    assert after["is_live"] is True
    assert after["token_address"] == start["token"]["tokenAddress"]
    assert isinstance(after["viewers"], int)
    assert isinstance(after["uptime_seconds"], int)


async def test_status_counts_viewers(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    await go_live(api, agent)
    for name in ("ann", "bob", "ann"):
        sent = await control.post(
            "/_sim/chat", json={"streamer_id": agent["userDbId"], "text": "hi", "username": name}
        )
        assert sent.status_code == 200

    status = (await api.get("/agent/stream/status", headers=agent["headers"])).json()

    assert status["viewers"] == 2


async def test_stop_returns_stats_then_409(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    await go_live(api, agent)
    await control.post("/_sim/chat", json={"streamer_id": agent["userDbId"], "text": "yo"})

    stopped = await api.post("/agent/stream/stop", headers=agent["headers"])
    again = await api.post("/agent/stream/stop", headers=agent["headers"])
    status = (await api.get("/agent/stream/status", headers=agent["headers"])).json()

    assert stopped.status_code == 200
    assert stopped.json()["status"] == "stopped"
    assert stopped.json()["viewers"] == 1
    assert isinstance(stopped.json()["duration_seconds"], int)
    assert again.status_code == 409
    assert "error" in again.json()
    assert status["is_live"] is False


async def test_stop_without_start_is_409(api: httpx.AsyncClient, agent: dict[str, Any]) -> None:
    response = await api.post("/agent/stream/stop", headers=agent["headers"])

    assert response.status_code == 409


@pytest.mark.parametrize(
    ("image", "content_type", "size"),
    [(png(16, 9), "image/png", (16, 9)), (jpeg(32, 18), "image/jpeg", (32, 18))],
)
async def test_thumbnail_accepted_and_served(
    api: httpx.AsyncClient,
    control: httpx.AsyncClient,
    agent: dict[str, Any],
    image: bytes,
    content_type: str,
    size: tuple[int, int],
) -> None:
    response = await api.post(
        "/agent/update-thumbnail",
        headers=agent["headers"],
        files={"image": ("thumb", image, "application/octet-stream")},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Thumbnail updated"
    served = await control.get(body["thumbnail_url"])
    assert served.status_code == 200
    assert served.content == image
    assert served.headers["content-type"] == content_type
    recorded = (await control.get("/_sim/state")).json()["thumbnails"]
    assert recorded[-1]["user_id"] == agent["userDbId"]
    assert recorded[-1]["content_type"] == content_type
    assert recorded[-1]["size_bytes"] == len(image)
    assert (recorded[-1]["width"], recorded[-1]["height"]) == size


@pytest.mark.parametrize(
    "image",
    [b"GIF89a" + b"\0" * 40, b"hello, not an image", b"\x89PN"],
    ids=["gif", "text", "short"],
)
async def test_thumbnail_rejected_when_not_jpeg_or_png(
    api: httpx.AsyncClient, agent: dict[str, Any], image: bytes
) -> None:
    response = await api.post(
        "/agent/update-thumbnail",
        headers=agent["headers"],
        files={"image": ("thumb.png", image, "image/png")},
    )

    assert response.status_code == 400
    assert "JPEG" in response.json()["error"]


async def test_thumbnail_without_image_field_rejected(
    api: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    response = await api.post(
        "/agent/update-thumbnail",
        headers=agent["headers"],
        files={"picture": ("thumb.png", png(), "image/png")},
    )

    assert response.status_code == 400


async def test_chat_send_reaches_comments(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    response = await api.post(
        "/agent/stream/chat/send",
        headers=agent["headers"],
        json={"message": "Hello chat!", "destination_user_id": agent["userDbId"]},
    )
    comments = await api.get(
        "/agent/stream/comments", params={"userDbId": agent["userDbId"]}, headers=agent["headers"]
    )

    assert response.status_code == 200
    assert response.json() == {"success": True}
    latest = comments.json()["comments"][0]
    assert latest["text"] == "Hello chat!"
    assert latest["author"]["fusername"] == "TestAgent"
    sent = (await control.get("/_sim/state")).json()["chat_sent"]
    assert sent[-1]["user_id"] == agent["userDbId"]
    assert sent[-1]["destination_user_id"] == agent["userDbId"]
    assert sent[-1]["text"] == "Hello chat!"


async def test_chat_send_to_other_agent_without_live_session(
    api: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    other = await register_agent(api, "OtherAgent", number=2)

    response = await api.post(
        "/agent/stream/chat/send",
        json={
            "message": "hi neighbour",
            "destination_user_id": other["userDbId"],
            "access_token": agent["access_token"],
        },
    )
    chats = (await api.get("/chat/", params={"streamer_id": other["userDbId"]})).json()["chats"]

    assert response.status_code == 200
    assert chats[0]["text"] == "hi neighbour"
    assert chats[0]["sender_user_id"] == agent["userDbId"]


@pytest.mark.parametrize("message", ["", "   ", None])
async def test_chat_send_empty_message_rejected(
    api: httpx.AsyncClient, agent: dict[str, Any], message: str | None
) -> None:
    response = await api.post(
        "/agent/stream/chat/send",
        headers=agent["headers"],
        json={"message": message, "destination_user_id": agent["userDbId"]},
    )

    assert response.status_code == 400


async def test_chat_send_unknown_destination_404(
    api: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    response = await api.post(
        "/agent/stream/chat/send",
        headers=agent["headers"],
        json={"message": "hi", "destination_user_id": "00000000-0000-4000-8000-000000000000"},
    )

    assert response.status_code == 404


async def test_comments_page_newest_first(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    for index in range(7):
        await control.post(
            "/_sim/chat",
            json={"streamer_id": agent["userDbId"], "text": f"m{index}", "username": "pager"},
        )
    params = {"userDbId": agent["userDbId"], "limit": 3}

    first = (
        await api.get("/agent/stream/comments", params=params, headers=agent["headers"])
    ).json()
    before = first["comments"][-1]["_id"]
    second = await api.get(
        "/agent/stream/comments", params={**params, "beforeId": before}, headers=agent["headers"]
    )
    third_before = second.json()["comments"][-1]["_id"]
    third = await api.get(
        "/agent/stream/comments",
        params={**params, "beforeId": third_before},
        headers=agent["headers"],
    )

    assert [c["text"] for c in first["comments"]] == ["m6", "m5", "m4"]
    assert [c["text"] for c in second.json()["comments"]] == ["m3", "m2", "m1"]
    assert [c["text"] for c in third.json()["comments"]] == ["m0"]
    item = first["comments"][0]
    assert set(item) == {"_id", "streamId", "text", "timestamp", "author"}
    assert item["streamId"] == agent["userDbId"]
    assert item["timestamp"].endswith("Z")
    assert set(item["author"]) == {"walletAddress", "fusername", "fid", "favatar"}
    assert item["author"]["fusername"] == "pager"
    assert isinstance(item["author"]["fid"], int)


async def test_comments_limit_defaults_and_caps(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    for index in range(120):
        await control.post(
            "/_sim/chat", json={"streamer_id": agent["userDbId"], "text": f"{index}"}
        )
    path = "/agent/stream/comments"
    params = {"userDbId": agent["userDbId"]}

    default = (await api.get(path, params=params, headers=agent["headers"])).json()
    capped = (await api.get(path, params={**params, "limit": 500}, headers=agent["headers"])).json()
    invalid = await api.get(path, params={**params, "limit": "many"}, headers=agent["headers"])

    assert len(default["comments"]) == 50
    assert len(capped["comments"]) == 100
    assert invalid.status_code == 400


async def test_comments_leave_out_tips_and_trades(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    await control.post("/_sim/chat", json={"streamer_id": agent["userDbId"], "text": "plain"})
    await control.post("/_sim/tip", json={"streamer_id": agent["userDbId"], "amount": 3})

    comments = await api.get(
        "/agent/stream/comments", params={"userDbId": agent["userDbId"]}, headers=agent["headers"]
    )

    assert [c["text"] for c in comments.json()["comments"]] == ["plain"]


async def test_comments_unknown_streamer_and_cursor(
    api: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    path = "/agent/stream/comments"
    missing = await api.get(path, headers=agent["headers"])
    unknown = await api.get(path, params={"userDbId": "nobody"}, headers=agent["headers"])
    bad_cursor = await api.get(
        path, params={"userDbId": agent["userDbId"], "beforeId": "ffff"}, headers=agent["headers"]
    )

    assert missing.status_code == 400
    assert unknown.status_code == 404
    assert bad_cursor.status_code == 404
