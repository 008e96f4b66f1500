"""Health of the studio's processes and encoder, as plain JSON for the views."""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from typing import Any

import psutil

from cockpit.broadcast.pipeline import Pipeline
from cockpit.broadcast.processes import ChildProcess

logger = logging.getLogger(__name__)


class ProcessMonitor:
    """Reports pid, state, CPU, memory, uptime and restarts of the studio and its pipeline.

    CPU percentages come from ``psutil.Process.cpu_percent`` between two calls
    on the same object, so the objects are kept: the first report of a new
    process shows 0.0. A restart is counted when a role (``xvfb``, ``ffmpeg``,
    ...) runs under a new PID. `reset` clears the counts for the next stream.
    """

    def __init__(self) -> None:
        self._processes: dict[int, psutil.Process] = {}
        self._pids_by_role: dict[str, int] = {}
        self._restarts: dict[str, int] = {}

    def reset(self) -> None:
        """Start counting restarts afresh, for the next stream."""
        self._pids_by_role.clear()
        self._restarts.clear()

    def describe(self, children: list[ChildProcess]) -> list[dict[str, Any]]:
        """Return one row per process: the studio first, then each pipeline child."""
        rows = [self._row("studio", os.getpid(), running=True)]
        for child in children:
            self._count_restart(child.name, child.pid)
            rows.append(
                self._row(
                    child.name,
                    child.pid,
                    running=child.running,
                    returncode=child.returncode,
                    started_at=child.started_at,
                )
            )
        live_pids = {row["pid"] for row in rows}
        for pid in list(self._processes):
            if pid not in live_pids:
                del self._processes[pid]
        return rows

    def _count_restart(self, role: str, pid: int) -> None:
        previous = self._pids_by_role.get(role)
        if previous is not None and previous != pid:
            self._restarts[role] = self._restarts.get(role, 0) + 1
        self._pids_by_role[role] = pid

    def _row(
        self,
        role: str,
        pid: int,
        *,
        running: bool,
        returncode: int | None = None,
        started_at: float | None = None,
    ) -> dict[str, Any]:
        row: dict[str, Any] = {
            "name": role,
            "pid": pid,
            "state": "exited" if not running else "unknown",
            "cpu_percent": None,
            "memory_bytes": None,
            "uptime_seconds": None,
            "restarts": self._restarts.get(role, 0),
            "returncode": returncode,
        }
        if not running:
            return row
        try:
            process = self._processes.get(pid) or psutil.Process(pid)
            self._processes[pid] = process
            with process.oneshot():
                row["state"] = process.status()
                row["cpu_percent"] = process.cpu_percent(interval=None)
                row["memory_bytes"] = process.memory_info().rss
                created = started_at if started_at is not None else process.create_time()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            row["state"] = "exited"
            return row
        row["uptime_seconds"] = round(time.time() - created, 1)
        return row


def encoder_report(pipeline: Pipeline, stall_after: float) -> dict[str, Any] | None:
    """Return ffmpeg's latest progress and totals, or None before the first encoder run."""
    encoder = pipeline.encoder
    frames, drops = pipeline.frame_totals()
    if encoder is None:
        if not frames:
            return None
        return {"running": False, "frames_total": frames, "dropped_total": drops}
    progress = encoder.latest_progress
    last_progress_at = encoder.last_progress_at
    return {
        "running": encoder.running,
        "command_line": encoder.command_line,
        "progress": dataclasses.asdict(progress) if progress is not None else None,
        "seconds_since_progress": (
            round(time.monotonic() - last_progress_at, 1) if last_progress_at is not None else None
        ),
        "stalled": encoder.stalled(stall_after),
        "frames_total": frames,
        "dropped_total": drops,
    }
