"""Retries, backoff, deadlines and send-once semantics against a real loopback server."""

from __future__ import annotations

import random
import socket
import time

import pytest
from api_servers import TOKEN, Close, Respond, ScriptedServer, Trickle

from cockpit.api import (
    DeadlineExceeded,
    RetakeClient,
    SendOutcomeUnknown,
    ServerError,
    TransportError,
)
from cockpit.api.http_core import backoff_delay
from cockpit.settings import HttpSettings

STATUS = {"is_live": True, "viewers": 2, "uptime_seconds": 30}
STATUS_PATH = "/api/v1/agent/stream/status"
CHAT_PATH = "/api/v1/agent/stream/chat/send"
START_PATH = "/api/v1/agent/stream/start"


def _client(server: ScriptedServer, settings: HttpSettings) -> RetakeClient:
    return RetakeClient(server.api_url, access_token=TOKEN, settings=settings)


async def test_get_recovers_after_errors(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.script(STATUS_PATH, Respond(500), Respond(503), Close())
    api_server.always(STATUS_PATH, Respond(200, STATUS))

    async with _client(api_server, quick_settings) as client:
        status = await client.stream_status()

    assert status.viewers == 2
    assert len(api_server.requests_to(STATUS_PATH)) == 4


async def test_get_gives_up_after_retries(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always(STATUS_PATH, Respond(500, {"error": "Database unavailable."}))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(ServerError) as caught:
            await client.stream_status()

    assert caught.value.attempts == quick_settings.retries + 1
    assert "tried 4 times" in str(caught.value)
    assert len(api_server.requests_to(STATUS_PATH)) == quick_settings.retries + 1


async def test_no_retries_when_zero(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always(STATUS_PATH, Respond(500))
    settings = quick_settings.model_copy(update={"retries": 0})

    async with _client(api_server, settings) as client:
        with pytest.raises(ServerError):
            await client.stream_status()

    assert len(api_server.requests_to(STATUS_PATH)) == 1


async def test_rtmp_is_retried(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.script("/api/v1/agent/rtmp", Respond(502))
    api_server.always("/api/v1/agent/rtmp", Respond(200, {"url": "rtmps://h/live", "key": "sk_1"}))

    async with _client(api_server, quick_settings) as client:
        credentials = await client.rtmp()

    assert credentials.url == "rtmps://h/live"
    assert len(api_server.requests_to("/api/v1/agent/rtmp")) == 2


async def test_state_change_not_retried_on_5xx(
    api_server: ScriptedServer, quick_settings: HttpSettings
):
    api_server.always(START_PATH, Respond(500))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(ServerError) as caught:
            await client.stream_start()

    assert caught.value.attempts == 1
    assert len(api_server.requests_to(START_PATH)) == 1


async def test_state_change_not_retried_after_send(
    api_server: ScriptedServer, quick_settings: HttpSettings
):
    api_server.always(START_PATH, Close())

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(TransportError) as caught:
            await client.stream_start()

    assert "may have reached the server" in str(caught.value)
    assert len(api_server.requests_to(START_PATH)) == 1


async def test_chat_lost_connection_is_unknown(
    api_server: ScriptedServer, quick_settings: HttpSettings
):
    api_server.always(CHAT_PATH, Close())

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(SendOutcomeUnknown) as caught:
            await client.chat_send("hello chat", "user_abc")

    assert "was not sent again" in str(caught.value)
    [request] = api_server.requests_to(CHAT_PATH)
    assert b"hello chat" in request.body
    assert TOKEN.encode() not in request.body


async def test_chat_read_timeout_is_unknown(
    api_server: ScriptedServer, quick_settings: HttpSettings
):
    api_server.always(CHAT_PATH, Trickle(b'{"success": true}', byte_interval=5.0))
    settings = quick_settings.model_copy(update={"read_timeout": 0.3})

    async with _client(api_server, settings) as client:
        with pytest.raises(SendOutcomeUnknown) as caught:
            await client.chat_send("hello chat", "user_abc")

    assert "read timed out" in str(caught.value)
    assert len(api_server.requests_to(CHAT_PATH)) == 1


async def test_chat_server_error_not_retried(
    api_server: ScriptedServer, quick_settings: HttpSettings
):
    api_server.always(CHAT_PATH, Respond(500))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(ServerError):
            await client.chat_send("hello", "user_abc")

    assert len(api_server.requests_to(CHAT_PATH)) == 1


def _closed_port_url() -> str:
    # Bind and close a socket so that nothing listens on its port; connecting is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1"


async def test_refused_connection_retried(quick_settings: HttpSettings):
    url = _closed_port_url()
    async with RetakeClient(url, settings=quick_settings) as client:
        with pytest.raises(TransportError) as caught:
            await client.live_users()

    assert caught.value.attempts == quick_settings.retries + 1
    assert "could not be opened" in str(caught.value)
    assert f"(API URL {url})" in str(caught.value)


async def test_refused_chat_is_not_unknown(quick_settings: HttpSettings):
    url = _closed_port_url()

    async with RetakeClient(url, access_token=TOKEN, settings=quick_settings) as client:
        with pytest.raises(TransportError) as caught:
            await client.chat_send("hello", "user_abc")

    # A refused connection proves that nothing was sent, so the send may be retried.
    assert caught.value.attempts == quick_settings.retries + 1


async def test_trickle_hits_deadline(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always(STATUS_PATH, Trickle(b'{"is_live": true, "viewers": 1}', byte_interval=0.2))
    settings = quick_settings.model_copy(update={"deadline": 1.0})

    async with _client(api_server, settings) as client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as caught:
            await client.stream_status()
        elapsed = time.monotonic() - started

    assert 0.9 <= elapsed < 2.0
    assert "deadline of 1 s" in str(caught.value)


async def test_chat_trickle_deadline_is_unknown(
    api_server: ScriptedServer, quick_settings: HttpSettings
):
    api_server.always(CHAT_PATH, Trickle(b'{"success": true}', byte_interval=0.2))
    settings = quick_settings.model_copy(update={"deadline": 1.0})

    async with _client(api_server, settings) as client:
        with pytest.raises(SendOutcomeUnknown) as caught:
            await client.chat_send("hello", "user_abc")

    assert "deadline of 1 s" in str(caught.value)
    assert len(api_server.requests_to(CHAT_PATH)) == 1


async def test_deadline_covers_backoff(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always(STATUS_PATH, Respond(500))
    settings = quick_settings.model_copy(
        update={"deadline": 0.5, "retries": 10, "backoff_initial": 5.0, "backoff_max": 5.0}
    )

    async with RetakeClient(
        api_server.api_url, access_token=TOKEN, settings=settings, rng=_FixedHigh()
    ) as client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as caught:
            await client.stream_status()
        elapsed = time.monotonic() - started

    assert elapsed < 1.5
    assert "server error 500" in str(caught.value)
    assert len(api_server.requests_to(STATUS_PATH)) == 1


class _FixedHigh(random.Random):
    """A random source whose uniform draws always return the upper bound."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_backoff_full_jitter_bounds():
    rng = random.Random(7)

    draws = {
        retry: [backoff_delay(retry, 0.5, 8.0, rng) for _ in range(500)] for retry in (1, 3, 6)
    }

    assert all(0.0 <= draw <= 0.5 for draw in draws[1])
    assert all(0.0 <= draw <= 2.0 for draw in draws[3])
    assert all(0.0 <= draw <= 8.0 for draw in draws[6])
    assert max(draws[3]) > 1.0
    assert max(draws[6]) > 4.0


def test_backoff_grows_then_caps():
    high = _FixedHigh()

    ceilings = [backoff_delay(retry, 0.5, 8.0, high) for retry in range(1, 8)]

    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
