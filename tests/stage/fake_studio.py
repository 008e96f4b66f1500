"""A stand-in studio for the stage's tests: the real `StudioServer` with a state the test sets.

Commands act like the studio's (``set_scene`` and ``narrate`` change the state
and publish an event), and the test publishes feed events itself. Clients talk
to it over the real socket protocol, so the stage cannot tell it from a studio.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from cockpit.settings import StudioSettings
from cockpit.studio.server import CommandError, StudioServer
from cockpit.studio.session import ClientInfo


class FakeStudio:
    """A studio state, a server publishing its changes, and the commands it received."""

    def __init__(self, socket_path: Path, state: dict[str, Any]) -> None:
        self.state = state
        self.commands: list[tuple[str, dict[str, Any]]] = []
        self.server = StudioServer(
            socket_path,
            StudioSettings(event_buffer=20_000, client_queue=20_000),
            identity=lambda: {**self.state["studio"], "pid": os.getpid()},
            snapshot=lambda: self.state,
            handle_command=self._handle,
        )

    async def start(self) -> None:
        await self.server.start()

    async def close(self) -> None:
        await self.server.close()

    @property
    def instance(self) -> str:
        return self.server.instance

    def publish(self, kind: str, data: dict[str, Any]) -> int:
        """Publish an event and fold feed chat into the state, as the studio's feeds keep it."""
        if kind == "feed" and data.get("event") == "chat":
            self.state["feeds"]["chat"].append(data)
        elif kind == "moderation":
            self.state["moderation"] = dict(data)
        return self.server.publish(kind, data)

    def chat(self, item: dict[str, Any]) -> int:
        return self.publish("feed", item)

    async def _handle(self, name: str, args: dict[str, Any], client: ClientInfo) -> dict[str, Any]:
        self.commands.append((name, args))
        if name == "set_scene":
            self.state["scene"] = args.get("scene")
            self.server.publish("scene", {"scene": args.get("scene")})
            return {"scene": args.get("scene")}
        if name == "narrate":
            narration = {"text": args["text"], "at": time.time()}
            self.state["narration"] = narration
            self.server.publish("narration", narration)
            return narration
        raise CommandError("unknown_command", f"The test studio has no handler for {name!r}.")
