"""The go-live sequence, stop, and recovery, as one asynchronous state machine.

The platform's mandatory order: fresh RTMP credentials, stream start, the
encoder with those fresh keys, status until ``is_live``, the first thumbnail
at once, then a thumbnail every few minutes, and stream stop at the end. After
a crash the same order repeats with fresh keys. Every step is reported as a
``BroadcastEvent``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.broadcast.events import BroadcastEvent, Phase, Step, StepState
from cockpit.broadcast.pipeline import Pipeline
from cockpit.broadcast.platform import PlatformClient
from cockpit.redaction import Redactor, redact_url
from cockpit.settings import StreamSettings
from cockpit.wording import counted

logger = logging.getLogger(__name__)

KNOWN_SKILL_VERSION = "2.0.0"

EventSink = Callable[[BroadcastEvent], None]
TokenCallback = Callable[[str, str], None]


class GoLiveError(Exception):
    """Raised when a go-live step fails; ``step`` names it."""

    def __init__(self, step: Step, reason: str) -> None:
        super().__init__(f"Go-live step '{step}' failed: {reason}")
        self.step = step
        self.reason = reason


@dataclass(frozen=True)
class StopStats:
    """Stream stats that the platform returned when the stream stopped."""

    duration_seconds: int | None
    viewers: int | None


@dataclass
class BroadcastCounters:
    thumbnails_uploaded: int = 0
    restarts: int = 0
    live_since: float | None = None
    time_to_live: float | None = None


class Broadcast:
    """Runs the stream for one agent: go live, keep thumbnails fresh, recover, stop."""

    def __init__(
        self,
        client: PlatformClient,
        pipeline: Pipeline,
        settings: StreamSettings,
        state_dir: Path,
        emit: EventSink,
        redactor: Redactor,
        on_token: TokenCallback | None = None,
    ) -> None:
        self._client = client
        self._pipeline = pipeline
        self._settings = settings
        self._state_dir = state_dir
        self._emit = emit
        self._redactor = redactor
        self._on_token = on_token
        self._thumbnail_lock = asyncio.Lock()
        self._background: list[asyncio.Task[Any]] = []
        self.phase = Phase.OFFLINE
        self.counters = BroadcastCounters()
        self.watchdog_paused = False
        self.last_thumbnail: Path | None = None
        self._session_open = False

    # Reporting

    def _set_phase(self, phase: Phase, message: str) -> None:
        self.phase = phase
        self._emit(BroadcastEvent("phase", message, phase=phase))

    def _step(self, step: Step, state: StepState, message: str = "", **data: Any) -> None:
        text = message or f"{step}: {state}"
        self._emit(
            BroadcastEvent("step", self._redactor.redact(text), step=step, state=state, data=data)
        )

    async def _run_step(self, step: Step, action: Callable[[], Awaitable[Any]]) -> Any:
        self._step(step, StepState.RUNNING)
        started = time.monotonic()
        try:
            result = await action()
        except Exception as error:
            reason = self._redactor.redact(str(error)) or type(error).__name__
            self._step(step, StepState.FAILED, f"{step} failed: {reason}", error=reason)
            raise GoLiveError(step, reason) from error
        self._step(step, StepState.DONE, seconds=round(time.monotonic() - started, 3))
        return result

    # Go live

    async def go_live(self) -> None:
        """Run the whole sequence; on failure tear down what it started and raise ``GoLiveError``."""
        if self.phase is not Phase.OFFLINE:
            raise GoLiveError(Step.PREPARE, f"the broadcast is already {self.phase}")
        started = time.monotonic()
        self._set_phase(Phase.GOING_LIVE, "Going live")
        for step in Step:
            self._step(step, StepState.PENDING)
        self._session_open = False
        try:
            await self._run_step(Step.PREPARE, self._pipeline.prepare)
            await self._run_step(Step.SKILL_CHECK, self._check_skill)
            await self._connect(first=True)
        except BaseException:
            await self._pipeline.shutdown()
            if self._session_open:
                await self._close_session_quietly()
            self._set_phase(Phase.OFFLINE, "Go-live failed; everything it started was stopped")
            raise
        self.counters.time_to_live = time.monotonic() - started
        self.counters.live_since = time.time()
        self._set_phase(Phase.LIVE, f"Live after {self.counters.time_to_live:.1f} s")
        self._background = [
            asyncio.create_task(self._thumbnail_loop(), name="thumbnails"),
            asyncio.create_task(self._watchdog_loop(), name="watchdog"),
        ]

    async def _connect(self, first: bool) -> None:
        """Fresh keys, stream start, encoder, confirm live, thumbnail: shared by go-live and recovery."""
        credentials = await self._run_step(Step.RTMP, self._client.rtmp)
        key = credentials.key.get_secret_value()
        self._redactor.add(key)
        await self._run_step(Step.STREAM_START, self._start_session)
        await self._run_step(
            Step.ENCODER, lambda: self._pipeline.start_encoder(credentials.url, key)
        )
        logger.info("encoder started towards %s", redact_url(credentials.url))
        await self._run_step(Step.CONFIRM_LIVE, self._confirm_live)
        await self._run_step(Step.THUMBNAIL, self.upload_thumbnail)

    async def _check_skill(self) -> None:
        info = await self._client.skill_info()
        if info.version == KNOWN_SKILL_VERSION:
            return
        text = await self._client.skill_text()
        path = self._state_dir / f"skill-{info.version}.md"
        self._state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        message = (
            f"The platform's skill is now version {info.version} (this cockpit knows "
            f"{KNOWN_SKILL_VERSION}); endpoints or fields may have changed. Its text is in {path}."
        )
        if self._settings.skill_version_policy == "require":
            raise RuntimeError(
                message + " Going live stops because skill_version_policy is 'require'."
            )
        self._emit(BroadcastEvent("warning", message))

    async def _close_session_quietly(self) -> None:
        # A session left open after a failed go-live would show the agent live with no video.
        try:
            await self._client.stream_stop()
        except Exception as error:
            self._emit(
                BroadcastEvent(
                    "warning",
                    f"Could not close the stream session: {self._redactor.redact(str(error))}",
                )
            )
        self._session_open = False

    async def _start_session(self) -> None:
        started = await self._client.stream_start()
        self._session_open = True
        token = getattr(started, "token", None)
        address = getattr(token, "token_address", None) if token else None
        if address and self._on_token is not None:
            self._on_token(address, getattr(token, "ticker", "") or "")

    async def _confirm_live(self) -> None:
        deadline = time.monotonic() + self._settings.live_timeout
        while True:
            status = await self._client.stream_status()
            if status.is_live:
                return
            if not self._pipeline.encoder_running():
                raise RuntimeError(
                    "the encoder exited before the platform reported the stream live; "
                    f"see {self._pipeline.encoder_log}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the platform did not report the stream live within "
                    f"{self._settings.live_timeout:g} s (setting stream.live_timeout)"
                )
            await asyncio.sleep(self._settings.status_poll_interval)

    # Thumbnails

    async def upload_thumbnail(self) -> Path:
        """Capture the display and upload it; never two at once. Returns the image kept on disk."""
        async with self._thumbnail_lock:
            path = self._state_dir / "thumbnail.png"
            await self._pipeline.capture_thumbnail(path)
            await self._client.update_thumbnail(path.read_bytes(), "image/png")
            self.counters.thumbnails_uploaded += 1
            self.last_thumbnail = path
            self._emit(
                BroadcastEvent(
                    "thumbnail", f"Thumbnail uploaded ({path})", data={"path": str(path)}
                )
            )
            return path

    async def _thumbnail_loop(self) -> None:
        while True:
            await asyncio.sleep(self._settings.thumbnail_interval)
            if self.phase is not Phase.LIVE:
                continue
            try:
                await self.upload_thumbnail()
            except Exception as error:
                self._emit(
                    BroadcastEvent(
                        "warning", f"Thumbnail upload failed: {self._redactor.redact(str(error))}"
                    )
                )

    # Watchdog and recovery

    async def _watchdog_loop(self) -> None:
        failures = 0
        stable_since = time.monotonic()
        next_status_check = time.monotonic() + self._settings.status_check_interval
        offline_reports = 0
        while True:
            await asyncio.sleep(0.5)
            if self.watchdog_paused or self.phase is not Phase.LIVE:
                continue
            problems = self._pipeline.problems()
            if not problems and time.monotonic() >= next_status_check:
                next_status_check = time.monotonic() + self._settings.status_check_interval
                offline_reports = (
                    offline_reports + 1 if not await self._platform_shows_live() else 0
                )
                # Two reports in a row, so one stale response does not restart a healthy stream.
                if offline_reports >= 2:
                    problems = [
                        "the platform reports the stream offline (no data reaches the ingest)"
                    ]
            if problems:
                offline_reports = 0
            if not problems:
                # A stream that stayed healthy for a while starts its backoff afresh.
                if failures and time.monotonic() - stable_since > 60:
                    failures = 0
                continue
            failures = await self._recover(problems, failures)
            stable_since = time.monotonic()
            next_status_check = stable_since + self._settings.status_check_interval

    async def _platform_shows_live(self) -> bool:
        try:
            return bool((await self._client.stream_status()).is_live)
        except Exception as error:
            # An unreachable platform is not proof the stream broke; the feeds report it.
            logger.info("status check failed: %s", self._redactor.redact(str(error)))
            return True

    async def _recover(self, problems: list[str], failures: int) -> int:
        reason = "; ".join(problems)
        self._set_phase(Phase.RECOVERING, f"Stream broken ({reason}); recovering with fresh keys")
        self._emit(BroadcastEvent("recovery", f"Detected: {reason}", data={"problems": problems}))
        while True:
            if failures:
                delay = self._backoff(failures)
                self._emit(
                    BroadcastEvent(
                        "recovery", f"Retrying in {delay:.1f} s (attempt {failures + 1})"
                    )
                )
                await asyncio.sleep(delay)
            failures += 1
            self.counters.restarts += 1
            try:
                await self._pipeline.stop_encoder()
                await self._pipeline.repair()
                await self._connect(first=False)
            except GoLiveError as error:
                self._emit(
                    BroadcastEvent("error", f"Recovery attempt {failures} failed: {error.reason}")
                )
                continue
            except Exception as error:
                self._emit(
                    BroadcastEvent(
                        "error",
                        f"Recovery attempt {failures} failed: {self._redactor.redact(str(error))}",
                    )
                )
                continue
            self._set_phase(Phase.LIVE, f"Recovered after {counted(failures, 'attempt')}")
            return failures

    def _backoff(self, failures: int) -> float:
        # Exponential with full jitter, capped, so a lasting fault never becomes the rapid
        # start/stop cycling the platform bans.
        ceiling = min(
            self._settings.restart_backoff_max,
            self._settings.restart_backoff_initial * 2 ** (failures - 1),
        )
        return random.uniform(ceiling / 2, ceiling)

    # Stop

    async def stop(self) -> StopStats:
        """Stop the stream session, then the encoder and the rest, in that order."""
        self._set_phase(Phase.STOPPING, "Stopping the stream")
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self._background = []
        stats = StopStats(None, None)
        try:
            stopped = await self._client.stream_stop()
            stats = StopStats(stopped.duration_seconds, stopped.viewers)
        except Exception as error:
            self._emit(
                BroadcastEvent("error", f"Stream stop failed: {self._redactor.redact(str(error))}")
            )
        await self._pipeline.shutdown()
        self.counters.live_since = None
        self._set_phase(
            Phase.OFFLINE,
            f"Stopped: {stats.duration_seconds} s, {counted(stats.viewers, 'viewer')}",
        )
        return stats
