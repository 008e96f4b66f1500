"""Helpers of the stage's tests: commands run in-process, studios in a thread, frames and audio."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import psutil
import pytest
from fake_studio import FakeStudio

from cockpit.api.credentials import CredentialStore
from cockpit.broadcast.processes import ProcessSpec, ProcessSupervisor
from cockpit.cli import build_parser, main
from cockpit.commands import narrate, say, scene, stage
from cockpit.settings import load_settings
from cockpit.studio.locations import lock_path
from cockpit.studio.lock import holder_pid

STAGE_COMMANDS: dict[str, ModuleType] = {
    module.NAME: module for module in (stage, scene, narrate, say)
}
"""The stage's command modules, parsed here the way ``cockpit`` parses its commands."""


def needs_programs(*programs: str) -> pytest.MarkDecorator:
    """Mark a test as a pipeline test; raise at collection when a system program is missing.

    tests/run installs every program, so a missing one is a broken setup, never a skip.
    """
    missing = [program for program in programs if shutil.which(program) is None]
    if missing:
        raise RuntimeError(
            f"Not installed: {', '.join(missing)}. Install the Debian packages that "
            "tests/run lists (tesseract-ocr provides tesseract)."
        )
    return pytest.mark.pipeline


@dataclass(frozen=True)
class Run:
    """What one in-process command did."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        value = json.loads(self.stdout)
        assert isinstance(value, dict), self.stdout
        return value


def _captured(call: Any) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = int(call())
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


def cockpit(*args: str) -> Run:
    """Run ``cockpit ARGS`` (a registered command) in this process."""
    return _captured(lambda: main(list(args)))


def stage_command(*args: str, api_url: str | None = None, profile: str | None = None) -> Run:
    """Run one of the stage's commands (``scene``, ``narrate``, ``say``) in this process."""

    def call() -> int:
        parsed = build_parser(STAGE_COMMANDS).parse_args(list(args))
        settings = load_settings(api_url=api_url, profile=profile)
        return int(STAGE_COMMANDS[parsed.command].run(parsed, settings))

    return _captured(call)


class ThreadedStudio:
    """A `FakeStudio` serving from an event loop of its own, for commands that block."""

    def __init__(self, socket_path: Path, state: dict[str, Any]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.studio = FakeStudio(socket_path, state)

    def __enter__(self) -> FakeStudio:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.studio.start(), self._loop).result(10)
        return self.studio

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self.studio.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


# Frames and OCR

CHAT_REGION = (14, 120, 720, 390)
"""x, y, width and height in a 1280x720 frame of the live layout's chat panel."""


def ocr(supervisor: ProcessSupervisor, frame: Path, region: tuple[int, int, int, int]) -> str:
    """Return the text tesseract reads in ``region`` of a captured frame.

    The region is scaled up three times and inverted to dark text on a light
    ground, which tesseract 5.3 reads far better than 12 px light-on-dark text.
    """
    x, y, width, height = region
    prepared = frame.with_name(frame.stem + "-ocr.png")
    scale = f"crop={width}:{height}:{x}:{y},scale=iw*3:ih*3:flags=lanczos,format=gray,negate"
    argv = ["ffmpeg", "-v", "error", "-y", "-i", str(frame), "-vf", scale, str(prepared)]
    result = supervisor.run(ProcessSpec("ffmpeg-ocr-prepare", argv), timeout=30)
    assert result.returncode == 0, result.stderr.decode()
    result = supervisor.run(
        ProcessSpec("tesseract", ["tesseract", str(prepared), "stdout", "--psm", "6"]), timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode("utf-8", "replace")


def letters(text: str) -> str:
    """Return ``text`` upper-cased with everything but letters and digits removed."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


# Audio and video of a recording


RAW_AUDIO = ("-f", "s16le", "-ar", "44100", "-ac", "2")
"""ffmpeg's input options for raw 16-bit stereo PCM at 44.1 kHz, readable while being written."""


def audio_levels(
    supervisor: ProcessSupervisor,
    media: Path,
    window: float = 0.5,
    input_options: tuple[str, ...] = (),
) -> list[float]:
    """Return the RMS level in dBFS of each ``window`` seconds of the media's audio."""
    samples = round(44100 * window)
    filters = (
        f"asetnsamples=n={samples}:p=0,astats=metadata=1:reset=1,"
        "ametadata=print:key=lavfi.astats.Overall.RMS_level:file=-"
    )
    argv = ["ffmpeg", "-v", "error", *input_options, "-i", str(media), "-vn", "-af", filters]
    argv += ["-f", "null", "-"]
    result = supervisor.run(ProcessSpec("ffmpeg-levels", argv), timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    levels = []
    for line in result.stdout.decode().splitlines():
        if line.startswith("lavfi.astats.Overall.RMS_level="):
            value = line.split("=", 1)[1]
            levels.append(-200.0 if value in ("-inf", "inf", "nan") else float(value))
    return levels


def video_times(supervisor: ProcessSupervisor, media: Path) -> list[float]:
    """Return the presentation times in seconds of the media's video packets, in order."""
    argv = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries"]
    argv += ["packet=pts_time", "-of", "csv=p=0", str(media)]
    result = supervisor.run(ProcessSpec("ffprobe-packets", argv), timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    times = [float(line) for line in result.stdout.decode().split() if line.strip()]
    return sorted(times)


def region_digest(
    supervisor: ProcessSupervisor, frame: Path, region: tuple[int, int, int, int]
) -> str:
    """Return an MD5 digest of the pixels in ``region``, to skip reading identical crops twice."""
    x, y, width, height = region
    argv = ["ffmpeg", "-v", "error", "-i", str(frame), "-vf", f"crop={width}:{height}:{x}:{y}"]
    argv += ["-f", "md5", "-"]
    result = supervisor.run(ProcessSpec("ffmpeg-md5", argv), timeout=30)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().strip()


WALLET = "So11111111111111111111111111111111111111112"


def register(api_url: str, profile: str, name: str) -> str:
    """Register a new agent as ``profile`` with `cockpit register`; return its userDbId."""
    run = cockpit(
        "register", "--api-url", api_url, "--profile", profile, "--name", name,
        "--description", "stage test agent", "--image-url", "https://example.com/a.png",
        "--wallet", WALLET, "--token-store", "file",
    )  # fmt: skip
    assert run.code == 0, run.stderr
    return CredentialStore(profile).load().user_db_id


def stop_studio(api_url: str, profile: str) -> list[int]:
    """Stop the profile's studio (SIGKILL by its PID if that fails); return PIDs left running."""
    pid = holder_pid(lock_path(profile))
    if pid is None:
        return []
    family = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    cockpit("studio", "stop", "--yes", "--profile", profile, "--api-url", api_url)
    if not _wait(lambda: holder_pid(lock_path(profile)) is None, 60):
        os.kill(pid, signal.SIGKILL)
    _wait(lambda: not [process for process in family if _alive(process)], 20)
    return [process.pid for process in family if _alive(process)]


def _wait(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def live_status(profile: str, api_url: str) -> dict[str, Any]:
    """Return ``cockpit live status --json`` of the profile's studio."""
    run = cockpit("live", "status", "--json", "--profile", profile, "--api-url", api_url)
    assert run.code == 0, run.stderr
    return run.json()
