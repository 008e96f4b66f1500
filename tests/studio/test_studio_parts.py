"""Parts of the studio on their own: lock, event log, alert command, settings and commands."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cockpit.api.credentials import Credentials
from cockpit.broadcast.processes import ProcessError, ProcessSupervisor
from cockpit.redaction import Redactor
from cockpit.settings import SettingsError, load_settings
from cockpit.studio.alerts import AlertRunner, run_alert_command
from cockpit.studio.commands import StudioCommands
from cockpit.studio.eventlog import EventLog
from cockpit.studio.locations import SocketPathError, socket_path
from cockpit.studio.lock import StudioLock, StudioLockedError, holder_pid
from cockpit.studio.server import CommandError
from cockpit.studio.service import Studio
from cockpit.studio.session import ClientInfo

WRITE_STDIN = "import sys; open(sys.argv[1], 'a').write(sys.stdin.read())"


# Lock


def test_lock_is_exclusive_and_names_holder(tmp_path: Path) -> None:
    path = tmp_path / "run" / "profile.lock"
    first = StudioLock(path)
    first.acquire()
    try:
        assert holder_pid(path) == os.getpid()
        with pytest.raises(StudioLockedError) as raised:
            StudioLock(path).acquire(wait=0.2)
        assert f"process {os.getpid()}" in str(raised.value)
        assert "cockpit studio stop" in str(raised.value)
    finally:
        first.release()
    assert holder_pid(path) is None
    second = StudioLock(path)
    second.acquire(wait=0.2)
    second.release()


def test_holder_of_missing_lock_file_is_none(tmp_path: Path) -> None:
    assert holder_pid(tmp_path / "absent.lock") is None


def test_socket_path_too_long(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / ("d" * 100)))
    with pytest.raises(SocketPathError) as raised:
        socket_path("default")
    assert "XDG_STATE_HOME" in str(raised.value)


# Event log


def test_event_log_since() -> None:
    log = EventLog(capacity=100)
    for number in range(150):
        log.append("narration", {"n": number})
    assert log.last_seq == 150
    assert log.since(150) == []
    assert [event.seq for event in log.since(148) or []] == [149, 150]
    assert [event.seq for event in log.since(50) or []] == list(range(51, 151))
    assert log.since(49) is None  # event 50 has left the buffer
    assert log.since(151) is None  # a number from another instance


def test_event_log_rejects_nan_without_using_a_number() -> None:
    log = EventLog(capacity=10)
    with pytest.raises(ValueError):
        log.append("health", {"cpu": float("nan")})
    assert log.last_seq == 0


# Alert command


def test_alert_command_gets_json_on_stdin(tmp_path: Path) -> None:
    target = tmp_path / "alert.json"
    alert = {"kind": "orphaned_live", "severity": "critical", "message": "nothing on air"}
    with ProcessSupervisor("alert-test") as supervisor:
        status = run_alert_command(
            supervisor, [sys.executable, "-c", WRITE_STDIN, str(target)], alert, 10.0, None
        )
    assert status == 0
    assert json.loads(target.read_text()) == alert


def test_alert_command_is_stopped_after_timeout(tmp_path: Path) -> None:
    with ProcessSupervisor("alert-test") as supervisor:
        started = time.monotonic()
        with pytest.raises(ProcessError) as raised:
            run_alert_command(supervisor, ["sleep", "30"], {"kind": "x"}, 0.5, None)
        assert time.monotonic() - started < 10
        assert "studio.alert_timeout" in str(raised.value)
        assert supervisor.children == []


async def test_alert_runner_runs_each_alert_in_order(tmp_path: Path) -> None:
    target = tmp_path / "alerts.jsonl"
    with ProcessSupervisor("alert-test") as supervisor:
        runner = AlertRunner(supervisor, [sys.executable, "-c", WRITE_STDIN, str(target)], 10.0)
        runner.start()
        for number in range(3):
            runner.submit({"kind": "test", "n": number})
        await runner.close()
    lines = target.read_text().splitlines()
    assert [json.loads(line)["n"] for line in lines] == [0, 1, 2]
    assert runner.runs == 3


async def test_alert_runner_without_command_runs_nothing() -> None:
    with ProcessSupervisor("alert-test") as supervisor:
        runner = AlertRunner(supervisor, [], 10.0)
        runner.start()
        runner.submit({"kind": "test"})
        await runner.close()
    assert runner.runs == 0
    assert not runner.enabled


# Settings


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("notify-send 'stream alert'", ["notify-send", "stream alert"]),
        ('["/usr/local/bin/page", "--urgent"]', ["/usr/local/bin/page", "--urgent"]),
        ("", []),
    ],
)
def test_alert_command_setting_from_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv("RETAKE_COCKPIT_STUDIO__ALERT_COMMAND", value)
    assert load_settings().studio.alert_command == expected


def test_alert_command_setting_from_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[studio]\nalert_command = ["page", "-t", "cockpit"]\nalert_timeout = 4\n')
    monkeypatch.setenv("RETAKE_COCKPIT_CONFIG", str(config))
    settings = load_settings()
    assert settings.studio.alert_command == ["page", "-t", "cockpit"]
    assert settings.studio.alert_timeout == 4


def test_invalid_alert_command_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETAKE_COCKPIT_STUDIO__ALERT_COMMAND", '["unterminated"')
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "studio.alert_command" in str(raised.value)


# Commands, against a studio that is not started (no network, no processes)


@dataclass
class OfflineStudio:
    studio: Studio
    published: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def publish(self, kind: str, data: dict[str, Any]) -> int:
        self.published.append((kind, data))
        return len(self.published)


@pytest.fixture
async def offline() -> AsyncIterator[OfflineStudio]:
    settings = load_settings(api_url="http://127.0.0.1:9/api/v1", profile="offline")
    credentials = Credentials(access_token="rtk_test", api_url="http://127.0.0.1:9/api/v1")
    studio = Studio(settings, credentials, Redactor())
    offline = OfflineStudio(studio)
    studio.connect_server(offline.publish, list)
    try:
        yield offline
    finally:
        studio.supervisor.close()
        await studio.client.aclose()


CLIENT = ClientInfo(1, "cli", os.getpid())


async def test_commands_check_arguments(offline: OfflineStudio) -> None:
    commands = StudioCommands(offline.studio)
    cases = [
        ("narrate", {}, "bad_arguments"),
        ("narrate", {"text": "x" * 5000}, "bad_arguments"),
        ("set_scene", {"scene": 3}, "bad_arguments"),
        ("watchdog", {}, "bad_arguments"),
        ("go_live", {"wait": "yes"}, "bad_arguments"),
        ("thumbnail", {}, "not_live"),
        ("send_chat", {"text": "hi"}, "feeds_unavailable"),
        ("join_room", {"streamer_id": ""}, "bad_arguments"),
    ]
    for name, args, code in cases:
        with pytest.raises(CommandError) as raised:
            await commands.handle(name, args, CLIENT)
        assert raised.value.code == code, (name, args)


async def test_scene_narration_and_watchdog_are_published(offline: OfflineStudio) -> None:
    commands = StudioCommands(offline.studio)
    assert await commands.handle("set_scene", {"scene": "intro"}, CLIENT) == {
        "scene": "intro",
        "phase": "offline",
    }
    narration = await commands.handle("narrate", {"text": "Welcome back"}, CLIENT)
    assert narration["text"] == "Welcome back"
    assert await commands.handle("watchdog", {"paused": True}, CLIENT) == {"paused": True}

    snapshot = offline.studio.snapshot()
    assert snapshot["scene"] == "intro"
    assert snapshot["narration"]["text"] == "Welcome back"
    assert snapshot["watchdog_paused"] is True
    assert offline.studio.broadcast.watchdog_paused is True
    kinds = [kind for kind, _ in offline.published]
    assert kinds == ["scene", "narration", "watchdog"]


async def test_stop_and_shutdown_while_offline(offline: OfflineStudio) -> None:
    commands = StudioCommands(offline.studio)
    stop = await commands.handle("stop", {"wait": True}, CLIENT)
    assert stop["already_offline"] is True
    shutdown = await commands.handle("shutdown", {"stop_stream": False}, CLIENT)
    assert shutdown == {"shutting_down": True, "stop_stream": False}
    with pytest.raises(CommandError) as raised:
        await commands.handle("go_live", {}, CLIENT)
    assert raised.value.code == "shutting_down"


async def test_moderation_is_published_and_kept(offline: OfflineStudio) -> None:
    commands = StudioCommands(offline.studio)
    hidden = await commands.handle("hide_message", {"id": "chat-1"}, CLIENT)
    assert hidden == {"hidden_messages": ["chat-1"], "muted_viewers": []}
    await commands.handle("hide_message", {"id": "chat-1"}, CLIENT)
    muted = await commands.handle("mute_viewer", {"key": "wallet:AbC"}, CLIENT)
    assert muted == {"hidden_messages": ["chat-1"], "muted_viewers": ["wallet:AbC"]}
    assert offline.studio.snapshot()["moderation"] == muted

    await commands.handle("unhide_message", {"id": "chat-1"}, CLIENT)
    cleared = await commands.handle("unmute_viewer", {"key": "wallet:AbC"}, CLIENT)
    assert cleared == {"hidden_messages": [], "muted_viewers": []}
    kinds = [kind for kind, _ in offline.published]
    assert kinds == ["moderation"] * 5


async def test_viewer_key_must_name_its_kind(offline: OfflineStudio) -> None:
    commands = StudioCommands(offline.studio)
    for key in ("AbC", "wallet:", "email:x"):
        with pytest.raises(CommandError) as raised:
            await commands.handle("mute_viewer", {"key": key}, CLIENT)
        assert raised.value.code == "bad_arguments", key
