"""`cockpit demo --headless` end to end, and what its SIGKILLed process leaves behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from pipeline_helpers import needs_programs, still_running, wait_until

pytestmark = needs_programs("Xvfb", "openbox", "xterm", "ffmpeg", "scrot", "nginx")


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A temporary directory with a short path, where a studio socket fits."""
    with tempfile.TemporaryDirectory(prefix="demo-", dir="/tmp") as short:
        yield Path(short)


def test_headless_demo_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cockpit", "demo", "--headless", "--duration", "5", "--json"],
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    assert summary["error"] == ""
    assert summary["time_to_live_seconds"] > 0
    assert summary["frames_sent"] > 50
    assert summary["thumbnails_uploaded"] >= 1
    assert summary["stop_duration_seconds"] >= 4
    assert summary["processes_left"] == []
    assert "rtk_" not in result.stdout + result.stderr
    assert "sk_" not in result.stdout + result.stderr


def test_demo_faults_are_recovered() -> None:
    argv = [sys.executable, "-m", "cockpit", "demo", "--headless", "--duration", "30", "--json"]
    argv += ["--fault", "drop-stream@3", "--fault", "rotate-key@14"]
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    assert summary["restarts"] >= 2, [event["message"] for event in summary["events"]]
    recoveries = [event for event in summary["events"] if event["kind"] == "recovery"]
    assert len(recoveries) >= 2, recoveries
    faults = [event["message"] for event in summary["events"] if event["kind"] == "fault"]
    assert len(faults) == 2, faults
    assert faults[0].startswith("Demo fault drop-stream:")
    assert faults[1].startswith("Demo fault rotate-key:")


def test_unknown_fault_is_a_usage_error() -> None:
    argv = [sys.executable, "-m", "cockpit", "demo", "--headless", "--fault", "melt-cpu@5"]
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 2
    assert "'melt-cpu' is not known" in result.stderr
    assert "drop-stream" in result.stderr


def test_sigkilled_owner_leaves_no_process(short_tmp: Path) -> None:
    owner = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "demo", "--headless", "--duration", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        # The killed demo leaves its temporary files; they land in this test's directory.
        env={**os.environ, "TMPDIR": str(short_tmp)},
    )
    descendants: list[psutil.Process] = []
    try:
        assert owner.stdout is not None
        deadline = time.monotonic() + 120
        seen = []
        while time.monotonic() < deadline:
            line = owner.stdout.readline()
            seen.append(line)
            if "Live after" in line or not line:
                break
        assert any("Live after" in line for line in seen), "".join(seen)
        descendants = psutil.Process(owner.pid).children(recursive=True)
        names = {process.name() for process in descendants}
        # The demo's studio, a child of the demo, runs the simulator's nginx and the pipeline.
        assert {"Xvfb", "openbox", "xterm", "ffmpeg", "nginx"} <= names, names
        assert any("studio" in process.cmdline() for process in descendants)
    finally:
        owner.kill()
        owner.wait(timeout=30)
        if owner.stdout is not None:
            owner.stdout.close()

    def all_gone() -> bool:
        return not any(still_running(process) for process in descendants)

    assert wait_until(all_gone, timeout=15), [p.pid for p in descendants if still_running(p)]


def test_sigterm_stops_and_cleans_up(short_tmp: Path) -> None:
    owner = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "demo", "--headless", "--duration", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TMPDIR": str(short_tmp)},
    )
    try:
        assert owner.stdout is not None
        seen = []
        while not seen or ("Live after" not in seen[-1] and seen[-1]):
            seen.append(owner.stdout.readline())
        descendants = psutil.Process(owner.pid).children(recursive=True)
        owner.terminate()
        rest, _ = owner.communicate(timeout=90)
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.communicate(timeout=30)

    assert owner.returncode == 130, "".join(seen) + rest
    assert "interrupted; the stream, the studio and the simulator were stopped" in rest
    assert not [process.pid for process in descendants if still_running(process)]
    assert list(short_tmp.glob("cockpit-demo-*")) == []
