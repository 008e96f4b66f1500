"""Helpers of the pipeline tests: polling, image pixels, ffprobe and a throwaway RTMP ingest."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from cockpit.broadcast.processes import ChildProcess, ProcessSpec, ProcessSupervisor

RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
STREAM_MODULE = Path("/usr/lib/nginx/modules/ngx_stream_module.so")

NOISE_SCRIPT = (
    "import os, sys, time\n"
    "while True:\n"
    "    sys.stdout.write(os.urandom(3000).hex())\n"
    "    sys.stdout.flush()\n"
    "    time.sleep(0.03)\n"
)
"""A stage command that fills the terminal with random hex, so x264 needs its full bitrate."""


def needs_programs(*programs: str) -> pytest.MarkDecorator:
    """Mark a test as a pipeline test; raise at collection when a system program is missing.

    tests/run installs every program, so a missing one is a broken setup that must fail
    the run, never a reason to skip.
    """
    missing = [program for program in programs if shutil.which(program) is None]
    if missing:
        raise RuntimeError(
            f"Not installed: {', '.join(missing)}. Run `cockpit doctor --install` as root."
        )
    return pytest.mark.pipeline


def wait_until(
    condition: Callable[[], bool], timeout: float = 15.0, interval: float = 0.05
) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass; return the last result."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def still_running(process: psutil.Process) -> bool:
    """Return whether ``process`` runs and is not a zombie."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def free_port() -> int:
    """Return a loopback TCP port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class RgbImage:
    """Decoded pixels, three bytes per pixel, row by row."""

    width: int
    height: int
    pixels: bytes

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        offset = (y * self.width + x) * 3
        red, green, blue = self.pixels[offset : offset + 3]
        return red, green, blue

    def count(self, colour: tuple[int, int, int]) -> int:
        """Return how many pixels have exactly ``colour``."""
        target = bytes(colour)
        view = self.pixels
        return sum(1 for offset in range(0, len(view), 3) if view[offset : offset + 3] == target)

    def row_share(self, y: int, colour: tuple[int, int, int], x_range: range) -> float:
        """Return the share of the pixels of row ``y`` within ``x_range`` that have ``colour``."""
        matches = sum(1 for x in x_range if self.pixel(x, y) == colour)
        return matches / len(x_range)


def read_rgb(supervisor: ProcessSupervisor, path: Path, size: tuple[int, int]) -> RgbImage:
    """Decode an image file to raw RGB with ffmpeg."""
    argv = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    result = supervisor.run(ProcessSpec("ffmpeg-decode", argv), timeout=20)
    assert result.returncode == 0, result.stderr.decode()
    width, height = size
    assert len(result.stdout) == width * height * 3, "decoded size differs from the PNG header"
    return RgbImage(width, height, result.stdout)


def hex_colour(text: str) -> tuple[int, int, int]:
    value = text.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def probe_streams(supervisor: ProcessSupervisor, path: Path) -> list[dict[str, Any]]:
    """Return ffprobe's description of each stream in a media file."""
    argv = ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)]
    result = supervisor.run(ProcessSpec("ffprobe", argv), timeout=20)
    assert result.returncode == 0, result.stderr.decode()
    streams: list[dict[str, Any]] = json.loads(result.stdout)["streams"]
    return streams


class RtmpTestIngest:
    """nginx with the rtmp module on loopback, recording every stream; rtmps through TLS if asked.

    It runs as a single process (``master_process off``), so pausing its PID
    pauses the ingest.
    """

    def __init__(self, supervisor: ProcessSupervisor, directory: Path, tls: bool = False) -> None:
        self._supervisor = supervisor
        self.directory = directory
        self.record_dir = directory / "record"
        self.port = free_port()
        self.tls_port = free_port() if tls else None
        self.child: ChildProcess | None = None
        self._paused = False

    @property
    def rtmp_url(self) -> str:
        return f"rtmp://127.0.0.1:{self.port}/live"

    @property
    def rtmps_url(self) -> str:
        assert self.tls_port is not None, "this ingest was created without TLS"
        return f"rtmps://127.0.0.1:{self.tls_port}/live"

    def recording(self, key: str) -> Path:
        return self.record_dir / f"{key}.flv"

    def start(self) -> None:
        self.record_dir.mkdir(parents=True, exist_ok=True)
        config = self.directory / "nginx.conf"
        config.write_text(self._config())
        argv = ["nginx", "-p", str(self.directory), "-e", str(self.directory / "error.log")]
        argv += ["-c", str(config)]
        self.child = self._supervisor.start(
            ProcessSpec("nginx", argv, stdout=self.directory / "nginx.out")
        )
        ports = [self.port] + ([self.tls_port] if self.tls_port is not None else [])
        ready = wait_until(lambda: all(port_open(port) for port in ports), timeout=10)
        assert ready, (self.directory / "error.log").read_text()

    def pause(self) -> None:
        assert self.child is not None
        os.kill(self.child.pid, signal.SIGSTOP)
        self._paused = True

    def resume(self) -> None:
        if self.child is not None and self._paused:
            os.kill(self.child.pid, signal.SIGCONT)
        self._paused = False

    def stop(self) -> None:
        self.resume()
        if self.child is not None:
            self._supervisor.stop(self.child)
            self.child = None

    def _config(self) -> str:
        modules = f"load_module {RTMP_MODULE};\n"
        stream = ""
        if self.tls_port is not None:
            certificate, key = self._make_certificate()
            modules += f"load_module {STREAM_MODULE};\n"
            stream = (
                f"stream {{ server {{ listen 127.0.0.1:{self.tls_port} ssl; "
                f"ssl_certificate {certificate}; ssl_certificate_key {key}; "
                f"proxy_pass 127.0.0.1:{self.port}; }} }}\n"
            )
        return (
            "daemon off;\nmaster_process off;\n"
            + modules
            + f"error_log {self.directory / 'error.log'};\npid {self.directory / 'nginx.pid'};\n"
            + "events {}\n"
            + f"rtmp {{ server {{ listen 127.0.0.1:{self.port}; application live {{ "
            + f"live on; record all; record_path {self.record_dir}; }} }} }}\n"
            + stream
        )

    def _make_certificate(self) -> tuple[Path, Path]:
        certificate, key = self.directory / "ingest.crt", self.directory / "ingest.key"
        argv = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        argv += ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(certificate)]
        result = self._supervisor.run(ProcessSpec("openssl", argv), timeout=30)
        assert result.returncode == 0, result.stderr.decode()
        return certificate, key
