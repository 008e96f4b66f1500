"""The view model of a studio client: a reducer of the snapshot and each numbered event.

`ViewState.apply` takes every message a `StudioClient` yields (``snapshot``,
``event`` and ``connection``) and returns the names of the parts that
changed, so that a view redraws only those, and at its own pace. It imports
no Textual, so the console and the stage can share it::

    view = ViewState(word_filter=["spam"])
    view.apply({"type": "snapshot", "seq": client.last_seq, "state": client.snapshot})
    async for message in client.events():
        changed = view.apply(message)

Every text that came from the platform or its users is passed through
`display_safe` on the way in.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from cockpit.broadcast.events import GO_LIVE_STEPS
from cockpit.feeds.textsafe import display_safe
from cockpit.ui.eventlog import EventLog, alert_view
from cockpit.ui.viewers import summarise_viewer
from cockpit.ui.viewmodels import (
    AlertView,
    ChatLine,
    ConnectionState,
    EncoderView,
    FeedHealthView,
    HostView,
    Identity,
    LogLevel,
    ProcessView,
    SendView,
    StatsView,
    StepView,
    StopView,
    StreamStatusView,
    TradeLine,
    ViewerSummary,
)
from cockpit.ui.viewstate_parse import (
    chat_line,
    encoder_view,
    feed_health_view,
    host_view,
    number,
    process_views,
    stats_view,
    trade_line,
)

logger = logging.getLogger(__name__)

# Names of the parts of the view model that `ViewState.apply` reports as changed.
STATUS = "status"
STEPS = "steps"
CHAT = "chat"
TRADES = "trades"
STATS = "stats"
HEALTH = "health"
LOG = "log"
PREVIEW = "preview"
SENDS = "sends"
ALERTS = "alerts"
STAGE = "stage"
"""Scene, narration and moderation: what the stage shows besides chat."""
ALL_PARTS = frozenset(
    {STATUS, STEPS, CHAT, TRADES, STATS, HEALTH, LOG, PREVIEW, SENDS, ALERTS, STAGE}
)

LIVE_PHASES = frozenset({"live", "recovering"})
"""Phases in which the stream is on air, a recovery in progress included."""

CHAT_LIMIT = 500
TRADE_LIMIT = 300
HISTORY_LIMIT = 720
"""Points kept per sparkline series: 720 stats polls of 15 s are three hours."""
LOG_LIMIT = 1000
ALERT_LIMIT = 200
SEND_LIMIT = 50
CHAT_RATE_MINUTES = 60
"""Minutes of chat counts kept for the chat-rate series."""


def stream_url(api_url: str, agent_name: str) -> str:
    """Return the public page of the stream: the API's origin and the agent's name.

    ``https://retake.tv/api/v1`` gives ``https://retake.tv/NAME``; the simulator's
    ``http://127.0.0.1:PORT/api/v1`` gives ``http://127.0.0.1:PORT/NAME``.
    """
    if not api_url or not agent_name:
        return ""
    parts = urlsplit(api_url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}/{display_safe(agent_name)}"


def compile_word_filter(words: Iterable[str]) -> re.Pattern[str] | None:
    """Return a pattern matching any of ``words`` as whole words, ignoring case, or None."""
    alternatives = [re.escape(word.strip()) for word in words if word.strip()]
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


class ViewState:
    """Everything a view of the studio shows, folded from the snapshot and the events."""

    def __init__(
        self,
        *,
        word_filter: Iterable[str] = (),
        large_trade_usd: float = 100.0,
        target_fps: float | None = None,
        chat_limit: int = CHAT_LIMIT,
        trade_limit: int = TRADE_LIMIT,
        history_limit: int = HISTORY_LIMIT,
        log_limit: int = LOG_LIMIT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.large_trade_usd = large_trade_usd
        self.target_fps = target_fps
        self._word_filter = compile_word_filter(word_filter)
        self._chat_limit = chat_limit
        self._trade_limit = trade_limit
        self._history_limit = history_limit
        self._clock = clock

        self.seq: int | None = None
        """The ``seq`` of the last event or snapshot applied."""
        self.connection: ConnectionState = "connecting"
        self.connection_reason = ""
        self.identity = Identity()
        self.phase = "offline"
        self.operation: str | None = None
        self.steps: dict[str, StepView] = _initial_steps()
        self.last_error = ""
        self.orphaned_live = False
        self.watchdog_paused = False
        self.live_since: float | None = None
        self.stream_status: StreamStatusView | None = None
        self.studio_state = ""
        """``stopping_stream`` or ``exiting`` once the studio announced its exit."""
        self.scene: str | None = None
        self.narration: str | None = None
        self.narration_at: float | None = None
        self.rooms: list[str] = []
        self.thumbnail_path: str | None = None
        self.thumbnail_at: float | None = None
        self.hidden_messages: set[str] = set()
        self.muted_viewers: set[str] = set()
        self.last_stop: StopView | None = None

        self.chat: OrderedDict[str, ChatLine] = OrderedDict()
        self.trades: OrderedDict[str, TradeLine] = OrderedDict()
        self.stats: StatsView | None = None
        self.market_cap_history: deque[tuple[float, float]] = deque(maxlen=history_limit)
        self.viewer_history: deque[tuple[float, float]] = deque(maxlen=history_limit)
        self._chat_minutes: dict[int, int] = {}
        self._counted_chat: set[str] = set()

        self.processes: list[ProcessView] = []
        self.encoder: EncoderView | None = None
        self.display: str | None = None
        self.host: HostView | None = None
        self.feed_health: FeedHealthView | None = None

        self.log = EventLog(log_limit, clock)
        self.alerts: deque[AlertView] = deque(maxlen=ALERT_LIMIT)
        self.new_alerts: list[AlertView] = []
        """Alerts that arrived as events since the last `take_new_alerts`; snapshots add none."""
        self.sends: OrderedDict[str, SendView] = OrderedDict()

    # Derived values

    @property
    def live(self) -> bool:
        """Whether the stream is on air, a recovery in progress included."""
        return self.phase in LIVE_PHASES

    @property
    def stream_url(self) -> str:
        return stream_url(self.identity.api_url, self.identity.agent_name)

    @property
    def viewers(self) -> int | None:
        return self.stream_status.viewers if self.stream_status is not None else None

    def uptime(self, now: float) -> float | None:
        """Seconds on air at ``now``, from the go-live time or else the platform's report."""
        if not self.live:
            return None
        if self.live_since is not None:
            return max(0.0, now - self.live_since)
        status = self.stream_status
        if status is not None and status.uptime_seconds is not None:
            return status.uptime_seconds + max(0.0, now - status.checked_at)
        return None

    def chat_rate_series(self, now: float, minutes: int = 30) -> list[float]:
        """Viewers' chat messages per minute, one value per minute up to ``now``, oldest first."""
        current = int(now // 60)
        return [
            float(self._chat_minutes.get(minute, 0))
            for minute in range(current - minutes + 1, current + 1)
        ]

    def is_hidden(self, line: ChatLine) -> bool:
        """Return whether the stage keeps ``line`` off air: hidden, or by a muted viewer."""
        return line.id in self.hidden_messages or (
            bool(line.author_key) and line.author_key in self.muted_viewers
        )

    def on_air_chat(self) -> list[ChatLine]:
        """Return the chat of the agent's own stream that the stage may show, oldest first."""
        own = self.identity.user_db_id
        return [
            line
            for line in self.chat.values()
            if not self.is_hidden(line)
            and not line.filtered
            and (not own or line.streamer_id == own)
        ]

    def take_new_alerts(self) -> list[AlertView]:
        """Return the alerts that arrived as events since the last call, and forget them."""
        alerts, self.new_alerts = self.new_alerts, []
        return alerts

    def viewer(self, key: str) -> ViewerSummary | None:
        """Summarise what the chat and trades held here show of the viewer ``key``."""
        return summarise_viewer(
            key, self.chat.values(), self.trades.values(), key in self.muted_viewers
        )

    # Changes made by the view itself

    def set_word_filter(self, words: Iterable[str]) -> set[str]:
        """Replace the word filter and mark the chat anew; returns the changed parts."""
        self._word_filter = compile_word_filter(words)
        for key, line in self.chat.items():
            filtered = self._matches_filter(line.text)
            if filtered != line.filtered:
                self.chat[key] = replace(line, filtered=filtered)
        return {CHAT}

    def set_host(self, host: HostView) -> set[str]:
        """Record host figures measured by the view; figures from the studio take precedence."""
        if self.host is not None and self.host.source == "studio":
            return set()
        self.host = host
        return {HEALTH}

    def set_moderation(self, data: Mapping[str, Any]) -> set[str]:
        """Replace the hidden messages and muted viewers with those of a moderation record."""
        hidden = data.get("hidden_messages")
        muted = data.get("muted_viewers")
        if isinstance(hidden, list):
            self.hidden_messages = {str(item) for item in hidden}
        if isinstance(muted, list):
            self.muted_viewers = {str(item) for item in muted}
        return {CHAT, STAGE}

    def record_stop(self, result: Mapping[str, Any], at: float) -> set[str]:
        """Keep the stats the ``stop`` command returned."""
        self.last_stop = StopView(
            stopped=bool(result.get("stopped", True)),
            duration_seconds=number(result.get("duration_seconds")),
            viewers=_int_or_none(result.get("viewers")),
            at=at,
        )
        return {STATUS}

    def note(
        self, text: str, level: LogLevel = "info", at: float = 0.0, source: str = "console"
    ) -> set[str]:
        """Add a line of the view's own to the event log, such as a failed command."""
        self._log(at, level, source, text)
        return {LOG}

    # The reducer

    def apply(self, message: Mapping[str, Any]) -> set[str]:
        """Fold one message of `StudioClient.events` (or the first snapshot) into the view.

        Returns the names of the parts that changed. Unknown message types and
        event kinds change nothing, so a newer studio can add them.
        """
        kind = message.get("type")
        if kind == "snapshot":
            state = message.get("state")
            seq = message.get("seq")
            return self.apply_snapshot(
                state if isinstance(state, Mapping) else {}, seq if isinstance(seq, int) else None
            )
        if kind == "connection":
            return self._apply_connection(message)
        if kind != "event":
            return set()

        seq = message.get("seq")
        if isinstance(seq, int):
            self.seq = seq
        data = message.get("data")
        if not isinstance(data, Mapping):
            return set()
        at = number(message.get("at")) or number(data.get("at")) or 0.0
        handler = self._event_handlers().get(str(message.get("kind")))
        if handler is None:
            logger.debug("ignored an event of kind %r", message.get("kind"))
            return set()
        return handler(data, at)

    def apply_snapshot(self, state: Mapping[str, Any], seq: int | None) -> set[str]:
        """Replace the whole view with a snapshot's ``state``."""
        self.seq = seq
        self.connection = "connected"
        self._apply_identity(state.get("studio"))
        self.phase = str(state.get("phase") or "offline")
        self.operation = _str_or_none(state.get("operation"))
        self.steps = _initial_steps()
        steps = state.get("steps")
        if isinstance(steps, Mapping):
            for name, step_state in steps.items():
                self.steps[str(name)] = StepView(str(name), _step_state(step_state))
        self.last_error = display_safe(str(state.get("last_error") or ""))
        self._attach_last_error()
        self.orphaned_live = bool(state.get("orphaned_live"))
        self.watchdog_paused = bool(state.get("watchdog_paused"))
        self.live_since = number(state.get("live_since"))
        self._apply_stream_status(state.get("stream_status"), at=0.0)
        self.scene = _safe_or_none(state.get("scene"))
        narration = state.get("narration")
        self._apply_narration(narration if isinstance(narration, Mapping) else {})
        self.rooms = [display_safe(str(room)) for room in state.get("rooms") or []]
        thumbnail = state.get("thumbnail")
        if isinstance(thumbnail, Mapping):
            self.thumbnail_path = _str_or_none(thumbnail.get("path"))
            self.thumbnail_at = number(thumbnail.get("at"))
        moderation = state.get("moderation")
        self.hidden_messages, self.muted_viewers = set(), set()
        if isinstance(moderation, Mapping):
            self.set_moderation(moderation)
        health = state.get("health")
        if isinstance(health, Mapping):
            self._apply_health(health, at=0.0)
        self._apply_feeds_snapshot(state.get("feeds"))
        self._rebuild_log(state)
        return set(ALL_PARTS)

    def _event_handlers(self) -> dict[str, Callable[[Mapping[str, Any], float], set[str]]]:
        return {
            "broadcast": self._apply_broadcast,
            "feed": self._apply_feed,
            "alert": self._apply_alert,
            "scene": self._apply_scene,
            "narration": lambda data, at: self._apply_narration(data),
            "watchdog": self._apply_watchdog,
            "health": self._apply_health,
            "stream_status": self._apply_stream_status,
            "orphaned_live": self._apply_orphaned,
            "rooms": self._apply_rooms,
            "studio": self._apply_studio,
            "moderation": lambda data, at: self.set_moderation(data),
        }

    # Connection and identity

    def _apply_connection(self, message: Mapping[str, Any]) -> set[str]:
        if message.get("connected"):
            self.connection = "connected"
            self.connection_reason = ""
            self._log(0.0, "success", "console", "Reconnected to the studio")
        else:
            self.connection = "reconnecting"
            self.connection_reason = display_safe(str(message.get("reason") or ""))
            self._log(0.0, "warning", "console", f"Lost the studio: {self.connection_reason}")
        return {STATUS, LOG}

    def set_connection(self, state: ConnectionState, reason: str = "") -> set[str]:
        """Record the view's own connection state, such as ``connecting`` or ``lost``."""
        self.connection = state
        self.connection_reason = display_safe(reason)
        return {STATUS}

    def _apply_identity(self, studio: object) -> None:
        if not isinstance(studio, Mapping):
            return
        self.identity = Identity(
            profile=display_safe(str(studio.get("profile") or "")),
            agent_name=display_safe(str(studio.get("agent_name") or "")),
            api_url=display_safe(str(studio.get("api_url") or "")),
            user_db_id=str(studio.get("user_db_id") or ""),
            token_address=display_safe(str(studio.get("token_address") or "")),
            token_ticker=display_safe(str(studio.get("token_ticker") or "")),
            pid=_int_or_none(studio.get("pid")),
            log=display_safe(str(studio.get("log") or "")),
        )

    def set_identity(self, studio: Mapping[str, Any]) -> set[str]:
        """Record the studio's identity from its welcome."""
        self._apply_identity(studio)
        return {STATUS}

    # Broadcast

    def _apply_broadcast(self, data: Mapping[str, Any], at: float) -> set[str]:
        kind = str(data.get("kind") or "")
        text = display_safe(str(data.get("message") or ""))
        at = number(data.get("at")) or at
        details = data.get("data")
        details = details if isinstance(details, Mapping) else {}
        changed = {LOG}
        if kind == "phase":
            changed |= self._apply_phase(str(data.get("phase") or ""), at)
        elif kind == "step":
            changed |= self._apply_step(data, details, text)
        elif kind == "thumbnail":
            self.thumbnail_path = _str_or_none(details.get("path"))
            self.thumbnail_at = at
            changed.add(PREVIEW)
        elif kind == "error":
            self.last_error = text
            changed.add(STEPS)
        self.log.add_broadcast(data, at)
        return changed

    def _apply_phase(self, phase: str, at: float) -> set[str]:
        if not phase:
            return set()
        if phase == "going live":
            self.steps = _initial_steps()
            self.last_error = ""
            self.operation = "going_live"
        elif phase == "live":
            if self.live_since is None:
                self.live_since = at or None
            self.operation = None
        elif phase == "stopping":
            self.operation = "stopping"
        elif phase == "offline":
            self.live_since = None
            self.operation = None
        self.phase = phase
        return {STATUS, STEPS}

    def _apply_step(
        self, data: Mapping[str, Any], details: Mapping[str, Any], text: str
    ) -> set[str]:
        name = str(data.get("step") or "")
        state = _step_state(data.get("state"))
        if not name:
            return set()
        error = display_safe(str(details.get("error") or "")) if state == "failed" else ""
        self.steps[name] = StepView(name, state, error, number(details.get("seconds")))
        if state == "failed":
            self.last_error = text
        return {STEPS}

    def _attach_last_error(self) -> None:
        # A snapshot carries step states without errors; the failed step gets the last error.
        for name, step in self.steps.items():
            if step.state == "failed" and not step.error:
                self.steps[name] = StepView(name, "failed", self.last_error, step.seconds)

    # Feeds

    def _apply_feed(self, data: Mapping[str, Any], at: float) -> set[str]:
        event = data.get("event")
        if event == "chat":
            return self._add_chat(data)
        if event == "trade":
            return self._add_trade(data)
        if event == "stats":
            return self._add_stats(data)
        if event == "status":
            return self._apply_stream_status(data, at)
        if event == "send":
            return self._add_send(data)
        if event == "health":
            health = feed_health_view(data)
            if health is None:
                return set()
            self.feed_health = health
            return {STATUS}
        if event == "alert":
            return self._apply_alert(data, at)
        if event == "follow":
            name = display_safe(str(data.get("follower_username") or "someone"), 40)
            self._log(number(data.get("at")) or at, "info", "feeds", f"New follower: {name}")
            return {LOG}
        if event == "session":
            state = display_safe(str(data.get("state") or ""))
            self._log(number(data.get("at")) or at, "info", "feeds", f"Stream session {state}")
            return {LOG}
        return set()

    def _add_chat(self, data: Mapping[str, Any]) -> set[str]:
        line = chat_line(data, self._matches_filter, self._is_returning)
        if line is None:
            return set()
        previous = self.chat.get(line.id)
        if previous is not None:
            line = replace(line, revision=previous.revision + 1)
        self.chat[line.id] = line
        while len(self.chat) > self._chat_limit:
            removed, _ = self.chat.popitem(last=False)
            self._counted_chat.discard(removed)
        self._count_chat(line)
        return {CHAT}

    def _is_returning(self, data: Mapping[str, Any], author_key: str, at: float) -> bool:
        # The studio's viewer records know best; without them, an author seen before this
        # stream's start (in the chat held here) counts as returning.
        flag = data.get("returning")
        if isinstance(flag, bool):
            return flag
        if not author_key or self.live_since is None or at < self.live_since:
            return False
        return any(
            line.author_key == author_key and line.at < self.live_since
            for line in self.chat.values()
        )

    def _count_chat(self, line: ChatLine) -> None:
        if line.own or line.kind != "message" or line.id in self._counted_chat:
            return
        if self.identity.user_db_id and line.streamer_id != self.identity.user_db_id:
            return
        self._counted_chat.add(line.id)
        minute = int(line.at // 60)
        self._chat_minutes[minute] = self._chat_minutes.get(minute, 0) + 1
        oldest = minute - CHAT_RATE_MINUTES
        for stale in [key for key in self._chat_minutes if key < oldest]:
            del self._chat_minutes[stale]

    def _matches_filter(self, text: str) -> bool:
        return self._word_filter is not None and self._word_filter.search(text) is not None

    def _add_trade(self, data: Mapping[str, Any]) -> set[str]:
        trade = trade_line(data, self.large_trade_usd)
        if trade is None:
            return set()
        address = str(data.get("token_address") or "")
        own = self.identity.token_address
        if own and address and address != own:
            return set()  # another token's trade, from the global trades room
        self.trades[trade.id] = trade
        while len(self.trades) > self._trade_limit:
            self.trades.popitem(last=False)
        return {TRADES}

    def _add_stats(self, data: Mapping[str, Any]) -> set[str]:
        stats = stats_view(data)
        if stats is None:
            return set()
        self.stats = stats
        if stats.market_cap is not None:
            _append_point(self.market_cap_history, stats.at, stats.market_cap)
        return {STATS}

    def _add_send(self, data: Mapping[str, Any]) -> set[str]:
        message_id = str(data.get("message_id") or "")
        if not message_id:
            return set()
        self.sends[message_id] = SendView(
            message_id=message_id,
            text=display_safe(str(data.get("text") or "")),
            state=str(data.get("state") or "unknown"),
            at=number(data.get("at")) or 0.0,
            reason=display_safe(str(data.get("reason") or "")),
            warning=display_safe(str(data.get("warning") or "")),
        )
        self.sends.move_to_end(message_id)
        while len(self.sends) > SEND_LIMIT:
            self.sends.popitem(last=False)
        if data.get("state") == "failed":
            reason = self.sends[message_id].reason or "no reason given"
            self._log(self.sends[message_id].at, "error", "chat", f"Message not sent: {reason}")
            return {SENDS, LOG}
        return {SENDS}

    def _apply_feeds_snapshot(self, feeds: object) -> None:
        self.chat.clear()
        self.trades.clear()
        self._chat_minutes.clear()
        self._counted_chat.clear()
        self.stats = None
        self.market_cap_history.clear()
        if not isinstance(feeds, Mapping):
            return
        for item in feeds.get("chat") or []:
            if isinstance(item, Mapping):
                self._add_chat(item)
        for item in feeds.get("trades") or []:
            if isinstance(item, Mapping):
                self._add_trade(item)
        for item in feeds.get("stats_history") or []:
            if isinstance(item, Mapping):
                self._add_stats(item)
        health = feeds.get("health")
        if isinstance(health, Mapping):
            self.feed_health = feed_health_view(health)

    # Alerts, stage and studio

    def _apply_alert(self, data: Mapping[str, Any], at: float) -> set[str]:
        alert = alert_view(data, at)
        self.alerts.append(alert)
        self.new_alerts.append(alert)
        self.log.add_alert(alert)
        return {ALERTS, LOG}

    def _apply_scene(self, data: Mapping[str, Any], at: float) -> set[str]:
        self.scene = _safe_or_none(data.get("scene"))
        self._log(at, "info", "stage", f"Scene: {self.scene or 'default'}")
        return {STAGE, STATUS, LOG}

    def _apply_narration(self, data: Mapping[str, Any]) -> set[str]:
        self.narration = _safe_or_none(data.get("text"))
        self.narration_at = number(data.get("at"))
        return {STAGE}

    def _apply_watchdog(self, data: Mapping[str, Any], at: float) -> set[str]:
        self.watchdog_paused = bool(data.get("paused"))
        state = "paused" if self.watchdog_paused else "resumed"
        self._log(
            at, "warning" if self.watchdog_paused else "info", "watchdog", f"Watchdog {state}"
        )
        return {STATUS, HEALTH, LOG}

    def _apply_health(self, data: Mapping[str, Any], at: float) -> set[str]:
        self.processes = process_views(data.get("processes"))
        self.encoder = encoder_view(data.get("encoder"), self.target_fps)
        display = data.get("display")
        self.display = display if isinstance(display, str) else None
        host = host_view(data.get("host"))
        if host is not None:
            self.host = host
        return {HEALTH}

    def _apply_stream_status(self, data: object, at: float) -> set[str]:
        if not isinstance(data, Mapping):
            self.stream_status = None
            return {STATUS}
        viewers = _int_or_none(data.get("viewers")) or 0
        checked_at = number(data.get("checked_at")) or number(data.get("at")) or at
        self.stream_status = StreamStatusView(
            is_live=bool(data.get("is_live")),
            viewers=viewers,
            uptime_seconds=number(data.get("uptime_seconds")),
            checked_at=checked_at,
        )
        address = data.get("token_address")
        if isinstance(address, str) and address and not self.identity.token_address:
            self.identity = replace(self.identity, token_address=display_safe(address))
        if checked_at:
            _append_point(self.viewer_history, checked_at, float(viewers))
        return {STATUS, STATS}

    def _apply_orphaned(self, data: Mapping[str, Any], at: float) -> set[str]:
        self.orphaned_live = bool(data.get("orphaned_live"))
        return {STATUS}

    def _apply_rooms(self, data: Mapping[str, Any], at: float) -> set[str]:
        self.rooms = [display_safe(str(room)) for room in data.get("rooms") or []]
        return {STATUS}

    def _apply_studio(self, data: Mapping[str, Any], at: float) -> set[str]:
        self.studio_state = display_safe(str(data.get("state") or ""))
        text = {
            "stopping_stream": "The studio is ending the stream before it exits",
            "exiting": "The studio is exiting",
        }.get(self.studio_state, f"Studio: {self.studio_state}")
        self._log(at, "warning", "studio", text)
        return {STATUS, LOG}

    # Event log

    def _log(self, at: float, level: LogLevel, source: str, text: str) -> None:
        self.log.add(at, level, source, text)

    def _rebuild_log(self, state: Mapping[str, Any]) -> None:
        self.alerts.clear()
        self.alerts.extend(self.log.rebuild(state))


def _initial_steps() -> dict[str, StepView]:
    return {str(step): StepView(str(step)) for step in GO_LIVE_STEPS}


def _step_state(value: object) -> Any:
    return value if value in ("pending", "running", "done", "failed") else "pending"


def _append_point(series: deque[tuple[float, float]], at: float, value: float) -> None:
    if not math.isfinite(value):
        return
    if series and series[-1][0] == at:
        series[-1] = (at, value)
    else:
        series.append((at, value))


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _safe_or_none(value: object) -> str | None:
    return display_safe(value) if isinstance(value, str) and value else None


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if math.isfinite(value) else None
