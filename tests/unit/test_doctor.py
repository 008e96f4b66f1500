"""`cockpit doctor` against the tools really installed, and with tools hidden from PATH."""

from __future__ import annotations

import json

import pytest

from cockpit.cli import main


def test_doctor_finds_every_tool(capsys: pytest.CaptureFixture[str]) -> None:
    # tests/run installs every package, so on a machine set up by it nothing is missing.
    code = main(["doctor", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert [check["name"] for check in report["checks"] if not check["ok"]] == []
    assert report["missing_packages"] == []
    assert code == 0


def test_doctor_names_package_for_missing_tool(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no program is found
    code = main(["doctor"])
    output = capsys.readouterr().out
    assert code == 1
    assert "MISSING Xvfb (virtual display)" in output
    assert "apt-get install -y --no-install-recommends xvfb openbox xterm scrot ffmpeg" in output
