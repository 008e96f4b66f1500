"""The process supervisor against real child processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from cockpit.broadcast.processes import (
    ProcessError,
    ProcessSpec,
    ProcessSupervisor,
    scrubbed_environment,
)


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_child_runs_in_own_process_group() -> None:
    with ProcessSupervisor() as supervisor:
        child = supervisor.start(ProcessSpec("sleeper", ["sleep", "30"]))
        assert os.getpgid(child.pid) == child.pid
        assert os.getsid(child.pid) == child.pid
        assert supervisor.children == [child]


def test_stop_sends_sigterm_then_forgets() -> None:
    with ProcessSupervisor() as supervisor:
        child = supervisor.start(ProcessSpec("sleeper", ["sleep", "30"]))
        returncode = supervisor.stop(child, grace=2)
        assert returncode == -signal.SIGTERM
        assert supervisor.children == []
        assert not psutil.pid_exists(child.pid)


def test_stop_uses_quit_input_first(tmp_path: Path) -> None:
    # A child that exits cleanly when it reads "q", as ffmpeg does.
    script = "import sys; sys.stdin.read(1) == 'q' and sys.exit(0)"
    spec = ProcessSpec("quitter", [sys.executable, "-c", script], stdin_pipe=True, quit_input=b"q")
    with ProcessSupervisor() as supervisor:
        child = supervisor.start(spec)
        assert supervisor.stop(child, grace=5) == 0


def test_stop_escalates_to_sigkill() -> None:
    script = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(60)"
    spec = ProcessSpec("stubborn", [sys.executable, "-c", script], stdout=subprocess.PIPE)
    with ProcessSupervisor() as supervisor:
        child = supervisor.start(spec)
        assert child.stdout is not None
        child.stdout.readline()  # the SIGTERM handler is installed once this line arrives
        assert supervisor.stop(child, grace=0.5) == -signal.SIGKILL


def test_close_stops_every_child() -> None:
    supervisor = ProcessSupervisor()
    children = [supervisor.start(ProcessSpec(f"sleeper{i}", ["sleep", "30"])) for i in range(3)]
    supervisor.close()
    for child in children:
        assert not psutil.pid_exists(child.pid)


def test_missing_program_raises_process_error() -> None:
    with ProcessSupervisor() as supervisor, pytest.raises(ProcessError, match="cockpit doctor"):
        supervisor.start(ProcessSpec("ghost", ["/nonexistent/program"]))


def test_environment_drops_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETAKE_ACCESS_TOKEN", "rtk_secret")
    monkeypatch.setenv("RETAKE_COCKPIT_ACCESS_TOKEN", "rtk_secret")
    monkeypatch.setenv("SOME_API_KEY", "k")
    monkeypatch.setenv("RETAKE_COCKPIT_PROFILE", "demo")
    environment = scrubbed_environment({"COLORTERM": "truecolor"})
    assert "RETAKE_ACCESS_TOKEN" not in environment
    assert "RETAKE_COCKPIT_ACCESS_TOKEN" not in environment
    assert "SOME_API_KEY" not in environment
    assert environment["RETAKE_COCKPIT_PROFILE"] == "demo"
    assert environment["COLORTERM"] == "truecolor"


def test_child_sees_scrubbed_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RETAKE_ACCESS_TOKEN", "rtk_secret")
    output = tmp_path / "env.json"
    script = f"import json, os; json.dump(dict(os.environ), open({str(output)!r}, 'w'))"
    with ProcessSupervisor() as supervisor:
        child = supervisor.start(ProcessSpec("env", [sys.executable, "-c", script]))
        assert child.popen.wait(timeout=10) == 0
    seen = json.loads(output.read_text())
    assert "RETAKE_ACCESS_TOKEN" not in seen
    assert "rtk_secret" not in json.dumps(seen)


OWNER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from cockpit.broadcast.processes import ProcessSpec, ProcessSupervisor
    supervisor = ProcessSupervisor()
    pids = [supervisor.start(ProcessSpec(f"sleeper{i}", ["sleep", "300"])).pid for i in range(3)]
    print(" ".join(map(str, pids)), flush=True)
    time.sleep(300)
    """
)


def test_children_die_with_sigkilled_owner() -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER_SCRIPT], stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        pids = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(pids) == 3
        assert all(psutil.pid_exists(pid) for pid in pids)
    finally:
        owner.kill()
        owner.wait(timeout=10)
        owner.stdout.close()

    def all_gone() -> bool:
        return not any(
            psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
            for pid in pids
        )

    assert wait_until(all_gone, timeout=10), f"children outlived their owner: {pids}"


def test_run_captures_output() -> None:
    with ProcessSupervisor() as supervisor:
        result = supervisor.run(
            ProcessSpec("echo", ["sh", "-c", "echo out; echo err >&2; exit 3"]), timeout=10
        )
    assert result.returncode == 3
    assert result.stdout == b"out\n"
    assert result.stderr == b"err\n"


def test_run_stops_command_past_timeout() -> None:
    with ProcessSupervisor() as supervisor:
        with pytest.raises(ProcessError, match="did not finish within 0.5 s"):
            supervisor.run(ProcessSpec("sleeper", ["sleep", "30"]), timeout=0.5)
        assert supervisor.children == []
