"""Deterministic studio states and event streams for console tests, in the studio's JSON shapes.

Times are fixed (`NOW`), names and wallets are made up, and the thumbnail is
a PNG drawn here, so snapshots of the console are the same on every run.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

from cockpit.broadcast.events import GO_LIVE_STEPS

NOW = 1_767_272_400.0
"""2026-01-01 13:00:00 UTC: the fixed clock of the console tests."""

AGENT = "NovaCaster"
AGENT_ID = "u-agent-0001"
TOKEN = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"
API_URL = "https://retake.tv/api/v1"

VIEWERS = [
    ("u-ada", "ada_lovebytes", "AdaW4LLet11111111111111111111111111111111"),
    ("u-bo", "bo_the_builder", "BoWa11et222222222222222222222222222222222"),
    ("u-cy", "cyberfox", "CyFoxWa11et333333333333333333333333333333"),
    ("u-dee", "deejay_delta", "DeeWa11et4444444444444444444444444444444x"),
    ("u-eve", "eve[bold]", "EveWa11et5555555555555555555555555555555y"),
]


def identity() -> dict[str, Any]:
    return {
        "pid": 4242,
        "profile": "default",
        "api_url": API_URL,
        "agent_name": AGENT,
        "user_db_id": AGENT_ID,
        "token_address": TOKEN,
        "token_ticker": "NOVA",
        "started_at": NOW - 7200,
        "log": "~/.local/state/retake-cockpit/default/studio.log",
    }


def steps(state: str = "pending", **overrides: str) -> dict[str, str]:
    result = {str(step): state for step in GO_LIVE_STEPS}
    result.update({name.replace("_", " "): value for name, value in overrides.items()})
    return result


def offline_state() -> dict[str, Any]:
    """A studio with no stream: the feeds run, nothing is on air."""
    return {
        "phase": "offline",
        "steps": steps(),
        "last_error": None,
        "stream_status": {
            "is_live": False,
            "viewers": 0,
            "uptime_seconds": 0,
            "token_address": TOKEN,
            "checked_at": NOW - 10,
        },
        "orphaned_live": False,
        "watchdog_paused": False,
        "scene": None,
        "narration": None,
        "rooms": [],
        "thumbnail": None,
        "live_since": None,
        "broadcast_log": [],
        "alerts": [],
        "studio": identity(),
        "operation": None,
        "clients": [],
        "counters": {},
        "health": {
            "processes": [process("studio", 4242, 0.4, 61)],
            "encoder": None,
            "display": None,
        },
        "feeds": {
            "chat": chat_history()[:4],
            "trades": [],
            "stats_history": stats_history(12),
            "health": feed_health(),
        },
    }


def live_state(thumbnail: Path | None = None) -> dict[str, Any]:
    """A studio an hour into a healthy stream, with chat, trades and stats."""
    state = offline_state()
    state.update(
        phase="live",
        steps=steps("done"),
        live_since=NOW - 3725,
        stream_status={
            "is_live": True,
            "viewers": 128,
            "uptime_seconds": 3720,
            "token_address": TOKEN,
            "checked_at": NOW - 5,
        },
        scene="live",
        narration={"text": "Welcome everyone!", "at": NOW - 600},
        thumbnail={"path": str(thumbnail), "at": NOW - 120} if thumbnail else None,
        broadcast_log=go_live_log(NOW - 3740),
        health=live_health(),
        feeds={
            "chat": chat_history(),
            "trades": trades(),
            "stats_history": stats_history(60),
            "health": feed_health(),
        },
    )
    return state


def process(name: str, pid: int, cpu: float, megabytes: int, restarts: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "pid": pid,
        "state": "running" if name == "ffmpeg" else "sleeping",
        "cpu_percent": cpu,
        "memory_bytes": megabytes * 1024 * 1024,
        "uptime_seconds": 3725.0,
        "restarts": restarts,
        "returncode": None,
    }


def live_health(fps: float = 29.7, dropped: int = 110) -> dict[str, Any]:
    return {
        "processes": [
            process("studio", 4242, 3.1, 88),
            process("xvfb", 4301, 1.2, 54),
            process("openbox", 4302, 0.1, 14),
            process("xterm", 4303, 2.4, 31),
            process("ffmpeg", 4310, 41.5, 126, restarts=1),
        ],
        "encoder": {
            "running": True,
            "command_line": "ffmpeg -f x11grab …",
            "progress": {
                "frame": 111_000,
                "fps": fps,
                "bitrate_kbps": 1496.4,
                "total_size": 690_000_000,
                "out_time_seconds": 3700.0,
                "speed": 1.0,
                "dup_frames": 3,
                "drop_frames": dropped,
                "progress": "continue",
            },
            "seconds_since_progress": 0.4,
            "stalled": False,
            "frames_total": 111_000,
            "dropped_total": dropped,
        },
        "display": ":7",
    }


def feed_health(
    socket: bool | None = True, failures: dict[str, int] | None = None
) -> dict[str, Any]:
    failures = failures or {}
    return {
        "event": "health",
        "socket_connected": socket,
        "at": NOW - 3,
        "last_poll_ok_at": {"chat": NOW - 3, "trades": NOW - 4, "stats": NOW - 9},
        "consecutive_failures": {"chat": 0, "tips": 0, "trades": 0, "stats": 0, **failures},
        "last_error": "",
    }


def chat(
    number: int,
    at: float,
    viewer: int | None,
    text: str,
    kind: str = "message",
    amount: float | None = None,
) -> dict[str, Any]:
    user_id, name, wallet = VIEWERS[viewer] if viewer is not None else (AGENT_ID, AGENT, None)
    return {
        "event": "chat",
        "id": f"c-{number:04d}",
        "streamer_id": AGENT_ID,
        "text": text,
        "at": at,
        "kind": kind,
        "platform_id": f"p-{number}",
        "session_id": "s-1",
        "author_name": name,
        "author_user_id": user_id,
        "author_wallet": wallet,
        "amount_usd": amount,
        "own": viewer is None,
        "source": "both",
    }


def chat_history() -> list[dict[str, Any]]:
    """Chat from before and during the stream: messages, a tip, a trade notice, own replies."""
    before = NOW - 3725
    return [
        chat(1, before - 86_400, 0, "see you tomorrow!"),
        chat(2, before - 86_000, 2, "gm from the night shift"),
        chat(3, NOW - 900, 0, "back again, the new stage looks great"),
        chat(4, NOW - 840, 1, "what are we building today?"),
        chat(5, NOW - 830, None, "@bo_the_builder a tiny synth in the terminal"),
        chat(6, NOW - 700, 3, "first time here, hi all"),
        chat(7, NOW - 640, 2, "for the synth!", "tip", 25.0),
        chat(8, NOW - 600, 4, "[red]markup stays text[/red] and \x1b[31mescapes go\x1b[0m"),
        chat(9, NOW - 420, 3, "deejay_delta bought $420 of NOVA", "trade", 420.0),
        chat(10, NOW - 300, 1, "can it do chords?"),
        chat(11, NOW - 280, None, "@bo_the_builder chords next, promise"),
        chat(12, NOW - 120, 0, "this is buy the dip energy"),
        chat(13, NOW - 60, 2, "the bass line slaps"),
        chat(14, NOW - 20, 3, "how long is the stream today?"),
    ]


def trades() -> list[dict[str, Any]]:
    rows = [
        (NOW - 1500, True, 35.0, 0),
        (NOW - 1200, False, 12.5, 1),
        (NOW - 900, True, 88.0, 2),
        (NOW - 700, True, 140.0, 3),
        (NOW - 520, False, 61.2, 4),
        (NOW - 420, True, 420.0, 3),
        (NOW - 300, True, 9.8, 0),
        (NOW - 200, False, 230.0, 1),
        (NOW - 90, True, 54.0, 2),
        (NOW - 30, True, 18.0, 4),
    ]
    return [
        {
            "event": "trade",
            "id": f"t-{number:03d}",
            "token_address": TOKEN,
            "is_buy": is_buy,
            "amount_usd": amount,
            "at": at,
            "ticker": "NOVA",
            "wallet": VIEWERS[viewer][2],
            "tx_hash": f"tx{number}",
            "source": "both",
        }
        for number, (at, is_buy, amount, viewer) in enumerate(rows)
    ]


def stats_history(count: int) -> list[dict[str, Any]]:
    """Stats polls 15 s apart, the market cap climbing with a dip."""
    history = []
    for index in range(count):
        at = NOW - 15 * (count - 1 - index)
        wave = (index % 12 - 6) ** 2 * 90.0
        market_cap = 48_000 + index * 420 - wave
        history.append(
            {
                "event": "stats",
                "token_address": TOKEN,
                "at": at,
                "ticker": "NOVA",
                "price": market_cap / 1e9,
                "market_cap": market_cap,
                "all_time_high": 74_500 / 1e9,  # a price, like "price"
                "growth_1h": 12.4,
                "growth_6h": -3.2,
                "growth_24h": 41.0,
                "volume_total": 310_000.0,
                "volume_24h": 18_250.0,
                "earnings_total": 1_240.5,
                "earnings_24h": 96.0,
            }
        )
    return history


def go_live_log(start: float) -> list[dict[str, Any]]:
    records = [{"kind": "phase", "message": "Going live", "phase": "going live", "at": start}]
    for offset, step in enumerate(GO_LIVE_STEPS):
        records.append(
            {
                "kind": "step",
                "message": f"{step}: done",
                "step": str(step),
                "state": "done",
                "data": {"seconds": 1.2},
                "at": start + offset + 1,
            }
        )
    records.append(
        {"kind": "phase", "message": "Live after 14.2 s", "phase": "live", "at": start + 15}
    )
    return records


def event(seq: int, kind: str, data: dict[str, Any], at: float = NOW) -> dict[str, Any]:
    return {"type": "event", "seq": seq, "kind": kind, "at": at, "data": data}


def snapshot(state: dict[str, Any], seq: int = 100) -> dict[str, Any]:
    return {"type": "snapshot", "seq": seq, "resync": False, "state": state}


def step_event(seq: int, step: str, state: str, message: str = "", **data: Any) -> dict[str, Any]:
    return event(
        seq,
        "broadcast",
        {
            "kind": "step",
            "message": message or f"{step}: {state}",
            "step": step,
            "state": state,
            "phase": None,
            "data": data,
            "at": NOW,
        },
    )


def phase_event(seq: int, phase: str, message: str) -> dict[str, Any]:
    return event(
        seq,
        "broadcast",
        {
            "kind": "phase",
            "message": message,
            "step": None,
            "state": None,
            "phase": phase,
            "data": {},
            "at": NOW,
        },
    )


def alert_event(seq: int, kind: str, severity: str, message: str) -> dict[str, Any]:
    return event(
        seq,
        "alert",
        {
            "event": "alert",
            "kind": kind,
            "severity": severity,
            "message": message,
            "at": NOW,
            "data": {},
            "source": "feeds",
        },
    )


def write_stage_png(path: Path, width: int = 320, height: int = 180) -> Path:
    """Draw a stage-like picture: a dark screen, a magenta title box and lines of text."""
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            row += _stage_pixel(x, y, width, height)
        rows.append(b"\x00" + bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


def _stage_pixel(x: int, y: int, width: int, height: int) -> bytes:
    if height * 0.18 < y < height * 0.42 and width * 0.2 < x < width * 0.8:
        return bytes((216, 27, 96))
    if height * 0.55 < y < height * 0.85 and width * 0.1 < x < width * 0.9 and (y // 8) % 2 == 0:
        shade = 200 if (x // 6) % 5 else 40
        return bytes((shade, shade, min(255, shade + 30)))
    return bytes((16, 24, 32 + y * 40 // height))
