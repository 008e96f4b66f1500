"""Following the narration file: each line the agent appends becomes a narration line.

The model is ``tail -f``: lines already in the file when following starts are
shown as recent history (the last few), and every complete line appended
later is reported as new. A replaced file (new inode) or a truncated one is
read again from its start. A line without its final newline waits until the
newline arrives. The file is checked by polling its size, which needs no
inotify and costs one ``stat`` per interval.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.25
"""Seconds between checks of the file: a line appears on the stage within this time."""

HISTORY_LINES = 3
"""Lines already in the file that are shown when following starts."""

MAX_READ_BYTES = 64 * 1024
"""Bytes read per check at most, so a huge append cannot stall the stage."""

MAX_LINE_BYTES = 8 * 1024
"""A line longer than this without a newline is reported in pieces of this size."""

LineCallback = Callable[[str, bool], None]
"""Called with each line and whether it is new (False for the history at start)."""


class NarrationFile:
    """Follows one narration file."""

    def __init__(self, path: Path, on_line: LineCallback) -> None:
        self.path = path
        self._on_line = on_line
        self._inode: int | None = None
        self._offset = 0
        self._partial = b""
        self._missing_logged = False

    async def run(self, interval: float = POLL_INTERVAL) -> None:
        """Report the history, then every new line, until cancelled."""
        self._start()
        while True:
            await asyncio.sleep(interval)
            self.poll()

    def _start(self) -> None:
        try:
            with self.path.open("rb") as handle:
                info = os.fstat(handle.fileno())
                start = max(0, info.st_size - MAX_READ_BYTES)
                handle.seek(start)
                tail = handle.read()
        except OSError as error:
            self._log_missing(error)
            return
        self._inode, self._offset = info.st_ino, info.st_size
        lines = tail.split(b"\n")
        self._partial = lines.pop()
        for raw in [line for line in lines if line.strip()][-HISTORY_LINES:]:
            self._report(raw, new=False)

    def poll(self) -> None:
        """Read what was appended since the last check and report its complete lines."""
        try:
            info = self.path.stat()
        except OSError as error:
            self._log_missing(error)
            return
        if self._missing_logged:
            logger.info("the narration file %s exists now", self.path)
            self._missing_logged = False
        if info.st_ino != self._inode or info.st_size < self._offset:
            # A new file or a truncated one: read it from its start.
            self._inode, self._offset, self._partial = info.st_ino, 0, b""
        if info.st_size == self._offset:
            return
        try:
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                data = handle.read(MAX_READ_BYTES)
        except OSError as error:
            logger.warning("reading the narration file %s failed: %s", self.path, error)
            return
        self._offset += len(data)
        self._consume(data)

    def _consume(self, data: bytes) -> None:
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        while len(self._partial) > MAX_LINE_BYTES:
            lines.append(self._partial[:MAX_LINE_BYTES])
            self._partial = self._partial[MAX_LINE_BYTES:]
        for raw in lines:
            if raw.strip():
                self._report(raw, new=True)

    def _report(self, raw: bytes, new: bool) -> None:
        self._on_line(raw.decode("utf-8", "replace").strip(), new)

    def _log_missing(self, error: OSError) -> None:
        if not self._missing_logged:
            logger.info("waiting for the narration file %s: %s", self.path, error.strerror)
            self._missing_logged = True
