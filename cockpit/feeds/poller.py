"""Polling: comments, tips, trades, token stats and stream status, each on its own timer.

Each feed runs in one task that polls, then waits, so a poll never overlaps
the previous one of its feed. Intervals follow the platform's advice for
comments (2-3 s while live and chat is active, 5-10 s when quiet) and are
slower while not live. While the Socket.IO connection is up every interval is
multiplied by ``socket_slowdown``, so polling slows but never stops and fills
whatever the socket missed.

A poll reads pages backwards until it reaches the newest item it has already
seen (at most ``max_pages`` pages, or ``first_pages`` when nothing was seen
before), so a backfill after a reconnect is the same operation as a regular
poll. The newest id of each feed and stream is kept in the store, so a restart
goes on where the last run stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Protocol, TypeVar

from cockpit.api.client import RetakeClient
from cockpit.api.errors import ApiError
from cockpit.api.models import ChatItem as ApiChatItem
from cockpit.api.models import Comment, StreamStatus, Trade
from cockpit.feeds.convert import (
    chat_from_comment,
    chat_from_history,
    stats_item,
    trade_from_poll,
)
from cockpit.feeds.events import ChatItem, StatsItem, TradeItem
from cockpit.feeds.identity import AgentIdentity
from cockpit.feeds.store import FeedStore
from cockpit.settings import FeedSettings

logger = logging.getLogger(__name__)

FEEDS = ("chat", "tips", "trades", "stats", "status")
"""The poll feeds, as named in `FeedHealth` and in ``trigger``."""

SEEN_PER_FEED = 5000
"""Ids remembered per feed and stream to find where the previous poll stopped."""

READ_BACK_LIMIT = 50
"""Comments read when checking whether an own message of unknown outcome was posted."""

EntryT = TypeVar("EntryT")


class PollSink(Protocol):
    """The poller's source of cadence and receiver of results (the hub)."""

    def is_live(self) -> bool: ...

    def chat_active(self) -> bool: ...

    def socket_connected(self) -> bool: ...

    def watched_streamers(self) -> list[str]: ...

    def token_address(self) -> str: ...

    def mark_own(self, item: ChatItem) -> ChatItem: ...

    def on_chat(self, items: list[ChatItem]) -> None: ...

    def on_trades(self, items: list[TradeItem]) -> None: ...

    def on_stats(self, item: StatsItem) -> None: ...

    def on_status(self, status: StreamStatus) -> None: ...

    def poll_succeeded(self, feed: str) -> None: ...

    def poll_failed(self, feed: str, error: Exception) -> None: ...


class _SeenIds:
    """Ids of one feed and stream seen lately, newest last."""

    def __init__(self) -> None:
        self._order: deque[Hashable] = deque()
        self._ids: set[Hashable] = set()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._ids

    def __bool__(self) -> bool:
        return bool(self._ids)

    def add(self, key: Hashable) -> None:
        if key in self._ids:
            return
        self._order.append(key)
        self._ids.add(key)
        if len(self._order) > SEEN_PER_FEED:
            self._ids.discard(self._order.popleft())


def trade_key(trade: Trade) -> str:
    """Return the id of a polled trade: its transaction hash, else its time, side and amount."""
    if trade.tx_hash:
        return trade.tx_hash
    moment = trade.timestamp.isoformat() if trade.timestamp is not None else ""
    return f"{moment}|{trade.is_buy}|{trade.amount_in_usd}"


class Poller:
    """The poll loops of one hub."""

    def __init__(
        self,
        client: RetakeClient,
        identity: AgentIdentity,
        settings: FeedSettings,
        sink: PollSink,
        store: FeedStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.identity = identity
        self._client = client
        self._settings = settings
        self._sink = sink
        self._store = store
        self._clock = clock
        self._seen: dict[tuple[str, str], _SeenIds] = {}
        self._wake = {feed: asyncio.Event() for feed in FEEDS}
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start every feed's loop; each polls at once, then on its timer."""
        polls: dict[str, Callable[[], Awaitable[None]]] = {
            "chat": self.poll_chat,
            "tips": self.poll_tips,
            "trades": self.poll_trades,
            "stats": self.poll_stats,
            "status": self.poll_status,
        }
        loop = asyncio.get_running_loop()
        for feed, poll in polls.items():
            if feed == "tips" and not self._settings.poll_tips:
                continue
            self._tasks.append(loop.create_task(self._run(feed, poll), name=f"feed-poll-{feed}"))

    async def stop(self) -> None:
        """Stop every loop, waiting for a poll in progress to be cancelled."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def trigger(self, *feeds: str) -> None:
        """Poll ``feeds`` (all when none is named) now instead of at their next time."""
        for feed in feeds or FEEDS:
            self._wake[feed].set()

    # Loops and cadence

    async def _run(self, feed: str, poll: Callable[[], Awaitable[None]]) -> None:
        while True:
            self._wake[feed].clear()
            try:
                await poll()
            except ApiError as error:
                self._sink.poll_failed(feed, error)
            except Exception as error:
                # A bug in handling one poll must not stop the feed; the next poll tries again.
                logger.exception("Polling the %s feed failed unexpectedly", feed)
                self._sink.poll_failed(feed, error)
            else:
                self._sink.poll_succeeded(feed)
            # asyncio.timeout rather than wait_for: in Python 3.11 wait_for can swallow a
            # cancellation that arrives as the event is set, and stop() would then hang.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval(feed)):
                    await self._wake[feed].wait()

    def interval(self, feed: str) -> float:
        """Return the seconds to wait before the next poll of ``feed``."""
        settings = self._settings
        live = self._sink.is_live()
        if feed == "chat":
            if not live:
                seconds = settings.chat_interval_offline
            elif self._sink.chat_active():
                seconds = settings.chat_interval_active
            else:
                seconds = settings.chat_interval_quiet
        else:
            base = {
                "tips": settings.tips_interval,
                "trades": settings.trades_interval,
                "stats": settings.stats_interval,
                "status": settings.status_interval,
            }[feed]
            seconds = base if live else base * settings.offline_slowdown
        if self._sink.socket_connected():
            seconds *= settings.socket_slowdown
        return seconds

    # Polls

    async def poll_chat(self) -> None:
        """Read new comments of every watched stream."""
        for streamer_id in self._sink.watched_streamers():
            comments = await self._read_new("chat", streamer_id, self._comments_page(streamer_id))
            items = [
                self._sink.mark_own(chat_from_comment(comment, self.identity))
                for comment in comments
            ]
            if items:
                self._sink.on_chat(items)

    async def poll_tips(self) -> None:
        """Read new tips and trades of every watched stream from the public chat."""
        for streamer_id in self._sink.watched_streamers():
            entries = await self._read_new("tips", streamer_id, self._history_page(streamer_id))
            items = [
                self._sink.mark_own(chat_from_history(entry, streamer_id, self.identity))
                for entry in entries
                if entry.type != "message"
            ]
            if items:
                self._sink.on_chat(items)

    async def poll_trades(self) -> None:
        """Read new trades of the agent's token."""
        token = self._sink.token_address()
        if not token:
            return
        trades = await self._read_new("trades", token, self._trades_page(token))
        items = [trade_from_poll(trade) for trade in trades]
        if items:
            self._sink.on_trades(items)

    async def poll_stats(self) -> None:
        """Read the token's stats."""
        token = self._sink.token_address()
        if not token:
            return
        stats = await self._client.token_stats(token)
        self._sink.on_stats(stats_item(stats, token, self._clock()))

    async def poll_status(self) -> None:
        """Read the agent's stream status."""
        self._sink.on_status(await self._client.stream_status())

    async def read_chat(self, streamer_id: str) -> list[ChatItem]:
        """Return the newest comments of a stream as chat items, without merging them."""
        comments = await self._client.comments(streamer_id, limit=READ_BACK_LIMIT)
        return [self._sink.mark_own(chat_from_comment(c, self.identity)) for c in comments]

    # Paging

    def _comments_page(
        self, streamer_id: str
    ) -> Callable[[str | None], Awaitable[tuple[list[tuple[str, Comment]], str | None]]]:
        size = self._settings.page_size

        async def fetch(cursor: str | None) -> tuple[list[tuple[str, Comment]], str | None]:
            page = await self._client.comments(streamer_id, limit=size, before_id=cursor)
            following = page[-1].id if len(page) >= size else None
            return [(comment.id, comment) for comment in page], following

        return fetch

    def _history_page(
        self, streamer_id: str
    ) -> Callable[[str | None], Awaitable[tuple[list[tuple[str, ApiChatItem]], str | None]]]:
        size = self._settings.page_size

        async def fetch(cursor: str | None) -> tuple[list[tuple[str, ApiChatItem]], str | None]:
            page = await self._client.chat_history(
                streamer_id=streamer_id, limit=size, before_chat_event_id=cursor
            )
            more = page.has_more if page.has_more is not None else len(page.chats) >= size
            following = page.chats[-1].chat_event_id if more and page.chats else None
            return [(entry.chat_event_id, entry) for entry in page.chats], following

        return fetch

    def _trades_page(
        self, token: str
    ) -> Callable[[str | None], Awaitable[tuple[list[tuple[str, Trade]], str | None]]]:
        size = self._settings.page_size

        async def fetch(cursor: str | None) -> tuple[list[tuple[str, Trade]], str | None]:
            page = await self._client.recent_trades(token, limit=size, cursor=cursor)
            following = page.next_cursor
            oldest = page.trades[-1].timestamp if page.trades else None
            if following is None and len(page.trades) >= size and oldest is not None:
                # A list without next_cursor (the live bare-list shape): page on by time.
                following = oldest.isoformat().replace("+00:00", "Z")
            return [(trade_key(trade), trade) for trade in page.trades], following

        return fetch

    async def _read_new(
        self,
        feed: str,
        key: str,
        fetch: Callable[[str | None], Awaitable[tuple[list[tuple[str, EntryT]], str | None]]],
    ) -> list[EntryT]:
        """Page back until an id already seen; return the new entries, oldest first."""
        seen = await self._seen_ids(feed, key)
        max_pages = self._settings.max_pages if seen else self._settings.first_pages
        new: list[tuple[str, EntryT]] = []
        cursor: str | None = None
        for _ in range(max_pages):
            page, following = await fetch(cursor)
            reached_seen = False
            for entry_id, entry in page:
                if entry_id in seen:
                    reached_seen = True
                    break
                new.append((entry_id, entry))
            if reached_seen or following is None or following == cursor:
                break
            cursor = following
        else:
            if seen:
                logger.warning(
                    "The %s feed of %s read %d pages without reaching an item seen before; "
                    "older new items were skipped",
                    feed,
                    key,
                    max_pages,
                )

        new.reverse()
        for entry_id, _ in new:
            seen.add(entry_id)
        if new and self._store is not None:
            self._store.set_state(f"cursor:{feed}:{key}", new[-1][0])
        return [entry for _, entry in new]

    async def _seen_ids(self, feed: str, key: str) -> _SeenIds:
        seen = self._seen.get((feed, key))
        if seen is None:
            seen = _SeenIds()
            if self._store is not None:
                cursor = await self._store.get_state(f"cursor:{feed}:{key}")
                if isinstance(cursor, str):
                    seen.add(cursor)
            self._seen[(feed, key)] = seen
        return seen
