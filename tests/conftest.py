"""Fixtures shared by every test: each test gets its own home, XDG directories and keyring."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point HOME and the XDG directories at a fresh temporary tree, and disable the keyring.

    Nothing a test does can then read or change the user's real settings, credentials or data.
    """
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for variable, relative in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(variable, str(home / relative))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.delenv("RETAKE_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("RETAKE_COCKPIT_CONFIG", raising=False)
    for name in list(os.environ):
        if name.startswith("RETAKE_COCKPIT_"):
            monkeypatch.delenv(name)
    # The fail backend refuses every operation, so no test can touch a real keyring.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    return home
