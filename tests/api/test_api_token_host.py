"""The token-host rule over real loopback HTTP: a second server on 127.0.0.2 poses as another host.

The other host must never receive an Authorization header, neither when the
client is pointed at it with a token for another URL nor through redirects.
"""

from __future__ import annotations

import pytest
from api_servers import TOKEN, Redirect, Respond, ScriptedServer

from cockpit.api import ProfileMismatchError, RedirectError, RetakeClient
from cockpit.settings import HttpSettings

STATUS = {"is_live": True, "viewers": 2, "uptime_seconds": 30, "token_address": "T1"}
STATUS_PATH = "/api/v1/agent/stream/status"


def _client(server: ScriptedServer, settings: HttpSettings) -> RetakeClient:
    return RetakeClient(server.api_url, access_token=TOKEN, settings=settings)


async def test_client_for_other_host_rejected(
    api_server: ScriptedServer, other_host: ScriptedServer
):
    other_host.always(STATUS_PATH, Respond(200, STATUS))

    with pytest.raises(ProfileMismatchError) as caught:
        RetakeClient(other_host.api_url, access_token=TOKEN, token_api_url=api_server.api_url)

    assert other_host.api_url in str(caught.value)
    assert other_host.received == []


async def test_redirect_to_other_host_not_followed(
    api_server: ScriptedServer, other_host: ScriptedServer, quick_settings: HttpSettings
):
    target = f"{other_host.origin}{STATUS_PATH}"
    api_server.always(STATUS_PATH, Redirect(target, status=302))
    other_host.always(STATUS_PATH, Respond(200, STATUS))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(RedirectError) as caught:
            await client.stream_status()

    assert f"{other_host.origin}{STATUS_PATH}" in str(caught.value)
    assert "another host" in str(caught.value)
    assert other_host.received == []
    assert api_server.requests_to(STATUS_PATH)[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_public_redirect_to_other_host(
    api_server: ScriptedServer,
    other_host: ScriptedServer,
    quick_settings: HttpSettings,
    status: int,
):
    api_server.always("/api/v1/users/live/", Redirect(f"{other_host.origin}/users", status))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(RedirectError):
            await client.live_users()

    assert other_host.received == []


async def test_same_origin_redirect_followed(
    api_server: ScriptedServer, quick_settings: HttpSettings
):
    api_server.script(STATUS_PATH, Redirect("/api/v1/agent/stream/status-v2", status=307))
    api_server.always("/api/v1/agent/stream/status-v2", Respond(200, STATUS))

    async with _client(api_server, quick_settings) as client:
        status = await client.stream_status()

    assert status.viewers == 2
    hops = [request.path for request in api_server.received]
    assert hops == [STATUS_PATH, "/api/v1/agent/stream/status-v2"]
    for request in api_server.received:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_redirect_loop_stops(api_server: ScriptedServer, quick_settings: HttpSettings):
    api_server.always(STATUS_PATH, Redirect(STATUS_PATH, status=307))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(RedirectError) as caught:
            await client.stream_status()

    assert "more than 3 redirects" in str(caught.value)
    assert len(api_server.received) == 4


async def test_post_redirect_changing_method(
    api_server: ScriptedServer, quick_settings: HttpSettings
):
    api_server.always("/api/v1/agent/stream/start", Redirect("/api/v1/elsewhere", status=302))

    async with _client(api_server, quick_settings) as client:
        with pytest.raises(RedirectError) as caught:
            await client.stream_start()

    assert "changes the method POST to GET" in str(caught.value)
    assert [request.path for request in api_server.received] == ["/api/v1/agent/stream/start"]


async def test_public_endpoints_send_no_token(
    api_server: ScriptedServer, quick_settings: HttpSettings
):
    api_server.always("/api/v1/users/live/", Respond(200, {"users": []}))
    api_server.always("/skill.json", Respond(200, {"name": "retake", "version": "2.0.0"}))
    api_server.always("/skill.md", Respond(200, "# retake"))

    async with _client(api_server, quick_settings) as client:
        await client.live_users()
        await client.skill_info()
        await client.skill_text()

    assert len(api_server.received) == 3
    for request in api_server.received:
        assert "authorization" not in request.headers


async def test_other_loopback_port_gets_no_token(
    api_server: ScriptedServer, quick_settings: HttpSettings
):
    with ScriptedServer("127.0.0.1") as second:
        with pytest.raises(ProfileMismatchError):
            RetakeClient(second.api_url, access_token=TOKEN, token_api_url=api_server.api_url)

        assert second.received == []
