"""A studio test double: replays a recorded snapshot and event stream, and records commands.

It stands in for `StudioClient` (the console's `StudioLink`), so console
tests are deterministic: no socket, no studio process, no clock of its own.
Commands the real studio does not know are rejected with the same error code
the studio's server uses, ``unknown_command``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

from cockpit.studio.client import StudioCommandError
from cockpit.studio.protocol import COMMANDS

Response = dict[str, Any] | Exception | Callable[[dict[str, Any]], dict[str, Any]]


class ReplayStudio:
    """Serves one snapshot, then the given events, then whatever a test pushes."""

    def __init__(
        self,
        snapshot: dict[str, Any],
        events: Iterable[dict[str, Any]] = (),
        *,
        responses: dict[str, Response] | None = None,
    ) -> None:
        self.snapshot: dict[str, Any] | None = snapshot["state"]
        self.last_seq: int | None = snapshot.get("seq")
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        for event in events:
            self._queue.put_nowait(event)
        self.responses = dict(responses or {})
        self.commands: list[tuple[str, dict[str, Any]]] = []
        """Every command received, as (name, arguments)."""
        self.closed = False

    @property
    def studio(self) -> dict[str, Any]:
        assert self.snapshot is not None
        return dict(self.snapshot.get("studio") or {})

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        while True:
            message = await self._queue.get()
            if message is None:
                return
            if message.get("type") == "event":
                self.last_seq = message.get("seq")
            yield message

    def push(self, *messages: dict[str, Any]) -> None:
        """Deliver more messages to the console."""
        for message in messages:
            self._queue.put_nowait(message)

    async def command(
        self, name: str, *, timeout: float | None = None, **args: Any
    ) -> dict[str, Any]:
        self.commands.append((name, args))
        response = self.responses.get(name)
        if response is None:
            if name not in COMMANDS:
                raise StudioCommandError(
                    name,
                    "unknown_command",
                    f"Unknown command {name!r}. Known commands: {', '.join(COMMANDS)}.",
                )
            return {}
        if isinstance(response, Exception):
            raise response
        if callable(response):
            return response(args)
        return response

    async def close(self) -> None:
        self.closed = True
        self._queue.put_nowait(None)


def load_recording(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read a recording: JSON lines, the first a snapshot message, then event messages."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert lines and lines[0]["type"] == "snapshot", f"{path} does not start with a snapshot"
    return lines[0], lines[1:]
