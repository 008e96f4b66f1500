"""The placeholder stage: what viewers see until the real stage exists.

It fills the screen with the agent's name, a clock updated every second and a
large marker box. The marker's colour is outside xterm's 256-colour palette,
so finding it in a captured frame shows that the stage is drawn in 24-bit colour.
It shows no secret. Run it with ``python -m cockpit.ui.stage --name NAME``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import datetime

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

DEFAULT_MARKER = "RETAKE-COCKPIT STAGE"

BACKGROUND_COLOUR = "#101820"
"""Screen background; its RGB value lets a test find where the stage starts in a frame."""

MARKER_COLOUR = "#d81b60"
"""Marker box background. None of its channels (216, 27, 96) is a level of the 256-colour
cube, so it appears exactly only when the terminal draws 24-bit colour."""


def local_now() -> datetime:
    """Return the current local time."""
    return datetime.now().astimezone()


class StageApp(App[None]):
    """The placeholder stage: agent name, clock and marker."""

    TITLE = "retake-cockpit stage"
    CSS = f"""
    Screen {{
        background: {BACKGROUND_COLOUR};
        align: center middle;
    }}
    #stage {{
        width: 100%;
        height: auto;
        align-horizontal: center;
    }}
    #agent-name {{
        width: auto;
        color: #ffffff;
        text-style: bold;
        margin-bottom: 1;
    }}
    #marker {{
        width: 60;
        height: 9;
        content-align: center middle;
        background: {MARKER_COLOUR};
        color: #ffffff;
        text-style: bold;
    }}
    #clock {{
        width: auto;
        color: #c8d0d8;
        margin-top: 1;
    }}
    """

    def __init__(
        self,
        agent_name: str,
        marker: str = DEFAULT_MARKER,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        super().__init__()
        self.agent_name = agent_name
        self.marker = marker
        self._clock = clock

    def compose(self) -> ComposeResult:
        with Vertical(id="stage"):
            yield Static(self.agent_name, id="agent-name", markup=False)
            yield Static(self.marker, id="marker", markup=False)
            yield Static(self._clock_text(), id="clock", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        self.query_one("#clock", Static).update(self._clock_text())

    def _clock_text(self) -> str:
        return self._clock().strftime("%H:%M:%S")


def build_parser() -> argparse.ArgumentParser:
    """Build the parser of ``python -m cockpit.ui.stage``."""
    parser = argparse.ArgumentParser(
        prog="python -m cockpit.ui.stage", description="Draw the placeholder stage."
    )
    parser.add_argument("--name", default="agent", help="agent name shown on the stage")
    parser.add_argument(
        "--marker",
        default=DEFAULT_MARKER,
        help=f"text of the marker box (default: {DEFAULT_MARKER})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the stage until it is closed; return the exit status."""
    args = build_parser().parse_args(argv)
    StageApp(args.name, args.marker).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
