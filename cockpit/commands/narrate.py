"""``cockpit narrate TEXT``: show a narration line on the stage (and speak it, if set so)."""

from __future__ import annotations

import argparse
import sys

from cockpit.settings import Settings
from cockpit.studio.cli_support import (
    EXIT_USAGE,
    Outcome,
    add_json_option,
    failure,
    run_with_studio,
)
from cockpit.studio.client import StudioClient, StudioCommandError

NAME = "narrate"
HELP = "show a line of narration on the stage, through the studio"

MAX_LENGTH = 4000
"""Characters the studio's ``narrate`` command takes at most."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the words of the line and ``--json``."""
    parser.add_argument("text", metavar="TEXT", nargs="+", help="the line; words are joined")
    add_json_option(parser)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Narrate; 0 when the studio took the line, 1 when not, 2 for an empty or long line."""
    text = " ".join(args.text).strip()
    if not text or len(text) > MAX_LENGTH:
        print(
            f"cockpit narrate: the line has {len(text)} characters; give 1 to {MAX_LENGTH}.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return run_with_studio("narrate", settings, bool(args.json), lambda c: _narrate(c, text))


async def _narrate(client: StudioClient, text: str) -> Outcome:
    try:
        result = await client.command("narrate", text=text)
    except StudioCommandError as error:
        return failure(error.code, str(error))
    return Outcome(True, result, ["The stage shows the line."])
