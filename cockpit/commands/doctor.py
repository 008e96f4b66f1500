"""``cockpit doctor``: check the system tools the pipeline needs."""

from __future__ import annotations

import argparse
import json

from cockpit.broadcast.doctor import (
    install_command,
    install_packages,
    missing_packages,
    run_checks,
)
from cockpit.broadcast.processes import ProcessError, ProcessSupervisor
from cockpit.settings import Settings

NAME = "doctor"
HELP = "check the system tools the stream needs, and install missing ones (as root)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``--install`` and ``--json``."""
    parser.add_argument(
        "--install", action="store_true", help="install missing packages with apt-get (root only)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print each check; return 0 when every required tool works, 1 otherwise."""
    with ProcessSupervisor("doctor") as supervisor:
        results = run_checks(supervisor)
        packages = missing_packages(results)
        if args.install and packages:
            try:
                install_packages(supervisor, packages)
            except ProcessError as error:
                print(f"cockpit doctor: {error}")
                return 1
            results = run_checks(supervisor)
            packages = missing_packages(results)

    failed_required = [result for result in results if not result.ok and result.required]
    if args.json:
        print(
            json.dumps(
                {
                    "ok": not failed_required,
                    "checks": [result.__dict__ for result in results],
                    "missing_packages": packages,
                },
                indent=2,
            )
        )
        return 1 if failed_required else 0

    for result in results:
        if result.ok:
            mark = "ok     "
        elif result.required:
            mark = "MISSING"
        else:
            mark = "absent "
        detail = "" if result.ok else f"  ({result.problem}; package {result.package})"
        print(f"{mark} {result.name}{detail}")
    if any(not result.ok and not result.required for result in results):
        print(
            "Without PulseAudio and espeak-ng the stream carries a silent audio track and "
            "`cockpit say` is unavailable."
        )
    if packages:
        print("\nInstall what is missing with:\n  " + " ".join(install_command(packages)))
        print("or run `cockpit doctor --install` as root.")
    return 1 if failed_required else 0
