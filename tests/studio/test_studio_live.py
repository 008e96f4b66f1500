"""Clients of a real, live studio: snapshots, resuming, slow and killed clients, stopping.

The studios stream to the simulator's real RTMP ingest, so the platform shows
them live only while their encoder pushes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from studio_helpers import (
    all_gone,
    cockpit,
    connect,
    descendants,
    pipeline_of,
    register,
    studio_pid,
    studios_cleaned_up,
    wait_until,
)

from cockpit.api.client import RetakeClient
from cockpit.api.credentials import CredentialStore
from cockpit.broadcast.processes import ProcessSpec, ProcessSupervisor
from cockpit.sim.server import SimServer
from cockpit.studio.client import StudioClient
from cockpit.studio.locations import log_path, socket_path
from cockpit.studio.protocol import decode, encode, hello

pytestmark = pytest.mark.pipeline


def options(profile: str, sim: SimServer) -> tuple[str, ...]:
    return ("--profile", profile, "--api-url", sim.api_url)


def go_live(profile: str, sim: SimServer) -> None:
    start = cockpit("live", "start", "--json", *options(profile, sim))
    assert start.code == 0, start.stdout + start.stderr


async def narrate(profile: str, texts: list[str]) -> None:
    narrator = await connect(profile, "cli", subscribe=False)
    try:
        for text in texts:
            await narrator.command("narrate", text=text)
    finally:
        await narrator.close()


async def read_until_narrated(
    client: StudioClient, text: str, timeout: float = 20.0
) -> list[dict[str, Any]]:
    """Return every message up to and including the narration ``text``."""
    received = []
    async with asyncio.timeout(timeout):
        async for message in client.events():
            received.append(message)
            if message.get("kind") == "narration" and message["data"]["text"] == text:
                return received
    raise AssertionError(f"the events ended before the narration {text!r}")


def platform_is_live(profile: str, sim: SimServer) -> bool:
    async def status() -> bool:
        credentials = CredentialStore(profile).load()
        async with RetakeClient(
            sim.api_url, access_token=credentials.access_token, token_api_url=credentials.api_url
        ) as client:
            return (await client.stream_status()).is_live

    return asyncio.run(status())


def test_reattach_while_live_resumes_without_gaps(ingest_sim: SimServer) -> None:
    register(ingest_sim.api_url, "resume")
    with studios_cleaned_up(ingest_sim.api_url, "resume"):
        assert cockpit("live", "status", *options("resume", ingest_sim)).code == 0
        asyncio.run(_reattach_scenario())


async def _reattach_scenario() -> None:
    first = await connect("resume")
    assert first.snapshot is not None
    assert first.snapshot["phase"] == "offline"
    first_seq = first.last_seq
    assert first_seq is not None

    # go_live responds at once; the progress arrives as events.
    accepted = await first.command("go_live")
    assert accepted["accepted"] is True
    seen = []
    async with asyncio.timeout(60):
        async for message in first.events():
            seen.append(message)
            data = message.get("data", {})
            if message.get("kind") == "broadcast" and data.get("phase") == "live":
                break
    steps_done = [
        m["data"]["step"]
        for m in seen
        if m.get("kind") == "broadcast" and m["data"].get("state") == "done"
    ]
    assert len(steps_done) == 7

    await narrate("resume", [f"line {number}" for number in range(5)])
    seen += await read_until_narrated(first, "line 4")
    # Resume after the last event this test read: the client may hold later ones in its queue.
    resume_from, instance = seen[-1]["seq"], first.instance
    await first.close()

    # Events keep coming while no client is attached: narrations, feeds, health reports.
    await narrate("resume", [f"line {number}" for number in range(5, 10)])
    second = await connect("resume", resume_from=resume_from, instance=instance)
    try:
        await narrate("resume", ["line 10", "line 11"])
        seen += await read_until_narrated(second, "line 11")
    finally:
        await second.close()

    numbers = [message["seq"] for message in seen]
    assert numbers == list(range(first_seq + 1, first_seq + 1 + len(numbers)))
    narrated = [m["data"]["text"] for m in seen if m.get("kind") == "narration"]
    assert narrated == [f"line {number}" for number in range(12)]

    third = await connect("resume")
    try:
        snapshot = third.snapshot
        assert snapshot is not None
        assert third.last_seq is not None
        assert third.last_seq >= numbers[-1]
        assert snapshot["phase"] == "live"
        assert set(snapshot["steps"].values()) == {"done"}
        assert snapshot["narration"]["text"] == "line 11"
        names = {process["name"] for process in snapshot["health"]["processes"]}
        assert {"studio", "xvfb", "openbox", "xterm", "ffmpeg"} <= names
        assert snapshot["health"]["encoder"]["running"] is True
        assert snapshot["feeds"] is not None
        assert snapshot["studio"]["profile"] == "resume"
        assert snapshot["studio"]["token_address"]
    finally:
        await third.close()


def test_slow_client_does_not_stall_studio(
    ingest_sim: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETAKE_COCKPIT_STUDIO__CLIENT_QUEUE", "20")
    register(ingest_sim.api_url, "slow")
    with studios_cleaned_up(ingest_sim.api_url, "slow"):
        assert cockpit("live", "status", *options("slow", ingest_sim)).code == 0
        asyncio.run(_slow_client_scenario())


async def _slow_client_scenario() -> None:
    # A blocking socket that is never read: the kernel's buffers fill, then the studio's queue.
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.connect(str(socket_path("slow")))
    slow.sendall(encode(hello("console")))
    fast = await connect("slow")
    narrator = await connect("slow", "cli", subscribe=False)
    try:
        # 4,000-character narrations fill the slow client's socket buffers within a few dozen.
        delays = []
        for number in range(300):
            sent_at = time.monotonic()
            await narrator.command("narrate", text=f"{number:04d}" + "z" * 3996)
            await read_until_narrated(fast, f"{number:04d}" + "z" * 3996, timeout=5)
            delays.append(time.monotonic() - sent_at)
        assert max(delays) < 1.0, f"the fast client waited up to {max(delays):.2f} s"

        status = await narrator.command("status")
        behind = [client for client in status["clients"] if client["behind"]]
        assert len(behind) == 1
        assert behind[0]["kind"] == "console"
        assert behind[0]["queued"] <= 25

        message = await asyncio.to_thread(_resync_slow_client, slow)
        assert message["resync"] is True
        assert message["state"]["narration"]["text"].startswith("0299")
    finally:
        slow.close()
        await narrator.close()
        await fast.close()


def _resync_slow_client(slow: socket.socket) -> dict[str, Any]:
    """Read until the resync notice, ask for a snapshot, and return it."""
    slow.settimeout(10)
    lines = slow.makefile("rb")
    while decode(lines.readline())["type"] != "resync_required":
        pass
    slow.sendall(encode({"type": "resync"}))
    while (message := decode(lines.readline()))["type"] != "snapshot":
        pass
    return message


def test_killed_client_does_not_stop_stream(ingest_sim: SimServer, tmp_path: Path) -> None:
    register(ingest_sim.api_url, "killed")
    common = options("killed", ingest_sim)
    printed = tmp_path / "tail.out"
    with studios_cleaned_up(ingest_sim.api_url, "killed"), ProcessSupervisor("clients") as clients:
        go_live("killed", ingest_sim)
        ffmpeg = pipeline_of(studio_pid("killed") or 0)["ffmpeg"]

        tail_command = [sys.executable, "-m", "cockpit", "chat", "tail", *common]
        environment = dict(os.environ)
        killed = clients.start(ProcessSpec("tail", tail_command, environment=environment))
        interrupted = clients.start(
            ProcessSpec("tail", tail_command, environment=environment, stdout=printed)
        )
        assert wait_until(lambda: {killed.pid, interrupted.pid} <= _client_pids("killed"))

        # The tail prints new messages as display-safe text: no escape sequence gets through.
        sent = cockpit("chat", "send", "tail sees \x1b[31mred\x1b[0m text", *common)
        assert sent.code == 0, sent.stderr
        assert wait_until(lambda: "tail sees red text" in _read(printed))
        assert "\x1b" not in _read(printed)

        os.kill(killed.pid, signal.SIGKILL)
        os.kill(interrupted.pid, signal.SIGINT)
        assert wait_until(lambda: not interrupted.running, timeout=10)
        assert wait_until(lambda: not killed.running, timeout=10)
        assert interrupted.returncode == 0
        assert wait_until(lambda: not {killed.pid, interrupted.pid} & _client_pids("killed"))
        clients.forget(killed)
        clients.forget(interrupted)

        time.sleep(2)  # time for a wrongly triggered stop to show
        status = cockpit("live", "status", "--json", *common).json()
        assert status["phase"] == "live"
        assert ffmpeg.is_running()
        assert platform_is_live("killed", ingest_sim)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _client_pids(profile: str) -> set[int]:
    async def pids() -> set[int]:
        client = await connect(profile, "cli", subscribe=False)
        try:
            status = await client.command("status")
        finally:
            await client.close()
        return {entry["pid"] for entry in status["clients"]}

    return asyncio.run(pids())


def test_studio_stop_asks_while_live(ingest_sim: SimServer) -> None:
    register(ingest_sim.api_url, "asked")
    common = options("asked", ingest_sim)
    with studios_cleaned_up(ingest_sim.api_url, "asked"):
        go_live("asked", ingest_sim)
        pid = studio_pid("asked")
        assert pid is not None
        family = [psutil.Process(pid), *descendants(pid)]

        declined = cockpit("studio", "stop", *common, stdin="n\n")
        assert declined.code == 1
        assert "End the stream and stop the studio? [y/N]" in declined.stdout
        assert "Nothing was stopped." in declined.stdout
        status = cockpit("studio", "status", "--json", *common).json()
        assert status["status"]["phase"] == "live"
        assert studio_pid("asked") == pid

        stopped = cockpit("studio", "stop", "--yes", *common)
        assert stopped.code == 0, stopped.stderr
        assert f"pid {pid}" in stopped.stdout
        assert studio_pid("asked") is None
        assert wait_until(lambda: all_gone(family), timeout=15)
        assert not platform_is_live("asked", ingest_sim)


def test_two_profiles_side_by_side(ingest_sim: SimServer) -> None:
    register(ingest_sim.api_url, "first")
    register(ingest_sim.api_url, "second")
    with studios_cleaned_up(ingest_sim.api_url, "first", "second"):
        go_live("first", ingest_sim)
        go_live("second", ingest_sim)
        first = cockpit("live", "status", "--json", *options("first", ingest_sim)).json()
        second = cockpit("live", "status", "--json", *options("second", ingest_sim)).json()

        assert first["phase"] == second["phase"] == "live"
        assert first["display"] != second["display"]
        assert first["studio"]["pid"] != second["studio"]["pid"]
        assert socket_path("first") != socket_path("second")
        first_xvfb = pipeline_of(first["studio"]["pid"])["Xvfb"]
        second_xvfb = pipeline_of(second["studio"]["pid"])["Xvfb"]
        assert first_xvfb.pid != second_xvfb.pid

        stopped = cockpit("live", "stop", "--json", *options("first", ingest_sim))
        assert stopped.code == 0
        assert not platform_is_live("first", ingest_sim)
        assert platform_is_live("second", ingest_sim)
        assert (
            cockpit("live", "status", "--json", *options("second", ingest_sim)).json()["phase"]
            == "live"
        )

        # SIGTERM ends the stream cleanly too, then the studio exits.
        second_pid = second["studio"]["pid"]
        family = [psutil.Process(second_pid), *descendants(second_pid)]
        os.kill(second_pid, signal.SIGTERM)
        assert wait_until(lambda: all_gone(family), timeout=30)
        assert studio_pid("second") is None
        assert not platform_is_live("second", ingest_sim)
        log = log_path("second").read_text()
        assert "received SIGTERM" in log
        assert "POST " + ingest_sim.api_url + "/agent/stream/stop" in log


def test_scene_returns_to_auto(ingest_sim: SimServer) -> None:
    register(ingest_sim.api_url, "scenes")
    common = options("scenes", ingest_sim)
    with studios_cleaned_up(ingest_sim.api_url, "scenes"):
        offline = cockpit("scene", "brb", *common)
        assert offline.code == 0, offline.stderr
        assert "going live returns the stage to auto" in offline.stdout

        go_live("scenes", ingest_sim)
        assert cockpit("scene", "--json", *common).json()["scene"] is None
        assert cockpit("scene", "ending", *common).code == 0
        stopped = cockpit("live", "stop", *common)
        assert stopped.code == 0, stopped.stderr

        assert cockpit("scene", "--json", *common).json()["scene"] is None


def test_chat_send_joins_words(ingest_sim: SimServer) -> None:
    register(ingest_sim.api_url, "words")
    common = options("words", ingest_sim)
    with studios_cleaned_up(ingest_sim.api_url, "words"):
        sent = cockpit("chat", "send", "hello", "there", "everyone", *common)
        history = cockpit("chat", "history", "--json", *common)

    assert sent.code == 0, sent.stderr
    assert sent.stdout.strip() == "Sent to your stream's chat."
    assert history.code == 0, history.stderr
    texts = [json.loads(line)["text"] for line in history.stdout.splitlines()]
    assert "hello there everyone" in texts


def test_heartbeat_checks_studio_url(ingest_sim: SimServer) -> None:
    register(ingest_sim.api_url, "beat")
    common = options("beat", ingest_sim)
    with studios_cleaned_up(ingest_sim.api_url, "beat"):
        assert cockpit("live", "status", *common).code == 0  # starts the studio
        assert studio_pid("beat") is not None
        through_studio = cockpit("heartbeat", "--json", *common)
        elsewhere = cockpit(
            "heartbeat", "--json", "--profile", "beat", "--api-url", "http://127.0.0.1:9/api/v1"
        )

    assert through_studio.code == 0, through_studio.stderr
    assert through_studio.json()["ok"] is True
    assert elsewhere.code == 1
    assert elsewhere.json()["ok"] is False
    assert "http://127.0.0.1:9/api/v1" in elsewhere.json()["error"]["message"]
