"""Helpers shared by the ingest tests: polling, the callback log, ffmpeg and ffprobe commands."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from cockpit.broadcast.processes import ChildProcess, ProcessSpec, ProcessSupervisor, RunResult

VALID_KEY = "sk_test_valid_0123456789"


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Poll ``condition`` every 50 ms until it returns True or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@dataclass
class CallbackLog:
    """Callbacks the server received, recorded from its event-loop thread."""

    valid_keys: set[str] = field(default_factory=lambda: {VALID_KEY})
    publishes: list[tuple[str, str, bool]] = field(default_factory=list)
    publishes_done: list[str] = field(default_factory=list)
    records_done: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_publish(self, key: str, application: str) -> bool:
        accepted = key in self.valid_keys and application == "live"
        with self._lock:
            self.publishes.append((key, application, accepted))
        return accepted

    def on_publish_done(self, key: str) -> None:
        with self._lock:
            self.publishes_done.append(key)

    def on_record_done(self, key: str, path: str) -> None:
        with self._lock:
            self.records_done.append((key, path))

    def snapshot(self) -> tuple[list[tuple[str, str, bool]], list[str], list[tuple[str, str]]]:
        with self._lock:
            return list(self.publishes), list(self.publishes_done), list(self.records_done)


@contextlib.contextmanager
def serve_app(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, name="ingest-callbacks", daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: server.started, timeout=10), "the callback server did not start"
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class CallbackServer:
    base_url: str
    log: CallbackLog


def publisher_spec(url: str, seconds: float) -> ProcessSpec:
    """Return ffmpeg publishing a 1280x720 test pattern and silent AAC in real time to ``url``."""
    argv = [
        "ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error",
        "-re", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
        "-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=44100",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "30",
        "-c:a", "aac", "-t", f"{seconds:g}", "-f", "flv", url,
    ]  # fmt: skip
    return ProcessSpec("ffmpeg", argv, stdin_pipe=True, quit_input=b"q", grace=5.0)


@dataclass
class Publisher:
    supervisor: ProcessSupervisor

    def run(self, url: str, seconds: float = 3.0) -> RunResult:
        """Publish for ``seconds`` and return once ffmpeg exits."""
        return self.supervisor.run(publisher_spec(url, seconds), timeout=seconds + 30)

    def start(self, url: str, seconds: float = 60.0) -> ChildProcess:
        """Start publishing in the background; stop it with ``supervisor.stop``."""
        return self.supervisor.start(publisher_spec(url, seconds))


def probe_streams(supervisor: ProcessSupervisor, path: Path) -> RunResult:
    """Run ffprobe on a recording and return its JSON listing of the streams."""
    argv = [
        "ffprobe", "-v", "error", "-of", "json",
        "-show_entries", "stream=codec_type,codec_name,pix_fmt,width,height", str(path),
    ]  # fmt: skip
    return supervisor.run(ProcessSpec("ffprobe", argv), timeout=30)
