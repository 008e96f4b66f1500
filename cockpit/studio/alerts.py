"""The alert command: a program the operator configures, so alerts reach someone with no view open.

Each alert reaches the command as one JSON object on stdin (the feeds' `Alert`
fields plus ``source``). The command runs through the process supervisor with
the scrubbed environment, one at a time, and is stopped after the
``studio.alert_timeout`` setting. Its output goes to ``alert-command.log`` in
the profile's state directory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cockpit.broadcast.processes import ProcessError, ProcessSpec, ProcessSupervisor

logger = logging.getLogger(__name__)

MAX_WAITING_ALERTS = 100
"""Alerts waiting for the command; more are dropped and counted, so a flood cannot pile up."""

_DRAIN_SECONDS = 5.0


def run_alert_command(
    supervisor: ProcessSupervisor,
    argv: Sequence[str],
    alert: dict[str, Any],
    timeout: float,
    log_path: Path | None,
) -> int | None:
    """Run ``argv`` once with ``alert`` as JSON on stdin; return its exit status.

    Blocks until the command exits.

    Raises:
        ProcessError: the command could not start, or ran longer than ``timeout`` seconds
            and was stopped.
    """
    payload = json.dumps(alert, ensure_ascii=False).encode("utf-8") + b"\n"
    child = supervisor.start(
        ProcessSpec("alert-command", argv, stdin_pipe=True, stdout=log_path, grace=1.0)
    )
    try:
        child.popen.communicate(input=payload, timeout=timeout)
    except subprocess.TimeoutExpired:
        supervisor.stop(child)
        raise ProcessError(
            f"The alert command {argv[0]!r} ran longer than {timeout:g} s and was stopped; "
            "make it finish sooner or raise studio.alert_timeout."
        ) from None
    supervisor.forget(child)
    return child.returncode


class AlertRunner:
    """Runs the alert command for each submitted alert, one after the other, in the background."""

    def __init__(
        self,
        supervisor: ProcessSupervisor,
        command: Sequence[str],
        timeout: float,
        log_path: Path | None = None,
    ) -> None:
        self._supervisor = supervisor
        self._command = list(command)
        self._timeout = timeout
        self._log_path = log_path
        self._waiting: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=MAX_WAITING_ALERTS)
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0
        """Alerts dropped because too many were waiting."""
        self.runs = 0
        """Times the command ran."""

    @property
    def enabled(self) -> bool:
        return bool(self._command)

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="alert-command")

    def submit(self, alert: dict[str, Any]) -> None:
        """Queue ``alert`` for the command; drop it (and log the count) when too many wait."""
        if not self.enabled:
            return
        try:
            self._waiting.put_nowait(alert)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped % MAX_WAITING_ALERTS == 1:
                logger.warning(
                    "dropped an alert because %d wait for the alert command (%d dropped so far)",
                    MAX_WAITING_ALERTS,
                    self.dropped,
                )

    async def close(self) -> None:
        """Give waiting alerts a few seconds to go out, then stop."""
        if self._task is None:
            return
        try:
            async with asyncio.timeout(_DRAIN_SECONDS):
                await self._waiting.join()
        except TimeoutError:
            logger.warning("%d alerts were not passed to the alert command", self._waiting.qsize())
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        while True:
            alert = await self._waiting.get()
            try:
                status = await asyncio.to_thread(
                    run_alert_command,
                    self._supervisor,
                    self._command,
                    alert,
                    self._timeout,
                    self._log_path,
                )
                self.runs += 1
                if status:
                    logger.warning("the alert command exited with status %s", status)
            except ProcessError as error:
                logger.warning("%s", error)
            finally:
                self._waiting.task_done()
