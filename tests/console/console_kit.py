"""Building a console on a recorded studio, and waiting for it to show what it received."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

from replay import ReplayStudio
from scenes import NOW
from textual.pilot import Pilot

from cockpit.settings import Settings
from cockpit.ui.console import ConsoleApp
from cockpit.ui.viewmodels import HostView
from cockpit.ui.widgets.preview import StagePreview

HOST = HostView(cpu_percent=23.0, memory_percent=41.0, disk_free_bytes=12_300_000_000)


def console_for(
    studio: ReplayStudio,
    settings: Settings | None = None,
    *,
    user_theme_dir: Path | None = None,
    detachable: bool = True,
) -> ConsoleApp:
    """Return a console attached to ``studio`` with a fixed clock, UTC times and fixed host load."""

    async def connect() -> ReplayStudio:
        return studio

    return ConsoleApp(
        settings or Settings(),
        connect=connect,
        clock=lambda: NOW,
        host_probe=lambda: HOST,
        local_copy=None,
        tz=UTC,
        cursor_blink=False,
        user_theme_dir=user_theme_dir,
        detachable=detachable,
    )


async def wait_for(condition: Callable[[], bool], pilot: Pilot[Any], timeout: float = 5.0) -> None:
    """Let the app run until ``condition`` holds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


async def settle(pilot: Pilot[Any], seq: int | None = None) -> None:
    """Wait until the console applied events up to ``seq``, measured the host and drew."""
    app = pilot.app
    assert isinstance(app, ConsoleApp)
    await wait_for(lambda: app.view.connection == "connected" and app.view.host is not None, pilot)
    if seq is not None:
        await wait_for(lambda: (app.view.seq or 0) >= seq, pilot)
    if app.view.thumbnail_path:
        preview = app.query_one(StagePreview)
        await wait_for(lambda: preview.has_image, pilot)
    app.refresh_panes()
    await pilot.pause()
