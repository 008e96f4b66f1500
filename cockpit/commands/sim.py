"""``cockpit sim``: serve the platform simulator on loopback until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from types import FrameType

from cockpit.settings import Settings
from cockpit.sim.ingest import IngestError
from cockpit.sim.server import SimOptions, SimServer

NAME = "sim"
HELP = "serve a simulated retake.tv platform (REST and Socket.IO) on loopback"

logger = logging.getLogger(__name__)


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; use 0 or more.")
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is outside 0 to 1.")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the simulator's options."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port to listen on; 0 picks a free one (default: 0)"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of the simulated world and audience"
    )
    parser.add_argument(
        "--audience-rate",
        type=_non_negative,
        default=0.0,
        metavar="EVENTS",
        help="simulated audience events per second; 0 keeps it silent (default: 0)",
    )
    parser.add_argument(
        "--hostile-share",
        type=_share,
        default=0.05,
        metavar="SHARE",
        help="share (0 to 1) of audience texts with markup, escapes or huge lengths "
        "(default: 0.05)",
    )
    parser.add_argument(
        "--no-ingest",
        action="store_true",
        help="run without the real RTMP ingest (nginx-rtmp); is_live then follows stream "
        "start and stop instead of the encoder's actual publishing",
    )
    parser.add_argument(
        "--drift",
        action="store_true",
        help="serve comments and lists in the observed live shapes instead of the documented ones",
    )
    parser.add_argument(
        "--skill-version",
        default="2.0.0",
        metavar="VERSION",
        help="version served in /skill.json (default: 2.0.0)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until SIGINT or SIGTERM; print the API URL once requests are accepted."""
    options = SimOptions(
        host=args.host,
        port=args.port,
        seed=args.seed,
        audience_rate=args.audience_rate,
        hostile_share=args.hostile_share,
        drift=args.drift,
        skill_version=args.skill_version,
        real_ingest=not args.no_ingest,
    )
    try:
        server = SimServer(options)
    except ValueError as error:
        print(f"cockpit sim: {error}", file=sys.stderr)
        return 2

    def request_stop(signum: int, frame: FrameType | None) -> None:
        server.request_stop()

    def announce(sim: SimServer) -> None:
        print(f"Simulator serving at {sim.api_url}", flush=True)
        if sim.ingest is not None:
            print(f"RTMP ingest at {sim.ingest.rtmps_url} (and {sim.ingest.rtmp_url})", flush=True)

    # uvicorn takes over both signals while it serves, and raises them again after shutdown.
    # These handlers turn that second delivery, and one before serving starts, into a stop.
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        asyncio.run(server.serve(announce))
    except IngestError as error:
        print(
            f"cockpit sim: {error} Run `cockpit doctor` to check nginx and its rtmp module, "
            "or start the simulator with --no-ingest.",
            file=sys.stderr,
        )
        return 1
    except OSError as error:
        print(f"cockpit sim: {error}", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
