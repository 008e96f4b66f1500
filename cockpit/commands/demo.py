"""``cockpit demo``: the whole product on the embedded simulator, with no account and no network."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from cockpit.broadcast.doctor import (
    install_command,
    install_packages,
    missing_packages,
    run_checks,
)
from cockpit.broadcast.processes import ProcessError, ProcessSupervisor
from cockpit.demo.console import run_interactive
from cockpit.demo.headless import DemoOptions, DemoSummary, run_headless_demo
from cockpit.demo.home import DemoHome, DemoHomeError, check_kept_home
from cockpit.demo.studio import DemoStudio
from cockpit.settings import Settings
from cockpit.studio.demo_faults import FAULT_KINDS, DemoFault, parse_fault
from cockpit.studio.demo_sim import DemoWorld
from cockpit.wording import counted

NAME = "demo"
HELP = "go live on a built-in simulator of the platform (no account or network needed)"

MAX_DURATION = 24 * 3600.0
"""The longest ``--duration``, in seconds."""
MAX_AUDIENCE_RATE = 2_000.0
"""The highest ``--audience-rate``; the simulator takes no more events per second."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the demo's options."""
    parser.add_argument(
        "--headless", action="store_true", help="run without the console and print a summary"
    )
    parser.add_argument(
        "--duration",
        type=_seconds,
        default=30.0,
        metavar="SECONDS",
        help="seconds to stay live (default 30)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the simulated audience")
    parser.add_argument(
        "--audience-rate",
        type=_rate,
        default=5.0,
        metavar="EVENTS",
        help="simulated audience events per second (default 5)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--auto-live", action="store_true", help="go live as soon as the console opens"
    )
    parser.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="KIND[@SECONDS]",
        help="break something SECONDS after going live (default 20) and watch the recovery; "
        f"KIND is one of {', '.join(FAULT_KINDS)}; repeat for more",
    )
    parser.add_argument(
        "--home",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep the demo's files (logs, chat store, recordings) in this new or empty "
        "directory instead of a temporary one",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_DURATION:
        raise argparse.ArgumentTypeError(
            f"The duration {text!r} is not a number of seconds above 0 and up to {MAX_DURATION:g}."
        )
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_AUDIENCE_RATE:
        raise argparse.ArgumentTypeError(
            f"The audience rate {text!r} is not a number of events per second from 0 to "
            f"{MAX_AUDIENCE_RATE:g}."
        )
    return value


def _fault(text: str) -> Any:
    try:
        return parse_fault(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _missing_tools() -> list[str]:
    with ProcessSupervisor("demo-doctor") as supervisor:
        results = run_checks(supervisor)
    return missing_packages([result for result in results if result.required])


def _offer_install(packages: list[str]) -> bool:
    """Say what is missing; as root on a terminal, offer to install it. Return True if installed."""
    command = " ".join(install_command(packages))
    print(f"cockpit demo: these system tools are missing: {', '.join(packages)}.", file=sys.stderr)
    if os.geteuid() != 0 or not sys.stdin.isatty():
        print(
            f"Install them with:\n  {command}\nor run `cockpit doctor --install` as root.",
            file=sys.stderr,
        )
        return False
    answer = input(f"Install them now with `{command}`? [Y/n] ").strip().lower()
    if answer not in ("", "y", "yes"):
        print(f"Nothing installed. Install them later with:\n  {command}", file=sys.stderr)
        return False
    try:
        with ProcessSupervisor("demo-install") as supervisor:
            install_packages(supervisor, packages)
    except ProcessError as error:
        print(f"cockpit demo: {error}", file=sys.stderr)
        return False
    return not _missing_tools()


def _warn_late_faults(faults: list[DemoFault], duration: float) -> None:
    for fault in faults:
        if fault.after >= duration:
            print(
                f"cockpit demo: the fault {fault} fires {fault.after:g} s after going live, "
                f"but the demo stops after {duration:g} s; raise --duration to see it.",
                file=sys.stderr,
            )


def _print_event(data: dict[str, Any]) -> None:
    kind = data.get("kind")
    if kind in ("phase", "warning", "error", "recovery", "thumbnail", "fault") or (
        kind == "step" and data.get("state") in ("done", "failed")
    ):
        print(f"  {data.get('message', '')}", flush=True)


def _print_ready(home: DemoHome, studio: DemoStudio) -> None:
    print(f"  simulator: {studio.api_url}", flush=True)
    if home.kept:
        print(
            f"  files: {home.path}; command-line clients reach this demo with\n"
            f"    {home.client_environment()} cockpit --profile demo ...",
            flush=True,
        )


def _print_summary(summary: DemoSummary) -> None:
    print("\nDemo summary")
    print(f"  result:              {'ok' if summary.ok else 'FAILED'}")
    if summary.error:
        print(f"  error:               {summary.error}")
    print(f"  time to live:        {_seconds_or_none(summary.time_to_live_seconds)}")
    print(f"  live for:            {summary.live_seconds} s")
    print(f"  frames sent:         {summary.frames_sent}")
    print(f"  dropped frames:      {summary.dropped_frames}")
    print(f"  thumbnails uploaded: {summary.thumbnails_uploaded}")
    print(f"  restarts:            {summary.restarts}")
    faults = sum(1 for event in summary.events if event.get("kind") == "fault")
    if faults:
        print(f"  faults injected:     {faults}")
    # The platform's session restarts with each recovery, so it can be shorter than "live for".
    print(
        f"  last session:        {_seconds_or_none(summary.stop_duration_seconds)}, "
        f"{counted(summary.stop_viewers, 'viewer')} (the platform's figures at stop)"
    )
    left = ", ".join(map(str, summary.processes_left)) or "none"
    print(f"  processes left:      {left}")
    if summary.home:
        print(f"  files kept in:       {summary.home}")


def _seconds_or_none(seconds: float | None) -> str:
    return "none" if seconds is None else f"{seconds} s"


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the demo; 0 when every part worked."""
    try:
        if args.home is not None:
            check_kept_home(args.home)
    except DemoHomeError as error:
        print(f"cockpit demo: {error}", file=sys.stderr)
        return 2
    packages = _missing_tools()
    if packages and not _offer_install(packages):
        return 1
    if args.headless:
        _warn_late_faults(args.fault, args.duration)

    try:
        if not args.headless:
            world = DemoWorld(args.seed, args.audience_rate, args.fault)
            return run_interactive(settings, world, args.auto_live, args.home)
        options = DemoOptions(
            duration=args.duration,
            seed=args.seed,
            audience_rate=args.audience_rate,
            faults=args.fault,
            home=args.home,
            on_event=None if args.json else _print_event,
            on_ready=None if args.json else _print_ready,
        )
        if not args.json:
            print(f"Starting the simulator and going live for {args.duration:g} s...", flush=True)
        # SIGTERM and SIGHUP end the demo as Ctrl-C does: the stream stops and files go.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        signal.signal(signal.SIGHUP, signal.default_int_handler)
        summary = run_headless_demo(settings, options)
    except DemoHomeError as error:
        print(f"cockpit demo: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "cockpit demo: interrupted; the stream, the studio and the simulator were stopped.",
            file=sys.stderr,
        )
        return 130
    if args.json:
        print(json.dumps(summary.to_json(), indent=2))
    else:
        _print_summary(summary)
    return 0 if summary.ok else 1
