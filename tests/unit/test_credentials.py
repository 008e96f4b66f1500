"""Credentials files, profiles, the keyring fallback and input validation."""

from __future__ import annotations

import json
import os
import stat
import threading
from dataclasses import fields
from pathlib import Path

import keyring
import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backend import KeyringBackend

from cockpit.api import credentials as credentials_module
from cockpit.api.credentials import (
    Credentials,
    CredentialsError,
    CredentialStore,
    base58_decode,
    base58_encode,
    credentials_path,
    validate_image_url,
    validate_wallet,
    write_private_json,
)

VALID_WALLET = "11111111111111111111111111111111"  # the system program: 32 zero bytes
VALID_WALLET_2 = "So11111111111111111111111111111111111111112"  # wrapped SOL mint


def sample(**changes: str) -> Credentials:
    values = {
        "access_token": "rtk_secret_value",
        "agent_name": "TestAgent",
        "agent_id": "agent_1",
        "user_db_id": "2f1c0a44-8d1e-4d8b-9a51-6a3c1f2e9b10",
        "wallet_address": VALID_WALLET_2,
    }
    values.update(changes)
    return Credentials(**values)


class MemoryKeyring(KeyringBackend):
    """An in-memory backend standing in for a desktop keyring, which a headless test machine lacks."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_default_profile_uses_guide_file(isolated_user_dirs: Path) -> None:
    assert credentials_path("default") == isolated_user_dirs / ".config/retake/credentials.json"
    assert credentials_path("demo") == isolated_user_dirs / ".config/retake/credentials-demo.json"


def test_file_keys_cover_every_field() -> None:
    assert set(credentials_module._FILE_KEYS) == {f.name for f in fields(Credentials)}


def test_saved_file_is_private_and_guide_compatible() -> None:
    store = CredentialStore("default", token_store="file")
    store.save(sample())
    mode = stat.S_IMODE(os.stat(store.path).st_mode)
    assert mode == 0o600
    data = json.loads(store.path.read_text())
    assert data["access_token"] == "rtk_secret_value"
    assert data["userDbId"] == sample().user_db_id
    assert "api_url" not in data  # the default platform needs no marker
    assert store.load() == sample()


def test_api_url_is_stored_for_other_platforms() -> None:
    store = CredentialStore("sim", token_store="file")
    store.save(sample(api_url="http://127.0.0.1:8123/api/v1/"))
    assert json.loads(store.path.read_text())["api_url"] == "http://127.0.0.1:8123/api/v1"
    assert store.load().api_url == "http://127.0.0.1:8123/api/v1"


def test_repr_hides_token() -> None:
    assert "rtk_secret_value" not in repr(sample())


def test_missing_profile_says_how_to_create() -> None:
    with pytest.raises(CredentialsError, match="cockpit register --profile nobody"):
        CredentialStore("nobody").load()


def test_invalid_profile_name_rejected() -> None:
    with pytest.raises(CredentialsError, match="Invalid profile name '../x'"):
        CredentialStore("../x")


def test_wrong_field_type_rejected() -> None:
    store = CredentialStore("default")
    write_private_json(store.path, {"access_token": 12})
    with pytest.raises(CredentialsError, match="'access_token' must be a string"):
        store.load()


def test_environment_token_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    store = CredentialStore("default", token_store="file")
    store.save(sample())
    monkeypatch.setenv("RETAKE_ACCESS_TOKEN", "rtk_from_env")
    assert store.load().access_token == "rtk_from_env"


def test_update_keeps_other_fields() -> None:
    store = CredentialStore("default", token_store="file")
    store.save(sample())
    store.update(token_address="TokenAddr", token_ticker="TESTAGENT")
    loaded = store.load()
    assert loaded.token_address == "TokenAddr"
    assert loaded.token_ticker == "TESTAGENT"
    assert loaded.access_token == "rtk_secret_value"


def test_auto_store_falls_back_to_file(capsys: pytest.CaptureFixture[str]) -> None:
    # conftest selects the fail backend, as on a headless server without a keyring.
    store = CredentialStore("default", token_store="auto")
    store.save(sample())
    assert json.loads(store.path.read_text())["access_token"] == "rtk_secret_value"
    assert "No system keyring is available" in capsys.readouterr().out
    CredentialStore("other", token_store="auto").save(sample())
    assert capsys.readouterr().out == ""  # said once only


def test_keyring_store_refused_without_keyring() -> None:
    with pytest.raises(CredentialsError, match="--token-store file"):
        CredentialStore("default", token_store="keyring").save(sample())


def test_token_goes_to_real_keyring(memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore("default", token_store="auto")
    store.save(sample())
    data = json.loads(store.path.read_text())
    assert data["access_token"] == ""
    assert data["access_token_in_keyring"] is True
    assert "rtk_secret_value" not in store.path.read_text()
    assert memory_keyring.secrets[("retake-cockpit", "default")] == "rtk_secret_value"
    assert store.load().access_token == "rtk_secret_value"


def test_atomic_write_never_exposes_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "credentials.json"
    write_private_json(target, {"access_token": "a" * 10000})
    seen: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            seen.append(target.read_text())

    thread = threading.Thread(target=reader)
    thread.start()
    for index in range(200):
        write_private_json(target, {"access_token": str(index) * 5000})
    stop.set()
    thread.join()
    for text in seen:
        json.loads(text)  # every read parses: no half-written file was visible
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials.json"]


@pytest.mark.parametrize(
    "wallet", [VALID_WALLET, VALID_WALLET_2, "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"]
)
def test_valid_wallets_accepted(wallet: str) -> None:
    assert validate_wallet(wallet) == wallet


@pytest.mark.parametrize(
    ("wallet", "reason"),
    [
        ("", "decodes to 0 bytes"),
        ("0OIl" + "1" * 28, "is not a base58 character"),
        ("1111111111111111111111111111111", "decodes to 31 bytes"),
        ("So11111111111111111111111111111111111111112zz", "decodes to 33 bytes"),
        ("0x52908400098527886E0F7030069857D2E4169EE7", "is not a base58 character"),
    ],
)
def test_invalid_wallets_rejected(wallet: str, reason: str) -> None:
    with pytest.raises(CredentialsError, match=reason):
        validate_wallet(wallet)


def test_base58_known_values() -> None:
    assert base58_decode("1") == b"\x00"
    assert base58_decode("2g") == b"a"
    assert base58_encode(b"a") == "2g"
    assert base58_encode(bytes(32)) == VALID_WALLET


@given(st.binary(min_size=0, max_size=64))
def test_base58_roundtrip(data: bytes) -> None:
    assert base58_decode(base58_encode(data)) == data


@pytest.mark.parametrize("url", ["https://example.com/a.png", "https://cdn.example.com/x/y.JPG"])
def test_valid_image_urls(url: str) -> None:
    assert validate_image_url(url) == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com/a.png", "https://"),
        ("https://example.com/a.gif", r"\.jpg, \.jpeg or \.png"),
        ("example.com/a.png", "https://"),
    ],
)
def test_invalid_image_urls(url: str, reason: str) -> None:
    with pytest.raises(CredentialsError, match=reason):
        validate_image_url(url)


def test_update_keeps_environment_token_out_of_file(monkeypatch: pytest.MonkeyPatch) -> None:
    store = CredentialStore("default", token_store="file")
    store.save(sample())
    monkeypatch.setenv("RETAKE_ACCESS_TOKEN", "rtk_from_env")
    store.update(token_address="TokenAddr")
    data = json.loads(store.path.read_text())
    assert data["access_token"] == "rtk_secret_value"
    assert data["token_address"] == "TokenAddr"
