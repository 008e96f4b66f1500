"""Speaking narration lines on the stream, one after another.

Each line is sent to the studio as a ``say`` command, so the studio plays it
into the audio server its pipeline runs. Without a studio, or with a studio
that lacks that command, the line is spoken from here instead, into the
profile's audio server (see `cockpit.broadcast.voice`), through a process
supervisor of the stage's own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.broadcast.voice import (
    Speech,
    VoiceError,
    missing_programs,
    server_address,
    voice_dir,
)
from cockpit.studio.client import StudioCommandError, StudioError

logger = logging.getLogger(__name__)

SAY_TIMEOUT = 300.0
"""Seconds to wait for the studio to finish speaking one line."""

QUEUE_SIZE = 20
"""Lines waiting to be spoken; when the agent writes faster than speech, older lines are dropped."""

Command = Callable[..., Awaitable[dict[str, Any]]]


class NarrationSpeaker:
    """Speaks the lines it is given in order, dropping the oldest waiting ones on overflow."""

    def __init__(
        self,
        command: Command | None,
        profile: str,
        voice: str,
        words_per_minute: int,
    ) -> None:
        self._command = command
        self._profile = profile
        self._voice = voice
        self._words_per_minute = words_per_minute
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._studio_says = command is not None
        self._supervisor: ProcessSupervisor | None = None
        self.spoken = 0
        """Lines spoken so far."""

    def submit(self, text: str) -> None:
        """Queue ``text`` to be spoken."""
        if self._queue.full():
            dropped = self._queue.get_nowait()
            logger.info(
                "dropped a narration line waiting to be spoken: %d characters", len(dropped)
            )
        self._queue.put_nowait(text)

    async def run(self) -> None:
        """Speak queued lines until cancelled."""
        try:
            while True:
                text = await self._queue.get()
                try:
                    await self._speak(text)
                    self.spoken += 1
                except (StudioError, VoiceError, TimeoutError) as error:
                    logger.warning("a narration line was not spoken: %s", error)
        finally:
            if self._supervisor is not None:
                await asyncio.to_thread(self._supervisor.close)

    async def _speak(self, text: str) -> None:
        if self._command is not None and self._studio_says:
            try:
                await self._command(
                    "say",
                    timeout=SAY_TIMEOUT,
                    text=text,
                    voice=self._voice,
                    words_per_minute=self._words_per_minute,
                )
                return
            except StudioCommandError as error:
                if error.code != "unknown_command":
                    raise
                logger.info("the studio has no 'say' command; speaking from the stage")
                self._studio_says = False
        await asyncio.to_thread(self._speak_here, text)

    def _speak_here(self, text: str) -> None:
        missing = missing_programs(("espeak-ng", "paplay"))
        if missing:
            raise VoiceError(f"Not installed: {', '.join(missing)}; run `cockpit doctor`.")
        if self._supervisor is None:
            self._supervisor = ProcessSupervisor("stage-speech")
        address = server_address(voice_dir(self._profile))
        Speech(self._supervisor, address, self._voice, self._words_per_minute).say(text)
