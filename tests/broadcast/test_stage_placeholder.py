"""The placeholder stage app, driven by Textual's pilot."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

from textual.widgets import Static

from cockpit.commands import stage as stage_command
from cockpit.ui.stage import DEFAULT_MARKER, StageApp, build_parser


class SteppingClock:
    """A clock that moves one second forward on every reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 2, 12, 0, 0)

    def __call__(self) -> datetime:
        current = self.now
        self.now += timedelta(seconds=1)
        return current


def static_text(app: StageApp, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


async def test_stage_shows_name_marker_and_clock() -> None:
    app = StageApp("Agent [bold]Smith", clock=SteppingClock())
    async with app.run_test(size=(106, 29)) as pilot:
        assert static_text(app, "#agent-name") == "Agent [bold]Smith"  # no markup parsing
        assert static_text(app, "#marker") == DEFAULT_MARKER
        assert static_text(app, "#clock") == "12:00:00"

        for _ in range(40):  # the clock ticks once a second
            await pilot.pause(0.05)
            if static_text(app, "#clock") != "12:00:00":
                break
        assert static_text(app, "#clock") == "12:00:01"


async def test_stage_marker_text_configurable() -> None:
    app = StageApp("A", marker="ON AIR")
    async with app.run_test(size=(106, 29)):
        assert static_text(app, "#marker") == "ON AIR"


def test_stage_parser_defaults() -> None:
    args = build_parser().parse_args([])
    assert args.name == "agent"
    assert args.marker == DEFAULT_MARKER


def test_stage_command_options() -> None:
    parser = argparse.ArgumentParser()
    stage_command.configure(parser)
    args = parser.parse_args(["--name", "Nova", "--marker", "LIVE"])
    assert stage_command.NAME == "stage"
    assert stage_command.DEFAULT_MARKER == DEFAULT_MARKER
    assert (args.name, args.marker) == ("Nova", "LIVE")
