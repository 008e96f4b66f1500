"""``cockpit scene``, ``cockpit narrate`` and ``cockpit say`` against a studio on its socket.

The studio is `FakeStudio` (the real `StudioServer`) listening where the
profile's studio would, so the commands find it as they find a real one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_studio import FakeStudio
from stage_data import snapshot
from stage_helpers import ThreadedStudio, audio_levels, needs_programs, stage_command

from cockpit.broadcast.processes import ProcessSpec, ProcessSupervisor
from cockpit.broadcast.voice import MONITOR_SOURCE, PulseServer, voice_dir
from cockpit.studio.locations import ensure_run_dir, socket_path

SILENCE_BYTES = 200_000
"""About 1.1 s of the recorder's WAV output (44.1 kHz, two 16-bit channels)."""


@pytest.fixture
def studio() -> Iterator[FakeStudio]:
    ensure_run_dir()
    with ThreadedStudio(socket_path("default"), snapshot()) as fake:
        yield fake


def test_scene_switches(studio: FakeStudio) -> None:
    run = stage_command("scene", "brb")
    assert run.code == 0, run.stderr
    assert studio.commands == [("set_scene", {"scene": "brb"})]
    assert "brb" in run.stdout


def test_scene_auto_clears(studio: FakeStudio) -> None:
    run = stage_command("scene", "auto", "--json")
    assert run.code == 0, run.stderr
    assert run.json() == {"ok": True, "scene": None}
    assert studio.commands == [("set_scene", {"scene": None})]


def test_scene_without_name_shows_current(studio: FakeStudio) -> None:
    studio.state["scene"] = None
    run = stage_command("scene", "--json")
    assert run.code == 0, run.stderr
    assert run.json() == {"ok": True, "scene": None, "phase": "live", "drawn": "live"}
    assert studio.commands == []


def test_scene_rejects_unknown_name() -> None:
    run = stage_command("scene", "intermission")
    assert run.code == 2
    assert "invalid choice" in run.stderr


def test_narrate_sends_line(studio: FakeStudio) -> None:
    run = stage_command("narrate", "hello", "viewers")
    assert run.code == 0, run.stderr
    assert studio.commands == [("narrate", {"text": "hello viewers"})]


def test_narrate_rejects_blank() -> None:
    run = stage_command("narrate", "  ")
    assert run.code == 2
    assert "1 to 4000" in run.stderr


def test_say_needs_text_or_file() -> None:
    assert stage_command("say").code == 2
    assert stage_command("say", "hi", "--file", "/tmp/a.wav").code == 2


def test_say_without_audio_server(studio: FakeStudio) -> None:
    run = stage_command("say", "hello", "--json")
    assert run.code == 1
    assert run.json()["error"]["code"] == "voice_unavailable"
    assert "audio server is not running" in run.json()["error"]["message"]


@needs_programs("pulseaudio", "paplay", "espeak-ng", "ffmpeg")
def test_say_plays_into_profile_audio_server(studio: FakeStudio, tmp_path: Path) -> None:
    # The fake studio has no 'say' command, so the line is played from the command itself.
    with ProcessSupervisor("say-test") as supervisor:
        server = PulseServer(supervisor, voice_dir("default"), tmp_path)
        server.start()
        recording = tmp_path / "monitor.wav"
        argv = ["ffmpeg", "-v", "error", "-f", "pulse", "-sample_rate", "44100"]
        argv += ["-channels", "2", "-i", MONITOR_SOURCE, "-t", "12", "-y", str(recording)]
        recorder = supervisor.start(
            ProcessSpec("ffmpeg", argv, environment={"PULSE_SERVER": server.address})
        )
        # About a second of silence first, so that the speech is louder than what precedes it.
        deadline = time.monotonic() + 20
        while not recording.exists() or recording.stat().st_size < SILENCE_BYTES:
            assert time.monotonic() < deadline, "the recorder wrote nothing"
            time.sleep(0.05)

        run = stage_command("say", "hello", "viewers", "--json")

        assert run.code == 0, run.stdout + run.stderr
        assert run.json()["played_by"] == "cli"
        assert run.json()["seconds"] > 0.3
        supervisor.stop(recorder)
        levels = audio_levels(supervisor, recording)
    assert levels, "nothing was recorded"
    assert levels[0] < -80, levels
    assert max(levels) > -40, levels


def test_stage_module_runs() -> None:
    # `python -m cockpit.ui.stage` is how the stage window starts the stage.
    argv = [sys.executable, "-m", "cockpit.ui.stage", "--help"]
    with ProcessSupervisor("stage-help") as supervisor:
        result = supervisor.run(ProcessSpec("stage", argv), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert b"--socket" in result.stdout
    assert b"--narration-file" in result.stdout
