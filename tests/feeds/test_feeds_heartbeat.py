"""`cockpit heartbeat` run directly (its ``run()``) against the simulator with a stored profile."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from feeds_helpers import QUICK_HTTP, Agent, register_agent

from cockpit.api import RetakeClient
from cockpit.api.credentials import Credentials, CredentialStore
from cockpit.commands import heartbeat
from cockpit.feeds.hub import HUB_STATE_KEY
from cockpit.feeds.store import FeedStore
from cockpit.settings import Settings
from cockpit.sim.server import SimOptions, SimServer


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimOptions(seed=51, audience_rate=0.0, hostile_share=0.0)) as server:
        yield server


def control(sim: SimServer, path: str, body: dict[str, Any]) -> Any:
    response = httpx.post(f"{sim.origin}/_sim/{path}", json=body, trust_env=False)
    assert response.status_code == 200, response.text
    return response.json()


def save_profile(sim: SimServer) -> tuple[Agent, str]:
    """Register an agent, start its stream and save it as the default profile."""

    async def setup() -> tuple[Agent, str]:
        agent = await register_agent(sim.api_url)
        await agent.client.rtmp()
        started = await agent.client.stream_start()
        await agent.client.aclose()
        assert started.token is not None and started.token.token_address
        return agent, started.token.token_address

    agent, token = asyncio.run(setup())
    CredentialStore("default", "file").save(
        Credentials(
            access_token=agent.registration.access_token.get_secret_value(),
            agent_name=agent.name,
            user_db_id=agent.user_id,
            wallet_address=agent.wallet,
            api_url=sim.api_url,
        )
    )
    return agent, token


def run_heartbeat(sim: SimServer, *, as_json: bool = True) -> int:
    settings = Settings(api_url=sim.api_url, http=QUICK_HTTP)  # type: ignore[call-arg]
    return heartbeat.run(argparse.Namespace(json=as_json), settings)


def report(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    output = capsys.readouterr().out
    return json.loads(output)


def test_first_then_changes(sim: SimServer, capsys: pytest.CaptureFixture[str]) -> None:
    agent, token = save_profile(sim)
    for text in ("one", "two"):
        control(sim, "chat", {"streamer_id": agent.user_id, "text": text})

    assert run_heartbeat(sim) == 0
    first = report(capsys)
    assert first["first"] is True
    assert first["is_live"] is True
    assert first["new_comments"] == 2
    assert [c["text"] for c in first["latest_comments"]] == ["one", "two"]
    assert first["token_address"] == token
    assert first["stats"]["market_cap"] > 0
    assert first["alerts"] == []

    for text in ("three", "four", "five"):
        control(sim, "chat", {"streamer_id": agent.user_id, "text": text})
    control(sim, "tip", {"streamer_id": agent.user_id, "amount": 50.0, "username": "whale"})
    control(sim, "trade", {"token_address": token, "is_buy": True, "amount_in_usd": 10_000.0})

    assert run_heartbeat(sim) == 0
    second = report(capsys)
    assert second["first"] is False
    assert second["previous_at"] == first["at"]
    assert second["new_comments"] == 3
    assert [c["text"] for c in second["latest_comments"]] == ["three", "four", "five"]
    assert second["changes"]["market_cap"] > 0
    assert second["changes"]["market_cap_percent"] > 0
    kinds = [alert["kind"] for alert in second["alerts"]]
    assert kinds == ["big_tip", "big_trade", "milestone", "milestone"]
    milestones = [a["data"]["milestone"] for a in second["alerts"] if a["kind"] == "milestone"]
    assert milestones == [10_000.0, 25_000.0]

    assert run_heartbeat(sim) == 0
    third = report(capsys)
    assert third["new_comments"] == 0
    assert third["alerts"] == []


def test_text_summary_plain(sim: SimServer, capsys: pytest.CaptureFixture[str]) -> None:
    agent, _ = save_profile(sim)
    control(sim, "chat", {"streamer_id": agent.user_id, "text": "\x1b[31mred\x1b[0m [b]x[/b]"})

    assert run_heartbeat(sim, as_json=False) == 0
    output = capsys.readouterr().out
    assert "Live: yes" in output
    assert "New comments: 1" in output
    assert "red [b]x[/b]" in output
    assert "\x1b" not in output


def test_stream_dropped(sim: SimServer, capsys: pytest.CaptureFixture[str]) -> None:
    agent, _ = save_profile(sim)

    async def expect_live_then_stop() -> None:
        store = FeedStore.for_profile("default")
        await store.open()
        store.set_state(HUB_STATE_KEY, {"expected_live": True})
        await store.close()
        async with RetakeClient(
            sim.api_url,
            access_token=agent.registration.access_token,
            token_api_url=sim.api_url,
            settings=QUICK_HTTP,
        ) as client:
            await client.stream_stop()

    asyncio.run(expect_live_then_stop())

    assert run_heartbeat(sim) == 0
    dropped = report(capsys)
    assert dropped["is_live"] is False
    assert [alert["kind"] for alert in dropped["alerts"]] == ["stream_dropped"]
    assert dropped["alerts"][0]["severity"] == "critical"


def test_server_error_fails(sim: SimServer, capsys: pytest.CaptureFixture[str]) -> None:
    save_profile(sim)
    control(
        sim,
        "faults",
        {"errors": {"status": 500, "count": 10, "path_prefix": "/api/v1/agent/stream/status"}},
    )

    assert run_heartbeat(sim) == 1
    captured = capsys.readouterr()
    failure = json.loads(captured.out)
    assert failure["ok"] is False
    assert failure["error"]["code"] == "ServerError"
    assert "500" in failure["error"]["message"]
    assert "cockpit heartbeat:" in captured.err
    assert "500" in captured.err


def test_missing_profile_fails(sim: SimServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_heartbeat(sim) == 1
    error = capsys.readouterr().err
    assert "No credentials for profile 'default'" in error
    assert "cockpit register" in error
