"""What each method sends (method, path, query, body, token), paging, thumbnails and logging."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from api_servers import TOKEN, Respond, ScriptedServer

from cockpit.api import RetakeClient
from cockpit.api.errors import InvalidApiUrlError
from cockpit.settings import HttpSettings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
RTMP_KEY = "sk_log_check_77ab"


def _client(server: ScriptedServer, settings: HttpSettings) -> RetakeClient:
    return RetakeClient(server.api_url, access_token=TOKEN, settings=settings)


def _comment(number: int) -> dict[str, object]:
    return {
        "_id": f"c{number}",
        "streamId": "u1",
        "text": f"comment {number}",
        "timestamp": 1_738_419_600_000 + number,
    }


async def test_register_body(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always(
        "/api/v1/agent/register",
        Respond(
            200,
            {
                "access_token": "rtk_new",
                "agent_id": "agent_1",
                "userDbId": "u1",
                "wallet_address": "W",
                "token_address": "",
                "token_ticker": "",
            },
        ),
    )

    async with RetakeClient(api_server.api_url, settings=quick_settings) as client:
        registration = await client.register("Alpha", "Streams things", "https://x/a.png", "W")

    [request] = api_server.received
    assert request.method == "POST"
    assert json.loads(request.body) == {
        "agent_name": "Alpha",
        "agent_description": "Streams things",
        "image_url": "https://x/a.png",
        "wallet_address": "W",
    }
    assert "authorization" not in request.headers
    assert registration.user_db_id == "u1"
    assert registration.access_token.get_secret_value() == "rtk_new"


@pytest.mark.parametrize(
    ("method_name", "http_method", "path", "body"),
    [
        ("stream_start", "POST", "/api/v1/agent/stream/start", {"success": True, "token": None}),
        (
            "stream_stop",
            "POST",
            "/api/v1/agent/stream/stop",
            {"status": "stopped", "duration_seconds": 5, "viewers": 1},
        ),
        (
            "stream_status",
            "GET",
            "/api/v1/agent/stream/status",
            {"is_live": False, "viewers": 0, "uptime_seconds": 0},
        ),
        ("rtmp", "POST", "/api/v1/agent/rtmp", {"url": "rtmps://h/live", "key": "sk_x"}),
    ],
)
async def test_agent_calls_carry_token(
    api_server: ScriptedServer,
    quick_settings: HttpSettings,
    method_name: str,
    http_method: str,
    path: str,
    body: dict[str, object],
):
    api_server.always(path, Respond(200, body))

    async with _client(api_server, quick_settings) as client:
        await getattr(client, method_name)()

    [request] = api_server.received
    assert request.method == http_method
    assert request.path == path
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_chat_send_body(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always("/api/v1/agent/stream/chat/send", Respond(200, {"success": True}))

    async with _client(api_server, quick_settings) as client:
        result = await client.chat_send("Hello chat!", "user_abc")

    [request] = api_server.received
    assert json.loads(request.body) == {"message": "Hello chat!", "destination_user_id": "user_abc"}
    assert result.success is True


@pytest.mark.parametrize(("image", "content_type"), [(PNG, "image/png"), (JPEG, "image/jpeg")])
async def test_thumbnail_multipart(
    api_server: ScriptedServer, quick_settings: HttpSettings, image: bytes, content_type: str
):
    api_server.always(
        "/api/v1/agent/update-thumbnail",
        Respond(200, {"message": "Thumbnail updated", "thumbnail_url": "http://x/t.png"}),
    )

    async with _client(api_server, quick_settings) as client:
        result = await client.update_thumbnail(image)

    [request] = api_server.received
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="image"' in request.body
    assert f"Content-Type: {content_type}".encode() in request.body
    assert image in request.body
    assert result.thumbnail_url == "http://x/t.png"


async def test_thumbnail_from_path(
    api_server: ScriptedServer, quick_settings: HttpSettings, tmp_path: Path
):
    api_server.always(
        "/api/v1/agent/update-thumbnail", Respond(200, {"thumbnail_url": "http://x/t.png"})
    )
    picture = tmp_path / "shot.png"
    picture.write_bytes(PNG)

    async with _client(api_server, quick_settings) as client:
        await client.update_thumbnail(picture)

    assert PNG in api_server.received[0].body


async def test_thumbnail_unknown_type(api_server: ScriptedServer, quick_settings: HttpSettings):
    async with _client(api_server, quick_settings) as client:
        with pytest.raises(ValueError, match="neither a PNG nor a JPEG"):
            await client.update_thumbnail(b"GIF89a")

    assert api_server.received == []


async def test_comments_query(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always("/api/v1/agent/stream/comments", Respond(200, {"comments": [_comment(1)]}))

    async with _client(api_server, quick_settings) as client:
        comments = await client.comments("u1", limit=10, before_id="c9")

    [request] = api_server.received
    assert parse_qs(request.query) == {"userDbId": ["u1"], "limit": ["10"], "beforeId": ["c9"]}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert comments[0].id == "c1"


@pytest.mark.parametrize("limit", [0, 101])
async def test_comments_limit_range(
    api_server: ScriptedServer, quick_settings: HttpSettings, limit: int
):
    async with _client(api_server, quick_settings) as client:
        with pytest.raises(ValueError, match="1 to 100"):
            await client.comments("u1", limit=limit)


async def test_iter_comments_pages(api_server: ScriptedServer, quick_settings: HttpSettings):
    path = "/api/v1/agent/stream/comments"
    api_server.script(
        path,
        Respond(200, {"comments": [_comment(5), _comment(4)]}),
        Respond(200, {"comments": [_comment(3), _comment(2)]}),
        Respond(200, {"comments": [_comment(1)]}),
    )

    async with _client(api_server, quick_settings) as client:
        ids = [comment.id async for comment in client.iter_comments("u1", page_size=2)]

    assert ids == ["c5", "c4", "c3", "c2", "c1"]
    cursors = [parse_qs(request.query).get("beforeId") for request in api_server.received]
    assert cursors == [None, ["c4"], ["c2"]]


async def test_iter_comments_stuck_cursor(api_server: ScriptedServer, quick_settings: HttpSettings):
    # A server that ignores beforeId returns the same page forever.
    api_server.always("/api/v1/agent/stream/comments", Respond(200, [_comment(2), _comment(1)]))

    async with _client(api_server, quick_settings) as client:
        ids = [comment.id async for comment in client.iter_comments("u1", page_size=2)]

    assert ids == ["c2", "c1", "c2", "c1"]
    assert len(api_server.received) == 2


async def test_public_paths_and_queries(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always("/api/v1/users/search/a%2Fb%3Fc", Respond(200, {"users": []}))
    api_server.always(
        "/api/v1/trades/recent/T1/", Respond(200, {"trades": [], "next_cursor": None})
    )
    api_server.always("/api/v1/chat/", Respond(200, {"chats": [], "has_more": False}))
    api_server.always("/api/v1/trades/top-count/", Respond(200, {"tokens": [], "window": "1h"}))

    async with RetakeClient(api_server.api_url, settings=quick_settings) as client:
        assert await client.search_users("a/b?c") == []
        await client.recent_trades("T1", limit=5, cursor="2025-02-01T00:00:00Z")
        await client.chat_history(session_id="s1", limit=20, before_chat_event_id="e9")
        ranking = await client.top_count(limit=3, window="1h")

    queries = [parse_qs(request.query) for request in api_server.received]
    assert queries[1] == {"limit": ["5"], "cursor": ["2025-02-01T00:00:00Z"]}
    assert queries[2] == {"session_id": ["s1"], "limit": ["20"], "before_chat_event_id": ["e9"]}
    assert queries[3] == {"limit": ["3"], "window": ["1h"]}
    assert ranking.window == "1h"


@pytest.mark.parametrize(
    "choice", [{}, {"streamer_id": "u1", "session_id": "s1"}], ids=["neither", "both"]
)
async def test_chat_history_needs_one_id(
    api_server: ScriptedServer, quick_settings: HttpSettings, choice: dict[str, Any]
):
    async with RetakeClient(api_server.api_url, settings=quick_settings) as client:
        with pytest.raises(ValueError, match="exactly one of streamer_id and session_id"):
            await client.chat_history(**choice)

    assert api_server.received == []


async def test_skill_files_at_origin(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always("/skill.json", Respond(200, {"name": "retake", "version": "2.0.0", "x": 1}))
    api_server.always("/skill.md", Respond(200, "# retake skill\n"))

    async with RetakeClient(api_server.api_url, settings=quick_settings) as client:
        info = await client.skill_info()
        text = await client.skill_text()

    assert info.version == "2.0.0"
    assert text == "# retake skill\n"


@pytest.mark.parametrize(
    "url", ["ftp://retake.tv/api/v1", "retake.tv/api/v1", "http://", "http://h/api?x=1"]
)
def test_invalid_api_url(url: str):
    with pytest.raises(InvalidApiUrlError):
        RetakeClient(url)


async def test_logs_hold_no_secrets(
    api_server: ScriptedServer, quick_settings: HttpSettings, caplog: pytest.LogCaptureFixture
):
    api_server.always(
        "/api/v1/agent/rtmp", Respond(200, {"url": "rtmps://h/live", "key": RTMP_KEY})
    )
    api_server.script("/api/v1/agent/stream/status", Respond(500))
    api_server.always(
        "/api/v1/agent/stream/status",
        Respond(200, {"is_live": True, "viewers": 1, "uptime_seconds": 1}),
    )
    caplog.set_level(logging.DEBUG)

    async with _client(api_server, quick_settings) as client:
        credentials = await client.rtmp()
        await client.stream_status()

    assert credentials.key.get_secret_value() == RTMP_KEY
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST /api/v1/agent/rtmp -> 200" in text
    assert "GET /api/v1/agent/stream/status -> 500" in text
    assert "retry 1 of 3" in text
    assert TOKEN not in text
    assert RTMP_KEY not in text
