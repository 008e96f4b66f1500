"""The headless demo: the whole pipeline against the embedded simulator, then a summary.

It registers a throwaway agent in a temporary directory, so the user's real
credentials and keyring are never read or written.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from cockpit.api.client import RetakeClient
from cockpit.api.credentials import Credentials, CredentialStore, base58_encode
from cockpit.broadcast.events import BroadcastEvent
from cockpit.broadcast.golive import Broadcast, GoLiveError
from cockpit.broadcast.pipeline import Pipeline
from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.broadcast.stage_window import placeholder_stage_command
from cockpit.redaction import Redactor
from cockpit.settings import Settings
from cockpit.sim.server import SimOptions, SimServer

logger = logging.getLogger(__name__)


@dataclass
class DemoSummary:
    """Summary of a headless demo run; ``ok`` is False when any part failed."""

    ok: bool = False
    error: str = ""
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
    agent_name: str = ""
    """Name of the throwaway agent; empty picks ``DemoAgent`` plus a random suffix."""
    on_event: Any = None
    """Called with each ``BroadcastEvent`` as it happens, for progress output."""


def demo_settings(settings: Settings, api_url: str) -> Settings:
    """Return ``settings`` pointed at the simulator, with a throwaway profile name."""
    return settings.model_copy(update={"api_url": api_url, "profile": "demo"})


async def run_headless_demo(settings: Settings, options: DemoOptions) -> DemoSummary:
    """Go live on a fresh simulator, stay live for ``options.duration`` seconds, stop, report."""
    summary = DemoSummary()
    with tempfile.TemporaryDirectory(prefix="cockpit-demo-") as work:
        work_dir = Path(work)
        with ProcessSupervisor("demo") as supervisor:
            sim_options = SimOptions(
                seed=options.seed, audience_rate=options.audience_rate, real_ingest=True
            )
            with SimServer(sim_options) as sim:
                try:
                    await _run(settings, options, sim, supervisor, work_dir, summary)
                except GoLiveError as error:
                    summary.error = str(error)
                except Exception as error:  # reported in the summary; the demo exits non-zero
                    logger.exception("demo failed")
                    summary.error = f"{type(error).__name__}: {error}"
    summary.processes_left = [child.pid for child in psutil.Process().children(recursive=True)]
    summary.ok = not summary.error and not summary.processes_left
    return summary


async def _register(api_url: str, settings: Settings, name: str, directory: Path) -> Credentials:
    wallet = base58_encode(secrets.token_bytes(32))
    async with RetakeClient(api_url, settings=settings.http) as client:
        registration = await client.register(
            name, "A throwaway agent of the cockpit demo", "https://example.com/demo.png", wallet
        )
    credentials = Credentials(
        access_token=registration.access_token.get_secret_value(),
        agent_name=name,
        agent_id=str(registration.agent_id),
        user_db_id=str(registration.user_db_id),
        wallet_address=wallet,
        api_url=api_url,
    )
    CredentialStore("demo", token_store="file", directory=directory).save(credentials)
    return credentials


async def _run(
    settings: Settings,
    options: DemoOptions,
    sim: SimServer,
    supervisor: ProcessSupervisor,
    work_dir: Path,
    summary: DemoSummary,
) -> None:
    settings = demo_settings(settings, sim.api_url)
    name = options.agent_name or f"DemoAgent{secrets.randbelow(10_000):04d}"
    credentials = await _register(sim.api_url, settings, name, work_dir)
    redactor = Redactor()
    redactor.add(credentials.access_token)

    def emit(event: BroadcastEvent) -> None:
        summary.events.append(event.to_json())
        if options.on_event is not None:
            options.on_event(event)

    pipeline = Pipeline(
        supervisor,
        settings,
        work_dir / "logs",
        placeholder_stage_command(name, profile="demo"),
        redactor,
    )
    async with RetakeClient(
        sim.api_url,
        access_token=credentials.access_token,
        token_api_url=credentials.api_url,
        settings=settings.http,
        profile="demo",
    ) as client:
        broadcast = Broadcast(client, pipeline, settings.stream, work_dir / "state", emit, redactor)
        try:
            await broadcast.go_live()
            live_started = time.monotonic()
            await asyncio.sleep(options.duration)
            summary.live_seconds = round(time.monotonic() - live_started, 1)
            summary.frames_sent, summary.dropped_frames = pipeline.frame_totals()
        finally:
            stats = await broadcast.stop() if broadcast.counters.live_since else None
            await pipeline.shutdown()
        summary.time_to_live_seconds = round(broadcast.counters.time_to_live or 0.0, 2)
        summary.thumbnails_uploaded = broadcast.counters.thumbnails_uploaded
        summary.restarts = broadcast.counters.restarts
        if stats is not None:
            summary.stop_duration_seconds = stats.duration_seconds
            summary.stop_viewers = stats.viewers
