"""The stage's connection to the studio: attach, fold every message into the model, reattach.

`StudioClient` with ``reconnect=True`` resumes after a lost connection by
itself. This loop adds what the client leaves to its caller: waiting for a
studio that is not up yet, and attaching afresh when the client gives up
(a studio that refused it). While detached, the model keeps the last picture
and its ``connected`` flag is False, which the stage shows as a small mark.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cockpit.studio.client import StudioClient, StudioError
from cockpit.ui.stage_model import StageModel

logger = logging.getLogger(__name__)

RETRY_INITIAL = 0.5
RETRY_MAX = 5.0
"""Seconds between attempts to reach a studio that does not respond, doubling up to this."""

NarrationCallback = Callable[[str], None]


class StudioLink:
    """Keeps one stage attached to the studio at ``socket_path``."""

    def __init__(
        self,
        socket_path: Path,
        model: StageModel,
        on_narration: NarrationCallback | None = None,
    ) -> None:
        self.socket_path = socket_path
        self.model = model
        self._on_narration = on_narration
        self.client: StudioClient | None = None
        """The attached client, or None while the studio is out of reach."""

    async def run(self) -> None:
        """Attach and follow the studio until cancelled."""
        delay = RETRY_INITIAL
        failures = 0
        while True:
            try:
                client = await StudioClient.connect(self.socket_path, "stage", reconnect=True)
            except StudioError as error:
                self.model.set_connected(False)
                failures += 1
                if failures == 1:
                    logger.warning("the studio is not reachable (%s); retrying", error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                continue

            logger.info("attached to the studio at %s", self.socket_path)
            delay, failures = RETRY_INITIAL, 0
            self.client = client
            try:
                await self._follow(client)
            except StudioError as error:
                logger.warning("the studio connection ended: %s", error)
            finally:
                self.client = None
                await client.close()
            self.model.set_connected(False)

    async def command(
        self, name: str, *, timeout: float | None = 30.0, **args: Any
    ) -> dict[str, Any]:
        """Send a command to the studio and return its result.

        Raises:
            StudioError: not attached, the connection broke, or the studio rejected it.
            TimeoutError: no response within ``timeout`` seconds.
        """
        client = self.client
        if client is None:
            raise StudioError(f"The stage is not attached to a studio, so {name!r} was not sent.")
        return await client.command(name, timeout=timeout, **args)

    async def _follow(self, client: StudioClient) -> None:
        self.model.apply_identity(client.studio)
        if client.snapshot is not None:
            self.model.apply_snapshot(client.snapshot)
        self.model.set_connected(True)
        async for message in client.events():
            try:
                self.model.apply_message(message)
            except Exception:
                # One malformed event must not freeze the picture viewers see.
                logger.exception("folding the studio's %s message %s failed",
                                 message.get("type"), message.get("seq"))  # fmt: skip
                continue
            if (
                self._on_narration is not None
                and message.get("type") == "event"
                and message.get("kind") == "narration"
            ):
                text = (message.get("data") or {}).get("text")
                if isinstance(text, str) and text.strip():
                    self._on_narration(text)
