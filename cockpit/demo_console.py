"""The interactive demo: the console attached to a studio that hosts its own simulator.

Everything the demo writes (profile, logs, chat store, socket) lives in a
private temporary XDG tree and the keyring is disabled, so the user's real
credentials and keyring are never read or written. The simulator runs inside
the demo's studio and lives exactly as long as it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path

from cockpit import paths
from cockpit.settings import Settings
from cockpit.studio.client import StudioClient, StudioError
from cockpit.studio.launcher import StudioStartError, probe_studio, start_demo_studio
from cockpit.studio.locations import lock_path
from cockpit.studio.lock import holder_pid

DEMO_PROFILE = "demo"
STUDIO_EXIT_TIMEOUT = 60.0
"""Seconds to wait for the demo's studio to stop the stream and exit."""


def isolate_demo_home() -> Path:
    """Point the XDG directories at a new temporary tree and disable the keyring."""
    home = Path(tempfile.mkdtemp(prefix="cockpit-demo-"))
    for variable, name in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_DATA_HOME", "data"),
    ):
        os.environ[variable] = str(home / name)
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    os.environ.pop("RETAKE_ACCESS_TOKEN", None)
    return home


def run_interactive(
    settings: Settings, seed: int | None, audience_rate: float, auto_live: bool
) -> int:
    """Start the demo studio, open the console on it, and shut it all down afterwards."""
    from cockpit.commands.console import logging_to_file  # Textual loads only here
    from cockpit.ui.console import ConsoleApp

    home = isolate_demo_home()
    demo = settings.model_copy(update={"profile": DEMO_PROFILE})
    print("Starting the demo: a simulated platform with a real RTMP ingest...", flush=True)
    try:
        socket = start_demo_studio(demo, seed, audience_rate)
    except StudioStartError as error:
        print(f"cockpit demo: {error}")
        shutil.rmtree(home, ignore_errors=True)
        return 1
    welcome = probe_studio(socket) or {}
    api_url = str((welcome.get("studio") or {}).get("api_url") or demo.api_url)
    demo = demo.model_copy(update={"api_url": api_url})
    try:
        if auto_live:
            asyncio.run(_command(socket, "go_live"))
        log_path = paths.state_dir(DEMO_PROFILE) / "console.log"
        with logging_to_file(log_path):
            app = ConsoleApp(demo, socket, log_path=log_path)
            app.run()
        return app.return_code or 0
    finally:
        _shut_down(socket)
        shutil.rmtree(home, ignore_errors=True)


async def _command(socket: Path, name: str, **args: object) -> dict[str, object]:
    client = await StudioClient.connect(socket, "cli", subscribe=False)
    try:
        return await client.command(name, **args)
    finally:
        await client.close()


def _shut_down(socket: Path) -> None:
    # The demo's world is throwaway: its stream stops and its studio and simulator exit.
    try:
        asyncio.run(_command(socket, "shutdown", stop_stream=True))
    except StudioError:
        return  # the studio already exited
    deadline = time.monotonic() + STUDIO_EXIT_TIMEOUT
    while holder_pid(lock_path(DEMO_PROFILE)) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
