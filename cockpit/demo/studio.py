"""The demo's studio: a child of the demo process that hosts the simulator and the stream.

A profile's studio outlives the terminal. The demo's studio is started through
the demo's process supervisor instead, so it dies with the demo even when the
demo is killed, and its own children (Xvfb, ffmpeg, nginx) die with it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from pathlib import Path
from typing import Any

import psutil

from cockpit.broadcast.processes import ChildProcess, ProcessSpec, ProcessSupervisor
from cockpit.demo.home import DEMO_PROFILE
from cockpit.settings import Settings
from cockpit.studio.client import StudioClient, StudioError
from cockpit.studio.demo_sim import DemoWorld
from cockpit.studio.launcher import probe_studio, studio_command
from cockpit.studio.locations import log_path, socket_path

logger = logging.getLogger(__name__)

START_TIMEOUT = 90.0
"""Seconds for the studio to start nginx, the simulator and register the demo agent."""
EXIT_TIMEOUT = 60.0
"""Seconds for the studio to stop the stream and exit before it is terminated."""

_POLL_SECONDS = 0.2


class DemoStudioError(Exception):
    """Raised when the demo's studio exits or does not respond while starting."""


class DemoStudio:
    """Starts the demo's studio, waits for its welcome, and shuts it down with its stream."""

    def __init__(self, settings: Settings, world: DemoWorld, output_path: Path) -> None:
        self.settings = settings.model_copy(update={"profile": DEMO_PROFILE})
        self._world = world
        self._output_path = output_path
        self._supervisor = ProcessSupervisor("demo")
        self._child: ChildProcess | None = None
        self.welcome: dict[str, Any] = {}

    @property
    def socket(self) -> Path:
        return socket_path(DEMO_PROFILE)

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    @property
    def api_url(self) -> str:
        """The simulator's API URL, as the studio reports it."""
        return str((self.welcome.get("studio") or {}).get("api_url", ""))

    def __enter__(self) -> DemoStudio:
        self._supervisor.__enter__()
        try:
            self.start()
        except BaseException:
            self._supervisor.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.shut_down()
        finally:
            self._supervisor.close()

    def start(self) -> None:
        """Start the studio and wait for its welcome.

        Raises:
            DemoStudioError: the studio exited, or sent no welcome within ``START_TIMEOUT``.
        """
        spec = ProcessSpec(
            "studio",
            self._argv(),
            environment=dict(os.environ),
            stdout=self._output_path,
        )
        self._child = self._supervisor.start(spec)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            welcome = probe_studio(self.socket)
            if welcome is not None:
                self.welcome = welcome
                return
            if not self._child.running:
                raise DemoStudioError(
                    f"The demo's studio exited while starting{self._reason()}. "
                    f"See {self._output_path} and {log_path(DEMO_PROFILE)}."
                )
            time.sleep(_POLL_SECONDS)
        raise DemoStudioError(
            f"The demo's studio did not respond within {START_TIMEOUT:g} s. "
            f"See {log_path(DEMO_PROFILE)}."
        )

    def descendants(self) -> list[int]:
        """Return the PIDs of the studio and every process under it."""
        if self._child is None or not self._child.running:
            return []
        try:
            process = psutil.Process(self._child.pid)
            return [process.pid, *(child.pid for child in process.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    def shut_down(self) -> None:
        """Ask the studio to stop the stream and exit; terminate it if it does not in time."""
        child = self._child
        if child is None or not child.running:
            return
        try:
            asyncio.run(_shutdown_command(self.socket))
        except (StudioError, OSError) as error:
            logger.warning("the demo's studio did not take the shutdown command: %s", error)
        deadline = time.monotonic() + EXIT_TIMEOUT
        while child.running and time.monotonic() < deadline:
            time.sleep(_POLL_SECONDS)
        self._supervisor.stop(child)

    def _argv(self) -> list[str]:
        world = self._world
        argv = [
            *studio_command(self.settings),
            "--demo-sim",
            "--demo-audience-rate",
            str(world.audience_rate),
        ]
        if world.seed is not None:
            argv += ["--demo-seed", str(world.seed)]
        if world.ingest_dir is not None:
            argv += ["--demo-ingest-dir", str(world.ingest_dir)]
        for fault in world.faults:
            argv += ["--demo-fault", str(fault)]
        return argv

    def _reason(self) -> str:
        """Return ``": LINE"`` with the last line the studio printed, or an empty string."""
        try:
            with self._output_path.open(encoding="utf-8", errors="replace") as output:
                lines = [line.strip() for line in deque(output, maxlen=20) if line.strip()]
        except FileNotFoundError:
            return ""
        return f": {lines[-1]}" if lines else ""


async def _shutdown_command(socket: Path) -> None:
    client = await StudioClient.connect(socket, "cli", subscribe=False)
    try:
        await client.command("shutdown", stop_stream=True)
    finally:
        await client.close()
