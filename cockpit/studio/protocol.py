"""The studio's local protocol: JSON objects, one per line, over a Unix socket.

The socket is ``$XDG_STATE_HOME/retake-cockpit/run/PROFILE.sock`` (see
`cockpit.studio.locations`), in a directory of mode 0700, with mode 0600, and
the studio accepts only peers of its own user id.

A session::

    client: {"type": "hello", "protocol": 1, "client": "console", "resume_from": null}
    studio: {"type": "welcome", "protocol": 1, "instance": "...", "studio": {...}}
    studio: {"type": "snapshot", "seq": 41, "resync": false, "state": {...}}
    studio: {"type": "event", "seq": 42, "kind": "broadcast", "data": {...}}
    client: {"type": "command", "id": "1", "name": "go_live", "args": {}}
    studio: {"type": "response", "id": "1", "ok": true, "result": {...}}

The hello may also carry ``"instance"`` (the studio instance that
``resume_from`` counts in) and ``"subscribe": false`` (commands only: no
snapshot and no events). A studio that cannot serve the hello responds with
``{"type": "refused", "code": ..., "message": ...}`` and closes.

Events are numbered by ``seq``, which grows by one per event within one studio
instance. A client that sends ``resume_from`` with the instance it last received gets
``{"type": "resumed", "from": N, "seq": LAST}`` and then every event after N,
when the studio still keeps them; otherwise it gets a snapshot with
``"resync": true``. A client that falls too far behind gets
``{"type": "resync_required"}`` and no more events until it sends
``{"type": "resync"}``, which is answered with a fresh snapshot.

Event kinds: ``broadcast`` (a go-live step, phase, thumbnail, recovery, warning
or error), ``feed`` (chat, trades, stats, status, follows, sessions, send
updates, alerts and feed health from the feeds, with their own ``kind``),
``alert``, ``scene``, ``narration``, ``watchdog``, ``health`` (processes and
encoder progress), ``stream_status``, ``orphaned_live``, ``rooms``,
``moderation`` (messages hidden from and viewers muted on the stage),
``voice`` (speech or audio played into the stream) and ``studio`` (the studio
is shutting down).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

PROTOCOL_VERSION = 1

CLIENT_KINDS = ("console", "stage", "cli")

MAX_CLIENT_MESSAGE_BYTES = 1024 * 1024
"""Maximum length of a line the studio reads from a client; commands are a few hundred bytes."""

MAX_STUDIO_MESSAGE_BYTES = 32 * 1024 * 1024
"""Maximum length of a line a client reads from the studio; snapshots are the longest lines."""

HELLO_TIMEOUT = 5.0
"""Seconds the studio waits for a client's hello before closing the connection."""

COMMANDS = (
    "go_live",
    "stop",
    "thumbnail",
    "send_chat",
    "retry_chat",
    "set_scene",
    "narrate",
    "watchdog",
    "join_room",
    "leave_room",
    "status",
    "heartbeat",
    "hide_message",
    "unhide_message",
    "mute_viewer",
    "unmute_viewer",
    "viewer",
    "say",
    "play_audio",
    "shutdown",
)
"""Command names a client may send; each gets one response carrying the command's id."""

EVENT_KINDS = (
    "broadcast",
    "feed",
    "alert",
    "scene",
    "narration",
    "watchdog",
    "health",
    "stream_status",
    "orphaned_live",
    "rooms",
    "moderation",
    "voice",
    "studio",
)


class ProtocolError(Exception):
    """Raised when a line is not a JSON object with a string ``type``."""


def encode(message: Mapping[str, Any]) -> bytes:
    """Return ``message`` as one line of compact JSON, ending in a newline.

    JSON escapes newlines inside strings, so the line contains exactly one message.

    Raises:
        ValueError: the message contains NaN, an infinity, or a value JSON cannot represent.
    """
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """Parse one line into a JSON object.

    Raises:
        ProtocolError: the line is not valid UTF-8 JSON, or not an object with a string ``type``.
    """
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        raise ProtocolError(
            f"Received a line that is not valid JSON ({len(line)} bytes)."
        ) from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("Received a JSON value that is not an object with a string 'type'.")
    return message


def hello(
    client_kind: str,
    resume_from: int | None = None,
    instance: str | None = None,
    subscribe: bool = True,
) -> dict[str, Any]:
    """Return the hello a client sends first."""
    return {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "client": client_kind,
        "resume_from": resume_from,
        "instance": instance,
        "subscribe": subscribe,
    }


def refused(code: str, message: str) -> dict[str, Any]:
    """Return the response to a hello the studio rejects."""
    return {"type": "refused", "protocol": PROTOCOL_VERSION, "code": code, "message": message}


def response(request_id: str, result: Mapping[str, Any]) -> dict[str, Any]:
    """Return the successful response to the command ``request_id``."""
    return {"type": "response", "id": request_id, "ok": True, "result": dict(result)}


def error_response(request_id: str | None, code: str, message: str) -> dict[str, Any]:
    """Return the failed response to the command ``request_id``."""
    return {
        "type": "response",
        "id": request_id,
        "ok": False,
        "error": {"code": code, "message": message},
    }
