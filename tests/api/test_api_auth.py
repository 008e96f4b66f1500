"""The token-host rule at unit level: which origins may receive a token, and the auth flow.

Requests to https origins use httpx.MockTransport: no loopback server can pose
as https://retake.tv or another https host name without a certificate and name
resolution for that host, and retake.tv itself must never be contacted.
"""

from __future__ import annotations

import httpx
import pytest
from api_servers import TOKEN
from pydantic import SecretStr

from cockpit.api import ProfileMismatchError, RedirectError, RetakeClient, TokenHostError
from cockpit.api.auth import Origin, TokenHostAuth, may_receive_token
from cockpit.settings import HttpSettings

PLATFORM = Origin("https", "retake.tv", 443)
SIM = Origin("http", "127.0.0.1", 8080)


@pytest.mark.parametrize(
    ("url", "token_origin", "allowed"),
    [
        ("https://retake.tv/api/v1/agent/rtmp", PLATFORM, True),
        ("https://retake.tv:443/api/v1/agent/rtmp", PLATFORM, True),
        ("http://retake.tv/api/v1/agent/rtmp", PLATFORM, False),
        ("https://retake.tv:8443/api/v1/agent/rtmp", PLATFORM, False),
        ("https://api.retake.tv/api/v1/agent/rtmp", PLATFORM, False),
        ("https://retake.tv.example.com/api/v1", PLATFORM, False),
        ("https://retake.tv./api/v1", PLATFORM, False),
        ("https://example.com/api/v1", PLATFORM, False),
        ("http://127.0.0.1:8080/api/v1/agent/rtmp", SIM, True),
        ("http://127.0.0.1:8081/api/v1/agent/rtmp", SIM, False),
        ("http://127.0.0.2:8080/api/v1/agent/rtmp", SIM, False),
        ("https://127.0.0.1:8080/api/v1/agent/rtmp", SIM, False),
        ("https://retake.tv/api/v1/agent/rtmp", SIM, False),
        ("http://[::1]:8080/api/v1", Origin("http", "::1", 8080), True),
        ("http://localhost:8080/api/v1", Origin("http", "localhost", 8080), True),
        ("http://example.com/api/v1", Origin("http", "example.com", 80), False),
        ("http://10.0.0.1:8080/api/v1", Origin("http", "10.0.0.1", 8080), False),
    ],
)
def test_may_receive_token(url: str, token_origin: Origin, allowed: bool):
    assert may_receive_token(url, token_origin) is allowed


@pytest.mark.parametrize(
    "api_url",
    ["https://example.com/api/v1", "http://retake.tv/api/v1", "http://10.1.2.3:8080/api/v1"],
)
def test_token_for_foreign_host_rejected(api_url: str):
    with pytest.raises(TokenHostError) as caught:
        RetakeClient(api_url, access_token=TOKEN)

    assert TOKEN not in str(caught.value)


def test_token_for_other_url_rejected():
    with pytest.raises(ProfileMismatchError) as caught:
        RetakeClient(
            "http://127.0.0.1:9001/api/v1",
            access_token=TOKEN,
            token_api_url="http://127.0.0.1:9002/api/v1",
        )

    assert "http://127.0.0.1:9002/api/v1" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_trailing_slash_is_same_url():
    client = RetakeClient(
        "http://127.0.0.1:9001/api/v1/",
        access_token=TOKEN,
        token_api_url="HTTP://127.0.0.1:9001/api/v1",
    )

    assert client.api_url == "http://127.0.0.1:9001/api/v1"
    assert TOKEN not in repr(client)


class Recorder:
    """A MockTransport handler that keeps each request's URL and Authorization header."""

    def __init__(self, responses: dict[str, httpx.Response] | None = None) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self._responses = responses or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((str(request.url), request.headers.get("Authorization")))
        return self._responses.get(str(request.url), httpx.Response(200, json={}))


async def test_auth_flow_sends_token_to_platform_only():
    recorder = Recorder()
    auth = TokenHostAuth(SecretStr(TOKEN), PLATFORM)
    async with httpx.AsyncClient(auth=auth, transport=httpx.MockTransport(recorder)) as client:
        await client.get("https://retake.tv/api/v1/agent/stream/status")
        await client.get("https://example.com/api/v1/agent/stream/status")
        await client.get("https://cdn.example.com/x", headers={"Authorization": f"Bearer {TOKEN}"})

    assert recorder.seen[0] == ("https://retake.tv/api/v1/agent/stream/status", f"Bearer {TOKEN}")
    assert recorder.seen[1] == ("https://example.com/api/v1/agent/stream/status", None)
    assert recorder.seen[2] == ("https://cdn.example.com/x", None)


def test_auth_repr_hides_token():
    auth = TokenHostAuth(SecretStr(TOKEN), PLATFORM)

    assert TOKEN not in repr(auth)
    assert "retake.tv" in repr(auth)


STATUS = {"is_live": False, "viewers": 0, "uptime_seconds": 0}


async def test_platform_client_sends_token():
    recorder = Recorder(
        {
            "https://retake.tv/api/v1/agent/stream/status": httpx.Response(200, json=STATUS),
            "https://retake.tv/api/v1/users/live/": httpx.Response(200, json={"users": []}),
        }
    )
    transport = httpx.MockTransport(recorder)
    async with RetakeClient(
        "https://retake.tv/api/v1", access_token=TOKEN, transport=transport
    ) as client:
        await client.stream_status()
        await client.live_users()

    assert recorder.seen[0] == ("https://retake.tv/api/v1/agent/stream/status", f"Bearer {TOKEN}")
    assert recorder.seen[1] == ("https://retake.tv/api/v1/users/live/", None)


async def test_https_redirect_to_other_host_not_followed():
    redirect = httpx.Response(
        307, headers={"Location": "https://cdn.example.com/api/v1/agent/stream/status"}
    )
    recorder = Recorder({"https://retake.tv/api/v1/agent/stream/status": redirect})
    settings = HttpSettings(retries=0)
    async with RetakeClient(
        "https://retake.tv/api/v1",
        access_token=TOKEN,
        settings=settings,
        transport=httpx.MockTransport(recorder),
    ) as client:
        with pytest.raises(RedirectError) as caught:
            await client.stream_status()

    assert "https://cdn.example.com:443/api/v1/agent/stream/status" in str(caught.value)
    assert [url for url, _ in recorder.seen] == ["https://retake.tv/api/v1/agent/stream/status"]
