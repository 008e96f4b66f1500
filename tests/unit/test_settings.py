"""Settings precedence: defaults, then the TOML file, then the environment, then flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit import paths
from cockpit.cli import main
from cockpit.settings import DEFAULT_API_URL, SettingsError, load_settings


def write_config(text: str) -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults() -> None:
    settings = load_settings()
    assert settings.api_url == DEFAULT_API_URL
    assert settings.profile == "default"
    assert settings.encoder.framerate == 30
    assert settings.display.font_size == 14


def test_file_then_environment_then_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(
        'api_url = "http://127.0.0.1:9/api/v1"\nprofile = "fromfile"\n[encoder]\nframerate = 15\n'
    )
    settings = load_settings()
    assert settings.api_url == "http://127.0.0.1:9/api/v1"
    assert settings.encoder.framerate == 15

    monkeypatch.setenv("RETAKE_COCKPIT_PROFILE", "fromenv")
    monkeypatch.setenv("RETAKE_COCKPIT_ENCODER__FRAMERATE", "20")
    settings = load_settings()
    assert settings.profile == "fromenv"
    assert settings.encoder.framerate == 20
    assert settings.api_url == "http://127.0.0.1:9/api/v1"

    settings = load_settings(profile="fromflag", api_url=None)
    assert settings.profile == "fromflag"


def test_invalid_value_names_field_and_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETAKE_COCKPIT_ENCODER__FRAMERATE", "500")
    with pytest.raises(SettingsError, match=r"encoder.framerate = '500'"):
        load_settings()


def test_unknown_file_field_rejected() -> None:
    write_config("[encoder]\nframe_rate = 15\n")
    with pytest.raises(SettingsError, match="encoder.frame_rate"):
        load_settings()


def test_malformed_file_names_path() -> None:
    path = write_config("api_url = \n")
    with pytest.raises(SettingsError, match=str(path)):
        load_settings()


def test_cli_reports_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["console", "--profile", "Bad Name"])
    assert code == 2
    assert "profile = 'Bad Name'" in capsys.readouterr().err


def test_cli_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    output = capsys.readouterr().out
    assert "--api-url URL" in output
    assert "console" in output
