"""Parsing of ffmpeg's ``-progress`` output into snapshots.

ffmpeg 5.1 writes a block of ``key=value`` lines every 0.5 s, ending with
``progress=continue``, and a last block ending with ``progress=end`` when it
exits. Values it cannot compute yet are ``N/A``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EncoderProgress:
    """One ``-progress`` block. Fields ffmpeg reported as ``N/A`` are ``None``."""

    frame: int = 0
    """Frames encoded since start."""
    fps: float | None = None
    """Mean encoding rate in frames per second."""
    bitrate_kbps: float | None = None
    """Mean output bitrate in kbit/s."""
    total_size: int | None = None
    """Bytes written to the output."""
    out_time_seconds: float | None = None
    """Media time written, in seconds."""
    speed: float | None = None
    """Media time per wall-clock time; 1.0 is real time."""
    dup_frames: int = 0
    drop_frames: int = 0
    progress: str = "continue"
    """``continue`` while running, ``end`` in the last block."""

    @property
    def ended(self) -> bool:
        """Whether this is ffmpeg's last block."""
        return self.progress == "end"


class ProgressParser:
    """Collects ``key=value`` lines and returns a snapshot at the end of each block."""

    def __init__(self) -> None:
        self._fields: dict[str, str] = {}

    def feed(self, line: str) -> EncoderProgress | None:
        """Add one line; return the block's snapshot when ``line`` ends it, else ``None``."""
        key, separator, value = line.strip().partition("=")
        if not separator:
            return None
        self._fields[key.strip()] = value.strip()
        if key.strip() != "progress":
            return None
        fields, self._fields = self._fields, {}
        return _snapshot(fields)


def _snapshot(fields: dict[str, str]) -> EncoderProgress:
    return EncoderProgress(
        frame=_integer(fields.get("frame")) or 0,
        fps=_number(fields.get("fps")),
        bitrate_kbps=_number(fields.get("bitrate"), suffix="kbits/s"),
        total_size=_integer(fields.get("total_size")),
        out_time_seconds=_microseconds(fields.get("out_time_us")),
        speed=_number(fields.get("speed"), suffix="x"),
        dup_frames=_integer(fields.get("dup_frames")) or 0,
        drop_frames=_integer(fields.get("drop_frames")) or 0,
        progress=fields.get("progress", "continue"),
    )


def _number(value: str | None, suffix: str = "") -> float | None:
    if value is None:
        return None
    value = value.strip().removesuffix(suffix).strip()
    try:
        return float(value)
    except ValueError:
        return None  # N/A, or a field ffmpeg has not filled in yet


def _integer(value: str | None) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _microseconds(value: str | None) -> float | None:
    number = _number(value)
    return None if number is None else number / 1_000_000
