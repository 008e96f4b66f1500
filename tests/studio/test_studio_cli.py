"""The command-line clients against real studios: output, exit statuses and the launcher.

Each test registers a profile with `cockpit register` in its own home, lets
the client commands start the studio detached, and stops it by PID at the end.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest
from studio_helpers import (
    all_gone,
    cockpit,
    connect,
    pipeline_of,
    register,
    studio_pid,
    studios_cleaned_up,
    wait_until,
)

from cockpit.api.credentials import CredentialStore
from cockpit.broadcast.processes import ProcessSpec, ProcessSupervisor
from cockpit.sim.server import SimOptions, SimServer
from cockpit.studio.locations import log_path, socket_path

pytestmark = pytest.mark.pipeline


def options(profile: str, sim: SimServer) -> tuple[str, ...]:
    return ("--profile", profile, "--api-url", sim.api_url)


def test_live_cycle_json_and_exit_statuses(ingest_sim: SimServer) -> None:
    register(ingest_sim.api_url, "cycle")
    common = options("cycle", ingest_sim)
    with studios_cleaned_up(ingest_sim.api_url, "cycle"):
        status = cockpit("live", "status", "--json", *common)
        assert status.code == 0, status.stderr
        assert status.json()["ok"] is True
        assert status.json()["phase"] == "offline"
        assert status.json()["orphaned_live"] is False

        offline_thumbnail = cockpit("thumbnail", "--json", *common)
        assert offline_thumbnail.code == 1
        assert offline_thumbnail.json()["ok"] is False
        assert offline_thumbnail.json()["error"]["code"] == "not_live"

        start = cockpit("live", "start", "--json", *common)
        assert start.code == 0, start.stdout + start.stderr
        assert start.json()["ok"] is True
        assert start.json()["phase"] == "live"
        assert start.json()["time_to_live_seconds"] > 0
        # The first stream start created the agent's token, which the profile now records.
        assert CredentialStore("cycle").load().token_address

        again = cockpit("live", "start", "--json", *common)
        assert again.code == 0
        assert again.json()["already_live"] is True

        heartbeat = asyncio.run(_command("cycle", "heartbeat"))
        assert heartbeat["is_live"] is True
        assert heartbeat["token_address"] == CredentialStore("cycle").load().token_address

        thumbnail = cockpit("thumbnail", "--json", *common)
        assert thumbnail.code == 0, thumbnail.stdout
        assert Path(thumbnail.json()["path"]).is_file()

        sent = cockpit("chat", "send", "hello from the studio test", "--json", *common)
        assert sent.code == 0, sent.stdout
        assert sent.json()["state"] == "sent"
        assert sent.json()["text"] == "hello from the studio test"

        empty = cockpit("chat", "send", "   ", *common)
        assert empty.code == 2
        assert "empty" in empty.stderr

        stop = cockpit("live", "stop", "--json", *common)
        assert stop.code == 0, stop.stdout
        assert stop.json()["stopped"] is True
        assert isinstance(stop.json()["duration_seconds"], int)

        stop_again = cockpit("live", "stop", "--json", *common)
        assert stop_again.code == 0
        assert stop_again.json()["stopped"] is False


async def _command(profile: str, name: str) -> dict[str, Any]:
    client = await connect(profile, "cli", subscribe=False)
    try:
        return await client.command(name)
    finally:
        await client.close()


def test_live_start_and_stop_print_progress(ingest_sim: SimServer) -> None:
    register(ingest_sim.api_url, "words")
    common = options("words", ingest_sim)
    with studios_cleaned_up(ingest_sim.api_url, "words"):
        start = cockpit("live", "start", *common)
        assert start.code == 0, start.stderr
        assert "fetch fresh RTMP keys: done" in start.stdout
        assert "upload first thumbnail: done" in start.stdout
        assert "Live: on air after" in start.stdout

        status = cockpit("live", "status", *common)
        assert status.code == 0
        assert "live" in status.stdout
        assert "Display: :" in status.stdout

        stop = cockpit("live", "stop", *common)
        assert stop.code == 0
        assert "Stopped the stream" in stop.stdout


def test_missing_profile_starts_no_studio(ingest_sim: SimServer) -> None:
    run = cockpit("live", "status", *options("nobody", ingest_sim))
    assert run.code == 1
    assert "No credentials for profile 'nobody'" in run.stderr
    assert "cockpit register" in run.stderr
    assert studio_pid("nobody") is None


def test_idle_studio_exits(ingest_sim: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETAKE_COCKPIT_STUDIO__IDLE_EXIT", "2")
    register(ingest_sim.api_url, "idle")
    with studios_cleaned_up(ingest_sim.api_url, "idle"):
        assert cockpit("live", "status", *options("idle", ingest_sim)).code == 0
        pid = studio_pid("idle")
        assert pid is not None
        assert wait_until(lambda: studio_pid("idle") is None, timeout=15)
        assert wait_until(lambda: all_gone([psutil.Process(pid)]), timeout=5)
        assert not socket_path("idle").exists()
        assert "no stream and no client for 2 s; exiting" in log_path("idle").read_text()


def test_one_studio_per_profile(ingest_sim: SimServer) -> None:
    register(ingest_sim.api_url, "single")
    common = options("single", ingest_sim)
    with studios_cleaned_up(ingest_sim.api_url, "single"):
        assert cockpit("live", "status", *common).code == 0
        pid = studio_pid("single")

        status = cockpit("studio", "status", "--json", *common)
        assert status.code == 0
        assert status.json()["running"] is True
        assert status.json()["pid"] == pid

        # A second studio for the same profile, started the way the launcher starts one.
        with ProcessSupervisor("second-studio") as supervisor:
            result = supervisor.run(
                ProcessSpec(
                    "studio",
                    [sys.executable, "-m", "cockpit", "studio", "run", *common],
                    environment=dict(os.environ),
                ),
                timeout=30,
            )
        assert result.returncode == 1
        assert f"process {pid} holds" in result.stderr.decode()
        assert studio_pid("single") == pid

        other_url = cockpit(
            "live", "status", "--profile", "single", "--api-url", "http://127.0.0.1:9/api/v1"
        )
        assert other_url.code == 1
        assert f"serves {ingest_sim.api_url}" in other_url.stderr


def test_studio_status_without_studio(ingest_sim: SimServer) -> None:
    status = cockpit("studio", "status", "--json", *options("absent", ingest_sim))
    assert status.code == 0
    assert status.json()["running"] is False
    stop = cockpit("studio", "stop", *options("absent", ingest_sim))
    assert stop.code == 0
    assert "No studio runs" in stop.stdout


def test_studio_that_fails_to_start_is_reported(ingest_sim: SimServer) -> None:
    register(ingest_sim.api_url, "mismatch")
    other = "http://127.0.0.1:9/api/v1"
    run = cockpit("live", "status", "--profile", "mismatch", "--api-url", other)
    assert run.code == 1
    assert "exited while starting" in run.stderr
    assert f"belongs to {ingest_sim.api_url}" in run.stderr
    assert str(log_path("mismatch")) in run.stderr
    assert studio_pid("mismatch") is None


def test_failed_go_live_cleans_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETAKE_COCKPIT_STREAM__SKILL_VERSION_POLICY", "require")
    with SimServer(SimOptions(seed=13, skill_version="9.0.0")) as sim:
        register(sim.api_url, "failing")
        common = options("failing", sim)
        with studios_cleaned_up(sim.api_url, "failing"):
            start = cockpit("live", "start", "--json", *common)
            assert start.code == 1
            assert start.json()["ok"] is False
            assert start.json()["error"]["code"] == "go_live_failed"
            assert "9.0.0" in start.json()["error"]["message"]

            status = cockpit("live", "status", "--json", *common).json()
            assert status["phase"] == "offline"
            assert status["steps"]["check platform skill version"] == "failed"
            assert status["last_error"]
            pid = studio_pid("failing")
            assert pid is not None
            assert wait_until(lambda: not pipeline_of(pid), timeout=15)


def test_heartbeat_goes_through_running_studio(
    ingest_sim: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(ingest_sim.api_url, "beat")
    common = options("beat", ingest_sim)
    with studios_cleaned_up(ingest_sim.api_url, "beat"):
        assert cockpit("live", "status", *common).code == 0  # starts the studio

        async def direct_path_used(settings: Any) -> Any:
            raise AssertionError("the heartbeat bypassed the running studio")

        monkeypatch.setattr("cockpit.commands.heartbeat._heartbeat", direct_path_used)
        beat = cockpit("heartbeat", "--json", *common)
        assert beat.code == 0, beat.stderr
        assert beat.json()["is_live"] is False
        text = cockpit("heartbeat", *common)
        assert text.code == 0, text.stderr
        assert "Live: no" in text.stdout
        assert "Previous heartbeat:" in text.stdout
