"""The demo's private file tree: profile, logs, chat store, studio socket and ingest recordings.

The demo points the XDG directories at this tree and disables the keyring, so
the user's real credentials and keyring are never read or written. A temporary
tree is removed when the demo ends; a tree the user names with ``--home`` is
kept for inspection. A temporary tree whose demo was killed before it could
clean up is removed by the next demo.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import psutil

from cockpit.paths import APP_DIR_NAME
from cockpit.studio.locations import (
    MAX_SOCKET_PATH_BYTES,
    RUN_DIR_NAME,
    TEMPORARY_SUFFIX_BYTES,
    socket_path_fits,
)

logger = logging.getLogger(__name__)

DEMO_PROFILE = "demo"
"""The profile name of the demo's agent."""
HOME_PREFIX = "cockpit-demo-"
OWNER_FILE = "demo.pid"
"""File in the tree holding the PID of the demo that owns it."""

_STALE_AFTER_SECONDS = 60.0
"""A temporary tree with no live owner is left alone this long, in case its demo is starting."""


class DemoHomeError(Exception):
    """Raised when a directory given with ``--home`` cannot hold a new demo."""


class DemoHome:
    """Creates the tree, points this process's environment at it, and removes it if temporary."""

    def __init__(self, keep_at: Path | None = None) -> None:
        self._keep_at = keep_at
        self.path = Path()

    @property
    def kept(self) -> bool:
        """Whether the tree stays after the demo (given with ``--home``)."""
        return self._keep_at is not None

    @property
    def config_home(self) -> Path:
        return self.path / "config"

    @property
    def state_home(self) -> Path:
        return self.path / "state"

    @property
    def data_home(self) -> Path:
        return self.path / "data"

    @property
    def ingest_dir(self) -> Path:
        """Where the simulator's ingest writes its config and recordings."""
        return self.path / "ingest"

    def __enter__(self) -> DemoHome:
        if self._keep_at is None:
            base = Path(tempfile.gettempdir())
            if not socket_path_fits(_socket_under(base / f"{HOME_PREFIX}12345678")):
                base = Path("/tmp")  # a Unix socket path under a long TMPDIR would not fit
            remove_stale_homes(base)
            self.path = Path(tempfile.mkdtemp(prefix=HOME_PREFIX, dir=base))
        else:
            self.path = _prepare_kept(self._keep_at)
        (self.path / OWNER_FILE).write_text(f"{os.getpid()}\n", encoding="ascii")
        os.environ["XDG_CONFIG_HOME"] = str(self.config_home)
        os.environ["XDG_STATE_HOME"] = str(self.state_home)
        os.environ["XDG_DATA_HOME"] = str(self.data_home)
        # Programs of the pipeline, such as openbox, write their own logs under the cache home.
        os.environ["XDG_CACHE_HOME"] = str(self.path / "cache")
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        os.environ.pop("RETAKE_ACCESS_TOKEN", None)
        os.environ.pop("RETAKE_COCKPIT_CONFIG", None)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.kept:
            (self.path / OWNER_FILE).unlink(missing_ok=True)
        else:
            shutil.rmtree(self.path, ignore_errors=True)

    def client_environment(self) -> str:
        """Return the variables that let command-line clients in a shell reach this demo."""
        return f"XDG_CONFIG_HOME={self.config_home} XDG_STATE_HOME={self.state_home}"


def _prepare_kept(path: Path) -> Path:
    path = check_kept_home(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def check_kept_home(path: Path) -> Path:
    """Return ``path`` made absolute if it can hold a new demo's files.

    Raises:
        DemoHomeError: ``path`` is a file, a directory with files in it, or too long.
    """
    path = path.expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise DemoHomeError(f"The demo home {path} is a file; give a new or empty directory.")
    socket = _socket_under(path)
    if not socket_path_fits(socket):
        raise DemoHomeError(
            f"The demo home {path} is too long: the studio's socket under it would take "
            f"{len(bytes(socket))} bytes, and a Unix socket path allows "
            f"{MAX_SOCKET_PATH_BYTES - TEMPORARY_SUFFIX_BYTES} here. Give a shorter directory, "
            "such as /tmp/demo."
        )
    if path.exists() and any(path.iterdir()):
        raise DemoHomeError(
            f"The demo home {path} is not an empty directory; give a new or empty one, "
            "so that an earlier demo's files are not mixed in."
        )
    return path


def _socket_under(home: Path) -> Path:
    """Return the path of the demo studio's socket in the demo tree ``home``."""
    return home / "state" / APP_DIR_NAME / RUN_DIR_NAME / f"{DEMO_PROFILE}.sock"


def remove_stale_homes(directory: Path) -> list[Path]:
    """Remove temporary demo trees in ``directory`` whose owning demo no longer runs."""
    removed = []
    for candidate in directory.glob(HOME_PREFIX + "*"):
        try:
            if candidate.stat().st_uid != os.getuid() or not _abandoned(candidate):
                continue
        except OSError:
            continue
        shutil.rmtree(candidate, ignore_errors=True)
        logger.info("removed the abandoned demo files %s", candidate)
        removed.append(candidate)
    return removed


def _abandoned(tree: Path) -> bool:
    try:
        pid = int((tree / OWNER_FILE).read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        return time.time() - tree.stat().st_mtime > _STALE_AFTER_SECONDS
    return not psutil.pid_exists(pid)
