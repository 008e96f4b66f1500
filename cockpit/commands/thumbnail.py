"""``cockpit thumbnail``: capture the live display and upload it as the stream's thumbnail."""

from __future__ import annotations

import argparse

from cockpit.settings import Settings
from cockpit.studio.cli_support import (
    Outcome,
    add_json_option,
    failure,
    run_with_studio,
)
from cockpit.studio.client import StudioClient, StudioCommandError

NAME = "thumbnail"
HELP = "capture the live stream's display now and upload it as the thumbnail"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``--json``."""
    add_json_option(parser)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Upload a thumbnail; 0 when uploaded, 1 when not (for example while offline)."""
    return run_with_studio("thumbnail", settings, bool(args.json), _upload)


async def _upload(client: StudioClient) -> Outcome:
    try:
        result = await client.command("thumbnail")
    except StudioCommandError as error:
        return failure(error.code, str(error))
    return Outcome(True, result, [f"Uploaded the thumbnail {result.get('path')}."])
