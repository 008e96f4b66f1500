"""Status codes and bad bodies from a real loopback server, mapped to the client's exceptions."""

from __future__ import annotations

import pytest
from api_servers import TOKEN, Respond, ScriptedServer

from cockpit.api import (
    AuthError,
    BadRequestError,
    HttpStatusError,
    NoActiveSessionError,
    NotFoundError,
    ResponseFormatError,
    RetakeClient,
    ServerError,
    UnexpectedStatusError,
)
from cockpit.api.http_core import MAX_BODY_BYTES
from cockpit.settings import HttpSettings

STOP_PATH = "/api/v1/agent/stream/stop"


def _client(server: ScriptedServer, settings: HttpSettings) -> RetakeClient:
    return RetakeClient(server.api_url, access_token=TOKEN, settings=settings, profile="alpha")


@pytest.mark.parametrize(
    ("status", "error_type", "step"),
    [
        (400, BadRequestError, "Fix the field"),
        (401, AuthError, "`cockpit login --profile alpha`"),
        (403, UnexpectedStatusError, "unexpected status 403"),
        (404, NotFoundError, "and that the API URL ends in /api/v1"),
        (409, NoActiveSessionError, "Call stream start"),
        (429, UnexpectedStatusError, "unexpected status 429"),
        (500, ServerError, "report it if it persists"),
        (502, ServerError, "server error 502"),
    ],
)
async def test_status_mapping(
    api_server: ScriptedServer,
    quick_settings: HttpSettings,
    status: int,
    error_type: type[HttpStatusError],
    step: str,
):
    api_server.always(STOP_PATH, Respond(status, {"error": f"Problem {status} happened."}))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(error_type) as caught:
            await client.stream_stop()

    error = caught.value
    assert error.status == status
    assert error.endpoint == "POST /agent/stream/stop"
    assert error.server_message == f"Problem {status} happened."
    assert step in str(error)
    assert "POST /agent/stream/stop" in str(error)


async def test_error_text_redacts_token(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always(STOP_PATH, Respond(401, {"error": f"Token {TOKEN} is revoked."}))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(AuthError) as caught:
            await client.stream_stop()

    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)
    assert TOKEN not in caught.value.server_message
    assert "[redacted]" in caught.value.server_message


async def test_error_text_redacts_rtmp_key(
    api_server: ScriptedServer, quick_settings: HttpSettings
):
    key = "sk_fresh_key_0042"
    api_server.always(
        "/api/v1/agent/rtmp", Respond(200, {"url": "rtmps://127.0.0.1/live", "key": key})
    )
    api_server.always(STOP_PATH, Respond(400, {"error": f"Key {key} is in use."}))

    async with _client(api_server, quick_settings) as client:
        await client.rtmp()
        with pytest.raises(BadRequestError) as caught:
            await client.stream_stop()

    assert key not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"Service down for maintenance", "'Service down for maintenance'"),
        (b"<html><body>teapot</body></html>", "returned the unexpected status 418."),
        (b'{"error": ["not", "text"]}', "returned the unexpected status 418."),
    ],
    ids=["plain text", "html", "error not a string"],
)
async def test_error_body_variants(
    api_server: ScriptedServer, quick_settings: HttpSettings, body: bytes, expected: str
):
    content_type = "text/plain" if body.startswith(b"Service") else "text/html"
    api_server.always(STOP_PATH, Respond(418, body, {"Content-Type": content_type}))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(UnexpectedStatusError) as caught:
            await client.stream_stop()

    assert expected in str(caught.value)


async def test_success_with_invalid_json(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always(STOP_PATH, Respond(200, b"not json", {"Content-Type": "application/json"}))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(ResponseFormatError) as caught:
            await client.stream_stop()

    assert caught.value.endpoint == "POST /agent/stream/stop"
    assert caught.value.field == "(body)"


async def test_success_with_wrong_type(api_server: ScriptedServer, quick_settings: HttpSettings):
    body = {"status": "stopped", "duration_seconds": "long", "viewers": 1}
    api_server.always(STOP_PATH, Respond(200, body))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(ResponseFormatError) as caught:
            await client.stream_stop()

    assert caught.value.field == "duration_seconds"


async def test_oversized_body_rejected(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always("/api/v1/users/live/", Respond(200, b"[" + b" " * MAX_BODY_BYTES + b"]"))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(ResponseFormatError) as caught:
            await client.live_users()

    assert "larger than" in str(caught.value)
