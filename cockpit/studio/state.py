"""The studio's own state besides the feeds: the broadcast's progress, the scene, alerts."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from cockpit.broadcast.events import GO_LIVE_STEPS, BroadcastEvent, Phase, StepState

RECENT_BROADCAST_EVENTS = 200
"""Broadcast events kept for the event log of a view that attaches later."""

RECENT_ALERTS = 100
"""Alerts kept for a view that attaches later."""


def _initial_steps() -> dict[str, str]:
    return {str(step): str(StepState.PENDING) for step in GO_LIVE_STEPS}


@dataclass
class StudioState:
    """The parts of a snapshot the studio itself keeps; the feeds keep chat, trades and stats."""

    phase: str = str(Phase.OFFLINE)
    steps: dict[str, str] = field(default_factory=_initial_steps)
    """State of each go-live step in the current or last attempt, by step name."""
    last_error: str | None = None
    stream_status: dict[str, Any] | None = None
    """The platform's last stream status, with ``checked_at`` in epoch seconds."""
    orphaned_live: bool = False
    """The platform shows the agent live while no pipeline runs here (after a crash)."""
    watchdog_paused: bool = False
    scene: str | None = None
    narration: dict[str, Any] | None = None
    rooms: list[str] = field(default_factory=list)
    hidden_messages: list[str] = field(default_factory=list)
    """Ids of chat items kept off the stage."""
    muted_viewers: list[str] = field(default_factory=list)
    """Viewer keys (``user:ID``, ``wallet:ADDRESS`` or ``name:NAME``) kept off the stage."""
    thumbnail: dict[str, Any] | None = None
    live_since: float | None = None
    broadcast_log: deque[dict[str, Any]] = field(
        default_factory=lambda: deque(maxlen=RECENT_BROADCAST_EVENTS)
    )
    alerts: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_ALERTS))

    def moderation(self) -> dict[str, list[str]]:
        """Return what is kept off the stage, as the ``moderation`` event and snapshot carry it."""
        return {
            "hidden_messages": list(self.hidden_messages),
            "muted_viewers": list(self.muted_viewers),
        }

    def apply_broadcast(self, event: BroadcastEvent) -> None:
        """Fold one broadcast event into the state."""
        record = event.to_json()
        self.broadcast_log.append(record)
        if event.kind == "phase" and event.phase is not None:
            self.phase = str(event.phase)
            if event.phase is Phase.GOING_LIVE:
                self.steps = _initial_steps()
                self.last_error = None
            if event.phase is Phase.LIVE and self.live_since is None:
                self.live_since = event.at
            if event.phase is Phase.OFFLINE:
                self.live_since = None
        elif event.kind == "step" and event.step is not None and event.state is not None:
            self.steps[str(event.step)] = str(event.state)
            if event.state is StepState.FAILED:
                self.last_error = event.message
        elif event.kind == "thumbnail":
            self.thumbnail = {"path": event.data.get("path"), "at": event.at}
        elif event.kind == "error":
            self.last_error = event.message

    def set_stream_status(self, status: dict[str, Any]) -> None:
        self.stream_status = {**status, "checked_at": time.time()}

    def to_json(self) -> dict[str, Any]:
        """Return the state as plain JSON types."""
        return {
            "phase": self.phase,
            "steps": dict(self.steps),
            "last_error": self.last_error,
            "stream_status": self.stream_status,
            "orphaned_live": self.orphaned_live,
            "watchdog_paused": self.watchdog_paused,
            "scene": self.scene,
            "narration": self.narration,
            "rooms": list(self.rooms),
            "moderation": self.moderation(),
            "thumbnail": self.thumbnail,
            "live_since": self.live_since,
            "broadcast_log": list(self.broadcast_log),
            "alerts": list(self.alerts),
        }
