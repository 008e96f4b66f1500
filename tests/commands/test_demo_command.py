"""`cockpit demo` when system tools are missing: it names them and prints how to install them."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest

# An empty PATH hides every system tool from the demo's checks; the interpreter runs by its
# absolute path. This is the only way to make the tools missing on a machine that has them.
NO_TOOLS = {**os.environ, "PATH": "/nonexistent"}
DEMO = [sys.executable, "-m", "cockpit", "demo", "--headless", "--duration", "5"]


def test_missing_tools_named_with_install_command() -> None:
    result = subprocess.run(
        DEMO, capture_output=True, text=True, timeout=60, env=NO_TOOLS, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 1
    assert "these system tools are missing:" in result.stderr
    assert "ffmpeg" in result.stderr
    assert "apt-get install -y --no-install-recommends" in result.stderr
    assert "Starting the simulator" not in result.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="the install offer is made to root only")
def test_root_terminal_is_offered_install() -> None:
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the demo on a terminal, declining the offer below
        os.execve(sys.executable, DEMO, NO_TOOLS)
    output = b""
    deadline = time.monotonic() + 60
    while b"[Y/n]" not in output and time.monotonic() < deadline:
        output += _read(terminal)
    os.write(terminal, b"n\n")
    while time.monotonic() < deadline:
        chunk = _read(terminal)
        if not chunk and os.waitpid(pid, os.WNOHANG)[0]:
            break
        output += chunk
    else:
        os.kill(pid, 9)
    os.close(terminal)

    text = output.decode(errors="replace")
    assert "Install them now with `apt-get install" in text
    assert "Nothing installed." in text


def _read(terminal: int) -> bytes:
    ready, _, _ = select.select([terminal], [], [], 0.2)
    if not ready:
        return b""
    try:
        return os.read(terminal, 4096)
    except OSError:  # the demo exited and closed the terminal
        return b""
