"""``cockpit chat send|tail|history``: the chat, through the profile's studio."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import OrderedDict
from typing import Any

from cockpit.feeds.textsafe import display_safe
from cockpit.settings import Settings
from cockpit.studio.cli_support import (
    EXIT_OK,
    EXIT_USAGE,
    Outcome,
    add_actions,
    add_json_option,
    failure,
    run_with_studio,
)
from cockpit.studio.client import StudioClient, StudioCommandError

NAME = "chat"
HELP = "send a chat message or follow the chat (through the studio)"

TEXT_LENGTH = 500
"""Characters of a message printed as text; ``--json`` prints the whole message."""

_SEEN_IDS = 10_000
"""Chat item ids remembered by ``tail``, so an item updated later is not printed twice."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``send TEXT [--to STREAMER_ID]`` and ``tail``, each with ``--json``."""
    actions = add_actions(
        parser,
        {
            "send": "send a message and wait until the platform accepted or rejected it",
            "tail": "print new chat messages as they arrive, until Ctrl-C",
            "history": "print the latest chat messages the studio holds, oldest first, and exit",
        },
    )
    actions["send"].add_argument(
        "text", metavar="TEXT", nargs="+", help="text of the message; several words are joined"
    )
    actions["send"].add_argument(
        "--to",
        metavar="STREAMER_ID",
        default=None,
        help="userDbId of the streamer whose chat gets the message (default: the agent's own)",
    )
    add_json_option(actions["send"])
    for action in ("tail", "history"):
        actions[action].add_argument(
            "--json", action="store_true", help="print each message as one JSON object per line"
        )
    actions["history"].add_argument(
        "--limit",
        type=_positive,
        default=50,
        metavar="N",
        help="print at most N messages (default 50); the studio keeps the last "
        "feeds.chat_window messages in memory",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"The limit {text!r} is not a whole number of at least 1.")
    return value


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the action; 0 when it worked, 1 when it failed, 2 for an empty message."""
    json_output = bool(args.json)
    if args.action == "send":
        args.text = " ".join(args.text)
        if not args.text.strip():
            print("cockpit chat send: the message is empty; give some text.", file=sys.stderr)
            return EXIT_USAGE
        return run_with_studio(
            "chat send",
            settings,
            json_output,
            lambda client: _send(client, args.text, args.to),
        )
    if args.action == "history":
        return run_with_studio(
            "chat history",
            settings,
            False,
            lambda client: _history(client, args.limit, json_output),
            subscribe=True,
        )
    try:
        return run_with_studio(
            "chat tail",
            settings,
            json_output,
            lambda client: _tail(client, json_output),
            subscribe=True,
            reconnect=True,
        )
    except KeyboardInterrupt:
        return EXIT_OK


async def _send(client: StudioClient, text: str, destination: str | None) -> Outcome:
    try:
        update = await client.command("send_chat", text=text, to=destination, wait=True)
    except StudioCommandError as error:
        return failure(error.code, str(error))
    if update.get("state") != "sent":
        reason = update.get("reason") or f"it ended {update.get('state')}"
        return Outcome(False, update, [f"The message was not sent: {reason}"])
    destination = update.get("destination")
    if destination == client.studio.get("user_db_id"):
        lines = ["Sent to your stream's chat."]
    else:
        lines = [f"Sent to the chat of streamer {display_safe(str(destination), 40)}."]
    if update.get("warning"):
        lines.append(f"Warning: {update['warning']}")
    return Outcome(True, update, lines)


async def _tail(client: StudioClient, json_output: bool) -> Outcome:
    own_stream = client.studio.get("user_db_id")
    seen: OrderedDict[str, None] = OrderedDict()
    async for message in client.events():
        if message.get("type") == "connection":
            state = "back" if message.get("connected") else "lost; reconnecting"
            print(f"cockpit chat tail: connection to the studio {state}", file=sys.stderr)
            continue
        data = message.get("data", {}) if message.get("type") == "event" else {}
        if message.get("kind") != "feed" or data.get("event") != "chat":
            continue
        item_id = str(data.get("id"))
        if item_id in seen:
            continue
        seen[item_id] = None
        if len(seen) > _SEEN_IDS:
            seen.popitem(last=False)
        print(_format_chat(data, own_stream, json_output), flush=True)
    return Outcome(True)


async def _history(client: StudioClient, limit: int, json_output: bool) -> Outcome:
    feeds = (client.snapshot or {}).get("feeds")
    if feeds is None:
        return failure(
            "no_feeds", "The studio has no chat feed yet; it starts once the profile is loaded."
        )
    own_stream = client.studio.get("user_db_id")
    for item in feeds.get("chat", [])[-limit:]:
        print(_format_chat(item, own_stream, json_output), flush=True)
    return Outcome(True)


def _format_chat(item: dict[str, Any], own_stream: str | None, json_output: bool) -> str:
    author = display_safe(str(item.get("author_name") or item.get("author_user_id") or "?"), 40)
    if json_output:
        text = display_safe(str(item.get("text", "")))
        return json.dumps(
            {**item, "display_author": author, "display_text": text}, ensure_ascii=False
        )
    text = display_safe(str(item.get("text", "")), TEXT_LENGTH)
    stamp = time.strftime("%H:%M:%S", time.localtime(float(item.get("at") or 0)))
    where = (
        ""
        if item.get("streamer_id") == own_stream
        else f"[{display_safe(str(item.get('streamer_id')), 40)}] "
    )
    kind = "" if item.get("kind", "message") == "message" else f"({item.get('kind')}) "
    return f"{stamp} {where}{kind}{author}: {text}"
