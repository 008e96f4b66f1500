"""`cockpit demo --headless` end to end, checked from outside the cockpit.

The checks read what the cockpit does not control: the ingest's recordings
(ffprobe and a full decode), the simulator's own record (its public chat
endpoint and its control state), and the command-line clients a script would use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from pipeline_helpers import needs_programs, probe_streams, still_running, wait_until

from cockpit.broadcast.processes import ProcessSpec, ProcessSupervisor
from cockpit.studio.launcher import probe_studio

pytestmark = needs_programs("Xvfb", "openbox", "xterm", "ffmpeg", "ffprobe", "scrot", "nginx")

DURATION = 45.0
"""Seconds the demo stays live."""
THUMBNAIL_INTERVAL = 8.0
"""The shortened thumbnail interval, in seconds."""
SEND_AT = 10.0
QUIET_AT = 22.0
"""Seconds after going live when the audience falls silent, so that the chat records settle."""
COMPARE_AT = 36.0
"""Seconds after going live when the studio's chat is compared with the simulator's."""


class DemoRun:
    """The headless demo as a separate process, and ways to look at it from outside."""

    def __init__(self, home: Path, tmp_path: Path) -> None:
        self.home = home
        environment = {
            **os.environ,
            "RETAKE_COCKPIT_STREAM__THUMBNAIL_INTERVAL": str(THUMBNAIL_INTERVAL),
            "TMPDIR": str(tmp_path),
        }
        argv = [sys.executable, "-m", "cockpit", "demo", "--headless", "--json"]
        argv += ["--duration", str(DURATION), "--audience-rate", "3", "--seed", "11"]
        self.process = subprocess.Popen(
            [*argv, "--home", str(home)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=environment,
            text=True,
        )
        self.client_environment = {
            **os.environ,
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"),
        }
        self.origin = ""
        self.streamer_id = ""

    def wait_for_studio(self) -> None:
        socket = self.home / "state" / "retake-cockpit" / "run" / "demo.sock"
        answered: dict[str, Any] = {}

        def studio_answers() -> bool:
            assert self.process.poll() is None, self.process.communicate()
            answered.update(probe_studio(socket) or {})
            return bool(answered)

        assert wait_until(studio_answers, timeout=120, interval=0.5)
        studio = answered["studio"]
        self.origin = studio["api_url"].removesuffix("/api/v1")
        self.streamer_id = studio["user_db_id"]
        assert self.origin.startswith("http://127.0.0.1:")

    def sim_state(self) -> dict[str, Any]:
        response = httpx.get(f"{self.origin}/_sim/state", timeout=10)
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state

    def is_live(self) -> bool:
        agents = self.sim_state()["agents"]
        return any(agent["user_id"] == self.streamer_id and agent["is_live"] for agent in agents)

    def cockpit(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cockpit", *args, "--profile", "demo"],
            capture_output=True,
            text=True,
            timeout=60,
            env=self.client_environment,
            stdin=subprocess.DEVNULL,
        )

    def platform_chat(self) -> list[dict[str, Any]]:
        """Return every chat event of the agent's room, from the public chat endpoint."""
        chats: list[dict[str, Any]] = []
        before: str | None = None
        while True:
            params = {"streamer_id": self.streamer_id, "limit": "100"}
            if before is not None:
                params["before_chat_event_id"] = before
            response = httpx.get(f"{self.origin}/api/v1/chat/", params=params, timeout=10)
            response.raise_for_status()
            page = response.json()["chats"]
            chats += page
            if len(page) < 100:
                return chats
            before = page[-1]["chat_event_id"]

    def studio_chat(self) -> list[dict[str, Any]]:
        result = self.cockpit("chat", "history", "--json", "--limit", "500")
        assert result.returncode == 0, result.stdout + result.stderr
        return [json.loads(line) for line in result.stdout.splitlines()]

    def finish(self) -> dict[str, Any]:
        stdout, stderr = self.process.communicate(timeout=DURATION + 120)
        assert self.process.returncode == 0, stdout + stderr
        summary: dict[str, Any] = json.loads(stdout)
        return summary


def _at(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _wait_for(run: DemoRun, moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))
    assert run.process.poll() is None, run.process.communicate()


@pytest.fixture
def demo_run(tmp_path: Path) -> Any:
    # A Unix socket path is short, so the demo's files live in a short directory.
    with tempfile.TemporaryDirectory(prefix="e2e-", dir="/tmp") as short:
        run = DemoRun(Path(short) / "home", tmp_path)
        try:
            yield run
        finally:
            if run.process.poll() is None:
                run.process.kill()
                run.process.communicate(timeout=30)


def test_headless_demo_seen_from_outside(demo_run: DemoRun, tmp_path: Path) -> None:
    run = demo_run
    run.wait_for_studio()
    assert wait_until(run.is_live, timeout=90, interval=0.25)
    live_at = time.time()
    family = [psutil.Process(run.process.pid), *psutil.Process(run.process.pid).children(True)]
    assert {"Xvfb", "xterm", "ffmpeg", "nginx"} <= {process.name() for process in family}

    _wait_for(run, live_at + SEND_AT)
    marker = f"hello from outside {os.getpid()}"
    sent = run.cockpit("chat", "send", marker, "--json")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert json.loads(sent.stdout)["state"] == "sent"

    _wait_for(run, live_at + QUIET_AT)
    httpx.post(f"{run.origin}/_sim/audience", json={"rate": 0}, timeout=10).raise_for_status()
    _wait_for(run, live_at + COMPARE_AT)
    state = run.sim_state()
    platform = run.platform_chat()
    studio = run.studio_chat()

    # The message sent through the command-line client reached the platform once.
    assert [sent["text"] for sent in state["chat_sent"]].count(marker) == 1
    assert [chat["text"] for chat in platform].count(marker) == 1

    # The studio's chat matches the platform's record of the room: nothing missing or doubled.
    own = [item for item in studio if item["streamer_id"] == run.streamer_id]
    assert len(platform) >= 20, "the audience was too quiet to compare the records"
    platform_ids = [item["platform_id"] for item in own]
    assert None not in platform_ids, [item for item in own if item["platform_id"] is None]
    assert len(platform_ids) == len(set(platform_ids)), "an item is doubled"
    assert sorted(platform_ids) == sorted(chat["chat_event_id"] for chat in platform)
    by_id = {chat["chat_event_id"]: chat for chat in platform}
    assert all(item["text"] == by_id[item["platform_id"]]["text"] for item in own)

    # A thumbnail within seconds of going live, and another a shortened interval later.
    thumbnails = sorted(
        _at(thumbnail["at"])
        for thumbnail in state["thumbnails"]
        if thumbnail["user_id"] == run.streamer_id
    )
    assert thumbnails, state["thumbnails"]
    assert thumbnails[0] - live_at < 10, thumbnails[0] - live_at
    assert any(later - thumbnails[0] >= THUMBNAIL_INTERVAL - 1 for later in thumbnails[1:])

    summary = run.finish()
    assert summary["ok"] is True, summary["error"]
    assert summary["stop_duration_seconds"] >= DURATION - 5
    assert summary["stop_viewers"] is not None
    assert summary["processes_left"] == []
    assert wait_until(lambda: not any(still_running(process) for process in family), timeout=15)

    _assert_recordings_cover(run.home, summary["live_seconds"])


def _assert_recordings_cover(home: Path, live_seconds: float) -> None:
    """The ingest recorded decodable H.264 and AAC for most of the time the demo was live."""
    recordings = sorted(home.glob("ingest/*/recordings/*.flv"))
    assert recordings, list(home.glob("ingest/**/*"))
    total = 0.0
    with ProcessSupervisor("e2e-probe") as supervisor:
        for recording in recordings:
            streams = probe_streams(supervisor, recording)
            codecs = {stream["codec_type"]: stream["codec_name"] for stream in streams}
            assert codecs == {"video": "h264", "audio": "aac"}, codecs
            decode = supervisor.run(
                ProcessSpec(
                    "ffmpeg-decode",
                    ["ffmpeg", "-v", "error", "-i", str(recording), "-f", "null", "-"],
                ),
                timeout=120,
            )
            assert decode.returncode == 0, decode.stderr.decode()
            total += _duration(supervisor, recording)
    assert total >= 0.8 * live_seconds, (total, live_seconds)


def _duration(supervisor: ProcessSupervisor, path: Path) -> float:
    argv = ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)]
    result = supervisor.run(ProcessSpec("ffprobe", argv), timeout=20)
    assert result.returncode == 0, result.stderr.decode()
    return float(json.loads(result.stdout)["format"]["duration"])
