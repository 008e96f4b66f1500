"""The stream's voice: a private PulseAudio server whose sink the encoder records, and speech.

The server runs without a desktop session and without the user's PulseAudio
configuration (``-n``), listening only on a Unix socket in a private directory
(mode 0700; anonymous access is safe there because only the owner can reach
the socket). Its one sink, ``cockpit``, is a null sink: whatever is played
into it appears on its monitor source, ``cockpit.monitor``, which ffmpeg
records in place of the silent track. Speech (espeak-ng) and audio files
(paplay) are played into the sink while the encoder runs, so speaking never
restarts the stream.

Every program runs through `ProcessSupervisor`; PulseAudio 16.1 runs as root
with a warning only.
"""

from __future__ import annotations

import logging
import shutil
import socket
import tempfile
import threading
import time
import wave
from pathlib import Path

from cockpit import paths
from cockpit.broadcast.processes import ChildProcess, ProcessError, ProcessSpec, ProcessSupervisor

logger = logging.getLogger(__name__)

SINK_NAME = "cockpit"
MONITOR_SOURCE = f"{SINK_NAME}.monitor"
SOCKET_NAME = "native"
DIRECTORY_NAME = "pulse"

SERVER_PROGRAMS = ("pulseaudio",)
SPEECH_PROGRAMS = ("espeak-ng", "paplay")

MAX_SPEECH_LENGTH = 2000
"""Characters one `Speech.say` takes at most; about two minutes of speech."""

DEFAULT_VOICE = "en-us"
DEFAULT_WORDS_PER_MINUTE = 165

MAX_SOCKET_PATH_BYTES = 107
"""Maximum length of a Unix socket path on Linux: ``sun_path`` has 108 bytes, the NUL included."""

_START_TIMEOUT = 10.0
_PLAY_MARGIN = 15.0
"""Seconds paplay may take beyond the audio's own length before it counts as stuck."""


class VoiceError(Exception):
    """Raised when the audio server cannot start, or speech or a file cannot be played."""


def missing_programs(programs: tuple[str, ...] = SERVER_PROGRAMS + SPEECH_PROGRAMS) -> list[str]:
    """Return the voice programs that are not on PATH."""
    return [program for program in programs if shutil.which(program) is None]


def voice_dir(profile: str) -> Path:
    """Return the directory of the profile's audio server: ``pulse`` in its state directory.

    A studio's pipeline keeps its logs in ``logs`` of the same directory, so
    `Pipeline` finds the same place from its log directory.
    """
    return paths.state_dir(profile) / DIRECTORY_NAME


def server_address(directory: Path) -> str:
    """Return the ``PULSE_SERVER`` value of the server whose directory is ``directory``."""
    return f"unix:{directory / SOCKET_NAME}"


class PulseServer:
    """One private PulseAudio server with the null sink ``cockpit``."""

    def __init__(self, supervisor: ProcessSupervisor, directory: Path, log_dir: Path) -> None:
        self._supervisor = supervisor
        self.directory = directory
        self._log_dir = log_dir
        self.child: ChildProcess | None = None
        """The pulseaudio process, once started."""

    @property
    def socket_path(self) -> Path:
        return self.directory / SOCKET_NAME

    @property
    def address(self) -> str:
        """The ``PULSE_SERVER`` value that reaches this server."""
        return server_address(self.directory)

    @property
    def running(self) -> bool:
        return self.child is not None and self.child.running

    def start(self, timeout: float = _START_TIMEOUT) -> None:
        """Start pulseaudio and return once its socket accepts connections.

        Raises:
            VoiceError: pulseaudio is missing, exited, or did not listen within ``timeout``.
        """
        if self.running:
            return
        if self.child is not None:
            # It exited on its own: reap it before starting a new one.
            self._supervisor.forget(self.child)
            self.child = None
        if len(bytes(self.socket_path)) > MAX_SOCKET_PATH_BYTES:
            raise VoiceError(
                f"The audio server's socket path {self.socket_path} is longer than "
                f"{MAX_SOCKET_PATH_BYTES} bytes, which a Unix socket cannot have. "
                "Set XDG_STATE_HOME to a shorter directory."
            )
        paths.ensure_private_dir(self.directory)
        self.socket_path.unlink(missing_ok=True)
        for name in ("runtime", "state", "config"):
            paths.ensure_private_dir(self.directory / name)
        try:
            self.child = self._supervisor.start(
                ProcessSpec(
                    "pulseaudio",
                    self._argv(),
                    environment={
                        "HOME": str(self.directory),
                        "XDG_CONFIG_HOME": str(self.directory / "config"),
                        "PULSE_RUNTIME_PATH": str(self.directory / "runtime"),
                        "PULSE_STATE_PATH": str(self.directory / "state"),
                    },
                    stdout=self._log_dir / "pulseaudio.log",
                )
            )
        except ProcessError as error:
            raise VoiceError(str(error)) from None

        deadline = time.monotonic() + timeout
        while not _accepts_connections(self.socket_path):
            if not self.child.running:
                raise VoiceError(
                    f"pulseaudio exited with status {self.child.returncode} while starting; "
                    f"see {self._log_dir / 'pulseaudio.log'}."
                )
            if time.monotonic() > deadline:
                self.stop()
                raise VoiceError(
                    f"pulseaudio did not listen on {self.socket_path} within {timeout:g} s; "
                    f"see {self._log_dir / 'pulseaudio.log'}."
                )
            time.sleep(0.02)
        logger.info("audio server started pid=%d at %s", self.child.pid, self.socket_path)

    def stop(self) -> None:
        if self.child is None:
            return
        child, self.child = self.child, None
        self._supervisor.stop(child)
        self.socket_path.unlink(missing_ok=True)

    def _argv(self) -> list[str]:
        return [
            "pulseaudio",
            "-n",  # no default configuration script: only the modules below
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "--system=no",
            "--disallow-exit",
            "--log-target=stderr",
            "-L", f"module-native-protocol-unix socket={self.socket_path} auth-anonymous=1",
            "-L", f"module-null-sink sink_name={SINK_NAME} rate=44100 channels=2",
        ]  # fmt: skip


def _accepts_connections(path: Path) -> bool:
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


class Speech:
    """Speaks text and plays audio files into the ``cockpit`` sink of one server.

    Calls block until the audio has been played, and one lock makes them play
    one after another rather than over each other.
    """

    def __init__(
        self,
        supervisor: ProcessSupervisor,
        address: str,
        voice: str = DEFAULT_VOICE,
        words_per_minute: int = DEFAULT_WORDS_PER_MINUTE,
    ) -> None:
        self._supervisor = supervisor
        self.address = address
        self._voice = voice
        self._words_per_minute = words_per_minute
        self._lock = threading.Lock()

    def say(self, text: str) -> float:
        """Speak ``text`` into the sink and return the speech's length in seconds.

        The text reaches espeak-ng through a file, so text starting with ``-``
        is spoken, not read as an option.

        Raises:
            VoiceError: the text is empty or too long, or espeak-ng or paplay failed.
        """
        text = text.strip()
        if not text:
            raise VoiceError("The text to speak is empty; give some words.")
        if len(text) > MAX_SPEECH_LENGTH:
            raise VoiceError(
                f"The text to speak has {len(text)} characters; the maximum is "
                f"{MAX_SPEECH_LENGTH}. Split it into shorter parts."
            )
        with tempfile.TemporaryDirectory(prefix="cockpit-speech-") as work:
            text_path = Path(work) / "text.txt"
            text_path.write_text(text, encoding="utf-8")
            wav_path = Path(work) / "speech.wav"
            argv = ["espeak-ng", "-v", self._voice, "-s", str(self._words_per_minute)]
            argv += ["-w", str(wav_path), "-f", str(text_path)]
            self._run(ProcessSpec("espeak-ng", argv), timeout=60.0)
            return self.play(wav_path)

    def play(self, path: Path) -> float:
        """Play an audio file (WAV, or any format libsndfile reads) into the sink.

        Returns the file's length in seconds when it is a WAV file, else 0.

        Raises:
            VoiceError: the file is missing, or paplay failed.
        """
        if not path.is_file():
            raise VoiceError(f"The audio file {path} does not exist; check the path.")
        duration = wav_duration(path)
        argv = ["paplay", f"--server={self.address}", f"--device={SINK_NAME}", str(path)]
        with self._lock:
            self._run(ProcessSpec("paplay", argv), timeout=(duration or 600.0) + _PLAY_MARGIN)
        logger.info("played %.1f s of audio into %s", duration or 0.0, SINK_NAME)
        return duration or 0.0

    def _run(self, spec: ProcessSpec, timeout: float) -> None:
        try:
            result = self._supervisor.run(spec, timeout=timeout)
        except ProcessError as error:
            raise VoiceError(str(error)) from None
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise VoiceError(
                f"{spec.name} failed with status {result.returncode}"
                + (f": {detail[0]}" if detail else "")
                + ". Run `cockpit doctor` to check the voice tools."
            )


def wav_duration(path: Path) -> float | None:
    """Return a WAV file's length in seconds, or None for another format."""
    try:
        with wave.open(str(path), "rb") as audio:
            rate = audio.getframerate()
            return audio.getnframes() / rate if rate else None
    except (wave.Error, EOFError, OSError):
        return None
