"""The console's keys, dialogs and redrawing, against a recorded studio (`ReplayStudio`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import scenes
from console_kit import console_for, settle, wait_for
from replay import ReplayStudio
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import Input

from cockpit import paths
from cockpit.settings import ConsoleSettings, Settings
from cockpit.studio.client import StudioCommandError
from cockpit.ui.clipboard import osc52
from cockpit.ui.screens.dialogs import SCENES as PICKER_SCENES
from cockpit.ui.screens.dialogs import (
    ConfirmStopScreen,
    QuitWhileLiveScreen,
    SceneScreen,
    StoppedScreen,
)
from cockpit.ui.screens.golive import GoLiveScreen
from cockpit.ui.screens.viewer import ViewerScreen
from cockpit.ui.stage_scenes import AUTO, SCENES
from cockpit.ui.widgets.chat import ChatView

SIZE = (120, 36)


def live_studio(**responses: Any) -> ReplayStudio:
    return ReplayStudio(scenes.snapshot(scenes.live_state()), responses=responses)


def offline_studio(**responses: Any) -> ReplayStudio:
    return ReplayStudio(scenes.snapshot(scenes.offline_state()), responses=responses)


def record_notifications(app: Any) -> list[tuple[str, dict[str, Any]]]:
    """Replace the app's notify with a recorder, so tests can read the notifications."""
    notes: list[tuple[str, dict[str, Any]]] = []

    def notify(message: str, **options: Any) -> None:
        notes.append((message, options))

    app.notify = notify
    return notes


def command_names(studio: ReplayStudio) -> list[str]:
    return [name for name, _ in studio.commands]


# Going live and stopping


async def test_go_live_shows_checklist_and_retry() -> None:
    studio = offline_studio(go_live={"accepted": True, "phase": "going live"})
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("g")
        await wait_for(lambda: "go_live" in command_names(studio), pilot)
        assert isinstance(app.screen, GoLiveScreen)
        studio.push(
            scenes.phase_event(101, "going live", "Going live"),
            scenes.step_event(102, "prepare display and stage", "done", seconds=1.5),
            scenes.step_event(
                103, "check platform skill version", "failed", "skill failed: 502", error="502"
            ),
        )
        await settle(pilot, 103)
        assert app.screen.failed
        await pilot.press("r")
        await wait_for(lambda: command_names(studio).count("go_live") == 2, pilot)
        await pilot.press("c")
        assert not isinstance(app.screen, GoLiveScreen)


async def test_stop_asks_first() -> None:
    studio = live_studio(stop={"stopped": True, "duration_seconds": 3725, "viewers": 128})
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("s")
        assert isinstance(app.screen, ConfirmStopScreen)
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmStopScreen)
        assert "stop" not in command_names(studio)

        await pilot.press("s", "y")
        await wait_for(lambda: isinstance(app.screen, StoppedScreen), pilot)
        assert studio.commands[-1] == ("stop", {"wait": True})
        assert app.view.last_stop is not None
        assert app.view.last_stop.viewers == 128


async def test_stop_offline_says_nothing_to_stop() -> None:
    studio = offline_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        notes = record_notifications(app)
        await pilot.press("s")
        assert not isinstance(app.screen, ConfirmStopScreen)
        assert "nothing to stop" in notes[-1][0]


async def test_escape_stops_nothing() -> None:
    studio = live_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("escape", "escape", "s", "escape")
        await pilot.pause()
        assert "stop" not in command_names(studio)


async def test_quit_while_live_can_detach() -> None:
    studio = live_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("q")
        assert isinstance(app.screen, QuitWhileLiveScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, QuitWhileLiveScreen)
        await pilot.press("q", "d")
        await pilot.pause()
    assert "stop" not in command_names(studio)
    assert studio.closed


async def test_quit_while_live_can_stop_first() -> None:
    studio = live_studio(stop={"stopped": True, "duration_seconds": 10, "viewers": 3})
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("q", "s")
        await wait_for(lambda: studio.closed, pilot)
    assert studio.commands[-1] == ("stop", {"wait": True})


async def test_quit_offline_exits_at_once() -> None:
    studio = offline_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("q")
        await wait_for(lambda: studio.closed, pilot)


# Chat and moderation


async def test_send_chat_shows_send_state() -> None:
    studio = live_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("i")
        assert isinstance(app.focused, Input)
        await pilot.press(*"hello chat", "enter")
        await wait_for(lambda: "send_chat" in command_names(studio), pilot)
        assert studio.commands[-1] == ("send_chat", {"text": "hello chat"})
        update = {
            "event": "send",
            "message_id": "m-1",
            "text": "hello chat",
            "destination": "x",
            "at": scenes.NOW,
            "reason": "",
            "warning": "",
        }
        studio.push(scenes.event(101, "feed", {**update, "state": "failed", "reason": "HTTP 429"}))
        await settle(pilot, 101)
        states = str(app.query_one("#send-states").render())
        assert "failed" in states
        assert "HTTP 429" in states
        await pilot.press("escape")
        assert isinstance(app.focused, ChatView)
        await pilot.press("ctrl+r")
        await wait_for(lambda: "retry_chat" in command_names(studio), pilot)
        assert studio.commands[-1] == ("retry_chat", {"id": "m-1"})


async def test_reply_prefills_author() -> None:
    studio = live_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("up", "r")
        field = app.query_one("#chat-input", Input)
        assert field.value == "@deejay_delta "
        assert app.focused is field


async def test_hide_rejected_by_studio_notifies_error() -> None:
    rejection = StudioCommandError("hide_message", "feeds_unavailable", "The feeds are down.")
    studio = live_studio(hide_message=rejection)
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        notes = record_notifications(app)
        await pilot.press("up", "h")
        await wait_for(lambda: bool(notes), pilot)
        assert studio.commands[-1] == ("hide_message", {"id": "c-0014"})
        message, options = notes[-1]
        assert "The feeds are down." in message
        assert options["severity"] == "error"


async def test_hide_and_mute_with_supporting_studio() -> None:
    moderation: dict[str, list[str]] = {"hidden_messages": [], "muted_viewers": []}

    def change(key: str, value: str, add: bool) -> dict[str, list[str]]:
        items = moderation[key]
        if add:
            items.append(value)
        else:
            items.remove(value)
        return {name: list(values) for name, values in moderation.items()}

    studio = live_studio(
        hide_message=lambda args: change("hidden_messages", args["id"], True),
        unhide_message=lambda args: change("hidden_messages", args["id"], False),
        mute_viewer=lambda args: change("muted_viewers", args["key"], True),
        unmute_viewer=lambda args: change("muted_viewers", args["key"], False),
    )
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("up", "h")
        await wait_for(lambda: "c-0014" in app.view.hidden_messages, pilot)
        assert "c-0014" not in {line.id for line in app.view.on_air_chat()}
        await pilot.press("h")
        await wait_for(lambda: not app.view.hidden_messages, pilot)
        await pilot.press("m")
        await wait_for(lambda: "user:u-dee" in app.view.muted_viewers, pilot)
        assert not any(line.author_key == "user:u-dee" for line in app.view.on_air_chat())
        await pilot.press("m")
        await wait_for(lambda: not app.view.muted_viewers, pilot)
    assert command_names(studio)[-4:] == [
        "hide_message",
        "unhide_message",
        "mute_viewer",
        "unmute_viewer",
    ]


async def test_viewer_card_from_local_chat() -> None:
    # A studio with no record of the viewer: the card shows what the console's chat holds.
    studio = live_studio(viewer=StudioCommandError("viewer", "not_found", "No viewer record."))
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("up", "v")
        await wait_for(lambda: isinstance(app.screen, ViewerScreen), pilot)
        assert studio.commands[-1] == ("viewer", {"key": "user:u-dee"})
        assert app.screen.query_one("#card").border_subtitle == "from the chat this console holds"
        await pilot.press("escape")
        assert not isinstance(app.screen, ViewerScreen)


async def test_selection_needed_for_message_actions() -> None:
    studio = live_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        notes = record_notifications(app)
        await pilot.press("h")
        assert "Select a message first" in notes[-1][0]
        assert "hide_message" not in command_names(studio)


# Clipboard


@pytest.mark.parametrize("tmux", [False, True])
async def test_copy_url_writes_osc52(monkeypatch: pytest.MonkeyPatch, tmux: bool) -> None:
    # The headless driver discards output; record what the console writes to the terminal.
    written: list[str] = []
    monkeypatch.setattr(HeadlessDriver, "write", lambda self, data: written.append(data))
    if tmux:
        monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,123,0")
    else:
        monkeypatch.delenv("TMUX", raising=False)
    studio = live_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("u")
        await pilot.pause()
    assert osc52("https://retake.tv/NovaCaster", tmux=tmux) in written


# Layout, themes and keys


async def test_zoom_toggles_focused_pane() -> None:
    app = console_for(live_studio())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("z")
        assert app.screen.maximized is app.query_one(ChatView)
        await pilot.press("z")
        assert app.screen.maximized is None


async def test_theme_switch_is_remembered() -> None:
    app = console_for(live_studio())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        assert app.theme == "cockpit-dark"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == "cockpit-light"
    saved = json.loads((paths.state_dir("default") / "console.json").read_text())
    assert saved == {"theme": "cockpit-light"}
    second = console_for(live_studio())
    async with second.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        assert second.theme == "cockpit-light"


async def test_broken_user_theme_is_reported(tmp_path: Any) -> None:
    (tmp_path / "broken.toml").write_text('name = "broken"\nprimary = 12\n')
    app = console_for(live_studio(), user_theme_dir=tmp_path)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        assert app.theme == "cockpit-dark"
    assert any("broken.toml" in message for message, _ in notes)


async def test_keymap_setting_remaps_binding() -> None:
    studio = offline_studio()
    settings = Settings(console=ConsoleSettings(keymap={"go_live": "f5"}))
    app = console_for(studio, settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("g")
        await pilot.pause()
        assert "go_live" not in command_names(studio)
        await pilot.press("f5")
        await wait_for(lambda: "go_live" in command_names(studio), pilot)


async def test_palette_lists_console_actions() -> None:
    app = console_for(live_studio())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("ctrl+p", *"stop the stream")
        await pilot.pause(0.3)
        options = app.screen.query_one("CommandList")
        prompts = [str(option.prompt) for option in options.options]  # type: ignore[attr-defined]
        assert any("Stop the stream" in prompt for prompt in prompts)


# Alerts, batching and connection


async def test_critical_alert_rings_bell() -> None:
    studio = live_studio()
    app = console_for(studio)
    bells: list[bool] = []
    app.bell = lambda: bells.append(True)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        notes = record_notifications(app)
        studio.push(scenes.alert_event(101, "stream_dropped", "critical", "The stream dropped."))
        await settle(pilot, 101)
        assert notes[-1][0] == "The stream dropped."
        assert notes[-1][1]["severity"] == "error"
        assert bells == [True]


async def test_chat_flood_is_batched() -> None:
    studio = live_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        chat_view = app.query_one(ChatView)
        redraws: list[int] = []
        original = chat_view.set_rows

        def counting(rows: Any) -> None:
            redraws.append(len(rows))
            original(rows)

        chat_view.set_rows = counting  # type: ignore[method-assign]
        flood = [
            scenes.event(101 + n, "feed", scenes.chat(1000 + n, scenes.NOW, n % 5, f"flood {n}"))
            for n in range(2000)
        ]
        studio.push(*flood)
        await settle(pilot, 2100)
        assert app.view.chat["c-2999"].text == "flood 1999"
        # One redraw per tick of 0.1 s, never one per event.
        assert 1 <= len(redraws) < 50


async def test_unreachable_studio_shows_state() -> None:
    from cockpit.studio.client import StudioConnectionError
    from cockpit.ui.console import ConsoleApp

    attempts: list[int] = []

    async def connect() -> Any:
        attempts.append(1)
        raise StudioConnectionError("No studio is listening at /nowhere.sock.")

    app = ConsoleApp(Settings(), connect=connect, local_copy=None, host_probe=lambda: None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: len(attempts) >= 2, pilot)
        app.refresh_panes()
        assert app.view.connection == "lost"
        notes = record_notifications(app)
        await pilot.press("g")
        await pilot.pause()
        assert any("not connected" in message for message, _ in notes)


async def test_crash_report_replaces_traceback() -> None:
    from cockpit.ui.crash import ConsoleCrash

    app = console_for(live_studio())

    def explode() -> None:
        token = "secret-token-value"
        raise RuntimeError(f"boom with {len(token)} characters")

    with pytest.raises(ConsoleCrash) as raised:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, 100)
            app.call_later(explode)
            await pilot.pause(0.2)
    assert "RuntimeError: boom with 18 characters" in raised.value.report()
    assert "secret-token-value" not in raised.value.report()
    assert app.return_code == 1


async def test_panes_redraw_under_dialog() -> None:
    studio = live_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("f1")
        studio.push(scenes.event(101, "feed", scenes.chat(500, scenes.NOW, 1, "under the dialog")))
        await settle(pilot, 101)
        await pilot.press("escape")
        await pilot.pause()
        chat_view = app.query_one(ChatView)
        assert chat_view.virtual_size.height > 0
        assert "c-0500" in app.view.chat


async def test_scene_picker_sends_stage_names() -> None:
    studio = live_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, SceneScreen)
        await pilot.press("home", "down", "down", "down", "enter")  # auto, starting, live, brb
        await wait_for(lambda: "set_scene" in command_names(studio), pilot)
        assert studio.commands[-1] == ("set_scene", {"scene": "brb"})

        await pilot.press("c")
        await pilot.pause()
        await pilot.press("home", "enter")
        await wait_for(lambda: command_names(studio).count("set_scene") == 2, pilot)
        assert studio.commands[-1] == ("set_scene", {"scene": None})
    assert set(SCENES) <= {scene for scene, _ in PICKER_SCENES} | {AUTO}


async def test_overlong_chat_kept_not_sent() -> None:
    studio = live_studio()
    app = console_for(studio, Settings(feeds={"max_message_length": 20}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        notes = record_notifications(app)
        await pilot.press("i")
        field = app.focused
        assert isinstance(field, Input)
        field.value = "x" * 25
        await pilot.press("enter")
        await pilot.pause()

        assert "send_chat" not in command_names(studio)
        assert field.value == "x" * 25
        assert "25 characters, over the limit of 20" in notes[-1][0]


async def test_zoomed_events_fill_screen() -> None:
    studio = live_studio()
    app = console_for(studio)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        log = app.query_one("#log")
        normal = log.size.height
        log.focus()
        await pilot.press("z")
        await pilot.pause()

        assert app.screen.maximized is log
        assert log.size.height > normal * 2


async def test_demo_quit_offers_no_detach() -> None:
    studio = live_studio()
    app = console_for(studio, detachable=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 100)
        await pilot.press("q")
        assert isinstance(app.screen, QuitWhileLiveScreen)
        assert not app.screen.query("#detach")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, QuitWhileLiveScreen), "d must not detach in the demo"
        await pilot.press("escape")
    assert "stop" not in command_names(studio)
