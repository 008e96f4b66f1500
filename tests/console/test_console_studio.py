"""The console's real keys against a real studio and simulator over loopback.

The studio runs in the test's event loop (see `studio_kit`), serving its real
Unix socket; the console attaches with `StudioClient` as in production.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from console_kit import wait_for
from studio_kit import RunningStudio, register_agent, running_studio
from textual.drivers.headless_driver import HeadlessDriver

from cockpit.settings import Settings
from cockpit.sim.server import SimOptions, SimServer
from cockpit.studio.client import StudioClient
from cockpit.studio.locations import socket_path
from cockpit.ui.clipboard import osc52
from cockpit.ui.console import ConsoleApp
from cockpit.ui.screens.dialogs import ConfirmStopScreen, StoppedScreen
from cockpit.ui.viewstate import ViewState

SIZE = (120, 36)
LIGHT_PIPELINE = {
    "RETAKE_COCKPIT_DISPLAY__WIDTH": "640",
    "RETAKE_COCKPIT_DISPLAY__HEIGHT": "360",
    "RETAKE_COCKPIT_ENCODER__FRAMERATE": "10",
    "RETAKE_COCKPIT_ENCODER__VIDEO_BITRATE": "300",
}


@pytest.fixture(scope="module")
def chat_sim() -> Iterator[SimServer]:
    """A simulator whose audience chats in every agent's room, live or not."""
    with SimServer(SimOptions(seed=31, audience_rate=4.0)) as sim:
        yield sim


@pytest.fixture(scope="module")
def ingest_sim() -> Iterator[SimServer]:
    """A simulator with its real RTMP ingest: live only while the encoder pushes."""
    with SimServer(SimOptions(seed=32, real_ingest=True)) as sim:
        yield sim


@pytest.fixture(autouse=True)
def light_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LIGHT_PIPELINE.items():
        monkeypatch.setenv(name, value)


def console(running: RunningStudio) -> ConsoleApp:
    return ConsoleApp(running.settings, socket_path(running.settings.profile), local_copy=None)


async def attached(app: ConsoleApp, pilot: Any) -> None:
    await wait_for(lambda: app.link is not None and app.view.identity.agent_name != "", pilot, 20)


async def test_sent_message_reaches_simulator(chat_sim: SimServer) -> None:
    await register_agent(chat_sim.api_url, "chat")
    async with running_studio(chat_sim.api_url, "chat") as running:
        app = console(running)
        async with app.run_test(size=SIZE) as pilot:
            await attached(app, pilot)
            await pilot.press("i", *"hello from the console", "enter")
            await wait_for(
                lambda: any(s.state == "sent" for s in app.view.sends.values()), pilot, 30
            )
        streamer = running.studio.credentials.user_db_id

    async with httpx.AsyncClient() as http:
        response = await http.get(
            f"{chat_sim.api_url}/chat/", params={"streamer_id": streamer, "limit": 50}
        )
    texts = [chat.get("text") for chat in response.json()["chats"]]
    assert "hello from the console" in texts


async def test_copy_writes_url_to_terminal(
    chat_sim: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The headless driver discards output; record what the console writes to the terminal.
    written: list[str] = []
    monkeypatch.setattr(HeadlessDriver, "write", lambda self, data: written.append(data))
    monkeypatch.delenv("TMUX", raising=False)
    name = await register_agent(chat_sim.api_url, "copy")
    async with running_studio(chat_sim.api_url, "copy") as running:
        app = console(running)
        async with app.run_test(size=SIZE) as pilot:
            await attached(app, pilot)
            await pilot.press("u")
            await pilot.pause()
    origin = chat_sim.api_url.removesuffix("/api/v1")
    assert osc52(f"{origin}/{name}") in written


async def test_hide_keeps_message_off_stage(chat_sim: SimServer) -> None:
    await register_agent(chat_sim.api_url, "hide")
    async with running_studio(chat_sim.api_url, "hide") as running:
        stage = await StudioClient.connect(socket_path("hide"), "stage")
        stage_view = ViewState()
        assert stage.snapshot is not None
        stage_view.apply({"type": "snapshot", "seq": stage.last_seq, "state": stage.snapshot})
        app = console(running)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await attached(app, pilot)
                await wait_for(lambda: len(app.view.chat) > 0, pilot, 30)
                app.refresh_panes()
                await pilot.press("up", "h")
                hidden = app.query_one("ChatView").selected.id  # type: ignore[attr-defined]
                async with asyncio.timeout(15):
                    async for message in stage.events():
                        stage_view.apply(message)
                        if hidden in stage_view.hidden_messages:
                            break
                assert hidden not in {line.id for line in stage_view.on_air_chat()}
        finally:
            await stage.close()


@pytest.mark.pipeline
async def test_stop_asks_before_stopping(ingest_sim: SimServer) -> None:
    await register_agent(ingest_sim.api_url, "stop")
    async with running_studio(ingest_sim.api_url, "stop") as running:
        app = console(running)
        async with app.run_test(size=SIZE) as pilot:
            await attached(app, pilot)
            await pilot.press("g")
            await wait_for(lambda: app.view.phase == "live", pilot, 90)
            await pilot.press("c", "s")
            await wait_for(lambda: isinstance(app.screen, ConfirmStopScreen), pilot)
            await pilot.press("n")
            await pilot.pause(1.0)
            assert running.studio.stream.on_air
            await pilot.press("s", "y")
            await wait_for(lambda: isinstance(app.screen, StoppedScreen), pilot, 90)
            assert not running.studio.stream.on_air
            assert app.view.last_stop is not None
            assert app.view.last_stop.stopped


def test_settings_reach_console() -> None:
    settings = Settings()
    app = ConsoleApp(settings, socket_path("default"), local_copy=None)
    assert app.view.target_fps == settings.encoder.framerate
    assert app.view.large_trade_usd == settings.feeds.alerts.big_trade_usd
