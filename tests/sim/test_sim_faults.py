"""Faults injected through /_sim/faults and SimOptions."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import httpx
import pytest
from simkit import SocketProbe, register_agent

from cockpit.sim.server import SimOptions, SimServer

STATUS = "/api/v1/agent/stream/status"


async def test_error_burst_then_recovery(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    armed = await control.post(
        "/_sim/faults", json={"errors": {"status": 500, "count": 3, "path_prefix": STATUS}}
    )

    statuses = [
        (await api.get("/agent/stream/status", headers=agent["headers"])).status_code
        for _ in range(4)
    ]
    other = await api.get("/users/live/")

    assert armed.json()["errors"] == [{"status": 500, "count": 3, "path_prefix": STATUS}]
    assert statuses == [500, 500, 500, 200]
    assert other.status_code == 200


async def test_error_body_is_json(api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
    await control.post("/_sim/faults", json={"errors": {"status": 503, "count": 1}})

    response = await api.get("/tokens/top/")

    assert response.status_code == 503
    assert "fault" in response.json()["error"]


async def test_errors_spare_control_endpoints(control: httpx.AsyncClient) -> None:
    await control.post("/_sim/faults", json={"errors": {"status": 500, "count": 5}})

    state = await control.get("/_sim/state")

    assert state.status_code == 200
    assert (await control.get("/_sim/faults")).json()["errors"][0]["count"] == 5


async def test_latency_added_then_cleared(
    api: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    await control.post("/_sim/faults", json={"latency": 0.4})
    started = time.monotonic()
    await api.get("/tokens/top/")
    slow = time.monotonic() - started

    cleared = await control.delete("/_sim/faults")
    started = time.monotonic()
    await api.get("/tokens/top/")
    fast = time.monotonic() - started

    assert slow >= 0.4
    assert fast < 0.4
    assert cleared.json() == {"errors": [], "latency": 0.0, "trickle": []}


async def test_trickle_sends_one_byte_at_a_time(sim: SimServer, control: httpx.AsyncClient) -> None:
    await control.post(
        "/_sim/faults",
        json={"trickle": {"count": 1, "byte_interval": 0.005, "path_prefix": "/skill.json"}},
    )
    chunks: list[bytes] = []

    started = time.monotonic()
    async with control.stream("GET", "/skill.json") as response:
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
    elapsed = time.monotonic() - started
    body = b"".join(chunks)
    again = await control.get("/skill.json")

    assert json.loads(body)["name"] == "retake"
    assert len(chunks) > len(body) // 2
    assert elapsed >= (len(body) - 1) * 0.005
    assert again.content == body


async def test_trickle_trips_client_read_timeout(
    sim: SimServer, control: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cockpit.sim.faults")
    await control.post("/_sim/faults", json={"trickle": {"count": 1, "byte_interval": 2.0}})

    async with httpx.AsyncClient(base_url=sim.api_url, timeout=httpx.Timeout(5, read=0.3)) as api:
        with pytest.raises(httpx.ReadTimeout):
            await api.get("/tokens/top/")

    # The simulator notices the hang-up within one byte interval and stops sending.
    deadline = time.monotonic() + 5
    while "The client left during a trickled response" not in caplog.text:
        assert time.monotonic() < deadline, "the trickle went on after the client left"
        await asyncio.sleep(0.05)
    faults = (await control.get("/_sim/faults")).json()
    assert faults["trickle"] == []


async def test_drop_sockets_disconnects_clients(sim: SimServer, control: httpx.AsyncClient) -> None:
    first = await SocketProbe().connect(sim.origin)
    second = await SocketProbe().connect(sim.origin)
    try:
        response = await control.post("/_sim/faults", json={"drop_sockets": True})
        await first.disconnected.wait()
        await second.disconnected.wait()
        later = await SocketProbe().connect(sim.origin)
        await later.join("trades")
        await later.close()
    finally:
        await first.close()
        await second.close()

    assert response.json()["dropped_sockets"] == 2


async def test_revoked_token_gets_401(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    other = await register_agent(api, "Unrevoked", number=9)
    before = await api.get("/agent/stream/status", headers=agent["headers"])

    await control.post("/_sim/faults", json={"revoke_token": agent["userDbId"]})
    after = await api.get("/agent/stream/status", headers=agent["headers"])
    await control.delete("/_sim/faults")
    still = await api.post("/agent/rtmp", json={"access_token": agent["access_token"]})
    unaffected = await api.get("/agent/stream/status", headers=other["headers"])

    assert before.status_code == 200
    assert after.status_code == 401
    assert "revoked" in after.json()["error"]
    assert still.status_code == 401
    assert unaffected.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"explode": True},
        {"errors": {"status": 200}},
        {"errors": {"status": 500, "count": 0}},
        {"errors": "500"},
        {"latency": -1},
        {"latency": "slow"},
        {"trickle": {"byte_interval": 1e9}},
        {"trickle": {"path_prefix": "api"}},
    ],
)
async def test_invalid_fault_rejected(control: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await control.post("/_sim/faults", json=body)

    assert response.status_code == 400
    assert (await control.get("/_sim/faults")).json() == {
        "errors": [],
        "latency": 0.0,
        "trickle": [],
    }


@pytest.mark.parametrize("field", ["rotate_key", "revoke_token"])
async def test_fault_for_unknown_agent_404(control: httpx.AsyncClient, field: str) -> None:
    response = await control.post("/_sim/faults", json={field: "nobody", "latency": 1})

    assert response.status_code == 404
    assert (await control.get("/_sim/faults")).json()["latency"] == 0.0


async def test_faults_from_options(make_sim: Any) -> None:
    server: SimServer = make_sim(faults={"errors": {"status": 502, "count": 1}})

    async with httpx.AsyncClient(base_url=server.api_url) as api:
        first = await api.get("/users/live/")
        second = await api.get("/users/live/")

    assert first.status_code == 502
    assert second.status_code == 200


def test_invalid_faults_option_raises() -> None:
    server = SimServer(SimOptions(seed=1, faults={"latency": -3}))

    with pytest.raises(ValueError, match="faults"):
        server.start()


async def test_requests_counted(api: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
    before = (await control.get("/_sim/state")).json()["requests"]

    await api.get("/users/live/")
    await api.get("/tokens/top/")
    after = (await control.get("/_sim/state")).json()["requests"]

    assert after - before == 2
