"""Reading the JSON of feed items and health reports into view records, tolerant of gaps.

A studio of another version may leave fields out or add new ones: a missing
field gives a default, and an item without what identifies it gives None.
Viewer-supplied text is made display-safe here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from cockpit.feeds.textsafe import display_safe
from cockpit.ui.viewmodels import (
    ChatLine,
    EncoderView,
    FeedHealthView,
    HostView,
    ProcessView,
    StatsView,
    TradeLine,
)

MAX_AUTHOR_LENGTH = 40
MAX_MESSAGE_LENGTH = 300
"""Characters of a chat message kept for display; longer ones end in an ellipsis."""
MAX_TICKER_LENGTH = 16

FilterMatch = Callable[[str], bool]
ReturningCheck = Callable[[Mapping[str, Any], str, float], bool]


def number(value: object) -> float | None:
    """Return ``value`` as a finite float, or None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def author_key(user_id: str | None, wallet: str | None, name: str | None) -> str:
    """Return the key of a chat author as the studio's viewer records form it."""
    if user_id:
        return f"user:{user_id}"
    if wallet:
        return f"wallet:{wallet}"
    if name:
        return f"name:{name.casefold()}"
    return ""


def chat_line(
    data: Mapping[str, Any], matches_filter: FilterMatch, is_returning: ReturningCheck
) -> ChatLine | None:
    """Build a chat line from a ``ChatItem`` JSON object, or None without an id."""
    item_id = data.get("id")
    if not isinstance(item_id, str) or not item_id:
        return None
    text = display_safe(str(data.get("text") or ""), MAX_MESSAGE_LENGTH)
    user_id = _text_or_none(data.get("author_user_id"))
    wallet = _text_or_none(data.get("author_wallet"))
    name = _text_or_none(data.get("author_name"))
    own = bool(data.get("own"))
    key = "" if own else author_key(user_id, wallet, name)
    at = number(data.get("at")) or 0.0
    kind = data.get("kind")
    return ChatLine(
        id=item_id,
        kind=kind if kind in ("message", "tip", "trade") else "message",
        text=text,
        author=display_safe(name, MAX_AUTHOR_LENGTH) if name else "",
        author_key=key,
        at=at,
        streamer_id=str(data.get("streamer_id") or ""),
        wallet=display_safe(wallet) if wallet else None,
        user_id=user_id,
        amount_usd=number(data.get("amount_usd")),
        own=own,
        returning=False if own else is_returning(data, key, at),
        filtered=matches_filter(text),
    )


def trade_line(data: Mapping[str, Any], large_usd: float) -> TradeLine | None:
    """Build a trade line from a ``TradeItem`` JSON object, or None without id or amount."""
    trade_id = data.get("id")
    amount = number(data.get("amount_usd"))
    if not isinstance(trade_id, str) or not trade_id or amount is None:
        return None
    ticker = data.get("ticker")
    wallet = _text_or_none(data.get("wallet"))
    return TradeLine(
        id=trade_id,
        is_buy=bool(data.get("is_buy")),
        amount_usd=amount,
        at=number(data.get("at")) or 0.0,
        ticker=display_safe(ticker, MAX_TICKER_LENGTH) if isinstance(ticker, str) else "",
        wallet=display_safe(wallet) if wallet else None,
        tx_hash=_text_or_none(data.get("tx_hash")),
        large=amount >= large_usd,
    )


def stats_view(data: Mapping[str, Any]) -> StatsView | None:
    """Build the token stats from a ``StatsItem`` JSON object, or None without a time."""
    at = number(data.get("at"))
    if at is None:
        return None
    ticker = data.get("ticker")
    return StatsView(
        at=at,
        token_address=display_safe(str(data.get("token_address") or "")),
        ticker=display_safe(ticker, MAX_TICKER_LENGTH) if isinstance(ticker, str) else "",
        price=number(data.get("price")),
        market_cap=number(data.get("market_cap")),
        all_time_high=number(data.get("all_time_high")),
        growth_1h=number(data.get("growth_1h")),
        growth_6h=number(data.get("growth_6h")),
        growth_24h=number(data.get("growth_24h")),
        volume_total=number(data.get("volume_total")),
        volume_24h=number(data.get("volume_24h")),
        earnings_total=number(data.get("earnings_total")),
        earnings_24h=number(data.get("earnings_24h")),
    )


def process_views(rows: object) -> list[ProcessView]:
    """Build the process rows of a health report; rows without a name are skipped."""
    if not isinstance(rows, list):
        return []
    views = []
    for row in rows:
        if not isinstance(row, Mapping) or not row.get("name"):
            continue
        pid = number(row.get("pid"))
        memory = number(row.get("memory_bytes"))
        returncode = number(row.get("returncode"))
        views.append(
            ProcessView(
                name=display_safe(str(row["name"]), 20),
                pid=int(pid) if pid is not None else None,
                state=display_safe(str(row.get("state") or "unknown"), 12),
                cpu_percent=number(row.get("cpu_percent")),
                memory_bytes=int(memory) if memory is not None else None,
                uptime_seconds=number(row.get("uptime_seconds")),
                restarts=int(number(row.get("restarts")) or 0),
                returncode=int(returncode) if returncode is not None else None,
            )
        )
    return views


def encoder_view(report: object, target_fps: float | None) -> EncoderView | None:
    """Build the encoder's figures from a health report's ``encoder``, or None without one.

    The report's own ``target_fps`` wins over the configured ``target_fps``.
    Frames and drops come from the running encoder's progress, else the totals.
    """
    if not isinstance(report, Mapping):
        return None
    progress = report.get("progress")
    progress = progress if isinstance(progress, Mapping) else {}
    frames = number(progress.get("frame"))
    dropped = number(progress.get("drop_frames"))
    if frames is None:
        frames = number(report.get("frames_total"))
        dropped = number(report.get("dropped_total"))
    return EncoderView(
        running=bool(report.get("running")),
        target_fps=number(report.get("target_fps")) or target_fps,
        fps=number(progress.get("fps")),
        bitrate_kbps=number(progress.get("bitrate_kbps")),
        speed=number(progress.get("speed")),
        frames=int(frames or 0),
        dropped=int(dropped or 0),
        stalled=bool(report.get("stalled")),
    )


def feed_health_view(data: Mapping[str, Any]) -> FeedHealthView | None:
    """Build the feeds' health from a ``FeedHealth`` JSON object."""
    socket = data.get("socket_connected")
    failures = data.get("consecutive_failures")
    last_ok = data.get("last_poll_ok_at")
    return FeedHealthView(
        socket_connected=socket if isinstance(socket, bool) else None,
        at=number(data.get("at")) or 0.0,
        failures={
            str(name): int(value)
            for name, value in (failures.items() if isinstance(failures, Mapping) else ())
            if number(value) is not None
        },
        last_poll_ok_at={
            str(name): float(value)
            for name, value in (last_ok.items() if isinstance(last_ok, Mapping) else ())
            if number(value) is not None
        },
        last_error=display_safe(str(data.get("last_error") or ""), 200),
    )


def host_view(data: object) -> HostView | None:
    """Build the host figures a studio reports in its health (``host``), or None without them."""
    if not isinstance(data, Mapping):
        return None
    disk = number(data.get("disk_free_bytes"))
    return HostView(
        cpu_percent=number(data.get("cpu_percent")),
        memory_percent=number(data.get("memory_percent")),
        disk_free_bytes=int(disk) if disk is not None else None,
        source="studio",
    )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
