"""What viewers see: the stage in a real xterm on Xvfb, read back from captured frames with OCR.

Frames are captured with scrot through the process supervisor and read with
tesseract after scaling the chat panel up three times and inverting it (see
`stage_helpers.ocr`). Every check that a text is absent is paired with a check
that a text drawn next to it is read, so a frame that OCR cannot read does not
pass for a clean one.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fake_studio import FakeStudio
from stage_data import HIDDEN_ID, MUTED_VIEWER, START, chat, snapshot
from stage_helpers import (
    CHAT_REGION,
    cockpit,
    letters,
    live_status,
    needs_programs,
    ocr,
    region_digest,
    register,
    stop_studio,
)

from cockpit.broadcast.display import VirtualDisplay
from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.broadcast.stage_window import StageWindow
from cockpit.broadcast.thumbnail import capture_thumbnail
from cockpit.settings import DisplaySettings
from cockpit.sim.server import SimServer

pytestmark = needs_programs("Xvfb", "openbox", "xterm", "scrot", "ffmpeg", "tesseract", "nginx")

APPEAR_BOUND = 60.0
"""Seconds a chat message may take from the simulator to the screen: generous, because the
feeds poll every few seconds when the socket misses it, and the machine may be busy."""

FORBIDDEN = ("HIDDENWORD", "MUTEDWORD", "FILTERWORD")
"""Words only in messages that must stay off air; OCR output is searched for each."""


@dataclass
class Frames:
    """Frames captured from one display, and the text read from each distinct chat panel."""

    supervisor: ProcessSupervisor
    display: str
    directory: Path
    texts: dict[str, str] = field(default_factory=dict)
    """OCR text by the digest of the chat panel's pixels."""
    captured: int = 0

    def capture(self) -> str:
        """Capture a frame and return the text of its chat panel."""
        self.captured += 1
        path = self.directory / f"frame-{self.captured:04d}.png"
        capture_thumbnail(self.supervisor, self.display, path)
        digest = region_digest(self.supervisor, path, CHAT_REGION)
        if digest not in self.texts:
            self.texts[digest] = ocr(self.supervisor, path, CHAT_REGION)
        return self.texts[digest]

    def forbidden_seen(self) -> list[str]:
        return [word for word in FORBIDDEN for text in self.texts.values() if word in letters(text)]


def capture_until(frames: Frames, sentinel: str, timeout: float) -> str:
    """Capture frames until ``sentinel`` is read in one, then two more; return the last text."""
    deadline = time.monotonic() + timeout
    while sentinel not in letters(frames.capture()):
        assert time.monotonic() < deadline, (
            f"{sentinel} was not read within {timeout:g} s; last texts: "
            f"{list(frames.texts.values())[-2:]}"
        )
        time.sleep(0.2)
    for _ in range(2):
        time.sleep(0.3)
        text = frames.capture()
    return text


@pytest.fixture
def supervisor() -> Iterator[ProcessSupervisor]:
    with ProcessSupervisor("stage-screen") as owned:
        yield owned


@pytest.fixture
async def display(supervisor: ProcessSupervisor, tmp_path: Path) -> AsyncIterator[str]:
    virtual = VirtualDisplay(supervisor, DisplaySettings(), tmp_path / "display")
    await asyncio.to_thread(virtual.start)
    try:
        yield virtual.display
    finally:
        await asyncio.to_thread(virtual.stop)


async def test_hidden_muted_filtered_never_on_screen(
    supervisor: ProcessSupervisor,
    display: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The stage reads the word filter from its settings; the variable reaches it through xterm.
    monkeypatch.setenv("RETAKE_COCKPIT_CONSOLE__WORD_FILTER", '["filterword"]')
    socket_file = tmp_path / "studio.sock"
    studio = FakeStudio(socket_file, snapshot())
    await studio.start()
    command = [sys.executable, "-m", "cockpit.ui.stage", "--socket", str(socket_file)]
    window = StageWindow(supervisor, display, DisplaySettings(), command, tmp_path / "logs")
    await asyncio.to_thread(window.start)
    frames = Frames(supervisor, display, tmp_path)
    try:
        # The snapshot contains a hidden message and a muted viewer's among readable ones.
        text = await asyncio.to_thread(capture_until, frames, "BONDINGCURVE", APPEAR_BOUND)
        assert "FIRSTTIMEHERE" in letters(text)
        assert frames.forbidden_seen() == []

        # Live: a hide that comes before its message (a moderation record contains the whole
        # set), the muted viewer again, a filtered word in another case, then a readable
        # message after all of them.
        studio.publish(
            "moderation",
            {"hidden_messages": [HIDDEN_ID, "late-hidden"], "muted_viewers": [MUTED_VIEWER]},
        )
        studio.chat(chat("late-hidden", "HIDDENWORD arrives hidden", "troll", "u-t", START))
        studio.chat(chat("muted-2", "MUTEDWORD speaks again", "spam_bot", "u-muted", START))
        studio.chat(chat("filtered", "so much FilterWord here", "rude", "u-r", START))
        studio.chat(chat("sentinel", "PELICAN ORBIT", "birdwatcher", "u-b", START))
        text = await asyncio.to_thread(capture_until, frames, "PELICANORBIT", APPEAR_BOUND)

        assert frames.forbidden_seen() == []
        assert "BIRDWATCHER" in letters(text)
        assert len(frames.texts) >= 2, "the chat panel never changed between frames"
    finally:
        await asyncio.to_thread(window.stop)
        await studio.close()


def test_simulator_chat_reaches_screen(
    sim: SimServer, supervisor: ProcessSupervisor, tmp_path: Path
) -> None:
    # The studio's stage follows the default profile's studio until the studio passes
    # its own profile to the stage, so this test streams as the default profile.
    profile = "default"
    user_id = register(sim.api_url, profile, "Ocrnova")
    try:
        start = cockpit("live", "start", "--json", "--profile", profile, "--api-url", sim.api_url)
        assert start.code == 0, start.stdout + start.stderr
        display = live_status(profile, sim.api_url)["display"]
        assert display, "the studio reports no display while live"

        response = httpx.post(
            f"{sim.origin}/_sim/chat",
            json={"streamer_id": user_id, "text": "PELICAN ORBIT", "username": "birder"},
            timeout=10,
        )
        response.raise_for_status()

        frames = Frames(supervisor, display, tmp_path)
        text = capture_until(frames, "PELICANORBIT", APPEAR_BOUND)
        assert "BIRDER" in letters(text)
    finally:
        leftovers = stop_studio(sim.api_url, profile)
        assert leftovers == [], f"processes left behind: {leftovers}"
