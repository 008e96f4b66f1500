"""``cockpit live start|stop|status``: the stream, through the profile's studio."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any

from cockpit.settings import Settings
from cockpit.studio.cli_support import (
    Outcome,
    add_actions,
    add_json_option,
    describe_status,
    failure,
    run_with_studio,
)
from cockpit.studio.client import StudioClient, StudioCommandError
from cockpit.wording import counted

NAME = "live"
HELP = "go live, stop the stream or show its status (through the studio)"

_CATCH_UP_SECONDS = 2.0


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``start``, ``stop`` and ``status`` actions, each with ``--json``."""
    actions = add_actions(
        parser,
        {
            "start": "go live, or resume a stream the platform still shows live after a crash",
            "stop": "end the stream cleanly, or end a session left open after a crash",
            "status": "show the stream's phase, the platform's view and any orphaned stream",
        },
    )
    for action in actions.values():
        add_json_option(action)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the action; 0 when it worked, 1 when it failed."""
    json_output = bool(args.json)
    if args.action == "start":
        return run_with_studio(
            "live start",
            settings,
            json_output,
            lambda client: _start(client, json_output),
            subscribe=not json_output,
        )
    if args.action == "stop":
        return run_with_studio(
            "live stop",
            settings,
            json_output,
            lambda client: _stop(client, json_output),
            subscribe=not json_output,
        )
    return run_with_studio("live status", settings, json_output, _status)


async def _start(client: StudioClient, json_output: bool) -> Outcome:
    try:
        result = await _with_progress(client, "go_live", show=not json_output)
    except StudioCommandError as error:
        return failure(error.code, str(error))
    if result.get("already_live"):
        return Outcome(True, result, [f"The stream is already {result.get('phase', 'live')}."])
    verb = "Resumed the orphaned stream" if result.get("resumed") else "Live"
    seconds = result.get("time_to_live_seconds")
    return Outcome(True, result, [f"{verb}: on air after {seconds} s."])


async def _stop(client: StudioClient, json_output: bool) -> Outcome:
    try:
        result = await _with_progress(client, "stop", show=not json_output)
    except StudioCommandError as error:
        return failure(error.code, str(error))
    if result.get("already_offline") or not result.get("stopped"):
        return Outcome(True, result, ["The stream is not live; nothing was stopped."])
    return Outcome(
        True,
        result,
        [
            f"Stopped the stream: {result.get('duration_seconds')} s, "
            f"{counted(result.get('viewers'), 'viewer')}."
        ],
    )


async def _status(client: StudioClient) -> Outcome:
    status = await client.command("status")
    return Outcome(True, status, describe_status(status))


async def _with_progress(client: StudioClient, command: str, show: bool) -> dict[str, Any]:
    """Run ``command`` with ``wait``, printing the broadcast's steps meanwhile when ``show``."""
    if not show:
        return await client.command(command, wait=True)
    progress = _Progress()
    printer = asyncio.create_task(progress.print_events(client))
    try:
        result = await client.command(command, wait=True)
        # The response can overtake the last events; print those up to the result's seq.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_CATCH_UP_SECONDS):
                await progress.reached(int(result.get("seq") or 0))
        return result
    finally:
        printer.cancel()
        await asyncio.gather(printer, return_exceptions=True)


class _Progress:
    """Prints broadcast events and remembers the last ``seq`` printed."""

    def __init__(self) -> None:
        self.printed_seq = 0
        self._advanced = asyncio.Event()

    async def print_events(self, client: StudioClient) -> None:
        async for message in client.events():
            if message.get("type") == "event":
                self._print(message)
                self.printed_seq = int(message.get("seq", self.printed_seq))
                self._advanced.set()

    async def reached(self, seq: int) -> None:
        while self.printed_seq < seq:
            self._advanced.clear()
            await self._advanced.wait()

    @staticmethod
    def _print(message: dict[str, Any]) -> None:
        if message.get("kind") != "broadcast":
            return
        data = message.get("data", {})
        if data.get("kind") == "step" and data.get("state") == "pending":
            return
        print(f"  {data.get('message', '')}", flush=True)
