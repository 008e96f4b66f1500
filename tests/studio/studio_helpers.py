"""Helpers of the studio tests: running `cockpit` commands in-process, and studio processes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psutil

from cockpit.api.credentials import CredentialStore
from cockpit.cli import main
from cockpit.studio.client import StudioClient
from cockpit.studio.locations import lock_path, socket_path
from cockpit.studio.lock import holder_pid

WALLET = "So11111111111111111111111111111111111111112"

PIPELINE_NAMES = ("Xvfb", "openbox", "xterm", "ffmpeg")
"""Executable names of the pipeline's processes, as psutil reports them."""


@dataclass(frozen=True)
class Run:
    """What one in-process `cockpit` command did."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        value = json.loads(self.stdout)
        assert isinstance(value, dict), self.stdout
        return value


def cockpit(*args: str, stdin: str = "") -> Run:
    """Run ``cockpit ARGS`` in this process with ``stdin``; return its status and output."""
    out, err = io.StringIO(), io.StringIO()
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit_:
                code = int(exit_.code or 0)
    finally:
        sys.stdin = saved_stdin
    return Run(code, out.getvalue(), err.getvalue())


def unique_name(prefix: str = "Studio") -> str:
    return f"{prefix}{secrets.token_hex(3)}"


def register(api_url: str, profile: str) -> str:
    """Register a new agent as ``profile`` with `cockpit register`; return its userDbId."""
    run = cockpit(
        "register",
        "--api-url",
        api_url,
        "--profile",
        profile,
        "--name",
        unique_name(),
        "--description",
        "studio test agent",
        "--image-url",
        "https://example.com/avatar.png",
        "--wallet",
        WALLET,
        "--token-store",
        "file",
    )
    assert run.code == 0, run.stderr
    return CredentialStore(profile).load().user_db_id


def studio_pid(profile: str) -> int | None:
    return holder_pid(lock_path(profile))


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def pipeline_of(pid: int) -> dict[str, psutil.Process]:
    """Return the studio's pipeline processes by executable name."""
    found = {}
    for process in descendants(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            if process.name() in PIPELINE_NAMES:
                found[process.name()] = process
    return found


def wait_until(condition: Callable[[], bool], timeout: float = 20.0, interval: float = 0.1) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass; return the last result."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def all_gone(processes: list[psutil.Process]) -> bool:
    return not [process for process in processes if _alive(process)]


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def kill_studio(profile: str) -> list[psutil.Process]:
    """SIGKILL the profile's studio by the PID in its lock file; return its former descendants."""
    pid = studio_pid(profile)
    assert pid is not None, f"no studio runs for profile {profile!r}"
    family = descendants(pid)
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: studio_pid(profile) is None, timeout=10)
    return family


@contextlib.contextmanager
def studios_cleaned_up(api_url: str, *profiles: str) -> Iterator[None]:
    """Stop the profiles' studios at the end by PID, and check that no process of theirs is left."""
    try:
        yield
    finally:
        leftovers = [pid for profile in profiles for pid in stop_studio(api_url, profile)]
        assert not leftovers, f"processes left behind: {leftovers}"


def stop_studio(api_url: str, profile: str) -> list[int]:
    """Stop the profile's studio with `cockpit studio stop`, by SIGKILL to its PID if that fails.

    Returns the PIDs of the studio and its descendants still running afterwards.
    """
    pid = studio_pid(profile)
    if pid is None:
        return []
    family = [psutil.Process(pid), *descendants(pid)]
    cockpit("studio", "stop", "--yes", "--profile", profile, "--api-url", api_url)
    if not wait_until(lambda: studio_pid(profile) is None, timeout=30):
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: all_gone(family), timeout=15)
    return [process.pid for process in family if _alive(process)]


async def connect(profile: str, kind: str = "console", **options: Any) -> StudioClient:
    """Connect to the profile's running studio."""
    return await StudioClient.connect(socket_path(profile), kind, **options)
