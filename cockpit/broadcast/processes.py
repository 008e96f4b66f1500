"""Ownership of child processes: the one place that starts, tracks and stops them.

Each child runs in a session and process group of its own, so a signal to the
group reaches it and anything it forked, and nothing else. Children are
stopped by the PID this module started, never by name.

A child must not outlive its owner, even when the owner is killed with
SIGKILL. Linux delivers the parent-death signal (``PR_SET_PDEATHSIG``) when
the *thread* that forked the child exits, not the process, so every child is
forked from one spawner thread that lives exactly as long as the supervisor.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import ctypes.util
import logging
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

ENVIRONMENT_ALLOWLIST = frozenset(
    {"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "TZ", "TERM", "TMPDIR", "DISPLAY"}
)
"""Variables a child inherits from the owner. Everything else, the access token included, is dropped."""

ENVIRONMENT_PREFIXES = ("LC_", "XDG_", "RETAKE_COCKPIT_")
"""Prefixes of variables a child inherits; names that look like secrets are dropped even so."""

_SECRET_MARKERS = ("TOKEN", "SECRET", "PASSWORD", "KEY")


class ProcessError(Exception):
    """Raised when a child process cannot be started."""


def scrubbed_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the owner's environment reduced to the allowlist, plus ``extra``.

    Names containing TOKEN, SECRET, PASSWORD or KEY are dropped even when a
    prefix allows them, so a token exported by the operator never reaches a child.
    """
    environment = {
        name: value
        for name, value in os.environ.items()
        if (name in ENVIRONMENT_ALLOWLIST or name.startswith(ENVIRONMENT_PREFIXES))
        and not any(marker in name.upper() for marker in _SECRET_MARKERS)
    }
    environment.update(extra or {})
    return environment


@dataclass(frozen=True)
class ProcessSpec:
    """A command to run, with its environment, output and way of stopping."""

    name: str
    """Short role name shown to the operator, such as ``ffmpeg`` or ``xvfb``."""
    argv: Sequence[str] = field(repr=False)
    """The command; may hold an RTMP key, so it is left out of the repr."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Variables added to the scrubbed environment."""
    stdin_pipe: bool = False
    """Give the child a stdin pipe; needed for ffmpeg's ``q`` to stop cleanly."""
    stdout: Path | int | None = None
    """A log file path, ``subprocess.PIPE``, or ``None`` for ``/dev/null``. stderr follows stdout."""
    stderr: Path | int | None = None
    """Like ``stdout``; ``None`` means the same destination as ``stdout``."""
    pass_fds: tuple[int, ...] = ()
    cwd: Path | None = None
    quit_input: bytes | None = None
    """Bytes written to stdin to ask the child to quit before SIGTERM, such as ``b"q"`` for ffmpeg."""
    grace: float = 3.0
    """Seconds between each stop step (quit input, SIGTERM, SIGKILL)."""


@dataclass(frozen=True)
class RunResult:
    """Outcome of a command run to completion."""

    returncode: int
    stdout: bytes
    stderr: bytes


@dataclass
class ChildProcess:
    """A started child, identified by the PID this process started."""

    spec: ProcessSpec
    popen: subprocess.Popen[bytes]
    started_at: float = field(default_factory=time.time)
    stopping: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        """The exit status once the child has exited (negative for a signal), else ``None``."""
        return self.popen.poll()

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    @property
    def stdout(self) -> IO[bytes] | None:
        return self.popen.stdout

    def __repr__(self) -> str:
        # The argument list may carry an RTMP key, so it never appears in a repr.
        return f"<ChildProcess {self.name} pid={self.pid} returncode={self.returncode}>"


def _child_setup(parent_pid: int) -> None:
    # Runs in the child between fork and exec: only async-signal-safe work here.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # If the owner died before prctl took effect, no signal will come: exit now.
    if os.getppid() != parent_pid:
        os._exit(1)


class ProcessSupervisor:
    """Starts, tracks and stops child processes by PID; usable as a context manager.

    Closing the supervisor stops every child still running, last started first.
    """

    def __init__(self, name: str = "cockpit") -> None:
        self._name = name
        self._children: list[ChildProcess] = []
        self._lock = threading.Lock()
        self._requests: queue.SimpleQueue[
            tuple[Callable[[], Any], concurrent.futures.Future[Any]] | None
        ] = queue.SimpleQueue()
        self._spawner = threading.Thread(
            target=self._serve_requests, name=f"{name}-spawner", daemon=True
        )
        self._spawner.start()
        self._closed = False

    def __enter__(self) -> ProcessSupervisor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def children(self) -> list[ChildProcess]:
        """Every child started and not yet forgotten, in start order."""
        with self._lock:
            return list(self._children)

    def start(self, spec: ProcessSpec) -> ChildProcess:
        """Start ``spec`` from the spawner thread and return the tracked child."""
        if self._closed:
            raise ProcessError(f"Cannot start {spec.name}: the process supervisor is closed.")
        future: concurrent.futures.Future[ChildProcess] = concurrent.futures.Future()
        self._requests.put((lambda: self._spawn(spec), future))
        child = future.result()
        with self._lock:
            self._children.append(child)
        logger.info("started %s pid=%d", spec.name, child.pid)
        return child

    def run(self, spec: ProcessSpec, timeout: float) -> RunResult:
        """Run a short command to completion and return its exit status and output.

        ``spec.stdout`` and ``spec.stderr`` are ignored: both are captured. A
        command still running after ``timeout`` seconds is stopped and
        ``ProcessError`` is raised.
        """
        captured = ProcessSpec(
            spec.name,
            spec.argv,
            environment=spec.environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=spec.cwd,
            grace=spec.grace,
        )
        child = self.start(captured)
        try:
            stdout, stderr = child.popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(child, grace=1.0)
            raise ProcessError(
                f"{spec.name} did not finish within {timeout:g} s and was stopped."
            ) from None
        self._forget(child)
        return RunResult(child.popen.returncode, stdout, stderr)

    def stop(self, child: ChildProcess, grace: float | None = None) -> int | None:
        """Stop ``child`` and return its exit status.

        Steps, each given ``grace`` seconds: the quit input on stdin (if the
        spec has one), SIGTERM to the child's process group, then SIGKILL.
        """
        grace = child.spec.grace if grace is None else grace
        child.stopping = True
        if child.running and child.spec.quit_input and child.popen.stdin:
            try:
                child.popen.stdin.write(child.spec.quit_input)
                child.popen.stdin.flush()
            except OSError:
                pass  # the child closed its stdin or already exited; signals follow
            _wait(child, grace)
        for signal_number in (signal.SIGTERM, signal.SIGKILL):
            if not child.running:
                break
            _signal_group(child, signal_number)
            _wait(child, grace if signal_number == signal.SIGTERM else 10.0)
        self._forget(child)
        _close_pipes(child)
        logger.info("stopped %s pid=%d returncode=%s", child.name, child.pid, child.returncode)
        return child.returncode

    def forget(self, child: ChildProcess) -> None:
        """Stop tracking a child that has exited on its own, after reaping it."""
        child.popen.poll()
        self._forget(child)
        _close_pipes(child)

    def stop_all(self, grace: float | None = None) -> None:
        """Stop every tracked child, last started first."""
        for child in reversed(self.children):
            self.stop(child, grace)

    def close(self) -> None:
        """Stop every child and end the spawner thread."""
        if self._closed:
            return
        self.stop_all()
        self._closed = True
        self._requests.put(None)
        self._spawner.join(timeout=5)

    def _forget(self, child: ChildProcess) -> None:
        with self._lock:
            if child in self._children:
                self._children.remove(child)

    def _serve_requests(self) -> None:
        while (request := self._requests.get()) is not None:
            work, future = request
            try:
                future.set_result(work())
            except BaseException as error:  # handed back to the caller of start()
                future.set_exception(error)

    def _spawn(self, spec: ProcessSpec) -> ChildProcess:
        stdout = _open_destination(spec.stdout)
        stderr = subprocess.STDOUT if spec.stderr is None else _open_destination(spec.stderr)
        try:
            popen = subprocess.Popen(
                list(spec.argv),
                stdin=subprocess.PIPE if spec.stdin_pipe else subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                env=scrubbed_environment(spec.environment),
                cwd=spec.cwd,
                pass_fds=spec.pass_fds,
                start_new_session=True,
                preexec_fn=_bind_child_setup(os.getpid()),
            )
        except OSError as error:
            raise ProcessError(
                f"Could not start {spec.name} ({spec.argv[0]}): {error.strerror}. "
                "Run `cockpit doctor` to check the system tools."
            ) from None
        finally:
            for handle in (stdout, stderr):
                if hasattr(handle, "close"):
                    handle.close()  # type: ignore[union-attr]
        return ChildProcess(spec, popen)


def _bind_child_setup(parent_pid: int) -> Callable[[], None]:
    def setup() -> None:
        _child_setup(parent_pid)

    return setup


def _open_destination(destination: Path | int | None) -> Any:
    if destination is None:
        return subprocess.DEVNULL
    if isinstance(destination, Path):
        destination.parent.mkdir(parents=True, exist_ok=True)
        return destination.open("ab")
    return destination


def _wait(child: ChildProcess, seconds: float) -> None:
    try:
        child.popen.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pass


def _close_pipes(child: ChildProcess) -> None:
    for pipe in (child.popen.stdin, child.popen.stdout, child.popen.stderr):
        if pipe is not None:
            try:
                pipe.close()
            except OSError:
                pass  # a broken pipe to an exited child has nothing left to flush


def _signal_group(child: ChildProcess, signal_number: int) -> None:
    # The child leads its own session, so its process group id is its PID. Callers signal only
    # while the leader is unreaped, so the kernel cannot have given that id to another process.
    if child.popen.returncode is not None:
        return
    try:
        os.killpg(child.pid, signal_number)
    except (ProcessLookupError, PermissionError):
        pass


def running_pids(children: Iterable[ChildProcess]) -> list[int]:
    """Return the PIDs of the children that are still running."""
    return [child.pid for child in children if child.running]
