"""Snapshots of the console's main views, on a recorded studio with a fixed clock.

Regenerate on purpose with ``pytest tests/console --snapshot-update`` and review
the SVGs in ``tests/console/__snapshots__`` before keeping them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import scenes
from console_kit import console_for, settle, wait_for
from replay import ReplayStudio
from textual.pilot import Pilot

from cockpit.settings import ConsoleSettings, Settings
from cockpit.studio.client import StudioCommandError
from cockpit.ui.screens.golive import GoLiveScreen
from cockpit.ui.screens.viewer import ViewerScreen

Compare = Callable[..., bool]


@pytest.fixture
def stage_png(tmp_path: Path) -> Path:
    return scenes.write_stage_png(tmp_path / "thumbnail.png")


def live(stage_png: Path, *events: dict[str, Any]) -> ReplayStudio:
    return ReplayStudio(scenes.snapshot(scenes.live_state(stage_png)), events)


def after(seq: int, *keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, seq)
        if keys:
            await pilot.press(*keys)
            await pilot.pause()

    return run_before


def test_idle(snap_compare: Compare) -> None:
    """Offline: grey OFFLINE badge, a few earlier messages, token stats, no stream processes."""
    studio = ReplayStudio(scenes.snapshot(scenes.offline_state()))
    assert snap_compare(console_for(studio), terminal_size=(120, 36), run_before=after(100))


def test_live_narrow(snap_compare: Compare, stage_png: Path) -> None:
    """Live at 100x30: every pane fits; tips gold, trade notices orange, large trades marked."""
    studio = live(stage_png, scenes.alert_event(101, "big_tip", "info", "cyberfox tipped $25.00."))
    assert snap_compare(console_for(studio), terminal_size=(100, 30), run_before=after(101))


def test_live_wide(snap_compare: Compare, stage_png: Path) -> None:
    """Live at 160x45: the trade ticker spells out sides and tokens, processes show uptime."""
    events = (
        scenes.alert_event(101, "market_cap_milestone", "info", "Market cap passed $50K."),
        scenes.alert_event(
            102, "stream_dropped", "critical", "The platform reports the stream offline."
        ),
    )
    studio = live(stage_png, *events)
    settings = Settings(console=ConsoleSettings(word_filter=["chords"]))
    assert snap_compare(
        console_for(studio, settings), terminal_size=(160, 45), run_before=after(102)
    )


def test_going_live_checklist(snap_compare: Compare) -> None:
    """The checklist while going live: two steps done, one running, the rest pending."""
    events = (
        scenes.phase_event(101, "going live", "Going live"),
        scenes.step_event(102, "prepare display and stage", "running"),
        scenes.step_event(103, "prepare display and stage", "done", seconds=1.8),
        scenes.step_event(104, "check platform skill version", "done", seconds=0.3),
        scenes.step_event(105, "fetch fresh RTMP keys", "running"),
    )
    studio = ReplayStudio(scenes.snapshot(scenes.offline_state()), events)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, 105)
        await pilot.app.run_action("checklist")
        await wait_for(lambda: isinstance(pilot.app.screen, GoLiveScreen), pilot)

    assert snap_compare(console_for(studio), terminal_size=(120, 36), run_before=run_before)


def test_failed_step(snap_compare: Compare) -> None:
    """The checklist after a failure: the failed step in red with its error, r retry offered."""
    message = "confirm live failed: the platform did not report the stream live within 60 s"
    events = (
        scenes.phase_event(101, "going live", "Going live"),
        *[
            scenes.step_event(102 + n, step, "done", seconds=1.0)
            for n, step in enumerate(scenes.steps())
        ][:5],
        scenes.step_event(
            107,
            "confirm live",
            "failed",
            message,
            error="the platform did not report the stream live within 60 s",
        ),
        scenes.phase_event(108, "offline", "Go-live failed; everything it started was stopped"),
    )
    studio = ReplayStudio(scenes.snapshot(scenes.offline_state()), events)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, 108)
        await pilot.app.run_action("checklist")
        await wait_for(lambda: isinstance(pilot.app.screen, GoLiveScreen), pilot)

    assert snap_compare(console_for(studio), terminal_size=(120, 36), run_before=run_before)


def test_viewer_card(snap_compare: Compare, stage_png: Path) -> None:
    """The card of a returning viewer: names, wallet, messages, tip total and trades.

    The studio has no record of the viewer here, so the card shows the console's own chat.
    """
    studio = live(stage_png)
    studio.responses["viewer"] = StudioCommandError("viewer", "not_found", "No viewer record.")

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, 100)
        await pilot.press("up", "up", "v")
        await wait_for(lambda: isinstance(pilot.app.screen, ViewerScreen), pilot)

    assert snap_compare(console_for(studio), terminal_size=(120, 36), run_before=run_before)


@pytest.mark.parametrize("theme", ["cockpit-light", "cockpit-contrast"])
def test_theme(snap_compare: Compare, stage_png: Path, theme: str) -> None:
    """The live console in each shipped theme besides the default dark one (see test_live_*)."""
    settings = Settings(console=ConsoleSettings(theme=theme))
    assert snap_compare(
        console_for(live(stage_png), settings), terminal_size=(120, 36), run_before=after(100)
    )


def test_help(snap_compare: Compare) -> None:
    """The help screen: every key with its binding id, after a keymap moved go live to F5."""
    settings = Settings(console=ConsoleSettings(keymap={"go_live": "f5"}))
    studio = ReplayStudio(scenes.snapshot(scenes.offline_state()))
    assert snap_compare(
        console_for(studio, settings), terminal_size=(120, 36), run_before=after(100, "f1")
    )
