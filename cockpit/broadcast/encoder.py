"""The encoder: ffmpeg capturing the virtual display and pushing it to the ingest.

ffmpeg keeps streaming a frozen frame when Xvfb dies and an empty desktop when
the stage app dies, so those are caught by watching the display and the stage
window. What this module watches is ffmpeg itself: whether it runs, and whether
its frame count still advances (a blocked ingest stops it).

ffmpeg's error output names the output URL, key included, so it is read
through a pipe and redacted before it reaches the log file or the logger.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from cockpit.broadcast.encoder_args import build_ffmpeg_args, displayed_command
from cockpit.broadcast.processes import ChildProcess, ProcessSpec, ProcessSupervisor
from cockpit.broadcast.progress import EncoderProgress, ProgressParser
from cockpit.redaction import Redactor
from cockpit.settings import DisplaySettings, EncoderSettings

__all__ = ["Encoder", "EncoderError", "EncoderProgress", "ProgressParser", "build_ffmpeg_args"]

logger = logging.getLogger(__name__)

LOG_FILE_NAME = "ffmpeg.log"

_Reader = Callable[[str], None]


class EncoderError(Exception):
    """Raised when the encoder is used in the wrong state."""


class Encoder:
    """One ffmpeg run towards one ingest URL and key."""

    def __init__(
        self,
        supervisor: ProcessSupervisor,
        display: str,
        encoder_settings: EncoderSettings,
        display_settings: DisplaySettings,
        url: str,
        key: str,
        log_dir: Path,
        audio_source: str | None = None,
        redactor: Redactor | None = None,
        audio_environment: Mapping[str, str] | None = None,
    ) -> None:
        """``audio_environment`` is added to ffmpeg's environment, such as ``PULSE_SERVER``
        for a PulseAudio ``audio_source``."""
        self._supervisor = supervisor
        self._audio_environment = dict(audio_environment or {})
        self._settings = encoder_settings
        self._redactor = redactor if redactor is not None else Redactor()
        self._redactor.add(key)
        self._argv = build_ffmpeg_args(
            display, encoder_settings, display_settings, url, key, audio_source
        )
        self.log_path = log_dir / LOG_FILE_NAME
        """ffmpeg's error output, redacted."""
        self.child: ChildProcess | None = None
        """The ffmpeg process, once started."""

        self._parser = ProgressParser()
        self._lock = threading.Lock()
        self._latest: EncoderProgress | None = None
        self._last_progress_at: float | None = None
        self._last_advance_at: float | None = None
        self._threads: list[threading.Thread] = []
        self._stopped = False

    @property
    def command_line(self) -> str:
        """ffmpeg's command line as shown to the operator, with the key hidden."""
        return displayed_command(self._argv, self._redactor)

    @property
    def running(self) -> bool:
        """Whether ffmpeg has been started and has not exited."""
        return self.child is not None and self.child.running

    @property
    def returncode(self) -> int | None:
        """ffmpeg's exit status once it has exited, else ``None``."""
        return None if self.child is None else self.child.returncode

    @property
    def latest_progress(self) -> EncoderProgress | None:
        """The last ``-progress`` block received, or ``None`` before the first."""
        with self._lock:
            return self._latest

    @property
    def last_progress_at(self) -> float | None:
        """``time.monotonic()`` when the last ``-progress`` block arrived."""
        with self._lock:
            return self._last_progress_at

    def stalled(self, after_seconds: float | None = None) -> bool:
        """Return True when the frame count has not advanced for ``after_seconds``.

        The default is the ``stall_after`` setting, and the count is taken as last
        advanced at start. Before start the result is False. After ffmpeg has exited
        it turns True once the time has passed, like any stall.
        """
        limit = self._settings.stall_after if after_seconds is None else after_seconds
        with self._lock:
            since = self._last_advance_at
        return since is not None and time.monotonic() - since >= limit

    def start(self) -> ChildProcess:
        """Start ffmpeg and the threads that read its progress and error output."""
        if self.child is not None:
            raise EncoderError("The encoder is already started; create a new Encoder to restart.")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._write_log(f"starting: {self.command_line}")

        with self._lock:
            self._last_advance_at = time.monotonic()
        self.child = self._supervisor.start(
            ProcessSpec(
                "ffmpeg",
                self._argv,
                environment=self._audio_environment,
                stdin_pipe=True,
                quit_input=b"q",
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
        logger.info("encoder started pid=%d: %s", self.child.pid, self.command_line)

        self._threads = [
            self._read_in_thread("progress", self.child.stdout, self._read_progress),
            self._read_in_thread("errors", self.child.popen.stderr, self._read_errors),
        ]
        return self.child

    def stop(self, grace: float | None = None) -> int | None:
        """Ask ffmpeg to quit with ``q``, then SIGTERM and SIGKILL; return its exit status.

        Calling it again returns the same status.
        """
        if self.child is None:
            return None
        if self._stopped:
            return self.child.returncode
        self._stopped = True
        returncode = self._supervisor.stop(self.child, grace)
        for thread in self._threads:
            thread.join(timeout=2.0)
        self._write_log(f"exited with status {returncode}")
        logger.info("encoder stopped pid=%d returncode=%s", self.child.pid, returncode)
        return returncode

    def _read_in_thread(
        self, role: str, stream: IO[bytes] | None, reader: _Reader
    ) -> threading.Thread:
        thread = threading.Thread(
            target=self._guarded_reader, args=(stream, reader), name=f"ffmpeg-{role}", daemon=True
        )
        thread.start()
        return thread

    @staticmethod
    def _guarded_reader(stream: IO[bytes] | None, reader: _Reader) -> None:
        if stream is None:
            return
        try:
            for raw in stream:
                reader(raw.decode("utf-8", "replace"))
        except (OSError, ValueError):
            pass  # the supervisor closed the pipe after ffmpeg exited

    def _read_progress(self, line: str) -> None:
        snapshot = self._parser.feed(line)
        if snapshot is None:
            return
        now = time.monotonic()
        with self._lock:
            previous = self._latest
            self._latest = snapshot
            self._last_progress_at = now
            if snapshot.frame > (previous.frame if previous is not None else 0):
                self._last_advance_at = now

    def _read_errors(self, line: str) -> None:
        text = self._redactor.redact(line.rstrip())
        if not text:
            return
        self._write_log(text)
        logger.warning("ffmpeg: %s", text)

    def _write_log(self, text: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"{stamp} {self._redactor.redact(text)}\n")
