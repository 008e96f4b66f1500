"""Locations of the cockpit's files, following the XDG base directory specification.

Every function reads the environment when it is called, so tests that point
``XDG_*_HOME`` at temporary directories isolate the user's files completely.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_DIR_NAME = "retake-cockpit"
"""Directory name of the cockpit's own files under each XDG base directory."""

RETAKE_DIR_NAME = "retake"
"""Directory name the platform's guide uses for ``credentials.json``; shared with agents."""


def _xdg_home(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable, "")
    # The specification states that a relative path in these variables is invalid and must be ignored.
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / fallback


def config_home() -> Path:
    """Return ``$XDG_CONFIG_HOME``, or ``~/.config``."""
    return _xdg_home("XDG_CONFIG_HOME", ".config")


def state_home() -> Path:
    """Return ``$XDG_STATE_HOME``, or ``~/.local/state``."""
    return _xdg_home("XDG_STATE_HOME", ".local/state")


def data_home() -> Path:
    """Return ``$XDG_DATA_HOME``, or ``~/.local/share``."""
    return _xdg_home("XDG_DATA_HOME", ".local/share")


def config_file() -> Path:
    """Return the settings file: ``$RETAKE_COCKPIT_CONFIG``, or ``config.toml`` in the config dir."""
    override = os.environ.get("RETAKE_COCKPIT_CONFIG", "")
    if override:
        return Path(override)
    return config_home() / APP_DIR_NAME / "config.toml"


def credentials_dir() -> Path:
    """Return the directory of ``credentials.json``, shared with agents that follow the guide."""
    return config_home() / RETAKE_DIR_NAME


def state_dir(profile: str) -> Path:
    """Return the profile's state directory: logs, thumbnails, downloaded skill text."""
    return state_home() / APP_DIR_NAME / profile


def data_dir(profile: str) -> Path:
    """Return the profile's data directory: the chat store and viewer records."""
    return data_home() / APP_DIR_NAME / profile


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` and its parents if missing, and make ``path`` readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path
