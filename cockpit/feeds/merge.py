"""Merge of the socket and polling paths: each chat item and trade appears once, in time order.

Polled items carry the platform's id, so a poll that returns an item again is
recognised exactly. Socket chat payloads carry no id and ``newtrade`` payloads
carry neither id, time nor wallet, so an item seen through both paths is
recognised by its content:

- chat: the same stream and kind, the same text after case folding and
  whitespace collapsing, a compatible sender (equal user ids when both carry
  one, else equal names, else equal wallets), and platform times at most
  ``merge_tolerance`` seconds (10 by default) apart;
- trades: the same token and side, amounts at most one cent apart, and times
  at most ``merge_tolerance`` apart (the socket's time is its arrival).

Each report is paired with at most one report from the other path, the
closest in time. A matched item keeps its first local id, fills in what the
second report adds (the platform id, the wallet) and gets the source ``both``.
A report waits for its twin for ``merge_retention`` seconds at most, and at
most ``merge_pending_max`` reports wait at once. Memory is bounded by those
limits and by the windows of recent items.
"""

from __future__ import annotations

import bisect
import itertools
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

from cockpit.feeds.events import ChatItem, TradeItem
from cockpit.settings import FeedSettings

SEEN_IDS_MAX = 100_000
"""Platform ids remembered for exact duplicate detection, per merger."""


class _Timed(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def at(self) -> float: ...


ItemT = TypeVar("ItemT", bound=_Timed)


class TimeWindow(Generic[ItemT]):
    """The most recent ``maxlen`` items, ordered by ``at``; an item with a known id replaces it."""

    def __init__(self, maxlen: int) -> None:
        self.maxlen = maxlen
        self._order: list[tuple[float, int, str]] = []
        self._items: dict[str, tuple[tuple[float, int, str], ItemT]] = {}
        self._sequence = itertools.count()

    def __len__(self) -> int:
        return len(self._order)

    def put(self, item: ItemT) -> None:
        """Insert ``item``, or replace the item with its id, and drop the oldest beyond maxlen."""
        previous = self._items.pop(item.id, None)
        if previous is not None:
            index = bisect.bisect_left(self._order, previous[0])
            del self._order[index]
        key = (item.at, next(self._sequence), item.id)
        bisect.insort(self._order, key)
        self._items[item.id] = (key, item)
        while len(self._order) > self.maxlen:
            oldest = self._order.pop(0)
            del self._items[oldest[2]]

    def get(self, item_id: str) -> ItemT | None:
        """Return the item with ``item_id`` if it is still in the window."""
        entry = self._items.get(item_id)
        return entry[1] if entry is not None else None

    def items(self) -> list[ItemT]:
        """Return the items, oldest first."""
        return [self._items[key[2]][1] for key in self._order]

    def newest(self) -> ItemT | None:
        """Return the newest item, or None when the window is empty."""
        return self._items[self._order[-1][2]][1] if self._order else None


@dataclass
class _Waiting(Generic[ItemT]):
    item: ItemT
    arrived: float
    done: bool = False


class TwinIndex(Generic[ItemT]):
    """Reports of one path waiting for the same item from the other path."""

    def __init__(
        self,
        tolerance: float,
        retention: float,
        max_waiting: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tolerance = tolerance
        self._retention = retention
        self._max_waiting = max_waiting
        self._clock = clock
        self._by_key: dict[tuple[str, Hashable], list[_Waiting[ItemT]]] = {}
        self._arrivals: deque[tuple[tuple[str, Hashable], _Waiting[ItemT]]] = deque()
        self._waiting = 0

    def __len__(self) -> int:
        return self._waiting

    def wait(self, path: str, key: Hashable, item: ItemT) -> None:
        """Let ``item``, reported by ``path``, wait for its twin."""
        self._expire()
        entry = _Waiting(item, self._clock())
        full_key = (path, key)
        self._by_key.setdefault(full_key, []).append(entry)
        self._arrivals.append((full_key, entry))
        self._waiting += 1

    def take(
        self, path: str, key: Hashable, at: float, accept: Callable[[ItemT], bool]
    ) -> ItemT | None:
        """Remove and return the waiting item of ``path`` closest in time to ``at``.

        Only items with the same ``key``, within the tolerance and accepted by
        ``accept`` qualify. Returns None when none does.
        """
        self._expire()
        candidates = self._by_key.get((path, key))
        if not candidates:
            return None
        best: _Waiting[ItemT] | None = None
        for entry in candidates:
            distance = abs(entry.item.at - at)
            if distance > self._tolerance or not accept(entry.item):
                continue
            if best is None or distance < abs(best.item.at - at):
                best = entry
        if best is None:
            return None
        best.done = True
        self._waiting -= 1
        candidates.remove(best)
        if not candidates:
            del self._by_key[(path, key)]
        return best.item

    def _expire(self) -> None:
        limit = self._clock() - self._retention
        while self._arrivals:
            full_key, entry = self._arrivals[0]
            if not entry.done and entry.arrived > limit and self._waiting <= self._max_waiting:
                break
            self._arrivals.popleft()
            if entry.done:
                continue
            self._waiting -= 1
            candidates = self._by_key.get(full_key)
            if candidates is not None:
                candidates.remove(entry)
                if not candidates:
                    del self._by_key[full_key]


@dataclass(frozen=True)
class Merged(Generic[ItemT]):
    """The result of adding one report: the item as published, and whether it is new."""

    item: ItemT
    is_new: bool


def normalise_text(text: str) -> str:
    """Return ``text`` case-folded with runs of whitespace collapsed to one space."""
    return " ".join(text.casefold().split())


def _senders_agree(first: ChatItem, second: ChatItem) -> bool:
    if first.author_user_id and second.author_user_id:
        return first.author_user_id == second.author_user_id
    if first.author_name and second.author_name:
        return first.author_name.casefold() == second.author_name.casefold()
    if first.author_wallet and second.author_wallet:
        return first.author_wallet == second.author_wallet
    return True


def _combine_chat(first: ChatItem, second: ChatItem) -> ChatItem:
    return replace(
        first,
        platform_id=first.platform_id or second.platform_id,
        session_id=first.session_id or second.session_id,
        author_name=first.author_name or second.author_name,
        author_user_id=first.author_user_id or second.author_user_id,
        author_wallet=first.author_wallet or second.author_wallet,
        amount_usd=first.amount_usd if first.amount_usd is not None else second.amount_usd,
        own=first.own or second.own,
        source="both",
    )


def _other_path(source: str) -> str:
    return "poll" if source == "socket" else "socket"


class _SeenIds:
    """Platform ids already merged, oldest forgotten first beyond ``SEEN_IDS_MAX``."""

    def __init__(self) -> None:
        self._ids: OrderedDict[Hashable, None] = OrderedDict()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._ids

    def add(self, key: Hashable) -> None:
        self._ids[key] = None
        if len(self._ids) > SEEN_IDS_MAX:
            self._ids.popitem(last=False)


class _TwinMerger(Generic[ItemT]):
    """The state a merger of socket and poll reports keeps: its window, twins and seen ids."""

    def __init__(
        self, window_size: int, settings: FeedSettings, clock: Callable[[], float]
    ) -> None:
        self.window: TimeWindow[ItemT] = TimeWindow(window_size)
        self.socket_enabled = True
        """When False, polled items do not wait for a socket twin that cannot come."""
        self._twins: TwinIndex[ItemT] = TwinIndex(
            settings.merge_tolerance, settings.merge_retention, settings.merge_pending_max, clock
        )
        self._seen = _SeenIds()

    @property
    def waiting(self) -> int:
        """Reports waiting for their twin from the other path."""
        return len(self._twins)


class ChatMerger(_TwinMerger[ChatItem]):
    """One ordered chat stream from socket and poll reports (see the module docstring)."""

    def __init__(self, settings: FeedSettings, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(settings.chat_window, settings, clock)

    def restore(self, item: ChatItem) -> None:
        """Put an item loaded from the store back: in the window, and waiting for its twin.

        A polled id counts as merged already, and an item seen only through the
        socket waits again for its polled twin, so a restart duplicates neither.
        """
        if item.platform_id is not None:
            self._seen.add((item.streamer_id, item.platform_id))
        elif item.source == "socket":
            self._twins.wait(
                "socket", (item.streamer_id, item.kind, normalise_text(item.text)), item
            )
        self.window.put(item)

    def add(self, item: ChatItem) -> Merged[ChatItem] | None:
        """Merge one report; return the item to publish, or None for an exact duplicate."""
        if item.platform_id is not None:
            seen_key = (item.streamer_id, item.platform_id)
            if seen_key in self._seen:
                return None
            self._seen.add(seen_key)

        key = (item.streamer_id, item.kind, normalise_text(item.text))
        twin = self._twins.take(
            _other_path(item.source), key, item.at, lambda waiting: _senders_agree(waiting, item)
        )
        if twin is not None:
            merged = _combine_chat(self.window.get(twin.id) or twin, item)
            self.window.put(merged)
            return Merged(merged, is_new=False)

        if item.source == "socket" or self.socket_enabled:
            self._twins.wait(item.source, key, item)
        self.window.put(item)
        return Merged(item, is_new=True)

    def update(self, item: ChatItem) -> None:
        """Replace the windowed item with the same id (after a change such as ``own``)."""
        if self.window.get(item.id) is not None:
            self.window.put(item)


def _trade_key(item: TradeItem) -> tuple[str, bool, int]:
    return (item.token_address, item.is_buy, round(item.amount_usd * 100))


def _combine_trade(first: TradeItem, second: TradeItem) -> TradeItem:
    polled = second if second.source == "poll" else first
    return replace(
        first,
        ticker=first.ticker or second.ticker,
        wallet=first.wallet or second.wallet,
        tx_hash=first.tx_hash or second.tx_hash,
        at=polled.at,
        source="both",
    )


class TradeMerger(_TwinMerger[TradeItem]):
    """One ordered trade stream of the agent's token from ``newtrade`` events and polls."""

    def __init__(self, settings: FeedSettings, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(settings.trade_window, settings, clock)

    def restore(self, item: TradeItem) -> None:
        """Put a trade loaded from the store back, as `ChatMerger.restore` does for chat."""
        if item.tx_hash is not None:
            self._seen.add(item.tx_hash)
        elif item.source == "socket":
            self._twins.wait("socket", _trade_key(item), item)
        self.window.put(item)

    def add(self, item: TradeItem) -> Merged[TradeItem] | None:
        """Merge one report; return the trade to publish, or None for an exact duplicate."""
        if item.tx_hash is not None:
            if item.tx_hash in self._seen:
                return None
            self._seen.add(item.tx_hash)

        key = _trade_key(item)
        twin = None
        token, is_buy, cents = key
        # Amounts may be rounded differently by the two paths, so one cent either way matches.
        for near in (cents, cents - 1, cents + 1):
            twin = self._twins.take(
                _other_path(item.source), (token, is_buy, near), item.at, lambda _: True
            )
            if twin is not None:
                break
        if twin is not None:
            merged = _combine_trade(self.window.get(twin.id) or twin, item)
            self.window.put(merged)
            return Merged(merged, is_new=False)

        if item.source == "socket" or self.socket_enabled:
            self._twins.wait(item.source, key, item)
        self.window.put(item)
        return Merged(item, is_new=True)
