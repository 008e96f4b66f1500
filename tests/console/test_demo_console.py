"""`cockpit demo --auto-live` in a terminal: the console goes live, then stops and quits cleanly."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from cockpit.studio.launcher import probe_studio

pytestmark = pytest.mark.pipeline


class Terminal:
    """A program on a pseudo-terminal of 140x40, with everything it wrote kept."""

    def __init__(self, argv: list[str], environment: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program
            os.execve(argv[0], argv, environment)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
        self.output = b""
        self.status: int | None = None

    def read_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.status is None:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:  # the program exited and closed the terminal
                    self.wait(0)
            self.wait(0)

    def wait(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
            elif time.monotonic() >= deadline:
                break
            else:
                time.sleep(0.1)
        return self.status

    def press(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def close(self) -> None:
        if self.wait(0) is None:
            os.kill(self.pid, 9)
            self.wait(30)
        os.close(self.fd)


@pytest.fixture
def demo_home() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="demo-", dir="/tmp") as short:
        yield Path(short) / "home"


def live_phase(home: Path) -> str:
    # Until the demo's studio responds, a client command would start a studio of its own.
    if probe_studio(home / "state" / "retake-cockpit" / "run" / "demo.sock") is None:
        return ""
    environment = {
        **os.environ,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "cockpit", "live", "status", "--json", "--profile", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        stdin=subprocess.DEVNULL,
    )
    return str(json.loads(result.stdout).get("phase", "")) if result.returncode == 0 else ""


def test_console_demo_goes_live_and_quits(demo_home: Path) -> None:
    cockpit = str(Path(sys.executable).with_name("cockpit"))
    environment = {**os.environ, "TERM": "xterm-256color"}
    terminal = Terminal([cockpit, "demo", "--auto-live", "--home", str(demo_home)], environment)
    family: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 120
        while live_phase(demo_home) != "live":
            assert time.monotonic() < deadline, terminal.output[-2000:]
            terminal.read_for(1)
        family = psutil.Process(terminal.pid).children(recursive=True)
        assert {"nginx", "Xvfb", "ffmpeg"} <= {process.name() for process in family}
        terminal.read_for(3)

        terminal.press(b"q")  # quitting while live opens a dialog: keep streaming, or stop and quit
        terminal.read_for(2)
        terminal.press(b"s")
        terminal.read_for(90)
        assert terminal.status == 0, terminal.output[-2000:]
    finally:
        terminal.close()

    assert b"Stopping the demo" in terminal.output
    assert not [process.pid for process in family if _running(process)]
    assert (demo_home / "state" / "retake-cockpit" / "demo" / "studio.log").is_file()


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
