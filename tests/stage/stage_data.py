"""Recorded studio state for the stage's tests: a live agent with chat, trades and stats.

Times are fixed epoch seconds, so every drawing made from this data is the same.
"""

from __future__ import annotations

import math
from typing import Any

AGENT_ID = "9b2f6c1e-agent-nova"
TOKEN_ADDRESS = "NovaTkn1111111111111111111111111111111111pump"
START = 1_767_000_000.0
"""Epoch seconds of the first recorded item."""

MUTED_VIEWER = "user:u-muted"
"""The key the console uses for a muted viewer: ``user:`` and the viewer's user id."""

HIDDEN_ID = "chat-hidden"


def identity() -> dict[str, Any]:
    return {
        "pid": 4242,
        "profile": "default",
        "api_url": "https://retake.tv/api/v1",
        "agent_name": "Nova",
        "user_db_id": AGENT_ID,
        "token_address": TOKEN_ADDRESS,
        "token_ticker": "NOVA",
        "started_at": START,
        "log": "/var/log/studio.log",
    }


def chat(
    item_id: str,
    text: str,
    author: str,
    user_id: str,
    at: float,
    kind: str = "message",
    amount: float | None = None,
    own: bool = False,
) -> dict[str, Any]:
    """Return a feed chat item as the studio sends it (`ChatItem.to_json`)."""
    return {
        "event": "chat",
        "id": item_id,
        "streamer_id": AGENT_ID,
        "text": text,
        "at": at,
        "kind": kind,
        "platform_id": None,
        "session_id": "session-1",
        "author_name": author,
        "author_user_id": user_id,
        "author_wallet": None,
        "amount_usd": amount,
        "own": own,
        "source": "socket",
    }


def trade(item_id: str, is_buy: bool, amount: float, at: float, wallet: str) -> dict[str, Any]:
    return {
        "event": "trade",
        "id": item_id,
        "token_address": TOKEN_ADDRESS,
        "is_buy": is_buy,
        "amount_usd": amount,
        "at": at,
        "ticker": "NOVA",
        "wallet": wallet,
        "tx_hash": None,
        "source": "poll",
    }


def stats(at: float, market_cap: float, growth: float = 12.4) -> dict[str, Any]:
    return {
        "event": "stats",
        "token_address": TOKEN_ADDRESS,
        "at": at,
        "ticker": "NOVA",
        "price": market_cap / 1_000_000_000,
        "market_cap": market_cap,
        "all_time_high": 61_000.0 / 1_000_000_000,  # a price, like "price"
        "growth_1h": 1.5,
        "growth_6h": 4.0,
        "growth_24h": growth,
        "volume_total": 250_000.0,
        "volume_24h": 18_300.0,
        "earnings_total": 900.0,
        "earnings_24h": 74.25,
    }


def recorded_chat() -> list[dict[str, Any]]:
    """Chat of a lively stream: messages, a tip, trades, markup, a hidden and a muted one."""
    lines = [
        ("c1", "gm gm! first time here", "ada_lovelace", "u-ada", "message", None),
        ("c2", "what are you building today?", "satoshi_fan", "u-sat", "message", None),
        ("c3", "tipped $5.00", "whale_watcher", "u-whale", "tip", 5.0),
        ("c4", "bought $120.00 of NOVA", "degen_dan", "u-dan", "trade", 120.0),
        ("c5", "[bold red]this is not markup[/] <b>nor html</b>", "markup_mike", "u-mike",
         "message", None),
        (HIDDEN_ID, "HIDDENWORD should never show", "troll_tom", "u-tom", "message", None),
        ("c6", "MUTEDWORD from a muted viewer", "spam_bot", "u-muted", "message", None),
        ("c7", "the sparkline looks healthy, nice pump", "chart_guy", "u-chart", "message",
         None),
        ("c8", "sold $35.10 of NOVA", "paper_hands", "u-paper", "trade", 35.1),
        ("c9", "can you explain the bonding curve in simple words? I keep hearing about it "
         "but never understood how the price moves", "curious_cat", "u-cat", "message", None),
    ]  # fmt: skip
    items = [
        chat(item_id, text, author, user_id, START + 10 * index, kind, amount)
        for index, (item_id, text, author, user_id, kind, amount) in enumerate(lines)
    ]
    items.append(
        chat("c10", "Great question! Think of it as a price ramp.", "Nova", "", START + 105,
             own=True)
    )  # fmt: skip
    return items


def recorded_trades() -> list[dict[str, Any]]:
    wallets = [
        "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU",
        "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
    ]
    return [
        trade(f"t{i}", i % 3 != 1, 12.5 * (i + 1), START + 7 * i, wallets[i % 2]) for i in range(8)
    ]


def recorded_stats() -> list[dict[str, Any]]:
    """Sixty stats snapshots of a market cap rising from about $31K to $48K with some waves."""
    return [
        stats(START + 15 * index, 31_000 + 290 * index + 2_400 * math.sin(index / 5))
        for index in range(60)
    ]


def snapshot(scene: str | None = None, phase: str = "live") -> dict[str, Any]:
    """Return a studio snapshot's state with the recorded chat, trades and stats."""
    return {
        "phase": phase,
        "steps": {},
        "last_error": None,
        "stream_status": {"is_live": phase == "live", "viewers": 128, "uptime_seconds": 600,
                          "checked_at": START + 100},
        "orphaned_live": False,
        "watchdog_paused": False,
        "scene": scene,
        "narration": {"text": "Welcome in! Today we're wiring a token ticker into a "
                      "terminal, live.", "at": START + 90},
        "rooms": [],
        "thumbnail": None,
        "live_since": START,
        "broadcast_log": [],
        "alerts": [],
        "studio": identity(),
        "operation": None,
        "clients": [],
        "counters": {},
        "health": None,
        "moderation": {"hidden_messages": [HIDDEN_ID], "muted_viewers": [MUTED_VIEWER]},
        "feeds": {
            "chat": recorded_chat(),
            "trades": recorded_trades(),
            "stats_history": recorded_stats(),
            "health": None,
        },
    }  # fmt: skip
