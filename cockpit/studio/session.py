"""One attached client: its bounded outgoing queue and the task that writes it to the socket."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cockpit.studio.eventlog import NumberedEvent
from cockpit.studio.protocol import encode

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientInfo:
    """Identity of a client: its number in this studio, its kind and the PID the kernel reported."""

    id: int
    kind: str
    pid: int


class ClientSession:
    """Messages waiting for one client, written in order by `write_loop`.

    Control messages (responses, snapshots, notices) are never dropped, and go
    out before queued events. Events wait in a queue of ``capacity`` messages;
    when it is full the client is marked ``behind``: its queued events are
    dropped, it is sent ``resync_required`` and it receives no further events
    until it requests a snapshot. A slow client therefore costs the studio at
    most ``capacity`` queued lines and never blocks a publish.
    """

    def __init__(
        self, info: ClientInfo, writer: asyncio.StreamWriter, capacity: int, write_timeout: float
    ) -> None:
        self.info = info
        self._writer = writer
        self._capacity = capacity
        self._write_timeout = write_timeout
        self._control: deque[tuple[bytes, bool]] = deque()
        self._events: deque[bytes] = deque()
        self._wakeup = asyncio.Event()
        self.subscribed = False
        """Whether the client receives events (it asked for them in its hello)."""
        self.behind = False
        """Whether the client overflowed its queue and waits for a fresh snapshot."""
        self.snapshot_pending = False
        """Whether a snapshot is queued and not yet written."""
        self.overflows = 0
        self.commands: set[asyncio.Task[None]] = set()
        """Commands of this client still running."""

    def send(self, message: dict[str, Any]) -> None:
        """Queue a control message ahead of any queued event."""
        self._control.append((encode(message), False))
        self._wakeup.set()

    def send_snapshot(self, message: dict[str, Any]) -> None:
        """Drop queued events and queue a snapshot; events numbered after it follow."""
        self._events.clear()
        self._control.append((encode(message), True))
        self.snapshot_pending = True
        self.behind = False
        self._wakeup.set()

    def queue_events(self, events: Iterable[NumberedEvent]) -> None:
        """Queue events replayed from the log; the caller has checked that they fit."""
        self._events.extend(event.line for event in events)
        self._wakeup.set()

    def offer(self, event: NumberedEvent) -> None:
        """Queue a live event, or mark the client behind when its queue is full."""
        if not self.subscribed or self.behind:
            return
        if len(self._events) >= self._capacity:
            self.behind = True
            self.overflows += 1
            self._events.clear()
            logger.warning(
                "client %d (%s, pid %d) fell %d events behind at seq %d; asked it to resync",
                self.info.id,
                self.info.kind,
                self.info.pid,
                self._capacity,
                event.seq,
            )
            self.send(
                {
                    "type": "resync_required",
                    "seq": event.seq,
                    "message": f"More than {self._capacity} events were waiting for this client; "
                    'send {"type": "resync"} for a fresh snapshot.',
                }
            )
            return
        self._events.append(event.line)
        self._wakeup.set()

    def abort(self) -> None:
        """Close the connection at once; the server then detaches the session."""
        self._writer.transport.abort()

    @property
    def queued(self) -> int:
        """Messages waiting to be written."""
        return len(self._control) + len(self._events)

    async def write_loop(self) -> None:
        """Write queued messages until cancelled.

        Raises:
            TimeoutError: the client left a message unread for ``write_timeout`` seconds.
            ConnectionError: the client went away.
        """
        while True:
            line = self._next_line()
            if line is None:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            self._writer.write(line)
            # asyncio.wait_for of Python 3.11 can drop a cancellation that arrives as the drain
            # completes, which left the server waiting on this loop; asyncio.timeout passes it on.
            async with asyncio.timeout(self._write_timeout):
                await self._writer.drain()

    def _next_line(self) -> bytes | None:
        if self._control:
            line, is_snapshot = self._control.popleft()
            if is_snapshot:
                self.snapshot_pending = False
            return line
        if self._events:
            return self._events.popleft()
        return None

    async def flush(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the queue to empty, for a goodbye before closing."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.queued and loop.time() < deadline:
            await asyncio.sleep(0.02)
