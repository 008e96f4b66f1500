"""The virtual X display the stage is drawn on: Xvfb plus the openbox window manager.

Xvfb chooses a free display number itself (``-displayfd``) and writes it to a
pipe once it accepts connections. With ``-displayfd``, Xvfb 21.1.7 takes the
first number whose X socket it can bind and creates no lock file, so a running
server's number is skipped and its lock file is never read, written or removed.
Openbox is needed because ``xterm -fullscreen`` is ignored without a window
manager.

Openbox counts as ready when its ``--startup`` command has run: openbox 3.6
runs that command after it has taken over the screen and managed the existing
windows, and here the command creates a file in a private directory.
"""

from __future__ import annotations

import logging
import os
import select
import shlex
import shutil
import tempfile
import time
from pathlib import Path

from cockpit.broadcast.processes import ChildProcess, ProcessSpec, ProcessSupervisor
from cockpit.settings import DisplaySettings

logger = logging.getLogger(__name__)

_POLL_INTERVAL = 0.02
"""Seconds between checks while waiting for openbox; it is ready in about 0.05 s."""


class DisplayError(Exception):
    """Raised when the virtual display cannot be started."""


class VirtualDisplay:
    """Xvfb and openbox on a display number chosen by Xvfb; usable as a context manager."""

    def __init__(
        self,
        supervisor: ProcessSupervisor,
        settings: DisplaySettings,
        log_dir: Path,
        start_timeout: float = 10.0,
    ) -> None:
        self._supervisor = supervisor
        self._settings = settings
        self._log_dir = log_dir
        self._start_timeout = start_timeout
        self._number: int | None = None
        self.xvfb: ChildProcess | None = None
        """The X server, once started."""
        self.openbox: ChildProcess | None = None
        """The window manager, once started."""

    def __enter__(self) -> VirtualDisplay:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def display(self) -> str:
        """The ``DISPLAY`` value of the running display, such as ``:1``."""
        if self._number is None:
            raise DisplayError("The virtual display is not started; call start() first.")
        return f":{self._number}"

    @property
    def children(self) -> list[ChildProcess]:
        """The started children (Xvfb first), for health checks."""
        return [child for child in (self.xvfb, self.openbox) if child is not None]

    @property
    def running(self) -> bool:
        """Whether both Xvfb and openbox are running."""
        return all(child is not None and child.running for child in (self.xvfb, self.openbox))

    def start(self) -> str:
        """Start Xvfb, then openbox, wait until both are ready and return the display."""
        if self.xvfb is not None:
            raise DisplayError(f"The virtual display {self.display} is already started.")
        self._log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._number = self._start_xvfb()
            self._start_openbox()
        except BaseException:
            self.stop()
            raise
        logger.info("virtual display %s ready", self.display)
        return self.display

    def stop(self) -> None:
        """Stop openbox, then Xvfb; safe to call more than once."""
        for child in (self.openbox, self.xvfb):
            if child is not None:
                self._supervisor.stop(child)
        self.openbox = None
        self.xvfb = None
        self._number = None

    def _start_xvfb(self) -> int:
        screen = f"{self._settings.width}x{self._settings.height}x24"
        read_end, write_end = os.pipe()
        try:
            argv = ["Xvfb", "-displayfd", str(write_end), "-screen", "0", screen]
            argv += ["-ac", "-nolisten", "tcp"]
            self.xvfb = self._supervisor.start(
                ProcessSpec("xvfb", argv, stdout=self._log_dir / "xvfb.log", pass_fds=(write_end,))
            )
        finally:
            # Only Xvfb keeps the write end, so the pipe reaches end of file when Xvfb exits.
            os.close(write_end)
        try:
            return read_display_number(read_end, self.xvfb, self._start_timeout, self._log_dir)
        finally:
            os.close(read_end)

    def _start_openbox(self) -> None:
        marker_dir = Path(tempfile.mkdtemp(prefix="openbox-ready-", dir=self._log_dir))
        marker = marker_dir / "ready"
        try:
            # openbox splits the startup command with shell quoting rules but runs no shell.
            argv = ["openbox", "--sm-disable", "--startup", f"touch {shlex.quote(str(marker))}"]
            self.openbox = self._supervisor.start(
                ProcessSpec(
                    "openbox",
                    argv,
                    environment={"DISPLAY": self.display},
                    stdout=self._log_dir / "openbox.log",
                )
            )
            self._wait_for_marker(self.openbox, marker)
        finally:
            shutil.rmtree(marker_dir, ignore_errors=True)

    def _wait_for_marker(self, openbox: ChildProcess, marker: Path) -> None:
        deadline = time.monotonic() + self._start_timeout
        while not marker.exists():
            if not openbox.running:
                raise DisplayError(
                    f"openbox exited with status {openbox.returncode} on display {self.display}. "
                    f"See {self._log_dir / 'openbox.log'}."
                )
            if time.monotonic() > deadline:
                raise DisplayError(
                    f"openbox was not ready on display {self.display} within "
                    f"{self._start_timeout:g} s. See {self._log_dir / 'openbox.log'}."
                )
            time.sleep(_POLL_INTERVAL)


def read_display_number(read_end: int, xvfb: ChildProcess, timeout: float, log_dir: Path) -> int:
    """Read the display number an X server writes to its ``-displayfd`` pipe.

    Raises ``DisplayError`` when the server exits first (end of file), writes
    something that is not a number, or writes no line within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    received = b""
    while not received.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        readable, _, _ = select.select([read_end], [], [], max(remaining, 0))
        if not readable:
            raise DisplayError(
                f"Xvfb reported no display number within {timeout:g} s. See {log_dir / 'xvfb.log'}."
            )
        chunk = os.read(read_end, 64)
        if not chunk:
            _wait_for_exit(xvfb, 1.0)
            raise DisplayError(
                f"Xvfb exited (status {xvfb.returncode}) before reporting a display number. "
                f"See {log_dir / 'xvfb.log'}."
            )
        received += chunk
    text = received.decode("ascii", "replace").strip()
    if not text.isdigit():
        raise DisplayError(f"Xvfb reported {text!r} as its display number; expected digits.")
    return int(text)


def _wait_for_exit(child: ChildProcess, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while child.running and time.monotonic() < deadline:
        time.sleep(_POLL_INTERVAL)
