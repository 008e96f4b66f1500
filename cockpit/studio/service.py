"""The studio: one process per profile that owns the API session, the feeds and the broadcast.

`Studio` assembles the parts the way the headless demo does: credentials, one
`RetakeClient`, the process supervisor, the pipeline and the go-live state
machine, plus the feeds and the alert command. It folds what they report into
its state and hands every change to the local channel as an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from cockpit import paths
from cockpit.api.client import RetakeClient
from cockpit.api.credentials import Credentials, CredentialsError, CredentialStore
from cockpit.broadcast.display import DisplayError
from cockpit.broadcast.events import BroadcastEvent, Phase
from cockpit.broadcast.golive import Broadcast
from cockpit.broadcast.pipeline import Pipeline
from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.broadcast.stage_window import placeholder_stage_command
from cockpit.feeds.events import Alert, FeedEvent, SendUpdate, Severity
from cockpit.redaction import Redactor
from cockpit.settings import Settings
from cockpit.studio.alerts import AlertRunner
from cockpit.studio.feedport import FeedPort, FeedPublisher
from cockpit.studio.health import ProcessMonitor, encoder_report
from cockpit.studio.locations import log_path, pipeline_log_dir
from cockpit.studio.state import StudioState
from cockpit.studio.stream import LIVE_PHASES, StreamControl

logger = logging.getLogger(__name__)

FeedsFactory = Callable[[RetakeClient, Credentials, FeedPublisher], FeedPort]
"""Builds the feeds for the studio's client and agent; they publish through the callable."""

Publisher = Callable[[str, dict[str, Any]], int]

_IDLE_CHECK_SECONDS = 1.0
_FIRST_STATUS_TIMEOUT = 10.0


class Studio:
    """The parts of one profile's studio and the state the views see."""

    def __init__(
        self,
        settings: Settings,
        credentials: Credentials,
        redactor: Redactor,
        feeds_factory: FeedsFactory | None = None,
    ) -> None:
        self.settings = settings
        self.profile = settings.profile
        self.credentials = credentials
        self.redactor = redactor
        self.state = StudioState()
        self.started_at = time.time()
        self.monitor = ProcessMonitor()
        self._publisher: Publisher | None = None
        self._clients: Callable[[], list[dict[str, Any]]] = list
        self.last_seq = 0
        """The ``seq`` of the latest event published."""
        self._shutdown = asyncio.Event()
        self._stop_stream_on_exit = True
        self._background: list[asyncio.Task[None]] = []
        self._send_waiters: dict[str, asyncio.Future[SendUpdate]] = {}
        self._last_busy = time.monotonic()

        state_dir = paths.state_dir(self.profile)
        self.client = RetakeClient(
            settings.api_url,
            access_token=credentials.access_token,
            token_api_url=credentials.api_url,
            settings=settings.http,
            profile=self.profile,
        )
        self.supervisor = ProcessSupervisor(f"studio-{self.profile}")
        self.pipeline = Pipeline(
            self.supervisor,
            settings,
            pipeline_log_dir(self.profile),
            placeholder_stage_command(credentials.agent_name or "agent", profile=self.profile),
            redactor,
        )
        self.broadcast = Broadcast(
            self.client,
            self.pipeline,
            settings.stream,
            state_dir,
            self._on_broadcast_event,
            redactor,
            on_token=self._on_token,
        )
        self.stream = StreamControl(
            self.client,
            self.broadcast,
            self.pipeline,
            self.state,
            self.publish,
            self.raise_alert,
            redactor,
            self.profile,
        )
        self.alerts = AlertRunner(
            self.supervisor,
            settings.studio.alert_command,
            settings.studio.alert_timeout,
            state_dir / "alert-command.log",
        )
        self.feeds: FeedPort | None = (
            feeds_factory(self.client, credentials, self._on_feed_event)
            if feeds_factory is not None
            else None
        )

    # Lifecycle

    def connect_server(
        self, publisher: Publisher, clients: Callable[[], list[dict[str, Any]]]
    ) -> None:
        """Send every event to ``publisher`` (the server's ``publish``) from now on.

        ``clients`` describes the attached clients for the status and the snapshot.
        """
        self._publisher = publisher
        self._clients = clients

    async def start(self) -> None:
        """Start the feeds, the alert command, and the status and health reports."""
        self.alerts.start()
        if self.feeds is not None:
            try:
                await self.feeds.start()
            except Exception as error:  # the stream can still be run without the feeds
                logger.exception("the feeds failed to start")
                self.raise_alert(
                    "feeds_failed",
                    "critical",
                    "The chat and market feeds failed to start: "
                    f"{self.redactor.redact(str(error))}",
                )
        # The first check finds a stream orphaned by a killed studio before a client connects.
        try:
            async with asyncio.timeout(_FIRST_STATUS_TIMEOUT):
                await self.stream.check_status()
        except TimeoutError:
            logger.warning("the first stream status check took over %g s", _FIRST_STATUS_TIMEOUT)
        self._background = [
            asyncio.create_task(self._report_status(), name="status-reports"),
            asyncio.create_task(self._report_health(), name="health-reports"),
        ]
        logger.info("studio started for profile %s (agent %s)", self.profile, self.agent_name)

    @property
    def shutting_down(self) -> bool:
        """Whether the studio was asked to exit; it then starts no new stream."""
        return self._shutdown.is_set()

    def request_shutdown(self, stop_stream: bool = True) -> None:
        """Ask the studio to exit; with ``stop_stream`` it ends a live stream cleanly first."""
        self._stop_stream_on_exit = stop_stream
        self._shutdown.set()

    async def run_until_shutdown(
        self, client_count: Callable[[], int], last_client_change: Callable[[], float]
    ) -> None:
        """Serve until asked to exit, or until idle for ``studio.idle_exit`` seconds.

        Idle means no stream, no operation under way and no attached client. On
        a request with ``stop_stream``, a live stream (or the platform session of
        an orphaned one) is ended before returning. An idle exit leaves an
        orphaned session for the operator to resume or stop.
        """
        idle_exit = self.settings.studio.idle_exit
        while not self._shutdown.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_IDLE_CHECK_SECONDS):
                    await self._shutdown.wait()
            now = time.monotonic()
            if self.stream.busy or client_count():
                self._last_busy = now
                continue
            idle_since = max(self._last_busy, last_client_change())
            if now - idle_since >= idle_exit:
                logger.info("no stream and no client for %g s; exiting", idle_exit)
                self.request_shutdown(stop_stream=False)

        if self._stop_stream_on_exit and (self.stream.busy or self.state.orphaned_live):
            self.publish("studio", {"state": "stopping_stream"})
            try:
                await self.stream.begin_stop()
            except Exception:
                logger.exception("stopping the stream before exit failed")
        self.publish("studio", {"state": "exiting"})

    async def close(self) -> None:
        """Stop the reports, the feeds, the alert command and every child process."""
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self.stream.close()
        if self.feeds is not None:
            try:
                await self.feeds.stop()
            except Exception:
                logger.exception("stopping the feeds failed")
        await self.alerts.close()
        await asyncio.to_thread(self.supervisor.close)
        await self.client.aclose()
        logger.info("studio for profile %s closed", self.profile)

    # Events

    def publish(self, kind: str, data: dict[str, Any]) -> int:
        """Hand an event to the clients; returns its ``seq`` (0 before a server is connected)."""
        if self._publisher is None:
            return 0
        seq = self._publisher(kind, data)
        self.last_seq = max(self.last_seq, seq)
        return seq

    def raise_alert(
        self, kind: str, severity: Severity, message: str, data: dict[str, Any] | None = None
    ) -> None:
        """Record, publish and pass to the alert command an alert raised by the studio."""
        alert = Alert(
            kind=kind, severity=severity, message=message, at=time.time(), data=data or {}
        )
        self._record_alert(alert, "studio")

    def _record_alert(self, alert: Alert, source: str) -> None:
        record = {**alert.to_json(), "source": source}
        logger.warning(
            "alert %s (%s, from %s): %s", alert.kind, alert.severity, source, alert.message
        )
        self.state.alerts.append(record)
        self.publish("alert", record)
        self.alerts.submit(record)

    def _on_broadcast_event(self, event: BroadcastEvent) -> None:
        previous_phase = self.state.phase
        self.state.apply_broadcast(event)
        self.publish("broadcast", event.to_json())

        if event.kind == "phase" and event.phase is not None:
            if self.feeds is not None:
                self.feeds.set_live(event.phase in LIVE_PHASES)
            if event.phase is Phase.GOING_LIVE:
                self.monitor.reset()
            if event.phase is Phase.LIVE and previous_phase == str(Phase.RECOVERING):
                self.raise_alert("broadcast_recovered", "info", event.message)
        elif event.kind == "recovery":
            self.raise_alert("broadcast_recovery", "warning", event.message)
        elif event.kind == "error":
            self.raise_alert("broadcast_error", "critical", event.message)

    def _on_token(self, address: str, ticker: str) -> None:
        if self.feeds is not None:
            self.feeds.set_token(address, ticker)
        known = (self.credentials.token_address, self.credentials.token_ticker)
        if known == (address, ticker):
            return
        store = CredentialStore(self.profile, self.settings.token_store)
        try:
            self.credentials = store.update(token_address=address, token_ticker=ticker)
        except CredentialsError as error:
            self.raise_alert(
                "credentials_not_saved",
                "warning",
                f"The agent's token {address} could not be saved in the profile: {error}",
            )
            return
        logger.info("saved the agent's token %s (%s) in profile %s", address, ticker, self.profile)

    def _on_feed_event(self, item: FeedEvent) -> None:
        if isinstance(item, Alert):
            self._record_alert(item, "feeds")
            return
        if isinstance(item, SendUpdate) and item.state in ("sent", "failed"):
            waiter = self._send_waiters.pop(item.message_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(item)
        self.publish("feed", item.to_json())

    def wait_for_send(self, message_id: str) -> asyncio.Future[SendUpdate]:
        """Return a future resolved with the message's final `SendUpdate` (sent or failed)."""
        future: asyncio.Future[SendUpdate] = asyncio.get_running_loop().create_future()
        self._send_waiters[message_id] = future
        return future

    def forget_send_waiter(self, message_id: str) -> None:
        self._send_waiters.pop(message_id, None)

    # Reports

    async def _report_status(self) -> None:
        while True:
            await asyncio.sleep(self.settings.studio.status_interval)
            await self.stream.check_status()

    async def _report_health(self) -> None:
        reported_processes = False
        while True:
            await asyncio.sleep(self.settings.studio.health_interval)
            processes = self.pipeline.processes
            if processes or reported_processes:
                self.publish("health", self.health())
            reported_processes = bool(processes)

    def health(self) -> dict[str, Any]:
        """Return the processes (studio first) and the encoder's progress."""
        return {
            "processes": self.monitor.describe(self.pipeline.processes),
            "encoder": encoder_report(self.pipeline, self.settings.encoder.stall_after),
            "display": self.display,
        }

    # Views

    @property
    def agent_name(self) -> str:
        return self.credentials.agent_name

    @property
    def display(self) -> str | None:
        """The virtual display, such as ``:3``, while it runs."""
        try:
            return self.pipeline.display.display
        except DisplayError:
            return None

    def identity(self) -> dict[str, Any]:
        """Return who this studio is, for the welcome and the snapshot."""
        return {
            "pid": os.getpid(),
            "profile": self.profile,
            "api_url": self.client.api_url,
            "agent_name": self.credentials.agent_name,
            "user_db_id": self.credentials.user_db_id,
            "token_address": self.credentials.token_address,
            "token_ticker": self.credentials.token_ticker,
            "started_at": self.started_at,
            "log": str(log_path(self.profile)),
        }

    def status(self) -> dict[str, Any]:
        """Return the summary that the ``status`` command returns."""
        return {
            "studio": self.identity(),
            "phase": str(self.broadcast.phase),
            "live": self.stream.on_air,
            "operation": self.stream.operation,
            "orphaned_live": self.state.orphaned_live,
            "stream_status": self.state.stream_status,
            "steps": dict(self.state.steps),
            "last_error": self.state.last_error,
            "live_since": self.state.live_since,
            "watchdog_paused": self.state.watchdog_paused,
            "display": self.display,
            "counters": dataclasses.asdict(self.broadcast.counters),
            "encoder": encoder_report(self.pipeline, self.settings.encoder.stall_after),
            "feeds": self.feeds is not None,
            "clients": self._clients(),
        }

    def snapshot(self) -> dict[str, Any]:
        """Return the whole current state for a view that attaches."""
        snapshot = self.state.to_json()
        snapshot.update(
            studio=self.identity(),
            operation=self.stream.operation,
            clients=self._clients(),
            counters=dataclasses.asdict(self.broadcast.counters),
            health=self.health(),
            feeds=self._feeds_snapshot(),
        )
        return snapshot

    def _feeds_snapshot(self) -> dict[str, Any] | None:
        if self.feeds is None:
            return None
        return {
            "chat": [item.to_json() for item in self.feeds.recent_chat()],
            "trades": [item.to_json() for item in self.feeds.recent_trades()],
            "stats_history": [item.to_json() for item in self.feeds.stats_history()],
            "health": self.feeds.health().to_json(),
        }
