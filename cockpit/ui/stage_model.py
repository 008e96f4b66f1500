"""The stage's view model: a thin adapter over the console's `ViewState` reducer.

`ViewState` folds the studio's snapshot and events, and this adapter adds
what only the stage needs:

- the sections of the stage's screen that each change touches;
- the last few narration lines, from the studio and from the narration file
  (`ViewState` keeps the newest only);
- the stricter on-air word filter of `cockpit.ui.stage_filter`;
- records cut to the stage's sizes.

It imports no Textual. Folding an event is cheap and only marks sections; the
app redraws the marked sections a few times a second at most.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cockpit.feeds.textsafe import display_safe, short_wallet
from cockpit.ui import viewstate as parts
from cockpit.ui.stage_filter import WordFilter
from cockpit.ui.stage_scenes import Scene, effective_scene
from cockpit.ui.viewmodels import ChatLine as ViewChatLine
from cockpit.ui.viewstate import ViewState

logger = logging.getLogger(__name__)

CHAT_KEPT = 150
"""Chat items kept; hiding or filtering some still leaves enough to fill the chat panel."""

TRADES_SHOWN = 24
NARRATION_KEPT = 8
HISTORY_KEPT = 240
"""Market caps kept for the sparkline: an hour at the feeds' default 15 s stats interval."""

LOG_KEPT = 20
"""Event log lines `ViewState` keeps for the stage, which shows none."""

MAX_NAME_LENGTH = 24
MAX_MESSAGE_LENGTH = 280
MAX_NARRATION_LENGTH = 600

IDENTITY = "identity"
SCENE = "scene"
CHAT = "chat"
TRADES = "trades"
STATS = "stats"
NARRATION = "narration"
AUDIENCE = "audience"
CONNECTION = "connection"
SECTIONS = frozenset({IDENTITY, SCENE, CHAT, TRADES, STATS, NARRATION, AUDIENCE, CONNECTION})
"""Parts of the stage's screen that redraw on their own when their data changes."""

_SECTIONS_OF_PART: dict[str, frozenset[str]] = {
    parts.STATUS: frozenset({IDENTITY, SCENE, AUDIENCE, CONNECTION}),
    parts.CHAT: frozenset({CHAT}),
    parts.TRADES: frozenset({TRADES}),
    parts.STATS: frozenset({STATS, IDENTITY, AUDIENCE}),
    parts.STAGE: frozenset({SCENE, CHAT}),
}
"""The stage's sections drawn from each part of `ViewState`; other parts are not shown."""


@dataclass(frozen=True)
class ChatLine:
    """One chat item as the stage draws it; every text is display-safe."""

    id: str
    kind: str
    """``message``, ``tip`` or ``trade``."""
    author: str
    author_key: str
    """A stable key of the author that picks the name's colour."""
    text: str
    amount_usd: float | None
    own: bool


@dataclass(frozen=True)
class TradeLine:
    id: str
    is_buy: bool
    amount_usd: float
    wallet: str
    """The trader's wallet shortened to ``AbCd…WxYz``, or empty when not known yet."""


@dataclass(frozen=True)
class NarrationLine:
    text: str
    at: float


@dataclass(frozen=True)
class TokenStats:
    """The latest stats of the agent's token; amounts in USD, growth in percent."""

    price: float | None = None
    market_cap: float | None = None
    all_time_high: float | None = None
    growth_24h: float | None = None
    volume_24h: float | None = None
    earnings_24h: float | None = None


class StageModel:
    """The stage's view model, with the sections changed since the last redraw."""

    def __init__(self, agent_name: str = "agent", word_filter: Iterable[str] = ()) -> None:
        words = tuple(word_filter)
        self.view = ViewState(
            word_filter=words,
            chat_limit=CHAT_KEPT,
            trade_limit=TRADES_SHOWN,
            history_limit=HISTORY_KEPT,
            log_limit=LOG_KEPT,
        )
        self.view.set_connection("connecting")
        self._default_name = display_safe(agent_name, MAX_NAME_LENGTH * 2) or "agent"
        self._filter = WordFilter(words)
        self.narration: deque[NarrationLine] = deque(maxlen=NARRATION_KEPT)
        self._changed: set[str] = set(SECTIONS)
        self.events_applied = 0
        """Messages folded in so far, for measurements."""

    # Reading

    @property
    def agent_name(self) -> str:
        return self.view.identity.agent_name or self._default_name

    @property
    def ticker(self) -> str | None:
        stats = self.view.stats
        return self.view.identity.token_ticker or (stats.ticker if stats else "") or None

    @property
    def stream_url(self) -> str | None:
        """The stream's address without its scheme, such as ``retake.tv/Nova``."""
        url = self.view.stream_url
        return url.split("://", 1)[-1] if url else None

    @property
    def phase(self) -> str:
        return self.view.phase

    @property
    def scene(self) -> Scene:
        return effective_scene(self.view.scene, self.view.phase)

    @property
    def viewers(self) -> int | None:
        return self.view.viewers

    @property
    def connected(self) -> bool:
        return self.view.connection == "connected"

    @property
    def stats(self) -> TokenStats:
        stats = self.view.stats
        if stats is None:
            return TokenStats()
        return TokenStats(
            price=stats.price,
            market_cap=stats.market_cap,
            all_time_high=stats.all_time_high,
            growth_24h=stats.growth_24h,
            volume_24h=stats.volume_24h,
            earnings_24h=stats.earnings_24h,
        )

    @property
    def market_caps(self) -> list[float]:
        return [value for _, value in self.view.market_cap_history]

    def trades(self) -> list[TradeLine]:
        """Return the newest trades, newest first."""
        return [
            TradeLine(trade.id, trade.is_buy, trade.amount_usd, short_wallet(trade.wallet))
            for trade in reversed(self.view.trades.values())
        ]

    def chat_lines(self, limit: int | None = None) -> list[ChatLine]:
        """Return the newest chat lines that may go on air, oldest first.

        `ViewState.on_air_chat` leaves out hidden messages, muted viewers,
        word-filter matches and other streams' chat. The stage's own filter
        also checks author names, and text after NFKC folding.
        """
        lines: list[ChatLine] = []
        for line in reversed(self.view.on_air_chat()):
            if self._filter.matches(line.text) or self._filter.matches(line.author):
                continue
            lines.append(_stage_chat_line(line))
            if limit is not None and len(lines) >= limit:
                break
        lines.reverse()
        return lines

    def take_changes(self) -> set[str]:
        """Return the sections changed since the last call, and forget them."""
        changed, self._changed = self._changed, set()
        return changed

    # Folding

    def apply_message(self, message: Mapping[str, Any]) -> None:
        """Fold one message of `StudioClient.events`: an event, a resync snapshot, or a
        connection change."""
        self.events_applied += 1
        for part in self.view.apply(message):
            self._changed |= _SECTIONS_OF_PART.get(part, frozenset())
        kind = message.get("type")
        if kind == "snapshot":
            self._changed |= SECTIONS
            if not self.narration and self.view.narration:
                self._add_narration(self.view.narration, self.view.narration_at or 0.0)
        elif kind == "event" and message.get("kind") == "narration":
            data = message.get("data") or {}
            text = data.get("text") if isinstance(data, Mapping) else None
            if isinstance(text, str):
                self._add_narration(text, _number(data.get("at")))

    def apply_snapshot(self, state: Mapping[str, Any], seq: int | None = None) -> None:
        """Replace everything with a snapshot's state, as on attaching."""
        self.apply_message({"type": "snapshot", "seq": seq, "state": state})

    def apply_identity(self, studio: Mapping[str, Any]) -> None:
        """Take the agent's name and token from the studio's welcome."""
        self.view.set_identity(studio)
        self._changed |= {IDENTITY, STATS, NARRATION}

    def set_connected(self, connected: bool) -> None:
        if connected == self.connected:
            return
        self.view.set_connection("connected" if connected else "reconnecting")
        self._changed.add(CONNECTION)

    def add_narration(self, text: str, at: float) -> None:
        """Add a narration line from outside the studio (the narration file)."""
        self._add_narration(text, at)

    def _add_narration(self, text: str, at: float) -> None:
        text = display_safe(text.strip(), MAX_NARRATION_LENGTH)
        if text:
            self.narration.append(NarrationLine(text, at))
            self._changed.add(NARRATION)


def _stage_chat_line(line: ViewChatLine) -> ChatLine:
    if line.author:
        author = display_safe(line.author, MAX_NAME_LENGTH)
    else:
        author = short_wallet(line.wallet) or "viewer"
    return ChatLine(
        id=line.id,
        kind=line.kind,
        author=author,
        author_key=line.author_key or author,
        text=display_safe(line.text, MAX_MESSAGE_LENGTH),
        amount_usd=line.amount_usd,
        own=line.own,
    )


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)
