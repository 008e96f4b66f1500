"""Alerts of a hub fed by the simulator: tips, trades, follows, milestones, drops, dead air."""

from __future__ import annotations

from pathlib import Path

from feeds_helpers import (
    Agent,
    HubFactory,
    Recorder,
    SimControl,
    eventually,
    fast_settings,
    start_stream,
)
from test_feeds_hub import socket_up

from cockpit.feeds.events import Alert, FollowItem, StatusItem
from cockpit.settings import AlertSettings


def alerts_of(recorder: Recorder, kind: str) -> list[Alert]:
    return [alert for alert in recorder.of(Alert) if alert.kind == kind]


async def test_big_tip_and_trade(control: SimControl, agent: Agent, make_hub: HubFactory) -> None:
    token, ticker = await start_stream(agent)
    settings = fast_settings(alerts=AlertSettings(big_tip_usd=10.0, big_trade_usd=50.0))
    hub, recorder = await make_hub(agent, settings=settings, identity=agent.identity(token, ticker))
    await socket_up(hub)

    await control.post("tip", {"streamer_id": agent.user_id, "amount": 2.0, "username": "small"})
    await control.post("tip", {"streamer_id": agent.user_id, "amount": 25.0, "username": "big"})
    await control.post("trade", {"token_address": token, "is_buy": True, "amount_in_usd": 10.0})
    await control.post("trade", {"token_address": token, "is_buy": True, "amount_in_usd": 80.0})
    await eventually(
        lambda: [trade.source for trade in hub.recent_trades()] == ["both", "both"], 10, "2 trades"
    )
    await eventually(
        lambda: [i.source for i in hub.recent_chat() if i.kind == "tip"] == ["both", "both"],
        10,
        "2 merged tips",
    )

    (tip,) = alerts_of(recorder, "big_tip")
    assert tip.data["amount_usd"] == 25.0
    assert "big" in tip.message
    (trade,) = alerts_of(recorder, "big_trade")
    assert trade.data["amount_usd"] == 80.0


async def test_follow(control: SimControl, agent: Agent, make_hub: HubFactory) -> None:
    hub, recorder = await make_hub(agent)
    await socket_up(hub)

    await control.post("follow", {"streamer_id": agent.user_id, "username": "newfan"})

    (alert,) = await eventually(lambda: alerts_of(recorder, "follow"), 5, "the follow alert")
    (follow,) = recorder.of(FollowItem)
    assert follow.follower_username == "newfan"
    assert "newfan" in alert.message


async def test_dead_air(control: SimControl, agent: Agent, make_hub: HubFactory) -> None:
    settings = fast_settings(alerts=AlertSettings(dead_air=0.6))
    hub, recorder = await make_hub(agent, settings=settings, realtime=False)

    hub.set_live(True)
    (alert,) = await eventually(lambda: alerts_of(recorder, "dead_air"), 5, "the dead-air alert")
    assert alert.severity == "warning"

    await control.post("chat", {"streamer_id": agent.user_id, "text": "anyone here?"})
    await eventually(lambda: hub.recent_chat(), 5, "the chat message")
    await eventually(
        lambda: len(alerts_of(recorder, "dead_air")) == 2, 5, "a second dead-air alert"
    )


async def test_no_dead_air_offline(agent: Agent, make_hub: HubFactory) -> None:
    settings = fast_settings(alerts=AlertSettings(dead_air=0.3))
    _, recorder = await make_hub(agent, settings=settings, realtime=False)

    await eventually(lambda: recorder.of(StatusItem), 5, "a status poll")
    await eventually(lambda: len(recorder.of(StatusItem)) >= 3, 5, "three status polls")
    assert alerts_of(recorder, "dead_air") == []


async def test_stream_dropped(agent: Agent, make_hub: HubFactory) -> None:
    token, ticker = await start_stream(agent)
    hub, recorder = await make_hub(agent, realtime=False, identity=agent.identity(token, ticker))
    hub.set_live(True)
    await eventually(lambda: [s for s in recorder.of(StatusItem) if s.is_live], 5, "live status")

    await agent.client.stream_stop()

    (alert,) = await eventually(lambda: alerts_of(recorder, "stream_dropped"), 5, "the drop")
    assert alert.severity == "critical"


async def test_no_drop_alert_on_planned_stop(agent: Agent, make_hub: HubFactory) -> None:
    token, ticker = await start_stream(agent)
    hub, recorder = await make_hub(agent, realtime=False, identity=agent.identity(token, ticker))
    hub.set_live(True)
    await eventually(lambda: [s for s in recorder.of(StatusItem) if s.is_live], 5, "live status")

    hub.set_live(False)
    await agent.client.stream_stop()

    await eventually(lambda: [s for s in recorder.of(StatusItem) if not s.is_live], 5, "offline")
    assert alerts_of(recorder, "stream_dropped") == []


async def test_failed_requests_run(control: SimControl, agent: Agent, make_hub: HubFactory) -> None:
    settings = fast_settings(alerts=AlertSettings(failed_requests=3))
    await control.faults(
        errors={"status": 500, "count": 100, "path_prefix": "/api/v1/agent/stream/status"}
    )
    hub, recorder = await make_hub(agent, settings=settings, realtime=False)

    (alert,) = await eventually(lambda: alerts_of(recorder, "requests_failing"), 10, "the alert")
    assert alert.data["feed"] == "status"
    assert hub.health().consecutive_failures["status"] >= 3
    assert "500" in hub.health().last_error

    await control.clear_faults()
    await eventually(lambda: hub.health().consecutive_failures["status"] == 0, 10, "recovery")


async def test_market_cap_milestone(
    control: SimControl, agent: Agent, make_hub: HubFactory
) -> None:
    token, ticker = await start_stream(agent)
    start_cap = (await agent.client.token_stats(token)).current_market_cap
    assert start_cap is not None
    milestones = [start_cap * 0.5, start_cap * 1.05, start_cap * 1.1, start_cap * 100]
    settings = fast_settings(alerts=AlertSettings(market_cap_milestones=milestones))
    hub, recorder = await make_hub(
        agent, settings=settings, realtime=False, identity=agent.identity(token, ticker)
    )
    await eventually(lambda: hub.stats_history(), 5, "the baseline stats")
    assert alerts_of(recorder, "milestone") == []

    await control.post("trade", {"token_address": token, "is_buy": True, "amount_in_usd": 1000.0})

    raised = await eventually(
        lambda: len(alerts_of(recorder, "milestone")) == 2 and alerts_of(recorder, "milestone"),
        5,
        "two milestone alerts",
    )
    assert [alert.data["milestone"] for alert in raised] == milestones[1:3]


async def test_drop_while_hub_down(agent: Agent, make_hub: HubFactory, tmp_path: Path) -> None:
    token, ticker = await start_stream(agent)
    store_path = tmp_path / "restart.sqlite3"
    identity = agent.identity(token, ticker)
    first, _ = await make_hub(agent, realtime=False, identity=identity, store_path=store_path)
    first.set_live(True)
    await first.stop()

    await agent.client.stream_stop()
    _, recorder = await make_hub(agent, realtime=False, identity=identity, store_path=store_path)

    (alert,) = await eventually(lambda: alerts_of(recorder, "stream_dropped"), 5, "the drop")
    assert alert.severity == "critical"
