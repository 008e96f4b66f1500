"""The stage app against a studio over the real socket protocol, driven by Textual's pilot.

The studio is `FakeStudio`: the real `StudioServer` in the test's event loop,
with a state the test sets, so these tests need no simulator and no pipeline.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from fake_studio import FakeStudio
from stage_data import START, chat, snapshot
from textual.pilot import Pilot
from textual.widgets import Static

from cockpit.commands import stage as stage_command
from cockpit.settings import load_settings
from cockpit.studio.client import StudioClient
from cockpit.ui.stage import REDRAW_INTERVAL, StageApp, build_parser, build_stage
from cockpit.ui.stage_options import DEFAULT_MARKER, StageOptions, stage_options
from cockpit.ui.stage_widgets import ChatPanel, NarrationPanel, SceneCard

SIZE = (106, 29)
WAIT = 20.0
"""Seconds a condition may take to hold: generous, since the machine may be busy."""


@pytest.fixture
def socket_file(tmp_path: Path) -> Path:
    return tmp_path / "studio.sock"


@pytest.fixture
async def studio(socket_file: Path) -> AsyncIterator[FakeStudio]:
    fake = FakeStudio(socket_file, snapshot())
    await fake.start()
    yield fake
    await fake.close()


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


def chat_shown(app: StageApp) -> list[str]:
    return [line.text for line in app.query_one("#chat", ChatPanel)._lines]


def connection_mark(app: StageApp) -> str:
    return str(app.query_one("#connection", Static).content)


async def test_stage_attaches_and_shows_chat(studio: FakeStudio, socket_file: Path) -> None:
    app = build_stage(StageOptions(socket_path=socket_file))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.model.connected, "the stage to attach")
        await until(pilot, lambda: "gm gm! first time here" in chat_shown(app), "recorded chat")
        assert str(app.query_one("#agent-name", Static).content) == "Nova"
        assert connection_mark(app) == ""

        studio.chat(chat("live-1", "[red]hello from the pilot[/red]", "pilot", "u-p", START))
        await until(
            pilot, lambda: "[red]hello from the pilot[/red]" in chat_shown(app), "the new message"
        )
        assert "hello from the pilot" in app.export_screenshot().replace("&#160;", " ")


async def test_stage_batches_redraws_in_flood(studio: FakeStudio, socket_file: Path) -> None:
    app = build_stage(StageOptions(socket_path=socket_file))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.model.connected, "the stage to attach")
        redraws_before = app.redraws
        started = time.monotonic()

        count = 1500
        for number in range(count):
            studio.chat(chat(f"flood-{number}", f"flood {number}", "crowd", "u-c", START))
        await until(pilot, lambda: f"flood {count - 1}" in chat_shown(app), "the last message")

        elapsed = time.monotonic() - started
        redraws = app.redraws - redraws_before
        # At most one redraw per interval, plus the one that may fall at either end.
        assert redraws <= elapsed / REDRAW_INTERVAL + 2
        assert redraws < count / 10
        assert app.model.events_applied >= count


async def test_stage_keeps_picture_while_studio_restarts(socket_file: Path) -> None:
    first = FakeStudio(socket_file, snapshot())
    await first.start()
    app = build_stage(StageOptions(socket_path=socket_file))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "gm gm! first time here" in chat_shown(app), "recorded chat")

        await first.close()
        await until(pilot, lambda: connection_mark(app) != "", "the reconnecting mark")
        assert "reconnecting" in connection_mark(app)
        assert "gm gm! first time here" in chat_shown(app)
        assert str(app.query_one("#agent-name", Static).content) == "Nova"

        state = snapshot()
        state["feeds"]["chat"].append(chat("after", "back after the restart", "ada", "u-a", 0))
        second = FakeStudio(socket_file, state)
        await second.start()
        try:
            await until(pilot, lambda: connection_mark(app) == "", "the mark to clear")
            await until(
                pilot, lambda: "back after the restart" in chat_shown(app), "the new snapshot"
            )
            second.chat(chat("later", "an event after resuming", "ada", "u-a", START))
            await until(
                pilot, lambda: "an event after resuming" in chat_shown(app), "a resumed event"
            )
        finally:
            await second.close()


async def test_scene_command_switches_card(studio: FakeStudio, socket_file: Path) -> None:
    app = build_stage(StageOptions(socket_path=socket_file))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.model.connected, "the stage to attach")
        body = app.query_one("#body")
        await until(pilot, lambda: not body.has_class("card"), "the live layout")

        operator = await StudioClient.connect(socket_file, "cli", subscribe=False)
        try:
            await operator.command("set_scene", scene="brb")
            await until(pilot, lambda: body.has_class("card"), "the card")
            card = app.query_one("#scene-card", SceneCard)
            assert card._scene is not None and card._scene.name == "brb"
            assert not app.query_one("#token").display

            await operator.command("set_scene", scene=None)
            await until(pilot, lambda: not body.has_class("card"), "the live layout")
        finally:
            await operator.close()


async def test_narration_from_command_and_file(
    studio: FakeStudio, socket_file: Path, tmp_path: Path
) -> None:
    narration_file = tmp_path / "narration.txt"
    narration_file.write_text("an old line\n")
    app = build_stage(StageOptions(socket_path=socket_file, narration_file=narration_file))

    def narration() -> list[str]:
        return [line.text for line in app.query_one("#narration", NarrationPanel)._lines]

    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "an old line" in narration(), "the file's last line")

        operator = await StudioClient.connect(socket_file, "cli", subscribe=False)
        try:
            await operator.command("narrate", text="from the operator")
        finally:
            await operator.close()
        await until(pilot, lambda: narration()[-1:] == ["from the operator"], "the narration")

        with narration_file.open("a") as handle:
            handle.write("appended by the agent\n")
        await until(pilot, lambda: narration()[-1:] == ["appended by the agent"], "the new line")


async def test_stage_without_studio_draws_name(tmp_path: Path) -> None:
    app = build_stage(StageOptions(agent_name="Lonely", socket_path=tmp_path / "none.sock"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: connection_mark(app) != "", "the connection mark")
        assert str(app.query_one("#agent-name", Static).content) == "Lonely"
        assert app.query_one("#body").has_class("card")
        assert str(app.query_one("#marker", Static).content) == DEFAULT_MARKER


async def test_stage_has_no_controls() -> None:
    app = StageApp("Agent")
    async with app.run_test(size=SIZE):
        assert not app.query("Footer, Header, Input, TextArea, Button, ScrollBar")
        assert app.focused is None
        for widget in app.query("*"):
            assert not widget.show_vertical_scrollbar, widget
            assert not widget.show_horizontal_scrollbar, widget


def test_options_from_settings_and_flags(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RETAKE_COCKPIT_CONSOLE__WORD_FILTER", '["spam", "scam"]')
    settings = load_settings(profile="show")
    args = build_parser().parse_args(["--name", "Nova", "--narration-file", str(tmp_path)])
    options = stage_options(
        settings,
        agent_name=args.name,
        narration_file=args.narration_file,
        speak_narration=args.speak_narration,
    )
    assert options.profile == "show"
    assert options.word_filter == ("spam", "scam")
    assert options.narration_file == tmp_path
    assert options.speak_narration is False
    assert options.agent_name == "Nova"


def test_stage_command_options() -> None:
    parser = argparse.ArgumentParser()
    stage_command.configure(parser)
    args: Any = parser.parse_args(["--socket", "/tmp/s.sock", "--speak-narration", "--no-studio"])
    assert args.socket == Path("/tmp/s.sock")
    assert args.speak_narration is True
    assert args.no_studio is True
    assert stage_command.NAME == "stage"


async def test_flood_applies_every_event(studio: FakeStudio, socket_file: Path) -> None:
    # The reader folds each event at once; only drawing waits for the next redraw.
    app = build_stage(StageOptions(socket_path=socket_file))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.model.connected, "the stage to attach")
        before = app.model.events_applied
        for number in range(200):
            studio.publish("feed", {"event": "status", "is_live": True, "viewers": number,
                                    "uptime_seconds": number, "at": START + number})  # fmt: skip
        await until(pilot, lambda: app.model.viewers == 199, "the last status")
        assert app.model.events_applied - before == 200
        await asyncio.sleep(REDRAW_INTERVAL * 2)
        await until(
            pilot,
            lambda: "199 watching" in str(app.query_one("#viewers", Static).content),
            "the viewers figure",
        )


async def test_failing_source_keeps_stage_open() -> None:
    async def broken() -> None:
        raise RuntimeError("a source failed")

    app = StageApp("Agent", sources=[broken])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        assert app.is_running
        assert str(app.query_one("#agent-name", Static).content) == "Agent"


async def test_malformed_event_skipped(studio: FakeStudio, socket_file: Path) -> None:
    app = build_stage(StageOptions(socket_path=socket_file))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.model.connected, "the stage to attach")
        studio.publish("feed", {"event": "chat", "id": ["not", "a", "string"], "text": 5})
        studio.publish("scene", {"scene": {"nested": "object"}})
        studio.chat(chat("after-bad", "still drawing", "ada", "u-a", START))
        await until(pilot, lambda: "still drawing" in chat_shown(app), "the next message")
