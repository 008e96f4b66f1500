"""Going live and stopping as background tasks, and the check for a stream left orphaned.

A stream is *orphaned* when the platform shows the agent live while no
pipeline runs here, which happens after the studio was killed: its children
die with it (parent-death signal) but the platform's session stays open. The
operator then resumes it (go live again, with fresh keys) or stops it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from cockpit.api.client import RetakeClient
from cockpit.api.errors import ApiError, NoActiveSessionError
from cockpit.broadcast.events import Phase, Step, StepState
from cockpit.broadcast.golive import Broadcast, GoLiveError
from cockpit.broadcast.pipeline import Pipeline
from cockpit.feeds.events import Severity
from cockpit.redaction import Redactor
from cockpit.studio.state import StudioState

logger = logging.getLogger(__name__)

Publish = Callable[[str, dict[str, Any]], object]
RaiseAlert = Callable[[str, Severity, str], None]
"""Called with an alert's kind, severity and message."""

LIVE_PHASES = frozenset({Phase.LIVE, Phase.RECOVERING})
"""Phases in which the stream is on air, counting a recovery in progress."""


class StreamOperationError(Exception):
    """Raised when stopping the stream fails; the message names the next step."""


class StreamControl:
    """Starts and stops the broadcast, one operation at a time, and tracks an orphaned stream."""

    def __init__(
        self,
        client: RetakeClient,
        broadcast: Broadcast,
        pipeline: Pipeline,
        state: StudioState,
        publish: Publish,
        raise_alert: RaiseAlert,
        redactor: Redactor,
        profile: str,
    ) -> None:
        self._client = client
        self._broadcast = broadcast
        self._pipeline = pipeline
        self._state = state
        self._publish = publish
        self._raise_alert = raise_alert
        self._redactor = redactor
        self._profile = profile
        self._going_live: asyncio.Task[dict[str, Any]] | None = None
        self._stopping: asyncio.Task[dict[str, Any]] | None = None

    # State

    @property
    def phase(self) -> Phase:
        return self._broadcast.phase

    @property
    def operation(self) -> str | None:
        """``going_live`` or ``stopping`` while one runs, else None."""
        if self._stopping is not None and not self._stopping.done():
            return "stopping"
        if self._going_live is not None and not self._going_live.done():
            return "going_live"
        return None

    @property
    def busy(self) -> bool:
        """Whether a stream runs or an operation is under way; an idle studio is not busy."""
        return self.operation is not None or self.phase is not Phase.OFFLINE

    @property
    def on_air(self) -> bool:
        return self.phase in LIVE_PHASES

    # Operations

    def begin_go_live(self) -> asyncio.Task[dict[str, Any]]:
        """Start going live, or return the go-live already under way.

        Raises:
            StreamOperationError: the stream is stopping.
        """
        if self.operation == "stopping":
            raise StreamOperationError(
                "The stream is stopping; wait until it is offline, then go live again."
            )
        if self._going_live is None or self._going_live.done():
            self._going_live = asyncio.create_task(self._go_live(), name="go-live")
            self._going_live.add_done_callback(_log_outcome)
        return self._going_live

    def begin_stop(self) -> asyncio.Task[dict[str, Any]]:
        """Start stopping (cancelling a go-live under way), or return the stop under way."""
        if self._stopping is None or self._stopping.done():
            self._stopping = asyncio.create_task(self._stop(), name="stop")
            self._stopping.add_done_callback(_log_outcome)
        return self._stopping

    async def close(self) -> None:
        """Cancel a go-live still running; the caller stops the stream first."""
        for task in (self._going_live, self._stopping):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    async def _go_live(self) -> dict[str, Any]:
        was_orphaned = self._state.orphaned_live
        self._reset_scene()
        try:
            await self._broadcast.go_live()
        except GoLiveError as error:
            await self._clean_up_failed_go_live(was_orphaned)
            self._raise_alert("go_live_failed", "critical", f"Going live failed: {error}")
            raise
        self.set_orphaned(False)
        await self.check_status()
        counters = self._broadcast.counters
        return {
            "phase": str(self.phase),
            "time_to_live_seconds": round(counters.time_to_live or 0.0, 2),
            "resumed": was_orphaned,
        }

    async def _clean_up_failed_go_live(self, was_orphaned: bool) -> None:
        # A session opened by this attempt would show the agent live with nothing on air.
        opened_session = self._state.steps.get(str(Step.STREAM_START)) == str(StepState.DONE)
        await self._pipeline.shutdown()
        if opened_session and not was_orphaned:
            try:
                await self._client.stream_stop()
            except ApiError as error:
                logger.warning("could not close the session after a failed go-live: %s", error)
        await self.check_status()

    async def _stop(self) -> dict[str, Any]:
        going_live = self._going_live
        if going_live is not None and not going_live.done():
            going_live.cancel()
            await asyncio.gather(going_live, return_exceptions=True)

        if self.phase is not Phase.OFFLINE:
            stats = await self._broadcast.stop()
            result = {
                "stopped": True,
                "duration_seconds": stats.duration_seconds,
                "viewers": stats.viewers,
            }
        else:
            result = await self._end_platform_session()
            await self._pipeline.shutdown()
        self.set_orphaned(False)
        self._reset_scene()
        await self.check_status()
        return result

    def _reset_scene(self) -> None:
        """Return the stage to the automatic scene, so no stream starts on a card set earlier."""
        if self._state.scene is not None:
            logger.info("scene %s reset to auto", self._state.scene)
            self._state.scene = None
            self._publish("scene", {"scene": None})

    async def _end_platform_session(self) -> dict[str, Any]:
        """End a session the platform still shows live although nothing streams here."""
        try:
            status = await self._client.stream_status()
            if not status.is_live:
                return {"stopped": False, "duration_seconds": None, "viewers": None}
            stopped = await self._client.stream_stop()
        except NoActiveSessionError:
            return {"stopped": False, "duration_seconds": None, "viewers": None}
        except ApiError as error:
            raise StreamOperationError(
                f"Could not end the platform's session: {self._redactor.redact(str(error))}"
            ) from None
        logger.info("ended the platform session that had nothing on air")
        return {
            "stopped": True,
            "duration_seconds": stopped.duration_seconds,
            "viewers": stopped.viewers,
        }

    # Platform status

    async def check_status(self) -> None:
        """Fetch the platform's stream status; publish it and whether the stream is orphaned."""
        try:
            status = await self._client.stream_status()
        except ApiError as error:
            logger.warning("the stream status check failed: %s", error)
            return
        data = {
            "is_live": status.is_live,
            "viewers": status.viewers,
            "uptime_seconds": status.uptime_seconds,
            "token_address": status.token_address,
        }
        self._state.set_stream_status(data)
        self._publish("stream_status", dict(self._state.stream_status or data))
        nothing_here = self.phase is Phase.OFFLINE and self.operation is None
        self.set_orphaned(status.is_live and nothing_here)

    def set_orphaned(self, orphaned: bool) -> None:
        """Record whether the stream is orphaned; publish and alert when that changes."""
        if orphaned == self._state.orphaned_live:
            return
        self._state.orphaned_live = orphaned
        self._publish("orphaned_live", {"orphaned_live": orphaned})
        if orphaned:
            self._raise_alert(
                "orphaned_live",
                "critical",
                f"The platform shows profile {self._profile!r} live, but nothing streams "
                f"from here. Resume it with `cockpit live start --profile {self._profile}`, "
                f"or end it with `cockpit live stop --profile {self._profile}`.",
            )


def _log_outcome(task: asyncio.Task[dict[str, Any]]) -> None:
    # Retrieve the outcome, so that a failure no caller awaited is logged once, not as
    # "Task exception was never retrieved".
    if task.cancelled():
        logger.info("%s was cancelled", task.get_name())
        return
    error = task.exception()
    if error is not None:
        logger.warning("%s failed: %s", task.get_name(), error)
