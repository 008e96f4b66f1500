"""``cockpit demo``: the whole product on the embedded simulator, with no account and no network."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from cockpit.broadcast.doctor import install_command, missing_packages, run_checks
from cockpit.broadcast.events import BroadcastEvent
from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.demo import DemoOptions, DemoSummary, run_headless_demo
from cockpit.demo_console import run_interactive
from cockpit.settings import Settings

NAME = "demo"
HELP = "go live on a built-in simulator of the platform (no account or network needed)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the demo's options."""
    parser.add_argument(
        "--headless", action="store_true", help="run without the console and print a summary"
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="seconds to stay live (default 30)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the simulated audience")
    parser.add_argument(
        "--audience-rate",
        type=float,
        default=5.0,
        metavar="EVENTS",
        help="simulated audience events per second (default 5)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--auto-live", action="store_true", help="go live as soon as the console opens"
    )


def _missing_tools() -> list[str]:
    with ProcessSupervisor("demo-doctor") as supervisor:
        results = run_checks(supervisor)
    return missing_packages([result for result in results if result.required])


def _print_event(event: BroadcastEvent) -> None:
    if event.kind in ("phase", "warning", "error", "recovery", "thumbnail") or (
        event.kind == "step" and event.state in ("done", "failed")
    ):
        print(f"  {event.message}", flush=True)


def _print_summary(summary: DemoSummary) -> None:
    print("\nDemo summary")
    print(f"  result:              {'ok' if summary.ok else 'FAILED'}")
    if summary.error:
        print(f"  error:               {summary.error}")
    print(f"  time to live:        {summary.time_to_live_seconds} s")
    print(f"  live for:            {summary.live_seconds} s")
    print(f"  frames sent:         {summary.frames_sent}")
    print(f"  dropped frames:      {summary.dropped_frames}")
    print(f"  thumbnails uploaded: {summary.thumbnails_uploaded}")
    print(f"  restarts:            {summary.restarts}")
    print(
        f"  stop stats:          {summary.stop_duration_seconds} s, {summary.stop_viewers} viewers"
    )
    left = ", ".join(map(str, summary.processes_left)) or "none"
    print(f"  processes left:      {left}")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the demo; 0 when every part worked."""
    packages = _missing_tools()
    if packages:
        print(
            "cockpit demo: system tools are missing. Install them with:\n  "
            + " ".join(install_command(packages))
            + "\nor run `cockpit doctor --install` as root.",
            file=sys.stderr,
        )
        return 1

    if not args.headless:
        return run_interactive(settings, args.seed, args.audience_rate, args.auto_live)

    options = DemoOptions(
        duration=args.duration,
        seed=args.seed,
        audience_rate=args.audience_rate,
        on_event=None if args.json else _print_event,
    )
    if not args.json:
        print(f"Starting the simulator and going live for {args.duration:g} s...", flush=True)
    summary = asyncio.run(run_headless_demo(settings, options))
    if args.json:
        print(json.dumps(summary.to_json(), indent=2))
    else:
        _print_summary(summary)
    return 0 if summary.ok else 1
