"""``cockpit stage``: draw the stage, the screen viewers see, in this terminal."""

from __future__ import annotations

import argparse

from cockpit.settings import Settings

NAME = "stage"
HELP = "draw the stage viewers see in this terminal (the broadcast runs it on its virtual display)"

DEFAULT_MARKER = "RETAKE-COCKPIT STAGE"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the agent name and the marker text."""
    parser.add_argument("--name", default="agent", help="agent name shown on the stage")
    parser.add_argument(
        "--marker",
        default=DEFAULT_MARKER,
        help=f"text of the marker box (default: {DEFAULT_MARKER})",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Draw the stage until it is closed and return its exit status."""
    from cockpit.ui.stage import StageApp  # Textual loads only for commands that draw

    StageApp(args.name, args.marker).run()
    return 0
