"""A studio killed with SIGKILL: nothing of its pipeline survives, and the next one finds the
stream the platform still shows live, offers to resume or stop it, and runs the alert command.

These tests use a simulator whose session stays live until stream stop, as a
platform does for a while after the encoder vanished.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from studio_helpers import (
    all_gone,
    cockpit,
    kill_studio,
    pipeline_of,
    register,
    studio_pid,
    studios_cleaned_up,
    wait_until,
)

from cockpit.sim.server import SimServer

pytestmark = pytest.mark.pipeline

ALERT_WRITER = "import sys; open(sys.argv[1], 'a').write(sys.stdin.read())"
"""Appends the alert JSON from stdin to the file named by its argument."""


def test_killed_studio_leaves_orphan_to_resume_or_stop(
    session_sim: SimServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    alerts = tmp_path / "alerts.jsonl"
    monkeypatch.setenv(
        "RETAKE_COCKPIT_STUDIO__ALERT_COMMAND",
        json.dumps([sys.executable, "-c", ALERT_WRITER, str(alerts)]),
    )
    register(session_sim.api_url, "orphan")
    common = ("--profile", "orphan", "--api-url", session_sim.api_url)
    with studios_cleaned_up(session_sim.api_url, "orphan"):
        start = cockpit("live", "start", "--json", *common)
        assert start.code == 0, start.stdout + start.stderr
        pipeline = pipeline_of(studio_pid("orphan") or 0)
        assert set(pipeline) == {"Xvfb", "openbox", "xterm", "ffmpeg"}

        family = kill_studio("orphan")
        assert wait_until(lambda: all_gone(family), timeout=15), [p.pid for p in family]

        # The next studio finds the platform's session with nothing on air.
        status = cockpit("live", "status", "--json", *common)
        assert status.code == 0
        assert status.json()["orphaned_live"] is True
        assert status.json()["phase"] == "offline"
        assert status.json()["stream_status"]["is_live"] is True
        text = cockpit("live", "status", *common)
        assert "orphaned" in text.stdout
        assert "cockpit live start" in text.stdout
        assert "cockpit live stop" in text.stdout
        assert wait_until(lambda: "orphaned_live" in _alert_kinds(alerts), timeout=15)
        alert = next(a for a in _alerts(alerts) if a["kind"] == "orphaned_live")
        assert alert["severity"] == "critical"
        assert alert["source"] == "studio"
        assert alert["event"] == "alert"
        assert "'orphan'" in str(alert["message"])

        resumed = cockpit("live", "start", "--json", *common)
        assert resumed.code == 0, resumed.stdout
        assert resumed.json()["resumed"] is True
        after_resume = cockpit("live", "status", "--json", *common).json()
        assert after_resume["orphaned_live"] is False
        assert after_resume["phase"] in ("live", "recovering")

        kill_studio("orphan")
        assert cockpit("live", "status", "--json", *common).json()["orphaned_live"] is True
        stopped = cockpit("live", "stop", "--json", *common)
        assert stopped.code == 0, stopped.stdout
        assert stopped.json()["stopped"] is True
        final = cockpit("live", "status", "--json", *common).json()
        assert final["orphaned_live"] is False
        assert final["stream_status"]["is_live"] is False


def _alerts(path: Path) -> list[dict[str, object]]:
    """Return the alerts the alert command wrote, one JSON object per complete line."""
    if not path.exists():
        return []
    lines = path.read_text().split("\n")[:-1]
    return [json.loads(line) for line in lines if line.strip()]


def _alert_kinds(path: Path) -> set[object]:
    return {alert["kind"] for alert in _alerts(path)}
