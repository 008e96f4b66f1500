"""Shared parts of the studio's command-line clients: sub-actions, output and exit statuses.

Each client command prints either text for people or, with ``--json``, one
JSON object with an ``ok`` field (``chat tail --json`` prints one object per
line). Exit statuses: 0 when the action worked, 1 when it failed, 2 for a
usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cockpit.cli import common_options
from cockpit.settings import Settings
from cockpit.studio.client import StudioClient, StudioCommandError, StudioError
from cockpit.studio.launcher import StudioStartError, ensure_studio
from cockpit.studio.locations import SocketPathError
from cockpit.wording import counted

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


@dataclass
class Outcome:
    """The result of a client command: ``ok``, the data for ``--json``, and lines for people."""

    ok: bool
    data: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


ClientWork = Callable[[StudioClient], Awaitable[Outcome]]


def add_actions(
    parser: argparse.ArgumentParser, actions: dict[str, str]
) -> dict[str, argparse.ArgumentParser]:
    """Add one sub-parser per action (``start``, ``stop`` ...), stored in ``args.action``.

    Each sub-parser takes the common options too, so ``--profile`` may follow the action.
    """
    subparsers = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    return {
        name: subparsers.add_parser(
            name, help=help_text, description=help_text, parents=[common_options()]
        )
        for name, help_text in actions.items()
    }


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")


def print_outcome(command: str, outcome: Outcome, json_output: bool) -> int:
    """Print ``outcome`` and return its exit status."""
    if json_output:
        print(json.dumps({"ok": outcome.ok, **outcome.data}, ensure_ascii=False))
    else:
        stream = sys.stdout if outcome.ok else sys.stderr
        prefix = "" if outcome.ok else f"cockpit {command}: "
        for line in outcome.lines:
            print(prefix + line, file=stream)
    return EXIT_OK if outcome.ok else EXIT_FAILED


def failure(code: str, message: str) -> Outcome:
    return Outcome(False, {"error": {"code": code, "message": message}}, [message])


def run_with_studio(
    command: str,
    settings: Settings,
    json_output: bool,
    work: ClientWork,
    *,
    subscribe: bool = False,
    reconnect: bool = False,
) -> int:
    """Make sure the profile's studio runs, attach as a ``cli`` client, run ``work``, print."""
    try:
        outcome = asyncio.run(_attach_and_run(settings, work, subscribe, reconnect))
    except (StudioStartError, SocketPathError) as error:
        outcome = failure("studio_unavailable", str(error))
    except StudioCommandError as error:
        outcome = failure(error.code, str(error))
    except StudioError as error:
        outcome = failure("connection", str(error))
    return print_outcome(command, outcome, json_output)


async def _attach_and_run(
    settings: Settings, work: ClientWork, subscribe: bool, reconnect: bool
) -> Outcome:
    path = await asyncio.to_thread(ensure_studio, settings)
    client = await StudioClient.connect(path, "cli", subscribe=subscribe, reconnect=reconnect)
    try:
        return await work(client)
    finally:
        await client.close()


def describe_status(status: dict[str, Any]) -> list[str]:
    """Return the lines ``cockpit live status`` prints for the studio's status."""
    studio = status.get("studio", {})
    agent = studio.get("agent_name") or "agent"
    lines = [f"Profile {studio.get('profile')!r} ({agent}): {status.get('phase')}"]
    if status.get("operation"):
        lines.append(f"In progress: {str(status['operation']).replace('_', ' ')}.")
    platform = status.get("stream_status")
    if platform:
        state = "live" if platform.get("is_live") else "offline"
        lines.append(
            f"Platform: {state}, {counted(platform.get('viewers'), 'viewer')}, "
            f"{platform.get('uptime_seconds')} s uptime."
        )
    if status.get("orphaned_live"):
        lines.append(
            "The platform shows the stream live, but nothing streams from here (orphaned). "
            "Resume it with `cockpit live start`, or end it with `cockpit live stop`."
        )
    if status.get("last_error"):
        lines.append(f"Last error: {status['last_error']}")
    if status.get("display"):
        lines.append(f"Display: {status['display']}")
    return lines
