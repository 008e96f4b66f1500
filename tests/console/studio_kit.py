"""A real studio in the test's event loop, against a simulator over loopback.

`running_studio` assembles the studio the way ``cockpit studio run`` does
(`cockpit.studio.runner`), minus the lock, the log file and the signal
handlers, so a console under test can attach to its real socket while the
studio runs in the same event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

from cockpit.api.credentials import CredentialStore
from cockpit.cli import main
from cockpit.redaction import Redactor
from cockpit.settings import Settings, load_settings
from cockpit.studio.commands import StudioCommands
from cockpit.studio.feedlink import build_feeds
from cockpit.studio.locations import ensure_run_dir, socket_path
from cockpit.studio.server import StudioServer
from cockpit.studio.service import Studio

WALLET = "So11111111111111111111111111111111111111112"


def register(api_url: str, profile: str) -> str:
    """Register a new agent as ``profile`` with `cockpit register`; return its name."""
    name = f"Console{secrets.token_hex(3)}"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(
            [
                "register",
                "--api-url",
                api_url,
                "--profile",
                profile,
                "--name",
                name,
                "--description",
                "console test agent",
                "--image-url",
                "https://example.com/avatar.png",
                "--wallet",
                WALLET,
                "--token-store",
                "file",
            ]
        )
    assert code == 0, err.getvalue()
    return name


async def register_agent(api_url: str, profile: str) -> str:
    """Register an agent from async code: the command runs its own event loop in a thread."""
    return await asyncio.to_thread(register, api_url, profile)


@dataclass
class RunningStudio:
    """A studio serving its socket in this event loop."""

    settings: Settings
    studio: Studio
    server: StudioServer


@contextlib.asynccontextmanager
async def running_studio(api_url: str, profile: str) -> AsyncIterator[RunningStudio]:
    """Run the profile's studio until the block ends; a live stream is stopped first."""
    settings = load_settings(api_url=api_url, profile=profile)
    redactor = Redactor()
    credentials = CredentialStore(profile, settings.token_store).load()
    redactor.add(credentials.access_token)
    ensure_run_dir()
    studio = Studio(settings, credentials, redactor, feeds_factory=build_feeds(settings))
    commands = StudioCommands(studio)
    server = StudioServer(
        socket_path(profile),
        settings.studio,
        identity=studio.identity,
        snapshot=studio.snapshot,
        handle_command=commands.handle,
    )
    studio.connect_server(server.publish, server.clients)
    await studio.start()
    await server.start()
    serving = asyncio.create_task(
        studio.run_until_shutdown(lambda: server.client_count, lambda: server.last_client_change)
    )
    try:
        yield RunningStudio(settings, studio, server)
    finally:
        studio.request_shutdown(stop_stream=True)
        await serving
        await server.close()
        await studio.close()
