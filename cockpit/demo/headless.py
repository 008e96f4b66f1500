"""The headless demo: go live through the demo's studio, stay live, stop, and report.

The demo process is a client of its studio, as the console is: it sends
``go_live``, waits, reads the status, sends ``stop``, and shuts the studio
down. Everything it reports comes from the studio's responses and events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from cockpit.demo.home import DemoHome
from cockpit.demo.studio import DemoStudio, DemoStudioError
from cockpit.feeds.textsafe import display_safe
from cockpit.settings import Settings
from cockpit.studio.client import StudioClient, StudioError
from cockpit.studio.demo_faults import ANNOUNCER, DemoFault
from cockpit.studio.demo_sim import DemoWorld

logger = logging.getLogger(__name__)

EventPrinter = Callable[[dict[str, Any]], None]


@dataclass
class DemoSummary:
    """Summary of a headless demo run; ``ok`` is False when any part failed."""

    ok: bool = False
    error: str = ""
    api_url: str = ""
    """The simulator's API URL."""
    home: str = ""
    """The demo's files, when kept with ``--home``; empty when they were removed."""
    time_to_live_seconds: float | None = None
    live_seconds: float = 0.0
    frames_sent: int = 0
    dropped_frames: int = 0
    thumbnails_uploaded: int = 0
    restarts: int = 0
    stop_duration_seconds: int | None = None
    stop_viewers: int | None = None
    processes_left: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DemoOptions:
    duration: float = 30.0
    """Seconds to stay live."""
    seed: int | None = None
    audience_rate: float = 5.0
    """Simulated audience events per second."""
    faults: list[DemoFault] = field(default_factory=list)
    home: Path | None = None
    """Keep the demo's files in this new or empty directory; None uses a temporary one."""
    on_event: EventPrinter | None = None
    """Called with each broadcast event's data as it happens, for progress output."""
    on_ready: Callable[[DemoHome, DemoStudio], None] | None = None
    """Called once the studio sent its welcome, before going live."""


def run_headless_demo(settings: Settings, options: DemoOptions) -> DemoSummary:
    """Go live on a fresh simulator, stay live for ``options.duration`` seconds, stop, report."""
    summary = DemoSummary()
    home = DemoHome(options.home)
    with home:
        world = DemoWorld(options.seed, options.audience_rate, options.faults, home.ingest_dir)
        studio_pids: list[int] = []
        try:
            with DemoStudio(settings, world, home.path / "studio-output.log") as studio:
                summary.api_url = studio.api_url
                if options.on_ready is not None:
                    options.on_ready(home, studio)
                studio_pids = studio.descendants()
                asyncio.run(_drive(studio.socket, options, summary))
                studio_pids = sorted(set(studio_pids) | set(studio.descendants()))
        except (DemoStudioError, StudioError) as error:
            summary.error = str(error)
        except Exception as error:  # reported in the summary; the demo exits non-zero
            logger.exception("demo failed")
            summary.error = f"{type(error).__name__}: {error}"
        summary.home = str(home.path) if home.kept else ""
    summary.processes_left = _still_running(studio_pids)
    summary.ok = not summary.error and not summary.processes_left
    return summary


async def _drive(socket: Path, options: DemoOptions, summary: DemoSummary) -> None:
    client = await StudioClient.connect(socket, "cli", subscribe=True)
    recorder = asyncio.create_task(_record_events(client, options.on_event, summary))
    try:
        result = await client.command("go_live", wait=True)
        summary.time_to_live_seconds = result.get("time_to_live_seconds")
        live_started = time.monotonic()
        await asyncio.sleep(options.duration)
        summary.live_seconds = round(time.monotonic() - live_started, 1)
        _read_status(await client.command("status"), summary)
        stopped = await client.command("stop", wait=True)
        summary.stop_duration_seconds = stopped.get("duration_seconds")
        summary.stop_viewers = stopped.get("viewers")
        # The stop's last events can arrive a moment after its response.
        await asyncio.sleep(0.5)
    finally:
        recorder.cancel()
        await asyncio.gather(recorder, return_exceptions=True)
        await client.close()


async def _record_events(
    client: StudioClient, on_event: EventPrinter | None, summary: DemoSummary
) -> None:
    announced: set[str] = set()
    async for message in client.events():
        if message.get("type") != "event":
            continue
        data = message.get("data", {})
        if message.get("kind") == "feed":
            data = _fault_announcement(data, announced)
        elif message.get("kind") != "broadcast":
            continue
        if data is None:
            continue
        summary.events.append(data)
        if on_event is not None:
            on_event(data)


def _fault_announcement(item: dict[str, Any], announced: set[str]) -> dict[str, Any] | None:
    """Return a ``fault`` event for the first sight of a fault's chat announcement, else None."""
    if item.get("event") != "chat" or item.get("author_name") != ANNOUNCER:
        return None
    item_id = str(item.get("id"))
    if item_id in announced:
        return None  # the same message again, updated by a poll
    announced.add(item_id)
    text = display_safe(str(item.get("text", "")), 200)
    return {"kind": "fault", "message": text, "at": item.get("at")}


def _read_status(status: dict[str, Any], summary: DemoSummary) -> None:
    counters = status.get("counters") or {}
    summary.thumbnails_uploaded = int(counters.get("thumbnails_uploaded") or 0)
    summary.restarts = int(counters.get("restarts") or 0)
    encoder = status.get("encoder") or {}
    summary.frames_sent = int(encoder.get("frames_total") or 0)
    summary.dropped_frames = int(encoder.get("dropped_total") or 0)


def _still_running(pids: list[int]) -> list[int]:
    """Return the PIDs among ``pids`` (and this process's children) that still run."""
    candidates = set(pids) | {child.pid for child in psutil.Process().children(recursive=True)}
    left = []
    for pid in sorted(candidates):
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                left.append(pid)
        except psutil.NoSuchProcess:
            continue
    return left
