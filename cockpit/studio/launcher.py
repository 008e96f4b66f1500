"""Finding, starting and stopping a profile's studio from a client process.

Every client command calls `ensure_studio` first: it returns the socket of a
studio that responds, starting one detached when none does.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

import psutil

from cockpit.api.client import normalise_api_url
from cockpit.api.credentials import CredentialsError, CredentialStore
from cockpit.api.errors import InvalidApiUrlError
from cockpit.broadcast.processes import ProcessError, ProcessSpec, ProcessSupervisor
from cockpit.settings import Settings
from cockpit.studio.locations import lock_path, log_path, socket_path
from cockpit.studio.lock import holder_pid
from cockpit.studio.protocol import ProtocolError, decode, encode, hello

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 2.0
"""Seconds a probe waits for a studio's welcome."""

_POLL_SECONDS = 0.1
_MAX_WELCOME_BYTES = 64 * 1024
_DETACH_TIMEOUT = 15.0


class StudioStartError(Exception):
    """Raised when no studio responds and none could be started; the message names the log."""


def studio_command(settings: Settings) -> list[str]:
    """Return the command that runs the profile's studio in the foreground."""
    return [
        sys.executable,
        "-m",
        "cockpit",
        "studio",
        "run",
        "--profile",
        settings.profile,
        "--api-url",
        settings.api_url,
    ]


def probe_studio(path: Path, timeout: float = PROBE_TIMEOUT) -> dict[str, Any] | None:
    """Say hello to the studio at ``path`` without subscribing; return its welcome.

    Returns None when nothing listens there.

    Raises:
        StudioStartError: a studio responded but rejected the hello (another protocol version).
    """
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(str(path))
            connection.sendall(encode(hello("cli", subscribe=False)))
            line = _read_line(connection)
    except (FileNotFoundError, ConnectionError, TimeoutError):
        return None
    except PermissionError:
        raise StudioStartError(
            f"Access to the studio socket {path} was denied. It belongs to another user; "
            "run the command as the user who owns the profile."
        ) from None
    try:
        welcome = decode(line)
    except ProtocolError:
        return None
    if welcome["type"] == "refused":
        raise StudioStartError(str(welcome.get("message", "The studio refused the connection.")))
    return welcome if welcome["type"] == "welcome" else None


def _read_line(connection: socket.socket) -> bytes:
    received = b""
    while not received.endswith(b"\n") and len(received) < _MAX_WELCOME_BYTES:
        chunk = connection.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


def ensure_studio(settings: Settings) -> Path:
    """Return the socket of the profile's studio, starting one detached if none responds.

    Raises:
        StudioStartError: the profile has no usable credentials, the running studio
            serves another API URL, or a started studio exited or did not respond
            within ``studio.start_timeout`` seconds.
    """
    path = socket_path(settings.profile)
    welcome = probe_studio(path)
    if welcome is not None:
        check_api_url(welcome, settings)
        return path

    try:
        CredentialStore(settings.profile, settings.token_store).load()
    except CredentialsError as error:
        raise StudioStartError(str(error)) from None
    return _start_and_wait(settings, path)


def _start_and_wait(settings: Settings, path: Path) -> Path:
    """Start a studio unless one holds the lock, and wait until a studio responds.

    A studio holding the lock without responding is starting or shutting down,
    so this waits for it, and starts a new one once the lock is free.
    """
    lock = lock_path(settings.profile)
    timeout = settings.studio.start_timeout
    deadline = time.monotonic() + timeout
    started_pid: int | None = None
    while True:
        welcome = probe_studio(path)
        if welcome is not None:
            check_api_url(welcome, settings)
            return path
        if holder_pid(lock) is None:
            if started_pid is None:
                started_pid = start_detached(studio_command(settings))
                logger.info(
                    "started a studio for profile %s, pid %d", settings.profile, started_pid
                )
            elif not process_running(started_pid):
                raise StudioStartError(
                    f"The studio for profile {settings.profile!r} exited while starting"
                    f"{_last_error(settings.profile)}. See {log_path(settings.profile)}."
                )
        if time.monotonic() >= deadline:
            raise StudioStartError(
                f"The studio for profile {settings.profile!r} did not respond at {path} within "
                f"{timeout:g} s (setting studio.start_timeout). See {log_path(settings.profile)}."
            )
        time.sleep(_POLL_SECONDS)


def check_api_url(welcome: dict[str, Any], settings: Settings) -> None:
    """Raise StudioStartError when the running studio serves another API URL than ``settings``."""
    studio = welcome.get("studio")
    if not isinstance(studio, dict):
        studio = {}
    serving = str(studio.get("api_url", ""))
    try:
        wanted = normalise_api_url(settings.api_url)
    except InvalidApiUrlError as error:
        raise StudioStartError(str(error)) from None
    if serving and serving != wanted:
        raise StudioStartError(
            f"The studio of profile {settings.profile!r} serves {serving}, not {wanted}. "
            f"Leave out --api-url to use the profile's own URL, or use another profile for "
            f"{wanted} (`cockpit register --profile NAME --api-url {wanted}`)."
        )


def start_detached(argv: list[str]) -> int:
    """Start ``argv`` outliving this process (see `cockpit.studio.detach`); return its PID.

    Raises:
        StudioStartError: the program could not be started.
    """
    # The studio is this program: it gets the whole environment, including a token given in
    # RETAKE_ACCESS_TOKEN. Its own children get the scrubbed environment from its supervisor.
    spec = ProcessSpec(
        "studio-detach",
        [sys.executable, "-m", "cockpit.studio.detach", *argv],
        environment=dict(os.environ),
    )
    try:
        with ProcessSupervisor("studio-launcher") as supervisor:
            result = supervisor.run(spec, timeout=_DETACH_TIMEOUT)
    except ProcessError as error:
        raise StudioStartError(f"Could not start the studio: {error}") from None
    output = result.stdout.decode("ascii", "replace").strip()
    if result.returncode != 0 or not output.isdigit():
        reason = result.stderr.decode("utf-8", "replace").strip() or f"status {result.returncode}"
        raise StudioStartError(f"Could not start the studio: {reason}")
    return int(output)


def process_running(pid: int) -> bool:
    """Return whether ``pid`` runs and is not a zombie."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def is_studio_process(pid: int) -> bool:
    """Return whether ``pid`` runs ``cockpit studio run``, so a signal can only reach a studio."""
    try:
        command = psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return "cockpit" in command and "studio" in command and "run" in command


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``pid`` to exit; return whether it did."""
    deadline = time.monotonic() + timeout
    while process_running(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)
    return True


def terminate_studio(pid: int) -> bool:
    """Send SIGTERM to the studio ``pid`` (it then stops the stream and exits).

    Returns False, sending nothing, when ``pid`` is not a studio process.
    """
    if not is_studio_process(pid):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    return True


def _last_error(profile: str) -> str:
    """Return ``": MESSAGE"`` of the log's last ERROR line, or an empty string."""
    try:
        with log_path(profile).open(encoding="utf-8", errors="replace") as log:
            tail = deque(log, maxlen=200)
    except FileNotFoundError:
        return ""
    for line in reversed(tail):
        if " ERROR " in line:
            message = line.split(": ", 1)[-1].strip()
            # The runner logs "the studio for profile P did not start: REASON"; keep the reason.
            return ": " + message.split(" did not start: ", 1)[-1].rstrip(".")
    return ""
