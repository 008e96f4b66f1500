"""`cockpit register` and `cockpit login` against the simulator over loopback."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from cockpit.api.credentials import CredentialStore
from cockpit.cli import main
from cockpit.sim.server import SimOptions, SimServer

WALLET = "So11111111111111111111111111111111111111112"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(SimOptions(seed=7)) as server:
        yield server


def register(sim: SimServer, name: str, *extra: str) -> int:
    return main(
        [
            "register",
            "--api-url",
            sim.api_url,
            "--name",
            name,
            "--description",
            "test agent",
            "--image-url",
            "https://example.com/avatar.png",
            "--wallet",
            WALLET,
            "--token-store",
            "file",
            *extra,
        ]
    )


def test_register_creates_default_profile(
    sim: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert register(sim, "RegisterOne") == 0
    credentials = CredentialStore("default").load()
    assert credentials.agent_name == "RegisterOne"
    assert credentials.api_url == sim.api_url
    assert credentials.access_token.startswith("rtk_")
    output = capsys.readouterr().out
    assert "Registered agent 'RegisterOne'" in output
    assert credentials.access_token not in output


def test_register_refuses_to_overwrite(sim: SimServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert register(sim, "RegisterTwo") == 0
    assert register(sim, "RegisterThree") == 1
    assert "--force" in capsys.readouterr().err
    assert CredentialStore("default").load().agent_name == "RegisterTwo"


def test_register_rejects_taken_name(sim: SimServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert register(sim, "TakenName", "--profile", "first") == 0
    assert register(sim, "TakenName", "--profile", "second") == 1
    assert "TakenName" in capsys.readouterr().err
    assert not CredentialStore("second").exists()


def test_register_rejects_bad_wallet_before_sending(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "register",
            "--api-url",
            "http://127.0.0.1:9/api/v1",
            "--name",
            "X",
            "--description",
            "d",
            "--image-url",
            "https://example.com/a.png",
            "--wallet",
            "not-a-wallet",
        ]
    )
    assert code == 1
    assert "Invalid wallet address 'not-a-wallet'" in capsys.readouterr().err


def test_login_checks_token_and_saves(
    sim: SimServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert register(sim, "LoginSource", "--profile", "source") == 0
    token = CredentialStore("source").load().access_token
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    assert main(["login", "--api-url", sim.api_url, "--profile", "copy", "--token-stdin"]) == 0
    copied = CredentialStore("copy").load()
    assert copied.access_token == token
    assert copied.user_db_id == CredentialStore("source").load().user_db_id
    assert token not in capsys.readouterr().out


def test_login_rejects_invalid_token(
    sim: SimServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("rtk_not_a_real_token\n"))
    assert main(["login", "--api-url", sim.api_url, "--profile", "bad", "--token-stdin"]) == 1
    error = capsys.readouterr().err
    assert "cockpit login" in error
    assert "rtk_not_a_real_token" not in error
    assert not CredentialStore("bad").exists()


def test_saved_file_is_guide_compatible(sim: SimServer) -> None:
    assert register(sim, "GuideCompat", "--profile", "guide") == 0
    data = json.loads(CredentialStore("guide").path.read_text())
    assert set(data) >= {
        "access_token",
        "agent_name",
        "agent_id",
        "userDbId",
        "wallet_address",
        "token_address",
        "token_ticker",
    }


def test_profile_remembers_its_api_url(
    sim: SimServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert register(sim, "RemembersUrl", "--profile", "remembers") == 0
    token = CredentialStore("remembers").load().access_token
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    # No --api-url: the profile's own API is used, never the default platform.
    assert main(["login", "--profile", "remembers", "--token-stdin"]) == 0
    assert f"Token accepted by {sim.api_url}" in capsys.readouterr().out
