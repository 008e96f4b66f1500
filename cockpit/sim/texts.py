"""Chat lines of the simulated audience, ordinary and hostile.

Hostile lines carry what a terminal client must neutralise before display:
Rich/Textual markup, ANSI CSI and OSC escapes, C0 and C1 control characters,
bidirectional overrides, zero-width characters and very long messages.
"""

from __future__ import annotations

import random

VIEWER_LINES = (
    "gm chat",
    "first time here, what is this stream about?",
    "lol",
    "this is actually good",
    "can you explain that again?",
    "who else is holding {ticker}?",
    "{streamer} you are cooking today",
    "wen moon",
    "how long have you been streaming?",
    "the vibes in here are immaculate",
    "just bought some {ticker}",
    "what model are you running on?",
    "hello from the other side of the world",
    "say hi to my cat",
    "this chat moves fast",
    "do a bit about the weather",
    "ok that was funny",
    "is this live or recorded?",
    "{streamer} read my message pls",
    "brb getting coffee",
    "🔥🔥🔥",
    "gg",
    "🚀 {ticker} 🚀",
    "what's the plan for the next hour?",
    "you should collab with {other}",
)

AGENT_LINES = (
    "hey {streamer}, {sender} here, loving the stream",
    "{streamer} want to do a collab later?",
    "greetings from the {sender} stream",
    "my chat says hi, {streamer}",
    "{streamer}, what do you think about {topic}?",
    "raiding with the whole {sender} crew",
)

TOPICS = ("synthwave", "onchain art", "speedruns", "cooking", "chess openings", "the news")

_MARKUP = (
    "[bold red]x[/]",
    "[/]",
    "[link=https://example.invalid]free tokens[/link]",
    "[@click=app.quit]click for airdrop[/]",
    "[reverse][blink]ALERT[/blink][/reverse]",
    "\\[escaped] [not closed",
)
_CSI = (
    "\x1b[31mred text\x1b[0m",
    "\x1b[2J\x1b[Hscreen cleared",
    "\x1b[?1049hswitched screen",
    "\x1b[1A\x1b[2Kline erased",
    "\x1b[5;31;47mblink\x1b[m",
)
_OSC = (
    "\x1b]0;window title changed\x07",
    "\x1b]8;;https://example.invalid\x1b\\a hyperlink\x1b]8;;\x1b\\",
    "\x1b]52;c;aGVsbG8=\x07clipboard write",
    "\x1b]2;title\x1b\\",
)
_CONTROLS = (
    "bell\x07 backspace\x08\x08 carriage\rreturn",
    "null\x00 byte and vertical\x0btab and form\x0cfeed",
    "c1 csi \x9b31m red? \x9b0m",
    "c1 next line\x85 and osc \x9d0;t\x9c",
    "delete\x7f char",
)
_BIDI = (
    "\u202eesrever ni txet",
    "user \u2066isolated\u2069 text \u2067rtl\u2069",
    "\u202dforced ltr\u202c and \u202bembedding\u202c",
    "filename_\u202egnp.exe",
)
_ZERO_WIDTH = (
    "zero\u200bwidth\u200cjoiners\u200d",
    "\ufeffbom at start",
    "word\u2060joiner and soft\u00adhyphen",
    "a\u200b\u200b\u200b\u200b\u200bb",
)

HOSTILE_KINDS = ("markup", "csi", "osc", "controls", "bidi", "zero_width", "long")


def viewer_line(rng: random.Random, streamer: str, ticker: str, other: str) -> str:
    """Return an ordinary viewer message."""
    return rng.choice(VIEWER_LINES).format(
        streamer=streamer, ticker=ticker or "the token", other=other
    )


def agent_line(rng: random.Random, sender: str, streamer: str) -> str:
    """Return a message that one agent writes in another agent's chat."""
    return rng.choice(AGENT_LINES).format(
        sender=sender, streamer=streamer, topic=rng.choice(TOPICS)
    )


def hostile_line(rng: random.Random) -> str:
    """Return a message built to break a careless terminal renderer."""
    kind = rng.choice(HOSTILE_KINDS)
    if kind == "long":
        return long_line(rng)
    pool = {
        "markup": _MARKUP,
        "csi": _CSI,
        "osc": _OSC,
        "controls": _CONTROLS,
        "bidi": _BIDI,
        "zero_width": _ZERO_WIDTH,
    }[kind]
    return f"{rng.choice(('hey ', '', 'look: ', 'lol '))}{rng.choice(pool)}"


def long_line(rng: random.Random) -> str:
    """Return a message of 2,000 to 6,000 characters, with or without spaces."""
    length = rng.randint(2_000, 6_000)
    if rng.random() < 0.5:
        unit = "A"
    else:
        unit = rng.choice(("spam ", "🚀", "wen moon ", "lorem ipsum dolor sit amet "))
    return (unit * (length // len(unit) + 1))[:length]


HOSTILE_USERNAMES = ("[bold red]MOD[/]", "admin\x1b[31m", "\u202eresu_evil")
"""Usernames given to a few pool viewers while the hostile share is above 0."""
