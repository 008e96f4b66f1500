"""The interactive demo: the console attached to the demo's studio, which hosts the simulator."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path

from cockpit import paths
from cockpit.demo.home import DEMO_PROFILE, DemoHome
from cockpit.demo.studio import DemoStudio, DemoStudioError
from cockpit.settings import Settings
from cockpit.studio.client import StudioClient, StudioError
from cockpit.studio.demo_sim import DemoWorld


def run_interactive(
    settings: Settings, world: DemoWorld, auto_live: bool, home_dir: Path | None
) -> int:
    """Start the demo's studio, open the console on it, and shut it all down afterwards."""
    from cockpit.commands.console import logging_to_file  # Textual loads only here
    from cockpit.ui.console import ConsoleApp

    print("Starting the demo: a simulated platform with a real RTMP ingest...", flush=True)
    with DemoHome(home_dir) as home, ExitStack() as stack:
        world = DemoWorld(world.seed, world.audience_rate, world.faults, home.ingest_dir)
        try:
            studio = stack.enter_context(
                DemoStudio(settings, world, home.path / "studio-output.log")
            )
        except DemoStudioError as error:
            print(f"cockpit demo: {error}")
            return 1
        if home.kept:
            stack.callback(print, f"The demo's files are in {home.path}.")
        stack.callback(print, "Stopping the demo...", flush=True)
        demo = studio.settings.model_copy(update={"api_url": studio.api_url})
        if auto_live:
            asyncio.run(_go_live(studio.socket))
        log_path = paths.state_dir(DEMO_PROFILE) / "console.log"
        with logging_to_file(log_path):
            app = ConsoleApp(demo, studio.socket, log_path=log_path, detachable=False)
            app.run()
        return app.return_code or 0


async def _go_live(socket: Path) -> None:
    client = await StudioClient.connect(socket, "cli", subscribe=False)
    try:
        await client.command("go_live")
    except StudioError as error:
        print(f"cockpit demo: going live failed: {error}")
    finally:
        await client.close()
