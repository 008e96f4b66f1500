"""The console's studio connection interface, and the host figures the console measures."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import psutil

from cockpit import paths
from cockpit.studio.client import StudioClient
from cockpit.ui.viewmodels import HostView

logger = logging.getLogger(__name__)


class StudioLink(Protocol):
    """The part of `StudioClient` the console uses; tests replace it with a recorded studio."""

    snapshot: dict[str, Any] | None
    last_seq: int | None

    @property
    def studio(self) -> dict[str, Any]: ...

    def events(self) -> AsyncIterator[dict[str, Any]]: ...

    async def command(
        self, name: str, *, timeout: float | None = None, **args: Any
    ) -> dict[str, Any]: ...

    async def close(self) -> None: ...


Connector = Callable[[], Awaitable[StudioLink]]


def studio_connector(socket_path: Path) -> Connector:
    """Return a connector to the studio at ``socket_path`` that reconnects and resumes by itself."""

    async def connect() -> StudioLink:
        return await StudioClient.connect(socket_path, "console", reconnect=True)

    return connect


def measure_host() -> HostView:
    """Measure this host's CPU (since the last call), memory and free disk in the state home."""
    disk_free: int | None
    try:
        disk_free = psutil.disk_usage(str(_existing(paths.state_home()))).free
    except OSError as error:
        logger.debug("could not measure the free disk: %s", error)
        disk_free = None
    return HostView(
        cpu_percent=psutil.cpu_percent(interval=None),
        memory_percent=psutil.virtual_memory().percent,
        disk_free_bytes=disk_free,
        source="console",
    )


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
