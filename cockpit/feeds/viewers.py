"""Viewer records: one per chat author, kept across streams in the chat store.

A record is found by the author's user id or wallet. When one message carries
both (a drift-shape comment, or a chat item merged from the socket's user id
and a comment's wallet), they are linked to one record, and two records found
that way are merged. An author with neither is found by name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from cockpit.feeds.convert import new_local_id
from cockpit.feeds.events import ChatItem, TradeItem
from cockpit.feeds.store import FeedStore

logger = logging.getLogger(__name__)

RECENT_MESSAGES = 20
"""Messages kept per viewer."""
MAX_NAMES = 10
"""Distinct names kept per viewer, the latest last."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewerRecord:
    """The record of one viewer. Amounts are in USD, times in epoch seconds.

    ``recent_messages`` contains the last 20 messages as ``(at, text)``, oldest
    first, with the text unsanitised. ``buys`` and ``sells`` count trades of the
    agent's token from the viewer's wallet. ``returning`` is true when the
    viewer was first seen before the current stream started.
    """

    viewer_id: str
    first_seen: float
    last_seen: float
    user_id: str | None = None
    wallet: str | None = None
    names: tuple[str, ...] = ()
    message_count: int = 0
    recent_messages: tuple[tuple[float, str], ...] = ()
    tips_total_usd: float = 0.0
    buys: int = 0
    sells: int = 0
    bought_usd: float = 0.0
    sold_usd: float = 0.0
    returning: bool = False

    @property
    def name(self) -> str:
        """The latest name seen, or an empty string."""
        return self.names[-1] if self.names else ""

    def to_json(self) -> dict[str, Any]:
        """Return the record as a JSON-compatible dict, without the computed ``returning``."""
        data = asdict(self)
        del data["returning"]
        data["names"] = list(self.names)
        data["recent_messages"] = [list(message) for message in self.recent_messages]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ViewerRecord:
        """Build a record from the dict `to_json` returned."""
        names = {item.name for item in fields(cls)}
        values = {key: value for key, value in data.items() if key in names}
        values["names"] = tuple(values.get("names", ()))
        values["recent_messages"] = tuple(
            (float(at), str(text)) for at, text in values.get("recent_messages", ())
        )
        return cls(**values)


def _keys(user_id: str | None, wallet: str | None, name: str | None) -> list[str]:
    keys = []
    if user_id:
        keys.append(f"user:{user_id}")
    if wallet:
        keys.append(f"wallet:{wallet}")
    if not keys and name:
        keys.append(f"name:{name.casefold()}")
    return keys


def _merge_records(kept: ViewerRecord, other: ViewerRecord) -> ViewerRecord:
    names = tuple(dict.fromkeys(kept.names + other.names))[-MAX_NAMES:]
    recent = tuple(sorted(kept.recent_messages + other.recent_messages))[-RECENT_MESSAGES:]
    return replace(
        kept,
        user_id=kept.user_id or other.user_id,
        wallet=kept.wallet or other.wallet,
        names=names,
        first_seen=min(kept.first_seen, other.first_seen),
        last_seen=max(kept.last_seen, other.last_seen),
        message_count=kept.message_count + other.message_count,
        recent_messages=recent,
        tips_total_usd=kept.tips_total_usd + other.tips_total_usd,
        buys=kept.buys + other.buys,
        sells=kept.sells + other.sells,
        bought_usd=kept.bought_usd + other.bought_usd,
        sold_usd=kept.sold_usd + other.sold_usd,
    )


class ViewerBook:
    """Every viewer record of the profile, in memory and persisted through the store."""

    def __init__(self, store: FeedStore | None, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        self._records: dict[str, ViewerRecord] = {}
        self._index: dict[str, str] = {}
        self.stream_started_at: float | None = None
        """Start of the current (or last) stream, in epoch seconds; None before any."""

    def __len__(self) -> int:
        return len(self._records)

    async def load(self) -> None:
        """Read every stored record; call once after the store is open."""
        if self._store is None:
            return
        for data in await self._store.viewers():
            try:
                record = ViewerRecord.from_json(data)
            except (TypeError, ValueError) as error:
                logger.warning("Skipped an unreadable viewer record: %s", error)
                continue
            self._records[record.viewer_id] = record
            for key in _keys(record.user_id, record.wallet, record.name):
                self._index[key] = record.viewer_id
        logger.info("Loaded %d viewer records", len(self._records))

    # Lookups

    def get(self, key: str) -> ViewerRecord | None:
        """Return the record with this viewer id, user id, wallet or name, or None."""
        viewer_id = (
            key
            if key in self._records
            else self._index.get(f"user:{key}")
            or self._index.get(f"wallet:{key}")
            or self._index.get(f"name:{key.casefold()}")
        )
        record = self._records.get(viewer_id) if viewer_id else None
        return self._with_returning(record) if record is not None else None

    def viewer_for(self, item: ChatItem | TradeItem) -> ViewerRecord:
        """Return the record of the item's author (a trade's wallet).

        An author not seen yet gets a blank record built from the item, which is
        not stored.
        """
        user_id, wallet, name, at = _author(item)
        viewer_id = self._find(_keys(user_id, wallet, name))
        if viewer_id is not None:
            return self._with_returning(self._records[viewer_id])
        return ViewerRecord(
            viewer_id="",
            user_id=user_id,
            wallet=wallet,
            names=(name,) if name else (),
            first_seen=at,
            last_seen=at,
        )

    def top(self, n: int) -> list[ViewerRecord]:
        """Return the ``n`` most active viewers: by messages, then tips, then latest seen."""
        ranked = sorted(
            self._records.values(),
            key=lambda record: (record.message_count, record.tips_total_usd, record.last_seen),
            reverse=True,
        )
        return [self._with_returning(record) for record in ranked[:n]]

    def _with_returning(self, record: ViewerRecord) -> ViewerRecord:
        started = self.stream_started_at
        returning = started is not None and record.first_seen < started
        return record if record.returning == returning else replace(record, returning=returning)

    def _find(self, keys: list[str]) -> str | None:
        for key in keys:
            viewer_id = self._index.get(key)
            if viewer_id is not None:
                return viewer_id
        return None

    # Updates

    def observe_chat(self, item: ChatItem, is_new: bool) -> ViewerRecord | None:
        """Record a chat item of a viewer; an update of a known item only links its keys.

        Returns the updated record, or None for the agent's own messages.
        """
        if item.own:
            return None
        record = self._record_for(
            item.author_user_id, item.author_wallet, item.author_name, item.at
        )
        if record is None:
            return None
        if is_new:
            record = replace(
                record,
                first_seen=min(record.first_seen, item.at),
                last_seen=max(record.last_seen, item.at),
            )
            if item.kind == "message":
                recent = (*record.recent_messages, (item.at, item.text))[-RECENT_MESSAGES:]
                record = replace(
                    record, message_count=record.message_count + 1, recent_messages=recent
                )
            elif item.kind == "tip" and item.amount_usd is not None:
                record = replace(record, tips_total_usd=record.tips_total_usd + item.amount_usd)
        return self._save(record)

    def observe_trade(self, item: TradeItem, count: bool) -> ViewerRecord | None:
        """Record a trade of the agent's token for the viewer owning its wallet.

        ``count`` is true the first time the trade is seen with its wallet, so
        that a trade reported again (through the other path) counts once.
        Trades without a wallet are not attributed.
        """
        if not item.wallet:
            return None
        record = self._record_for(None, item.wallet, None, item.at)
        if record is None:
            return None
        if count and item.is_buy:
            record = replace(
                record, buys=record.buys + 1, bought_usd=record.bought_usd + item.amount_usd
            )
        elif count:
            record = replace(
                record, sells=record.sells + 1, sold_usd=record.sold_usd + item.amount_usd
            )
        record = replace(record, last_seen=max(record.last_seen, item.at))
        return self._save(record)

    def _record_for(
        self, user_id: str | None, wallet: str | None, name: str | None, at: float
    ) -> ViewerRecord | None:
        keys = _keys(user_id, wallet, name)
        if not keys:
            return None
        found = {self._index[key] for key in keys if key in self._index}
        records = sorted(
            (self._records[viewer_id] for viewer_id in found), key=lambda r: r.first_seen
        )
        if not records:
            record = ViewerRecord(viewer_id=new_local_id("v"), first_seen=at, last_seen=at)
        else:
            record = records[0]
            for other in records[1:]:
                record = _merge_records(record, other)
                self._forget(other)
        record = replace(record, user_id=record.user_id or user_id, wallet=record.wallet or wallet)
        if name and (not record.names or record.names[-1] != name):
            names = tuple(existing for existing in record.names if existing != name)
            record = replace(record, names=(*names, name)[-MAX_NAMES:])
        return record

    def _forget(self, record: ViewerRecord) -> None:
        del self._records[record.viewer_id]
        for key, viewer_id in list(self._index.items()):
            if viewer_id == record.viewer_id:
                del self._index[key]
        if self._store is not None:
            self._store.delete_viewer(record.viewer_id)

    def _save(self, record: ViewerRecord) -> ViewerRecord:
        self._records[record.viewer_id] = record
        for key in _keys(record.user_id, record.wallet, None) or _keys(None, None, record.name):
            self._index[key] = record.viewer_id
        if self._store is not None:
            self._store.save_viewer(
                record.viewer_id, record.user_id, record.wallet, record.to_json()
            )
        return self._with_returning(record)


def _author(item: ChatItem | TradeItem) -> tuple[str | None, str | None, str | None, float]:
    if isinstance(item, TradeItem):
        return None, item.wallet, None, item.at
    return item.author_user_id, item.author_wallet, item.author_name, item.at
