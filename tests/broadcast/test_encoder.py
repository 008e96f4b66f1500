"""The encoder with the real ffmpeg, streaming a virtual display to a throwaway nginx-rtmp."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pipeline_helpers import (
    NOISE_SCRIPT,
    RtmpTestIngest,
    needs_programs,
    probe_streams,
    wait_until,
)

from cockpit.broadcast.display import VirtualDisplay
from cockpit.broadcast.encoder import Encoder
from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.broadcast.stage_window import StageWindow
from cockpit.redaction import REDACTED, Redactor
from cockpit.settings import DisplaySettings, EncoderSettings

pytestmark = [
    pytest.mark.pipeline,
    needs_programs("Xvfb", "openbox", "xterm", "ffmpeg", "ffprobe", "nginx", "openssl"),
]

KEY = "sk_test_7c1e55a0d2b94f3e"

IO_TIMEOUT = 2.0
"""Seconds of ffmpeg's -rw_timeout in these tests, shorter than the default for speed."""


@pytest.fixture(scope="module")
def ingest(
    module_supervisor: ProcessSupervisor, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RtmpTestIngest]:
    started = RtmpTestIngest(module_supervisor, tmp_path_factory.mktemp("ingest"), tls=True)
    started.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def encoder_settings() -> EncoderSettings:
    return EncoderSettings(io_timeout=IO_TIMEOUT, stall_after=3.0)


def make_encoder(
    supervisor: ProcessSupervisor,
    display: VirtualDisplay,
    settings: EncoderSettings,
    url: str,
    log_dir: Path,
    key: str = KEY,
    redactor: Redactor | None = None,
) -> Encoder:
    return Encoder(
        supervisor, display.display, settings, DisplaySettings(), url, key, log_dir, None, redactor
    )


def progressing(encoder: Encoder, frames: int) -> bool:
    progress = encoder.latest_progress
    return progress is not None and progress.frame >= frames


def test_encoder_streams_h264_and_aac(
    module_supervisor: ProcessSupervisor,
    shared_display: VirtualDisplay,
    ingest: RtmpTestIngest,
    encoder_settings: EncoderSettings,
    tmp_path: Path,
) -> None:
    key = KEY + "_rtmp"
    encoder = make_encoder(
        module_supervisor, shared_display, encoder_settings, ingest.rtmp_url, tmp_path, key
    )
    encoder.start()
    try:
        assert wait_until(lambda: progressing(encoder, 45), timeout=20), (
            encoder.log_path.read_text()
        )
        progress = encoder.latest_progress
        assert progress is not None
        assert progress.fps is not None and progress.fps > 0
        assert progress.total_size is not None and progress.total_size > 0
        assert encoder.last_progress_at is not None
        assert time.monotonic() - encoder.last_progress_at < 2.0
        assert not encoder.stalled()
    finally:
        returncode = encoder.stop()

    assert returncode == 0  # q on stdin, not a signal
    assert not encoder.running
    final = encoder.latest_progress
    assert final is not None and final.ended

    recording = ingest.recording(key)
    assert wait_until(recording.exists, timeout=10)
    streams = {
        stream["codec_type"]: stream for stream in probe_streams(module_supervisor, recording)
    }
    video, audio = streams["video"], streams["audio"]
    assert video["codec_name"] == "h264"
    assert video["pix_fmt"] == "yuv420p"
    assert (video["width"], video["height"]) == (1280, 720)
    assert audio["codec_name"] == "aac"
    assert audio["sample_rate"] == "44100"
    assert audio["channels"] == 2


def test_encoder_streams_over_rtmps(
    module_supervisor: ProcessSupervisor,
    shared_display: VirtualDisplay,
    ingest: RtmpTestIngest,
    encoder_settings: EncoderSettings,
    tmp_path: Path,
) -> None:
    # -rw_timeout and -send_buffer_size must pass through the tls protocol as well.
    key = KEY + "_rtmps"
    encoder = make_encoder(
        module_supervisor, shared_display, encoder_settings, ingest.rtmps_url, tmp_path, key
    )
    encoder.start()
    try:
        assert wait_until(lambda: progressing(encoder, 15), timeout=20), (
            encoder.log_path.read_text()
        )
    finally:
        returncode = encoder.stop()
    assert returncode == 0
    assert wait_until(ingest.recording(key).exists, timeout=10)


def test_command_line_and_logs_hide_key(
    module_supervisor: ProcessSupervisor,
    shared_display: VirtualDisplay,
    ingest: RtmpTestIngest,
    encoder_settings: EncoderSettings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # nginx rejects an unknown application; ffmpeg's error names the whole URL, key included.
    caplog.set_level(logging.DEBUG, logger="cockpit")
    url = ingest.rtmp_url.replace("/live", "/nosuchapp")
    redactor = Redactor()
    encoder = make_encoder(
        module_supervisor, shared_display, encoder_settings, url, tmp_path, redactor=redactor
    )

    encoder.start()
    assert wait_until(lambda: not encoder.running, timeout=15)
    returncode = encoder.stop()

    assert returncode == 1
    assert encoder.stop() == 1  # a second stop reports the same status
    assert len(redactor) == 1  # the encoder registered its key with the shared redactor
    assert KEY not in encoder.command_line
    assert encoder.command_line.endswith(f"/nosuchapp/{REDACTED}'")
    log_text = encoder.log_path.read_text()
    assert log_text.count("exited with status 1") == 1
    assert "Input/output error" in log_text
    assert KEY not in log_text
    assert f"nosuchapp/{REDACTED}" in log_text
    assert KEY not in caplog.text
    assert "Input/output error" in caplog.text
    assert KEY not in repr(encoder.child)


@pytest.fixture
def noisy_stage(
    module_supervisor: ProcessSupervisor, shared_display: VirtualDisplay, tmp_path: Path
) -> Iterator[StageWindow]:
    """A stage of random text, so the stream needs its full bitrate and fills socket buffers."""
    command = [sys.executable, "-c", NOISE_SCRIPT]
    window = StageWindow(
        module_supervisor, shared_display.display, DisplaySettings(), command, tmp_path
    )
    window.start()
    try:
        yield window
    finally:
        window.stop()


def test_paused_ingest_stalls_encoder(
    module_supervisor: ProcessSupervisor,
    shared_display: VirtualDisplay,
    noisy_stage: StageWindow,
    encoder_settings: EncoderSettings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # An ingest of its own, since pausing it would break the other tests' streams.
    paused_ingest = RtmpTestIngest(module_supervisor, tmp_path / "ingest", tls=True)
    paused_ingest.start()
    encoder = make_encoder(
        module_supervisor, shared_display, encoder_settings, paused_ingest.rtmps_url, tmp_path
    )
    encoder.start()
    try:
        assert wait_until(lambda: progressing(encoder, 30), timeout=20), (
            encoder.log_path.read_text()
        )
        assert not encoder.stalled(1.0)

        paused_ingest.pause()
        paused_at = time.monotonic()

        # Frames advance until the socket buffers are full (about 5 s at 1500 kbit/s here).
        assert wait_until(lambda: encoder.stalled(1.0), timeout=60), "no stall detected"
        stalled_at = time.monotonic()
        running_when_stalled = encoder.running
        # With -rw_timeout, the blocked write fails and ffmpeg exits on its own.
        assert wait_until(lambda: not encoder.running, timeout=IO_TIMEOUT * 2 + 10)
        exited_at = time.monotonic()
    finally:
        paused_ingest.resume()
        returncode = encoder.stop()
        paused_ingest.stop()

    assert running_when_stalled, "the stall was only seen after ffmpeg had exited"
    assert returncode not in (0, None)
    assert stalled_at - paused_at < 45
    assert exited_at - stalled_at < IO_TIMEOUT * 2 + 10
    log_text = encoder.log_path.read_text()
    assert "timed out" in log_text
    assert KEY not in log_text
    assert KEY not in caplog.text
