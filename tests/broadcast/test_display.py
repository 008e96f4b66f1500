"""The virtual display with the real Xvfb and openbox."""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import psutil
import pytest
from pipeline_helpers import needs_programs, wait_until

from cockpit.broadcast.display import DisplayError, VirtualDisplay, read_display_number
from cockpit.broadcast.processes import ProcessSpec, ProcessSupervisor
from cockpit.settings import DisplaySettings

pytestmark = [pytest.mark.pipeline, needs_programs("Xvfb", "openbox")]


def lock_file(display: str) -> Path:
    return Path(f"/tmp/.X{display.lstrip(':')}-lock")


def test_display_starts_and_stops(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    display = VirtualDisplay(supervisor, DisplaySettings(), tmp_path)
    name = display.start()

    assert re.fullmatch(r":\d+", name)
    assert display.display == name
    assert display.xvfb is not None
    assert display.openbox is not None
    assert display.running
    pids = [child.pid for child in display.children]
    assert [child.name for child in display.children] == ["xvfb", "openbox"]
    assert all(psutil.pid_exists(pid) for pid in pids)
    assert Path(f"/tmp/.X11-unix/X{name[1:]}").is_socket()

    display.stop()

    assert not any(psutil.pid_exists(pid) for pid in pids)
    assert display.children == []
    assert supervisor.children == []
    with pytest.raises(DisplayError, match="not started"):
        _ = display.display


@needs_programs("xprop")
def test_openbox_manages_screen_when_ready(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    with VirtualDisplay(supervisor, DisplaySettings(), tmp_path) as display:
        spec = ProcessSpec(
            "xprop",
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
            environment={"DISPLAY": display.display},
        )
        result = supervisor.run(spec, timeout=10)
    assert result.returncode == 0
    assert b"window id #" in result.stdout


def test_two_displays_get_different_numbers(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    with (
        VirtualDisplay(supervisor, DisplaySettings(), tmp_path / "first") as first,
        VirtualDisplay(supervisor, DisplaySettings(), tmp_path / "second") as second,
    ):
        assert first.display != second.display
        assert first.running
        assert second.running


def test_display_skips_classic_server(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    # A server started the classic way (``Xvfb :N``) holds a lock file and its socket.
    with VirtualDisplay(supervisor, DisplaySettings(), tmp_path / "first") as first:
        number = int(first.display[1:]) + 1
        classic = supervisor.start(
            ProcessSpec("classic-xvfb", ["Xvfb", f":{number}", "-nolisten", "tcp"])
        )
        socket_path = Path(f"/tmp/.X11-unix/X{number}")
        assert wait_until(socket_path.exists, timeout=10), "the classic Xvfb did not start"
        lock = lock_file(f":{number}")
        lock_text = lock.read_text()

        with VirtualDisplay(supervisor, DisplaySettings(), tmp_path / "second") as second:
            assert second.display not in (first.display, f":{number}")
            assert classic.running
            assert lock.read_text() == lock_text
        supervisor.stop(classic)


def test_xvfb_exit_visible_in_children(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    display = VirtualDisplay(supervisor, DisplaySettings(), tmp_path)
    display.start()
    xvfb, openbox = display.xvfb, display.openbox
    assert xvfb is not None
    assert openbox is not None

    # SIGTERM rather than SIGKILL, so Xvfb removes its own lock file.
    os.kill(xvfb.pid, signal.SIGTERM)

    assert wait_until(lambda: not xvfb.running, timeout=10)
    assert xvfb.returncode is not None
    assert not display.running
    # openbox loses its connection to the X server and exits too.
    assert wait_until(lambda: not openbox.running, timeout=10)
    display.stop()
    assert supervisor.children == []


def test_display_number_end_of_file(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    # A stand-in for an Xvfb that exits at once without writing its number.
    read_end, write_end = os.pipe()
    child = supervisor.start(ProcessSpec("xvfb", [sys.executable, "-c", "raise SystemExit(3)"]))
    os.close(write_end)
    try:
        with pytest.raises(DisplayError, match=r"Xvfb exited \(status 3\)"):
            read_display_number(read_end, child, timeout=10, log_dir=tmp_path)
    finally:
        os.close(read_end)


def test_display_number_timeout(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    # A stand-in for an Xvfb that keeps the pipe open and never writes.
    read_end, write_end = os.pipe()
    spec = ProcessSpec(
        "xvfb", [sys.executable, "-c", "import time; time.sleep(30)"], pass_fds=(write_end,)
    )
    child = supervisor.start(spec)
    os.close(write_end)
    try:
        with pytest.raises(DisplayError, match=r"no display number within 0.5 s"):
            read_display_number(read_end, child, timeout=0.5, log_dir=tmp_path)
    finally:
        os.close(read_end)
        supervisor.stop(child)


def test_display_number_not_digits(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"oops\n")
    os.close(write_end)
    child = supervisor.start(ProcessSpec("xvfb", [sys.executable, "-c", "pass"]))
    try:
        with pytest.raises(DisplayError, match="'oops'"):
            read_display_number(read_end, child, timeout=5, log_dir=tmp_path)
    finally:
        os.close(read_end)


def test_failed_start_stops_xvfb(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    # With no time to report its number, the started Xvfb must be stopped again.
    display = VirtualDisplay(supervisor, DisplaySettings(), tmp_path, start_timeout=0.0)
    with pytest.raises(DisplayError):
        display.start()
    assert display.children == []
    assert supervisor.children == []
