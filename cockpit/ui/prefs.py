"""The console's remembered choices, such as the theme: ``console.json`` in the state directory."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from cockpit import paths

logger = logging.getLogger(__name__)

PREFS_FILE = "console.json"


@dataclass(frozen=True)
class ConsolePrefs:
    """Choices made in the console that outlive it."""

    theme: str | None = None


def prefs_path(profile: str) -> Path:
    """Return the profile's ``console.json``."""
    return paths.state_dir(profile) / PREFS_FILE


def load_prefs(profile: str) -> ConsolePrefs:
    """Read the profile's remembered choices; a missing or unreadable file gives the defaults."""
    path = prefs_path(profile)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ConsolePrefs()
    except (OSError, ValueError) as error:
        logger.warning("ignored the unreadable console preferences %s: %s", path, error)
        return ConsolePrefs()
    theme = data.get("theme") if isinstance(data, dict) else None
    return ConsolePrefs(theme=theme if isinstance(theme, str) and theme else None)


def save_prefs(profile: str, prefs: ConsolePrefs) -> Path:
    """Write the choices atomically (temporary file, then rename); return the path.

    Raises:
        OSError: the state directory or the file cannot be written.
    """
    path = prefs_path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".console-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(asdict(prefs), file, indent=2)
            file.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
