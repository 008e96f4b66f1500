"""The stream's voice: speech played while live reaches the ingest's recording, video unbroken.

A real studio goes live against the simulator's RTMP ingest, with its private
PulseAudio server, and `cockpit say` plays speech into it. Then the recording
that nginx keeps is measured with ffmpeg's astats (audio level per half
second) and ffprobe (the time of every video packet).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_studio import FakeStudio
from stage_data import snapshot
from stage_helpers import (
    RAW_AUDIO,
    audio_levels,
    cockpit,
    live_status,
    needs_programs,
    register,
    stage_command,
    stop_studio,
    video_times,
)

from cockpit.broadcast.encoder_args import audio_input_args
from cockpit.broadcast.pipeline import Pipeline
from cockpit.broadcast.processes import ProcessSpec, ProcessSupervisor
from cockpit.broadcast.voice import (
    MAX_SOCKET_PATH_BYTES,
    MONITOR_SOURCE,
    PulseServer,
    Speech,
    VoiceError,
    voice_dir,
)
from cockpit.redaction import Redactor
from cockpit.settings import load_settings
from cockpit.sim.server import SimServer
from cockpit.ui.stage import build_stage
from cockpit.ui.stage_options import StageOptions
from cockpit.ui.stage_speech import QUEUE_SIZE, SAY_TIMEOUT, NarrationSpeaker

VOICE_PROGRAMS = ("pulseaudio", "paplay", "espeak-ng", "ffmpeg", "ffprobe")

SILENT_DB = -60.0
"""RMS level below which a half second counts as silent; AAC silence measures about -90."""
AUDIBLE_DB = -35.0
"""RMS level above which a half second counts as speech; espeak-ng speech is about -20."""
MAX_VIDEO_GAP = 0.5
"""Seconds between two video packets at most; at 30 frames a second they are 0.033 apart."""


@pytest.fixture
def supervisor() -> Iterator[ProcessSupervisor]:
    with ProcessSupervisor("voice-test") as owned:
        yield owned


def newest_recording(directory: Path, since: float) -> Path | None:
    recordings = [path for path in directory.glob("*.flv") if path.stat().st_mtime >= since]
    return max(recordings, key=lambda path: path.stat().st_mtime, default=None)


@needs_programs("Xvfb", "openbox", "xterm", "nginx", *VOICE_PROGRAMS)
def test_say_reaches_stream_without_restart(sim: SimServer, supervisor: ProcessSupervisor) -> None:
    profile = "voice"
    register(sim.api_url, profile, "Voicenova")
    started = time.time()
    try:
        start = cockpit("live", "start", "--json", "--profile", profile, "--api-url", sim.api_url)
        assert start.code == 0, start.stdout + start.stderr
        restarts = live_status(profile, sim.api_url)["counters"]["restarts"]
        time.sleep(3.0)  # three seconds of silence on the stream before the speech

        said = stage_command(
            "say", "Hello viewers, this is the voice of the stream.", "--json",
            profile=profile, api_url=sim.api_url,
        )  # fmt: skip
        assert said.code == 0, said.stdout + said.stderr
        assert said.json()["seconds"] > 1.0
        time.sleep(1.5)

        status = live_status(profile, sim.api_url)
        assert status["phase"] == "live"
        assert status["counters"]["restarts"] == restarts
        stop = cockpit("live", "stop", "--json", "--profile", profile, "--api-url", sim.api_url)
        assert stop.code == 0, stop.stdout + stop.stderr
    finally:
        leftovers = stop_studio(sim.api_url, profile)
        assert leftovers == [], f"processes left behind: {leftovers}"

    assert sim.ingest is not None
    deadline = time.monotonic() + 20
    while (recording := newest_recording(sim.ingest.record_dir, started)) is None:
        assert time.monotonic() < deadline, "the ingest kept no recording"
        time.sleep(0.2)
    levels = audio_levels(supervisor, recording)
    loud = [index for index, level in enumerate(levels) if level > AUDIBLE_DB]
    assert loud, f"no speech in the recording: {levels}"
    assert max(levels[: loud[0]]) < SILENT_DB, f"not silent before the speech: {levels}"

    times = video_times(supervisor, recording)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert max(gaps) < MAX_VIDEO_GAP, f"the video stopped for {max(gaps):.2f} s"
    assert times[-1] - times[0] > loud[-1] * 0.5, "the video ended before the speech did"


@needs_programs(*VOICE_PROGRAMS)
def test_speech_rejects_bad_text(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    server = PulseServer(supervisor, tmp_path / "pulse", tmp_path)
    server.start()
    speech = Speech(supervisor, server.address)
    with pytest.raises(VoiceError, match="empty"):
        speech.say("   ")
    with pytest.raises(VoiceError, match="maximum is 2000"):
        speech.say("a" * 2001)
    with pytest.raises(VoiceError, match="does not exist"):
        speech.play(tmp_path / "missing.wav")
    # Text that looks like an option is spoken, not taken as one.
    assert speech.say("--help") > 0.1
    server.stop()
    assert not server.running
    assert not server.socket_path.exists()


@needs_programs("pulseaudio")
def test_pulse_server_restarts_after_exit(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    server = PulseServer(supervisor, tmp_path / "pulse", tmp_path)
    server.start()
    assert server.child is not None
    first = server.child.pid
    server.child.popen.kill()
    server.child.popen.wait(10)
    assert not server.running

    server.start()

    assert server.running
    assert server.child is not None and server.child.pid != first
    assert (tmp_path / "pulse").stat().st_mode & 0o777 == 0o700
    server.stop()


def test_pulse_server_rejects_long_socket_path(
    supervisor: ProcessSupervisor, tmp_path: Path
) -> None:
    deep = tmp_path / ("d" * (MAX_SOCKET_PATH_BYTES - len(bytes(tmp_path))))
    server = PulseServer(supervisor, deep, tmp_path)
    with pytest.raises(VoiceError, match="XDG_STATE_HOME"):
        server.start()
    assert supervisor.children == []


def test_pipeline_audio_choice(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    settings = load_settings()
    silent = Pipeline(supervisor, settings, tmp_path / "logs", ["true"], Redactor(), voice=False)
    assert silent.pulse is None
    assert silent.encoder_audio() == (None, {})
    assert audio_input_args(None)[-1].startswith("anullsrc")

    given = Pipeline(
        supervisor, settings, tmp_path / "logs", ["true"], Redactor(), audio_source="mic.monitor"
    )
    assert given.pulse is None
    assert given.encoder_audio() == ("mic.monitor", {})

    voiced = Pipeline(supervisor, settings, tmp_path / "logs", ["true"], Redactor(), voice=True)
    assert voiced.pulse is not None
    assert voiced.pulse.directory == tmp_path / "pulse"
    # Until its server runs, a voiced pipeline still streams a silent track.
    assert voiced.encoder_audio() == (None, {})
    assert voiced.speech() is None


@needs_programs("pulseaudio")
def test_pipeline_uses_running_pulse(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    settings = load_settings()
    pipeline = Pipeline(supervisor, settings, tmp_path / "logs", ["true"], Redactor(), voice=True)
    assert pipeline.pulse is not None
    pipeline.pulse.start()
    source, environment = pipeline.encoder_audio()
    assert source == MONITOR_SOURCE
    assert environment == {"PULSE_SERVER": f"unix:{tmp_path / 'pulse' / 'native'}"}
    assert pipeline.speech() is not None
    pipeline.pulse.stop()


def test_pipeline_without_pulseaudio_installed(
    supervisor: ProcessSupervisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulseaudio on this PATH
    pipeline = Pipeline(supervisor, load_settings(), tmp_path / "logs", ["true"], Redactor())
    assert pipeline.pulse is None
    assert pipeline.encoder_audio() == (None, {})


async def test_speaker_asks_studio_in_order() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    async def command(name: str, **args: Any) -> dict[str, Any]:
        calls.append((name, args))
        return {"seconds": 1.0}

    speaker = NarrationSpeaker(command, "default", "en-gb", 140)
    for number in range(QUEUE_SIZE + 3):
        speaker.submit(f"line {number}")
    task = asyncio.create_task(speaker.run())
    try:
        async with asyncio.timeout(10):
            while speaker.spoken < QUEUE_SIZE:
                await asyncio.sleep(0.01)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # The three oldest lines were dropped when the queue was full.
    assert [args["text"] for _, args in calls] == [f"line {n}" for n in range(3, QUEUE_SIZE + 3)]
    assert calls[0] == (
        "say",
        {"timeout": SAY_TIMEOUT, "text": "line 3", "voice": "en-gb", "words_per_minute": 140},
    )


@needs_programs(*VOICE_PROGRAMS)
async def test_stage_speaks_new_narration_lines(
    supervisor: ProcessSupervisor, tmp_path: Path
) -> None:
    # The test studio has no 'say' command, so the stage speaks into the profile's server.
    server = PulseServer(supervisor, voice_dir("default"), tmp_path)
    await asyncio.to_thread(server.start)
    recording = tmp_path / "monitor.raw"
    argv = ["ffmpeg", "-v", "error", "-f", "pulse", "-sample_rate", "44100", "-channels", "2"]
    argv += ["-i", MONITOR_SOURCE, "-f", "s16le", "-y", str(recording)]
    recorder = supervisor.start(
        ProcessSpec("ffmpeg", argv, environment={"PULSE_SERVER": server.address})
    )
    narration_file = tmp_path / "narration.txt"
    narration_file.write_text("an old line is not spoken\n")
    studio = FakeStudio(tmp_path / "studio.sock", snapshot())
    await studio.start()
    options = StageOptions(
        socket_path=tmp_path / "studio.sock", narration_file=narration_file, speak_narration=True
    )
    app = build_stage(options)
    try:
        async with app.run_test(size=(106, 29)) as pilot:
            deadline = time.monotonic() + 20
            while not recording.exists() or recording.stat().st_size < 4 * 44100 * 3:
                assert time.monotonic() < deadline, "the recorder wrote nothing"
                await pilot.pause(0.1)
            silence = await asyncio.to_thread(audio_levels, supervisor, recording, 0.5, RAW_AUDIO)
            assert max(silence) < SILENT_DB, f"the old line was spoken: {silence}"

            with narration_file.open("a") as handle:
                handle.write("A new line from the agent.\n")
            levels: list[float] = []
            while not levels or max(levels) < AUDIBLE_DB:
                assert time.monotonic() < deadline + 30, f"no speech: {levels[-10:]}"
                await pilot.pause(0.5)
                levels = await asyncio.to_thread(
                    audio_levels, supervisor, recording, 0.5, RAW_AUDIO
                )
    finally:
        await studio.close()
        supervisor.stop(recorder)
        await asyncio.to_thread(server.stop)
