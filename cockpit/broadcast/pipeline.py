"""The pipeline's processes as one unit: virtual display, stage window, audio server and encoder.

Where PulseAudio is installed, the pipeline runs a private audio server (see
`cockpit.broadcast.voice`) and the encoder records its sink's monitor, so
speech can be played into the stream while it runs. Where it is missing, or
the server fails to start, the encoder sends a silent track instead.

The blocking work (starting and stopping processes) runs in worker threads so
the caller's event loop keeps serving while it happens.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from cockpit.broadcast.display import VirtualDisplay
from cockpit.broadcast.encoder import LOG_FILE_NAME as ENCODER_LOG_FILE_NAME
from cockpit.broadcast.encoder import Encoder
from cockpit.broadcast.processes import ChildProcess, ProcessSupervisor
from cockpit.broadcast.stage_window import StageWindow
from cockpit.broadcast.thumbnail import capture_thumbnail
from cockpit.broadcast.voice import (
    DEFAULT_VOICE,
    DEFAULT_WORDS_PER_MINUTE,
    DIRECTORY_NAME,
    MONITOR_SOURCE,
    SERVER_PROGRAMS,
    PulseServer,
    Speech,
    VoiceError,
    missing_programs,
)
from cockpit.redaction import Redactor
from cockpit.settings import Settings

logger = logging.getLogger(__name__)


class Pipeline:
    """Starts, checks, repairs and stops Xvfb, openbox, the stage's xterm, PulseAudio and ffmpeg.

    ``voice`` chooses whether to run the audio server: None runs it when no
    ``audio_source`` is given and pulseaudio is installed. Its directory
    (socket and state) is ``voice_dir``, by default ``pulse`` beside
    ``log_dir``.
    """

    def __init__(
        self,
        supervisor: ProcessSupervisor,
        settings: Settings,
        log_dir: Path,
        stage_command: Sequence[str],
        redactor: Redactor,
        audio_source: str | None = None,
        voice: bool | None = None,
        voice_dir: Path | None = None,
    ) -> None:
        self._supervisor = supervisor
        self._settings = settings
        self._log_dir = log_dir
        self._stage_command = list(stage_command)
        self._redactor = redactor
        self.audio_source = audio_source
        """A PulseAudio source for the encoder's audio, or ``None`` for the pipeline's own
        audio server when it runs, else a silent track."""
        self.display = VirtualDisplay(supervisor, settings.display, log_dir)
        self.stage: StageWindow | None = None
        self.encoder: Encoder | None = None
        if voice is None:
            voice = audio_source is None and not missing_programs(SERVER_PROGRAMS)
        self.pulse: PulseServer | None = (
            PulseServer(supervisor, voice_dir or log_dir.parent / DIRECTORY_NAME, log_dir)
            if voice
            else None
        )
        """The private audio server, or None when the pipeline runs without one."""
        self.voice_problem: str | None = None
        """Why the audio server is not running although it was wanted, for the operator."""
        self._encoder_uses_pulse = False
        self._finished_frames = 0
        self._finished_drops = 0

    @property
    def encoder_log(self) -> Path:
        return self._log_dir / ENCODER_LOG_FILE_NAME

    @property
    def processes(self) -> list[ChildProcess]:
        """Every running pipeline process, for health views: Xvfb, openbox, xterm, ffmpeg."""
        children = list(self.display.children)
        if self.stage is not None and self.stage.child is not None:
            children.append(self.stage.child)
        if self.encoder is not None and self.encoder.child is not None:
            children.append(self.encoder.child)
        return children

    @property
    def voice_running(self) -> bool:
        """Whether the audio server runs, so that speech reaches the stream."""
        return self.pulse is not None and self.pulse.running

    def speech(
        self, voice: str = DEFAULT_VOICE, words_per_minute: int = DEFAULT_WORDS_PER_MINUTE
    ) -> Speech | None:
        """Return a `Speech` that plays into the running audio server, or None without one."""
        if self.pulse is None or not self.pulse.running:
            return None
        return Speech(self._supervisor, self.pulse.address, voice, words_per_minute)

    def encoder_audio(self) -> tuple[str | None, dict[str, str]]:
        """Return the audio source the encoder would record now, and the environment it needs.

        ``(None, {})`` means a silent track.
        """
        if self.audio_source is not None:
            return self.audio_source, {}
        if self.pulse is not None and self.pulse.running:
            return MONITOR_SOURCE, {"PULSE_SERVER": self.pulse.address}
        return None, {}

    def encoder_running(self) -> bool:
        return self.encoder is not None and self.encoder.running

    async def prepare(self) -> None:
        """Start the display and the stage window unless they already run."""
        await asyncio.to_thread(self._prepare)

    def _prepare(self) -> None:
        if not self.display.running:
            self.display.stop()
            self.display.start()
        if self.stage is None or not self.stage.running:
            if self.stage is not None:
                self.stage.stop()
            self.stage = StageWindow(
                self._supervisor,
                self.display.display,
                self._settings.display,
                self._stage_command,
                self._log_dir,
            )
            self.stage.start()
        self._start_voice()

    def _start_voice(self) -> None:
        if self.pulse is None or self.pulse.running:
            return
        try:
            self.pulse.start()
        except VoiceError as error:
            # The stream goes on with a silent track; the operator learns why from the log.
            self.voice_problem = str(error)
            logger.warning("the stream's audio server did not start: %s", error)
            return
        self.voice_problem = None

    async def start_encoder(self, url: str, key: str) -> None:
        """Start ffmpeg towards ``url``/``key`` on the current display."""
        await asyncio.to_thread(self._start_encoder, url, key)

    def _start_encoder(self, url: str, key: str) -> None:
        if self.encoder is not None:
            self.encoder.stop()
        audio_source, audio_environment = self.encoder_audio()
        self._encoder_uses_pulse = bool(audio_environment)
        self.encoder = Encoder(
            self._supervisor,
            self.display.display,
            self._settings.encoder,
            self._settings.display,
            url,
            key,
            self._log_dir,
            audio_source=audio_source,
            redactor=self._redactor,
            audio_environment=audio_environment,
        )
        self.encoder.start()

    async def stop_encoder(self) -> None:
        if self.encoder is not None:
            encoder, self.encoder = self.encoder, None
            await asyncio.to_thread(encoder.stop)
            progress = encoder.latest_progress
            if progress is not None:
                self._finished_frames += progress.frame or 0
                self._finished_drops += progress.drop_frames or 0

    def frame_totals(self) -> tuple[int, int]:
        """Return frames sent and frames dropped by every encoder run so far."""
        frames, drops = self._finished_frames, self._finished_drops
        progress = self.encoder.latest_progress if self.encoder is not None else None
        if progress is not None:
            frames += progress.frame or 0
            drops += progress.drop_frames or 0
        return frames, drops

    def problems(self) -> list[str]:
        """Describe what is broken now; an empty list means the pipeline is healthy."""
        found = []
        for name, child in (("Xvfb", self.display.xvfb), ("openbox", self.display.openbox)):
            if child is None or not child.running:
                found.append(f"{name} is not running" + _exit_detail(child))
        if self.stage is None or not self.stage.running:
            found.append(
                "the stage window (xterm) is not running"
                + _exit_detail(self.stage and self.stage.child)
            )
        if self._encoder_uses_pulse and not self.voice_running:
            found.append(
                "PulseAudio (the stream's audio) is not running"
                + _exit_detail(self.pulse.child if self.pulse is not None else None)
            )
        if self.encoder is None or not self.encoder.running:
            found.append(
                "ffmpeg is not running" + _exit_detail(self.encoder and self.encoder.child)
            )
        elif self.encoder.stalled(self._settings.encoder.stall_after):
            found.append(
                f"ffmpeg made no progress for {self._settings.encoder.stall_after:g} s "
                "(ingest blocked or display frozen)"
            )
        return found

    async def repair(self) -> None:
        """Restart whatever of the display and stage window is not running."""
        await asyncio.to_thread(self._repair)

    def _repair(self) -> None:
        if not self.display.running:
            # The stage's xterm cannot survive its X server, so both start afresh.
            if self.stage is not None:
                self.stage.stop()
                self.stage = None
            self.display.stop()
        self._prepare()

    async def capture_thumbnail(self, path: Path) -> Path:
        """Capture the display's current frame to ``path`` (PNG, checked size) and return it."""
        size = (self._settings.display.width, self._settings.display.height)
        return await asyncio.to_thread(
            capture_thumbnail, self._supervisor, self.display.display, path, size
        )

    async def shutdown(self) -> None:
        """Stop the encoder, the stage window and the display, in that order."""
        await self.stop_encoder()
        await asyncio.to_thread(self._shutdown)

    def _shutdown(self) -> None:
        if self.stage is not None:
            self.stage.stop()
            self.stage = None
        self.display.stop()
        if self.pulse is not None:
            self.pulse.stop()


def _exit_detail(child: ChildProcess | None) -> str:
    if child is None or child.returncode is None:
        return ""
    return f" (exit status {child.returncode})"
