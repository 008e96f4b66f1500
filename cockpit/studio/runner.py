"""Running a studio in the foreground: ``cockpit studio run``.

The process takes the profile's lock, logs to ``studio.log``, serves the
socket, and exits when asked (a ``shutdown`` command, SIGTERM or SIGINT, each
ending a live stream cleanly first) or after ``studio.idle_exit`` seconds with
no stream and no client. SIGHUP is ignored: a closed terminal never stops a stream.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from cockpit.api.credentials import Credentials, CredentialsError, CredentialStore
from cockpit.api.errors import ApiError
from cockpit.redaction import Redactor
from cockpit.settings import Settings
from cockpit.studio.commands import StudioCommands
from cockpit.studio.feedlink import build_feeds
from cockpit.studio.locations import (
    SocketPathError,
    ensure_run_dir,
    lock_path,
    log_path,
    socket_path,
)
from cockpit.studio.lock import StudioLock, StudioLockedError
from cockpit.studio.logfile import configure_studio_logging, remove_studio_logging
from cockpit.studio.server import StudioServer
from cockpit.studio.service import Studio

logger = logging.getLogger(__name__)


def run_studio(settings: Settings) -> int:
    """Run the profile's studio until it exits; return 0, or 1 after logging and printing why."""
    redactor = Redactor()
    handler = configure_studio_logging(log_path(settings.profile), redactor)
    lock = StudioLock(lock_path(settings.profile))
    try:
        ensure_run_dir()
        socket_path(settings.profile)  # raises SocketPathError before anything starts
        lock.acquire()
        credentials = CredentialStore(settings.profile, settings.token_store).load()
        redactor.add(credentials.access_token)
        asyncio.run(_serve(settings, credentials, redactor))
    except (StudioLockedError, CredentialsError, ApiError, SocketPathError) as error:
        logger.error("the studio for profile %s did not start: %s", settings.profile, error)
        print(f"cockpit studio: {redactor.redact(str(error))}", file=sys.stderr)
        return 1
    except Exception:
        logger.exception("the studio for profile %s failed", settings.profile)
        print(
            f"cockpit studio: the studio failed; see {log_path(settings.profile)}.",
            file=sys.stderr,
        )
        return 1
    finally:
        lock.release()
        remove_studio_logging(handler)
    return 0


async def _serve(settings: Settings, credentials: Credentials, redactor: Redactor) -> None:
    studio = Studio(settings, credentials, redactor, feeds_factory=build_feeds(settings))
    commands = StudioCommands(studio)
    server = StudioServer(
        socket_path(settings.profile),
        settings.studio,
        identity=studio.identity,
        snapshot=studio.snapshot,
        handle_command=commands.handle,
    )
    studio.connect_server(server.publish, server.clients)

    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, _on_signal, studio, number)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    try:
        await studio.start()
        await server.start()
        logger.info("studio for profile %s serves %s", settings.profile, server.socket_path)
        await studio.run_until_shutdown(
            lambda: server.client_count, lambda: server.last_client_change
        )
    finally:
        await server.close()
        await studio.close()


def _on_signal(studio: Studio, number: int) -> None:
    logger.info(
        "received %s; stopping the stream (if any) and exiting", signal.Signals(number).name
    )
    studio.request_shutdown(stop_stream=True)
