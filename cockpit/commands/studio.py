"""``cockpit studio run|status|stop``: the profile's background studio."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from cockpit.settings import Settings
from cockpit.studio.cli_support import (
    EXIT_FAILED,
    EXIT_OK,
    Outcome,
    add_actions,
    add_json_option,
    failure,
    print_outcome,
)
from cockpit.studio.client import StudioClient, StudioError
from cockpit.studio.demo_faults import parse_fault
from cockpit.studio.demo_sim import DemoWorld, demo_simulator
from cockpit.studio.launcher import (
    StudioStartError,
    probe_studio,
    terminate_studio,
    wait_for_exit,
)
from cockpit.studio.locations import lock_path, log_path, socket_path
from cockpit.studio.lock import holder_pid
from cockpit.studio.runner import run_studio

NAME = "studio"
HELP = "run, inspect or stop the profile's background studio (it owns the stream)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``run``, ``status`` and ``stop`` actions."""
    actions = add_actions(
        parser,
        {
            "run": "run the studio in the foreground (client commands start it in the background)",
            "status": "show whether the studio runs, its PID, clients and stream phase",
            "stop": "end the stream cleanly (if live) and stop the studio",
        },
    )
    add_json_option(actions["status"])
    # Used by `cockpit demo` only: the studio hosts its own simulator, with this seed,
    # audience rate (events per second), faults and ingest directory.
    run_parser = actions["run"]
    run_parser.add_argument("--demo-sim", action="store_true", help=argparse.SUPPRESS)
    run_parser.add_argument("--demo-seed", type=int, default=None, help=argparse.SUPPRESS)
    run_parser.add_argument("--demo-audience-rate", type=float, default=5.0, help=argparse.SUPPRESS)
    run_parser.add_argument(
        "--demo-fault", type=parse_fault, action="append", default=[], help=argparse.SUPPRESS
    )
    run_parser.add_argument("--demo-ingest-dir", type=Path, default=None, help=argparse.SUPPRESS)
    actions["stop"].add_argument(
        "--yes", action="store_true", help="stop without asking, even while the stream is live"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the chosen action and return its exit status."""
    if args.action == "run" and args.demo_sim:
        world = DemoWorld(
            args.demo_seed, args.demo_audience_rate, args.demo_fault, args.demo_ingest_dir
        )
        with demo_simulator(settings, world) as demo:
            return run_studio(demo)
    if args.action == "run":
        return run_studio(settings)
    if args.action == "status":
        return print_outcome("studio status", asyncio.run(_status(settings)), args.json)
    return _stop(settings, assume_yes=args.yes)


async def _status(settings: Settings) -> Outcome:
    profile = settings.profile
    path = socket_path(profile)
    pid = holder_pid(lock_path(profile))
    base: dict[str, Any] = {
        "profile": profile,
        "socket": str(path),
        "log": str(log_path(profile)),
        "pid": pid,
    }
    try:
        client = await StudioClient.connect(path, "cli", subscribe=False)
    except StudioError:
        if pid is None:
            return Outcome(
                True, {**base, "running": False}, [f"No studio runs for profile {profile!r}."]
            )
        return failure(
            "not_answering",
            f"The studio for profile {profile!r} (pid {pid}) does not answer at {path}; "
            f"see {log_path(profile)}.",
        )
    try:
        status = await client.command("status")
    finally:
        await client.close()
    data = {**base, "running": True, "pid": status["studio"]["pid"], "status": status}
    lines = [
        f"Studio for profile {profile!r} runs, pid {data['pid']}, socket {path}.",
        f"Stream: {status['phase']}"
        + (" (orphaned: the platform shows it live)" if status.get("orphaned_live") else ""),
        f"Log: {log_path(profile)}",
    ]
    return Outcome(True, data, lines)


def _stop(settings: Settings, assume_yes: bool) -> int:
    profile = settings.profile
    path = socket_path(profile)
    try:
        welcome = probe_studio(path)
    except StudioStartError as error:
        welcome = None
        print(f"cockpit studio stop: {error}", file=sys.stderr)
    pid = holder_pid(lock_path(profile))
    if welcome is None and pid is None:
        print(f"No studio runs for profile {profile!r}.")
        return EXIT_OK
    if welcome is None:
        assert pid is not None
        if not assume_yes and not _confirm_unanswered(profile, pid):
            print("Nothing was stopped.")
            return EXIT_FAILED
        return _terminate(settings, pid)

    pid = int(welcome["studio"]["pid"])
    try:
        status = asyncio.run(_command(path, "status"))
    except StudioError as error:
        print(f"cockpit studio stop: {error}", file=sys.stderr)
        return _terminate(settings, pid)
    on_air = status["phase"] != "offline" or status.get("orphaned_live")
    if on_air and not assume_yes and not _confirm(profile, status):
        print("Nothing was stopped.")
        return EXIT_FAILED

    if on_air:
        print(f"Ending the stream of profile {profile!r} and stopping its studio...")
    try:
        asyncio.run(_command(path, "shutdown", stop_stream=True))
    except StudioError as error:
        print(f"cockpit studio stop: {error}", file=sys.stderr)
        return _terminate(settings, pid)
    return _wait(settings, pid)


def _confirm(profile: str, status: dict[str, Any]) -> bool:
    state = "orphaned on the platform" if status.get("orphaned_live") else status["phase"]
    return _ask(
        f"The stream of profile {profile!r} is {state}. End the stream and stop the studio? [y/N] "
    )


def _confirm_unanswered(profile: str, pid: int) -> bool:
    return _ask(
        f"The studio of profile {profile!r} (pid {pid}) does not answer, and it may be "
        "streaming. Send it SIGTERM, which ends a live stream and stops it? [y/N] "
    )


def _ask(prompt: str) -> bool:
    """Ask a yes/no question on the terminal; anything but yes, and end of input, mean no."""
    try:
        answer = input(prompt)
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


async def _command(path: Any, name: str, **args: Any) -> dict[str, Any]:
    client = await StudioClient.connect(path, "cli", subscribe=False)
    try:
        return await client.command(name, **args)
    finally:
        await client.close()


def _terminate(settings: Settings, pid: int) -> int:
    """Stop a studio that does not respond on its socket, with SIGTERM to its PID."""
    if not terminate_studio(pid):
        print(
            f"cockpit studio stop: process {pid} holds the lock of profile "
            f"{settings.profile!r} but is not a studio; nothing was signalled.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return _wait(settings, pid)


def _wait(settings: Settings, pid: int) -> int:
    timeout = settings.studio.stop_timeout
    if wait_for_exit(pid, timeout):
        print(f"Stopped the studio of profile {settings.profile!r} (pid {pid}).")
        return EXIT_OK
    print(
        f"cockpit studio stop: the studio (pid {pid}) is still running after {timeout:g} s "
        f"(setting studio.stop_timeout); see {log_path(settings.profile)}.",
        file=sys.stderr,
    )
    return EXIT_FAILED
