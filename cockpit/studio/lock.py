"""The lock that allows one studio per profile: an ``flock`` on a file that holds the studio's PID.

The kernel releases an ``flock`` when its holder exits, even after SIGKILL, so
a lock file left behind by a killed studio never blocks the next one. The file
is never removed: removing a lock file while another process opens it lets two
processes lock two different files.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import time
from pathlib import Path

logger = logging.getLogger(__name__)

_ACQUIRE_POLL_SECONDS = 0.05


class StudioLockedError(Exception):
    """Raised when another studio holds the profile's lock."""

    def __init__(self, path: Path, pid: int | None) -> None:
        self.path = path
        self.pid = pid
        holder = f"process {pid}" if pid is not None else "another process"
        super().__init__(
            f"A studio for this profile already runs ({holder} holds {path}). "
            "Attach to it, or stop it with `cockpit studio stop`."
        )


class StudioLock:
    """An exclusive ``flock`` on the profile's lock file, held for the studio's lifetime."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None

    @property
    def held(self) -> bool:
        return self._descriptor is not None

    def acquire(self, wait: float = 1.0) -> None:
        """Take the lock and write this process's PID into the file.

        ``wait`` seconds cover a client that probes the lock at the same moment
        (see `holder_pid`), which holds it for a few microseconds.

        Raises:
            StudioLockedError: another process still holds the lock after ``wait`` seconds.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    os.close(descriptor)
                    raise
            if time.monotonic() >= deadline:
                os.close(descriptor)
                raise StudioLockedError(self.path, read_pid(self.path))
            time.sleep(_ACQUIRE_POLL_SECONDS)

        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        os.fsync(descriptor)
        self._descriptor = descriptor
        logger.info("took the studio lock %s", self.path)

    def release(self) -> None:
        """Release the lock; the file stays, emptied of the PID."""
        if self._descriptor is None:
            return
        os.ftruncate(self._descriptor, 0)
        os.close(self._descriptor)
        self._descriptor = None


def read_pid(path: Path) -> int | None:
    """Return the PID written in a lock file, or None when it is missing or empty."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def holder_pid(path: Path) -> int | None:
    """Return the PID of the studio holding the lock at ``path``, or None when it is free.

    A shared lock conflicts with the studio's exclusive one, so failing to get
    it means a studio runs. When it succeeds it is released at once.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise
        return read_pid(path)
    finally:
        os.close(descriptor)
    return None
