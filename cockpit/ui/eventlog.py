"""The event log of the view model: numbered lines of go-live steps, alerts, recoveries."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cockpit.feeds.textsafe import display_safe
from cockpit.ui.viewmodels import AlertView, LogEntry, LogLevel
from cockpit.ui.viewstate_parse import number

BROADCAST_LEVELS: dict[str, LogLevel] = {
    "warning": "warning",
    "error": "error",
    "recovery": "warning",
    "thumbnail": "info",
}
SEVERITY_LEVELS: dict[str, LogLevel] = {
    "info": "info",
    "warning": "warning",
    "critical": "error",
}


def alert_view(record: Mapping[str, Any], at: float) -> AlertView:
    """Build an alert from the studio's alert record (the feeds' `Alert` plus ``source``)."""
    return AlertView(
        kind=str(record.get("kind") or ""),
        severity=str(record.get("severity") or "info"),
        message=display_safe(str(record.get("message") or "")),
        at=number(record.get("at")) or at,
        source=str(record.get("source") or ""),
    )


class EventLog:
    """The newest ``limit`` log lines; each gets the next ``number``."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.time) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=limit)
        self._clock = clock
        self.number = 0
        """The ``number`` of the newest entry; 0 before any."""
        self.generation = 0
        """Grows when the log is rebuilt from a snapshot, so that appending views start over."""

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, at: float, level: LogLevel, source: str, text: str) -> None:
        """Append a line; an ``at`` of 0 stands for now."""
        self.number += 1
        self._entries.append(LogEntry(self.number, at or self._clock(), level, source, text))

    def add_broadcast(self, record: Mapping[str, Any], at: float) -> None:
        """Append the line of a broadcast event record, if it deserves one."""
        kind = str(record.get("kind") or "")
        text = display_safe(str(record.get("message") or ""))
        if kind == "step":
            state = record.get("state")
            if state == "failed":
                self.add(at, "error", "go-live", text)
            elif state == "done":
                self.add(at, "success", "go-live", f"{record.get('step')}: done")
        elif kind == "phase":
            self.add(at, "success" if record.get("phase") == "live" else "info", "broadcast", text)
        elif kind == "thumbnail":
            self.add(at, "info", "broadcast", "Thumbnail uploaded")
        else:
            self.add(at, BROADCAST_LEVELS.get(kind, "info"), "broadcast", text)

    def add_alert(self, alert: AlertView) -> None:
        self.add(alert.at, SEVERITY_LEVELS.get(alert.severity, "info"), "alert", alert.message)

    def rebuild(self, state: Mapping[str, Any]) -> list[AlertView]:
        """Replace the lines with a snapshot's broadcast log and alerts, in time order.

        Returns the snapshot's alerts, oldest first.
        """
        self._entries.clear()
        self.generation += 1
        records: list[tuple[float, int, Mapping[str, Any], str]] = []
        for index, record in enumerate(state.get("broadcast_log") or []):
            if isinstance(record, Mapping):
                records.append((number(record.get("at")) or 0.0, index, record, "broadcast"))
        for index, record in enumerate(state.get("alerts") or []):
            if isinstance(record, Mapping):
                records.append((number(record.get("at")) or 0.0, index, record, "alert"))

        alerts = []
        for at, _, record, kind in sorted(records, key=lambda entry: (entry[0], entry[1])):
            if kind == "alert":
                alert = alert_view(record, at)
                alerts.append(alert)
                self.add_alert(alert)
            else:
                self.add_broadcast(record, at)
        return alerts
