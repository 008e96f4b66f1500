"""``cockpit stage``: draw the stage, the screen viewers see, in this terminal."""

from __future__ import annotations

import argparse

from cockpit.settings import Settings
from cockpit.ui.stage_options import DEFAULT_MARKER, add_stage_arguments

__all__ = ["DEFAULT_MARKER", "HELP", "NAME", "configure", "run"]

NAME = "stage"
HELP = "draw the stage viewers see in this terminal (the broadcast runs it on its virtual display)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the stage's options: name, tagline, studio socket and narration."""
    add_stage_arguments(parser)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Draw the stage until it is closed and return its exit status."""
    from cockpit.ui.stage import run_stage  # Textual loads only for commands that draw

    return run_stage(args, settings)
