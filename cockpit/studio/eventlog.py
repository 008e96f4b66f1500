"""The studio's numbered events and the ring buffer that lets clients resume after a reconnect."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import Any

from cockpit.studio.protocol import encode


@dataclass(frozen=True)
class NumberedEvent:
    """One published event with its sequence number, encoded once for every client."""

    seq: int
    kind: str
    line: bytes


class EventLog:
    """Numbers events from 1 and keeps the last ``capacity`` of them."""

    def __init__(self, capacity: int) -> None:
        self._events: deque[NumberedEvent] = deque(maxlen=capacity)
        self.last_seq = 0
        """The number of the latest event, 0 before the first."""

    def append(self, kind: str, data: dict[str, Any]) -> NumberedEvent:
        """Number and encode an event, keep it, and return it.

        Raises:
            ValueError: ``data`` cannot be encoded as JSON; no number is used up then.
        """
        seq = self.last_seq + 1
        line = encode({"type": "event", "seq": seq, "kind": kind, "at": time.time(), "data": data})
        self.last_seq = seq
        event = NumberedEvent(seq, kind, line)
        self._events.append(event)
        return event

    def since(self, seq: int) -> list[NumberedEvent] | None:
        """Return every kept event numbered above ``seq``, oldest first.

        Returns None when events after ``seq`` have already left the buffer, or
        when ``seq`` is ahead of the latest number (it counts in another instance).
        """
        if seq == self.last_seq:
            return []
        if seq > self.last_seq or seq < 0 or not self._events:
            return None
        first = self._events[0].seq
        if seq + 1 < first:
            return None
        return list(islice(self._events, seq + 1 - first, None))
