"""``cockpit`` with no command: the operator console, attached to the profile's studio."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from cockpit import paths
from cockpit.settings import Settings
from cockpit.studio.launcher import StudioStartError, ensure_studio

NAME = "console"
HELP = "open the operator console (the default command)"

LOG_FILE = "console.log"

logger = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's own options; the console has none."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Start or find the profile's studio, then run the console in this terminal.

    Returns the console's exit status: 0, 1 after an unexpected error (the
    report names the log file), or 1 when no studio could be started.
    """
    from cockpit.ui.console import ConsoleApp  # Textual loads only for commands that draw

    try:
        socket = ensure_studio(settings)
    except StudioStartError as error:
        print(f"cockpit: {error}", file=sys.stderr)
        return 1

    log_path = paths.state_dir(settings.profile) / LOG_FILE
    with logging_to_file(log_path):
        app = ConsoleApp(settings, socket, log_path=log_path)
        app.run()
    return app.return_code or 0


@contextlib.contextmanager
def logging_to_file(path: Path) -> Iterator[None]:
    """Send log records to ``path`` instead of the terminal while the console draws on it.

    A record written to stderr while Textual owns the terminal would tear the screen.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    terminal_handlers = [
        handler
        for handler in root.handlers
        if isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, logging.FileHandler)
    ]
    file_handler = logging.FileHandler(path, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    file_handler.setLevel(logging.INFO)
    for handler in terminal_handlers:
        root.removeHandler(handler)
    root.addHandler(file_handler)
    previous_level = root.level
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(file_handler)
        file_handler.close()
        root.setLevel(previous_level)
        for handler in terminal_handlers:
            root.addHandler(handler)
