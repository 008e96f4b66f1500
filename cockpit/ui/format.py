"""Number, time and sparkline formatting shared by the console and the stage. No Textual here."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, tzinfo

SPARK_LEVELS = "▁▂▃▄▅▆▇█"

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def usd(amount: float | None, *, precise: bool = False) -> str:
    """Return ``amount`` as dollars: ``$12.3K``, ``$4.56``, ``$0.000123``, or ``—`` when unknown.

    ``precise`` keeps four significant digits for amounts below one dollar (prices).
    """
    if amount is None or not math.isfinite(amount):
        return "—"
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    for threshold, suffix in _SUFFIXES:
        if value >= threshold:
            return f"{sign}${_three_digits(value / threshold)}{suffix}"
    if value >= 1 or value == 0:
        return f"{sign}${value:,.2f}"
    if precise:
        # Four significant digits without an exponent: 0.00007051 rather than 7.051e-05.
        decimals = 3 - math.floor(math.log10(value))
        return f"{sign}${value:.{decimals}f}"
    return f"{sign}${value:.2f}"


def _three_digits(value: float) -> str:
    # ".3g" turns 999.7 into "1e+03"; from 100 on, whole numbers are short enough.
    return f"{value:.0f}" if value >= 99.95 else f"{value:.3g}"


def percent(value: float | None) -> str:
    """Return a growth in percent with its sign, ``+5.2%``, or ``—`` when unknown."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:+.1f}%"


def duration(seconds: float | None) -> str:
    """Return ``seconds`` as ``H:MM:SS`` (``M:SS`` under an hour), or ``—`` when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "—"
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def short_duration(seconds: float | None) -> str:
    """Return ``seconds`` in its largest unit: ``45s``, ``12m``, ``3h``, ``2d``."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "—"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def size(count: float | None) -> str:
    """Return a byte count with a binary prefix: ``512B``, ``45.2M``, ``3.1G``."""
    if count is None or not math.isfinite(count):
        return "—"
    value = float(count)
    for unit in ("B", "K", "M", "G", "T"):
        if value < 1024 or unit == "T":
            return f"{value:.0f}{unit}" if unit == "B" or value >= 10 else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}T"


def count(value: float | None) -> str:
    """Return an integer count, abbreviated above ten thousand: ``9,999``, ``12.3K``."""
    if value is None or not math.isfinite(value):
        return "—"
    if abs(value) >= 10_000:
        for threshold, suffix in _SUFFIXES:
            if abs(value) >= threshold:
                return f"{_three_digits(value / threshold)}{suffix}"
    return f"{int(value):,}"


def clock(at: float | None, tz: tzinfo | None = None) -> str:
    """Return the time of day of the epoch seconds ``at`` as ``HH:MM:SS`` in ``tz`` (local)."""
    if at is None or not math.isfinite(at):
        return "--:--:--"
    return datetime.fromtimestamp(at, tz).strftime("%H:%M:%S")


def short_clock(at: float | None, tz: tzinfo | None = None) -> str:
    """Return the time of day of ``at`` as ``HH:MM`` in ``tz`` (local)."""
    if at is None or not math.isfinite(at):
        return "--:--"
    return datetime.fromtimestamp(at, tz).strftime("%H:%M")


def sparkline(values: Sequence[float], width: int) -> str:
    """Return the last ``width`` values as block characters scaled between their min and max.

    Fewer values than ``width`` give a shorter line; a flat series sits on the lowest level.
    """
    if width <= 0:
        return ""
    tail = [value for value in values if math.isfinite(value)][-width:]
    if not tail:
        return ""
    low, high = min(tail), max(tail)
    span = high - low
    top = len(SPARK_LEVELS) - 1
    if span <= 0:
        return SPARK_LEVELS[0] * len(tail)
    return "".join(SPARK_LEVELS[round((value - low) / span * top)] for value in tail)
