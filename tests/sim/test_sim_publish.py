"""The ingest hooks: publish_started accepts only an agent's current RTMP key, and with
live_follows_publish the stream is live only while a publish is active."""

from __future__ import annotations

from typing import Any

import httpx
from simkit import register_agent

from cockpit.sim.server import SimServer


async def fresh_key(api: httpx.AsyncClient, agent: dict[str, Any]) -> str:
    return str((await api.post("/agent/rtmp", headers=agent["headers"])).json()["key"])


async def is_live(api: httpx.AsyncClient, agent: dict[str, Any]) -> bool:
    status = (await api.get("/agent/stream/status", headers=agent["headers"])).json()
    return bool(status["is_live"])


def publishing(sim: SimServer, user_id: str) -> bool:
    return sim.call(lambda: sim.context.state.agents[user_id].publishing_key is not None)


async def test_publish_accepts_only_current_key(
    sim: SimServer, api: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    old = await fresh_key(api, agent)
    current = await fresh_key(api, agent)
    state = sim.context.state

    assert sim.call(state.publish_started, old) is False
    assert sim.call(state.publish_started, "sk_made_up") is False
    assert sim.call(state.publish_started, "") is False
    assert publishing(sim, agent["userDbId"]) is False
    assert sim.call(state.publish_started, current) is True
    assert publishing(sim, agent["userDbId"]) is True


async def test_rotation_rejects_old_key(
    sim: SimServer, api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    key = await fresh_key(api, agent)

    rotated = await control.post("/_sim/faults", json={"rotate_key": agent["userDbId"]})
    rejected = sim.call(sim.context.state.publish_started, key)
    replacement = await fresh_key(api, agent)
    accepted = sim.call(sim.context.state.publish_started, replacement)

    assert rotated.status_code == 200
    assert rejected is False
    assert accepted is True


async def test_key_starts_its_own_agent(
    sim: SimServer, api: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    other = await register_agent(api, "SecondAgent", number=4)
    await fresh_key(api, agent)
    theirs = await fresh_key(api, other)

    assert sim.call(sim.context.state.publish_started, theirs) is True
    assert publishing(sim, other["userDbId"]) is True
    assert publishing(sim, agent["userDbId"]) is False


async def test_default_live_ignores_publish(
    sim: SimServer, api: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    key = await fresh_key(api, agent)
    await api.post("/agent/stream/start", headers=agent["headers"])
    live_before_publish = await is_live(api, agent)

    sim.call(sim.context.state.publish_started, key)
    sim.call(sim.context.state.publish_done, key)

    assert live_before_publish is True
    assert await is_live(api, agent) is True


async def test_live_follows_publish(make_sim: Any) -> None:
    sim: SimServer = make_sim(live_follows_publish=True)
    state = sim.context.state
    async with httpx.AsyncClient(base_url=sim.api_url) as api:
        agent = await register_agent(api, "PublishAgent")
        key = await fresh_key(api, agent)
        await api.post("/agent/stream/start", headers=agent["headers"])
        started_only = await is_live(api, agent)
        listed_before = (await api.get(f"/sessions/active/{agent['userDbId']}/")).json()

        assert sim.call(state.publish_started, key) is True
        publishing_live = await is_live(api, agent)
        listed_during = (await api.get(f"/sessions/active/{agent['userDbId']}/")).json()

        sim.call(state.publish_done, key)
        after_done = await is_live(api, agent)
        stop = await api.post("/agent/stream/stop", headers=agent["headers"])
        recorded = (await api.get(f"/sessions/recorded/{agent['userDbId']}/")).json()

    assert started_only is False
    assert listed_before == {"session": None}
    assert publishing_live is True
    assert listed_during["session"]["status"] == "live"
    assert after_done is False
    assert stop.status_code == 409  # ending the push ended the session
    assert len(recorded["sessions"]) == 1


async def test_publish_before_start_goes_live_on_start(make_sim: Any) -> None:
    sim: SimServer = make_sim(live_follows_publish=True)
    async with httpx.AsyncClient(base_url=sim.api_url) as api:
        agent = await register_agent(api, "EarlyPublisher")
        key = await fresh_key(api, agent)
        assert sim.call(sim.context.state.publish_started, key) is True
        before_start = await is_live(api, agent)
        await api.post("/agent/stream/start", headers=agent["headers"])
        after_start = await is_live(api, agent)

    assert before_start is False
    assert after_start is True


async def test_publish_done_with_other_key_ignored(make_sim: Any) -> None:
    sim: SimServer = make_sim(live_follows_publish=True)
    async with httpx.AsyncClient(base_url=sim.api_url) as api:
        agent = await register_agent(api, "SteadyPublisher")
        key = await fresh_key(api, agent)
        await api.post("/agent/stream/start", headers=agent["headers"])
        sim.call(sim.context.state.publish_started, key)

        sim.call(sim.context.state.publish_done, "sk_some_other_key")

        assert await is_live(api, agent) is True


async def test_recording_attached_to_published_session(
    sim: SimServer, api: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    key = await fresh_key(api, agent)
    await api.post("/agent/stream/start", headers=agent["headers"])
    state = sim.context.state
    sim.call(state.publish_started, key)
    await api.post("/agent/stream/stop", headers=agent["headers"])

    unknown = sim.call(state.recording_finished, "sk_never_published", "http://x/r.flv", 10)
    attached = sim.call(state.recording_finished, key, "http://127.0.0.1:1/r.flv", 2048)
    recorded = (await api.get(f"/sessions/recorded/{agent['userDbId']}/")).json()["sessions"]

    assert unknown is False
    assert attached is True
    assert recorded[0]["recording"] == {
        "url": "http://127.0.0.1:1/r.flv",
        "format": "flv",
        "size_bytes": 2048,
    }
