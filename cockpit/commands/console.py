"""``cockpit`` with no command: the operator console."""

from __future__ import annotations

import argparse

from cockpit.settings import Settings

NAME = "console"
HELP = "open the operator console (the default command)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's own options; the console has none yet."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Open the console in this terminal and return its exit status."""
    from cockpit.ui.console import ConsoleApp  # Textual loads only for commands that draw

    ConsoleApp(settings).run()
    return 0
