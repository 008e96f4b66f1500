"""Paths of a profile's studio: its socket, lock file and log.

The socket and the lock file live in ``$XDG_STATE_HOME/retake-cockpit/run/``
(``~/.local/state/retake-cockpit/run/`` by default), a directory of mode 0700.
``$XDG_RUNTIME_DIR`` is not used: systemd-logind removes it when the user's
last login session ends, which would delete the socket of a studio that keeps
streaming after the operator's SSH connection closes.
"""

from __future__ import annotations

from pathlib import Path

from cockpit import paths

RUN_DIR_NAME = "run"

MAX_SOCKET_PATH_BYTES = 107
"""Maximum length of a Unix socket path on Linux: ``sun_path`` has 108 bytes, the NUL included."""

TEMPORARY_SUFFIX_BYTES = 8
"""The studio binds a temporary name first (the final name, a dot and a PID of up to 7
digits) and renames it, so that name has to fit too."""


class SocketPathError(Exception):
    """Raised when the studio's socket path is too long for a Unix socket."""


def run_dir() -> Path:
    """Return the directory of every profile's socket and lock file (not created here)."""
    return paths.state_home() / paths.APP_DIR_NAME / RUN_DIR_NAME


def ensure_run_dir() -> Path:
    """Create the run directory if needed, readable and writable by its owner only."""
    return paths.ensure_private_dir(run_dir())


def socket_path(profile: str) -> Path:
    """Return the path of the profile's studio socket.

    Raises:
        SocketPathError: the path is longer than a Unix socket allows.
    """
    path = run_dir() / f"{profile}.sock"
    length = len(bytes(path))
    if not socket_path_fits(path):
        raise SocketPathError(
            f"The studio socket path {path} is {length} bytes long, but it may have at most "
            f"{MAX_SOCKET_PATH_BYTES - TEMPORARY_SUFFIX_BYTES} (a Unix socket path takes "
            f"{MAX_SOCKET_PATH_BYTES}, less room for a temporary suffix). Set XDG_STATE_HOME "
            "to a shorter directory."
        )
    return path


def socket_path_fits(path: Path) -> bool:
    """Return whether a studio can bind a socket at ``path``, temporary name included."""
    return len(bytes(path)) + TEMPORARY_SUFFIX_BYTES <= MAX_SOCKET_PATH_BYTES


def lock_path(profile: str) -> Path:
    """Return the path of the profile's lock file, which holds the studio's PID."""
    return run_dir() / f"{profile}.lock"


def log_path(profile: str) -> Path:
    """Return the studio's log file: ``studio.log`` in the profile's state directory."""
    return paths.state_dir(profile) / "studio.log"


def pipeline_log_dir(profile: str) -> Path:
    """Return the directory of the pipeline's process logs (Xvfb, openbox, xterm, ffmpeg)."""
    return paths.state_dir(profile) / "logs"
