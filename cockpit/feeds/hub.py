"""`FeedHub`: the live feeds of one agent, merged from Socket.IO and polling, stored and published.

Usage (inside the studio's event loop)::

    hub = FeedHub(client, realtime, settings.feeds, identity, FeedStore.for_profile(profile),
                  publish=forward_to_clients)
    await hub.start()
    hub.set_live(True)                   # after the go-live sequence confirmed is_live
    update = hub.sender.submit("hello chat")
    ...
    await hub.stop()

``publish`` is called in the event loop with every `FeedEvent`: chat items,
trades, stats, status, follows, sessions, send updates, alerts and health. A
chat item or trade whose ``id`` was published before replaces the earlier one.
The hub owns the realtime client and the store from `start` to `stop`: it
connects, joins the rooms and closes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
from collections import deque
from collections.abc import Callable

from cockpit.api.client import RetakeClient
from cockpit.api.errors import TransportError
from cockpit.api.events import (
    ChatMessageEvent,
    ConnectionChanged,
    NewTradeEvent,
    RealtimeEvent,
    SessionStartedEvent,
    UserFollowedEvent,
)
from cockpit.api.http_core import backoff_delay
from cockpit.api.models import StreamStatus
from cockpit.api.realtime import RealtimeClient
from cockpit.feeds.alerts import AlertRules
from cockpit.feeds.convert import (
    chat_from_socket,
    status_item,
    trade_from_socket,
)
from cockpit.feeds.events import (
    Alert,
    ChatItem,
    FeedEvent,
    FeedHealth,
    FollowItem,
    SendUpdate,
    SessionItem,
    StatsItem,
    TradeItem,
)
from cockpit.feeds.identity import AgentIdentity
from cockpit.feeds.merge import ChatMerger, TradeMerger
from cockpit.feeds.poller import FEEDS, Poller
from cockpit.feeds.sender import SendQueue
from cockpit.feeds.store import FeedStore
from cockpit.feeds.viewers import ViewerBook
from cockpit.settings import FeedSettings

logger = logging.getLogger(__name__)

HUB_STATE_KEY = "hub"
"""Store state key of the hub's state; ``expected_live`` there is read by the heartbeat."""

_WATCH_INTERVAL_MAX = 1.0


class FeedHub:
    """Merged, stored and published live feeds of one agent (see the module docstring)."""

    def __init__(
        self,
        client: RetakeClient,
        realtime: RealtimeClient | None,
        settings: FeedSettings,
        identity: AgentIdentity,
        store: FeedStore,
        publish: Callable[[FeedEvent], None],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.identity = identity
        self.store = store
        self._client = client
        self._realtime = realtime
        self._publish_callback = publish
        self._clock = clock

        self.viewers = ViewerBook(store, clock)
        """Viewer records of every chat author, kept across streams."""
        self.alerts = AlertRules(settings.alerts, clock)
        self._chat = ChatMerger(settings)
        self._trades = TradeMerger(settings)
        self._chat.socket_enabled = self._trades.socket_enabled = realtime is not None
        self._stats: deque[StatsItem] = deque(maxlen=settings.stats_window)
        self._poller = Poller(client, identity, settings, self, store, clock)
        self.sender = SendQueue(
            client,
            identity,
            settings,
            self._on_send_update,
            store=store,
            read_back=self._poller.read_chat,
            clock=clock,
        )
        """The operator's send queue: ``sender.submit(text)``, ``sender.retry(message_id)``."""

        self._watched: list[str] = [identity.user_db_id]
        self._expected_live = False
        self._status_live: bool | None = None
        self._stream_open = False
        self._live_since: float | None = None
        self._last_activity: float | None = None
        self._last_viewer_message: float | None = None
        self._last_ok: dict[str, float] = {}
        self._failures: dict[str, int] = dict.fromkeys(FEEDS, 0)
        self._last_error = ""
        self._socket_seen_up = False
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False

    # Lifecycle

    async def start(self) -> None:
        """Open the store, load the saved state, connect Socket.IO and start polling.

        A Socket.IO connection that cannot be opened is retried in the
        background while polling carries the feeds.

        Raises:
            StoreError: the chat store cannot be opened.
        """
        if self._started:
            return
        self.store.on_alert = self._publish
        await self.store.open()
        self._started = True
        await self.viewers.load()
        await self._load_state()
        await self.sender.start()

        loop = asyncio.get_running_loop()
        if self._realtime is not None:
            self._socket_seen_up = self._realtime.connected
            for room in self._rooms():
                await self._realtime.join(room)
            self._tasks.append(loop.create_task(self._consume(), name="feed-realtime"))
            if not self._realtime.connected:
                self._tasks.append(loop.create_task(self._connect(), name="feed-connect"))
        self._poller.start()
        self._tasks.append(loop.create_task(self._watch(), name="feed-watch"))
        self._publish(self.health())
        logger.info("Feeds started for %s", self.identity.user_db_id)

    async def stop(self) -> None:
        """Stop polling and sending, close Socket.IO and write everything to the store."""
        if not self._started:
            return
        self._started = False
        await self._poller.stop()
        await self.sender.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._realtime is not None:
            await self._realtime.close()
        self._save_state()
        await self.store.close()
        logger.info("Feeds stopped for %s", self.identity.user_db_id)

    async def _load_state(self) -> None:
        state = await self.store.get_state(HUB_STATE_KEY, {})
        if isinstance(state, dict):
            self._expected_live = bool(state.get("expected_live", False))
            self._stream_open = bool(state.get("stream_open", False))
            self._live_since = state.get("stream_started_at")
            self.viewers.stream_started_at = self._live_since
            self.alerts.milestone_reached = state.get("milestone_reached")

        # A stream that should be live counts as live until the first status reports
        # otherwise, so that a stream that dropped while the hub was down raises an alert.
        self._status_live = True if self._expected_live and self._stream_open else None
        for item in await self.store.chat(limit=self.settings.chat_window):
            self._chat.restore(item)
            if item.streamer_id == self.identity.user_db_id:
                self._last_activity = max(self._last_activity or item.at, item.at)
        if self.identity.token_address:
            for trade in await self.store.trades(
                self.identity.token_address, limit=self.settings.trade_window
            ):
                self._trades.restore(trade)

    def _save_state(self) -> None:
        self.store.set_state(
            HUB_STATE_KEY,
            {
                "expected_live": self._expected_live,
                "stream_open": self._stream_open,
                "stream_started_at": self._live_since,
                "milestone_reached": self.alerts.milestone_reached,
            },
        )

    # Control

    def set_live(self, is_live: bool) -> None:
        """Tell the hub whether the stream should be live now (after go-live, or at stop)."""
        if is_live and not self._stream_open:
            self._open_stream(self._clock())
        if not is_live:
            self._stream_open = False
        self._expected_live = is_live
        self._save_state()
        self._poller.trigger("chat", "status")

    def set_token(self, address: str, ticker: str) -> None:
        """Set the agent's token once it exists: join its trade room, poll its trades and stats."""
        previous = self.identity.token_address
        self._set_identity(
            dataclasses.replace(self.identity, token_address=address, token_ticker=ticker)
        )
        if address == previous:
            return
        if self._realtime is not None and not self.settings.global_trades and self._started:
            self._tasks.append(
                asyncio.get_running_loop().create_task(
                    self._switch_trade_room(previous, address), name="feed-trade-room"
                )
            )
        self._poller.trigger("trades", "stats")

    async def _switch_trade_room(self, previous: str, address: str) -> None:
        assert self._realtime is not None
        if previous:
            await self._realtime.leave(f"trades_{previous}")
        await self._realtime.join(f"trades_{address}")

    def _set_identity(self, identity: AgentIdentity) -> None:
        self.identity = identity
        self._poller.identity = identity
        self.sender.identity = identity

    async def join_streamer(self, streamer_id: str) -> None:
        """Follow another streamer's chat too (its room and its comments)."""
        if streamer_id not in self._watched:
            self._watched.append(streamer_id)
        if self._realtime is not None:
            await self._realtime.join(streamer_id)
        self._poller.trigger("chat", "tips")

    async def leave_streamer(self, streamer_id: str) -> None:
        """Stop following another streamer's chat. The agent's own chat is always followed."""
        if streamer_id == self.identity.user_db_id or streamer_id not in self._watched:
            return
        self._watched.remove(streamer_id)
        if self._realtime is not None:
            await self._realtime.leave(streamer_id)

    # Snapshots

    def recent_chat(self) -> list[ChatItem]:
        """Return the chat items in memory (at most ``chat_window``), oldest first."""
        return self._chat.window.items()

    def recent_trades(self) -> list[TradeItem]:
        """Return the agent's token's trades in memory (at most ``trade_window``), oldest first."""
        return self._trades.window.items()

    def stats_history(self) -> list[StatsItem]:
        """Return the token stats snapshots in memory (at most ``stats_window``), oldest first."""
        return list(self._stats)

    def health(self) -> FeedHealth:
        """Return the state of the Socket.IO connection and of every poll feed."""
        return FeedHealth(
            socket_connected=self._realtime.connected if self._realtime is not None else None,
            last_poll_ok_at=dict(self._last_ok),
            consecutive_failures=dict(self._failures),
            last_error=self._last_error,
            at=self._clock(),
        )

    def memory_sizes(self) -> dict[str, int]:
        """Return the number of items held in each bounded structure, for monitoring."""
        return {
            "chat_window": len(self._chat.window),
            "trade_window": len(self._trades.window),
            "stats_window": len(self._stats),
            "chat_waiting": self._chat.waiting,
            "trades_waiting": self._trades.waiting,
            "store_backlog": self.store.backlog,
        }

    # The poller's view of the hub

    def is_live(self) -> bool:
        """Return whether the stream is live, as set by `set_live` or reported by the platform."""
        return self._expected_live or bool(self._status_live)

    def chat_active(self) -> bool:
        """Return whether a viewer wrote within the last ``chat_active_window`` seconds."""
        last = self._last_viewer_message
        return last is not None and self._clock() - last < self.settings.chat_active_window

    def socket_connected(self) -> bool:
        """Return whether the Socket.IO connection is up."""
        return self._realtime is not None and self._realtime.connected

    def watched_streamers(self) -> list[str]:
        """Return the streamers whose chat is followed, the agent first."""
        return list(self._watched)

    def token_address(self) -> str:
        """Return the agent's token address, or an empty string before the token exists."""
        return self.identity.token_address

    def mark_own(self, item: ChatItem) -> ChatItem:
        """Mark ``item`` as own when the send queue sent its text and its author cannot be judged.

        The author is judged by user id, else wallet, else name, against the
        identity. Only when the item carries none that the identity can compare
        does a match with a sent message decide.
        """
        if item.own:
            return item
        identity = self.identity
        can_judge = bool(
            item.author_user_id
            or (item.author_wallet and identity.wallet_address)
            or (item.author_name and identity.agent_name)
        )
        if not can_judge and self.sender.matches_sent(item):
            return dataclasses.replace(item, own=True)
        return item

    def on_chat(self, items: list[ChatItem]) -> None:
        """Merge polled chat items, oldest first."""
        for item in items:
            self._merge_chat(item)

    def on_trades(self, items: list[TradeItem]) -> None:
        """Merge polled trades, oldest first."""
        for item in items:
            self._merge_trade(item)

    def on_stats(self, item: StatsItem) -> None:
        """Keep and publish a stats snapshot, and raise milestone alerts."""
        self._stats.append(item)
        if not self.identity.token_ticker and item.ticker:
            self._set_identity(dataclasses.replace(self.identity, token_ticker=item.ticker))
        alerts = self.alerts.stats(item)
        self._publish(item)
        for alert in alerts:
            self._publish(alert)
        if alerts:
            self._save_state()

    def on_status(self, status: StreamStatus) -> None:
        """Publish the stream status; note streams starting and ending, and unexpected drops."""
        now = self._clock()
        item = status_item(status, now)
        if status.token_address and status.token_address != self.identity.token_address:
            self.set_token(status.token_address, self.identity.token_ticker)

        was_live = bool(self._status_live)
        self._status_live = item.is_live
        if item.is_live and not was_live:
            if not self._stream_open:
                self._open_stream(now - item.uptime_seconds)
        elif was_live and not item.is_live:
            self._stream_open = False
            self._save_state()
            self._publish(SessionItem(streamer_id=self.identity.user_db_id, state="ended", at=now))
        alert = self.alerts.status(item, self._expected_live, was_live)
        self._publish(item)
        if alert is not None:
            self._publish(alert)

    def poll_succeeded(self, feed: str) -> None:
        """Record a successful poll of ``feed``."""
        self._last_ok[feed] = self._clock()
        if self._failures.get(feed):
            logger.info("The %s feed polls again after %d failures", feed, self._failures[feed])
            self._failures[feed] = 0
            self._publish(self.health())

    def poll_failed(self, feed: str, error: Exception) -> None:
        """Record a failed poll of ``feed`` and raise an alert when the failures run long."""
        failures = self._failures.get(feed, 0) + 1
        self._failures[feed] = failures
        self._last_error = str(error)
        if failures == 1 or failures % 10 == 0:
            logger.warning("Polling the %s feed failed (%d in a row): %s", feed, failures, error)
        alert = self.alerts.requests_failed(feed, failures, str(error))
        self._publish(self.health())
        if alert is not None:
            self._publish(alert)

    # Merging

    def _merge_chat(self, item: ChatItem) -> None:
        result = self._chat.add(item)
        if result is None:
            return
        merged = result.item
        self.store.append_chat(merged)
        self.viewers.observe_chat(merged, result.is_new)
        if merged.own:
            self.sender.observe(merged)
        alert = None
        if result.is_new:
            self._note_chat_activity(merged)
            alert = self.alerts.chat(merged)
        self._publish(merged)
        if alert is not None:
            self._publish(alert)

    def _note_chat_activity(self, item: ChatItem) -> None:
        if item.streamer_id != self.identity.user_db_id:
            return
        self._last_activity = max(self._last_activity or item.at, item.at)
        if not item.own and item.kind == "message":
            self._last_viewer_message = max(self._last_viewer_message or item.at, item.at)

    def _merge_trade(self, item: TradeItem) -> None:
        result = self._trades.add(item)
        if result is None:
            return
        merged = result.item
        self.store.append_trade(merged)
        # The wallet arrives with the polled report: count the trade for its viewer then.
        self.viewers.observe_trade(merged, count=item.source == "poll")
        alert = self.alerts.trade(merged) if result.is_new else None
        self._publish(merged)
        if alert is not None:
            self._publish(alert)

    # Socket.IO

    def _rooms(self) -> list[str]:
        own = self.identity.user_db_id
        rooms = [own, f"live_{own}", *self._watched[1:]]
        if self.settings.global_trades:
            rooms.append("trades")
        elif self.identity.token_address:
            rooms.append(f"trades_{self.identity.token_address}")
        return rooms

    async def _connect(self) -> None:
        assert self._realtime is not None
        attempt = 0
        rng = random.Random()
        while not self._realtime.connected:
            try:
                await self._realtime.connect()
            except TransportError as error:
                attempt += 1
                delay = backoff_delay(
                    attempt, self.settings.socket_retry_initial, self.settings.socket_retry_max, rng
                )
                if attempt == 1 or attempt % 10 == 0:
                    logger.warning(
                        "Socket.IO connect failed (attempt %d), polling only; retry in %.1f s: %s",
                        attempt,
                        delay,
                        error,
                    )
                await asyncio.sleep(delay)

    async def _consume(self) -> None:
        assert self._realtime is not None
        while True:
            event = await self._realtime.events.get()
            try:
                self._on_realtime(event)
            except Exception:
                # One bad event must not stop the feed; the polls fill in what it carried.
                logger.exception("Handling a %s event failed", type(event).__name__)

    def _on_realtime(self, event: RealtimeEvent) -> None:
        now = self._clock()
        if isinstance(event, ConnectionChanged):
            self._on_connection(event)
        elif isinstance(event, ChatMessageEvent):
            if event.streamer_id in self._watched:
                self._merge_chat(self.mark_own(chat_from_socket(event, self.identity)))
        elif isinstance(event, NewTradeEvent):
            self._on_new_trade(event, now)
        elif isinstance(event, UserFollowedEvent):
            follow = FollowItem(
                streamer_id=event.streamer_id,
                follower_id=event.follower_id,
                follower_username=event.follower_username,
                at=now,
            )
            alert = self.alerts.follow(follow)
            self._publish(follow)
            if alert is not None:
                self._publish(alert)
        elif isinstance(event, SessionStartedEvent):
            if event.streamer_id == self.identity.user_db_id and not self._stream_open:
                self._open_stream(now)
            self._publish(
                SessionItem(
                    streamer_id=event.streamer_id,
                    session_id=event.session_id,
                    state="started",
                    username=event.username,
                    title=event.title,
                    at=now,
                )
            )
        # tip_received repeats the tip's chat message; pinned and rawtrade are not used.

    def _on_connection(self, event: ConnectionChanged) -> None:
        if event.connected:
            if self._socket_seen_up:
                # Whatever happened while the socket was down comes from a backfill.
                logger.info("Socket.IO reconnected; backfilling chat, tips and trades")
                self._poller.trigger("chat", "tips", "trades")
            self._socket_seen_up = True
        self._publish(self.health())

    def _on_new_trade(self, event: NewTradeEvent, now: float) -> None:
        trade = trade_from_socket(event, now)
        if trade.token_address == self.identity.token_address:
            self._merge_trade(trade)
        elif self.settings.global_trades:
            self._publish(trade)

    # Streams, activity and dead air

    def _open_stream(self, started_at: float) -> None:
        self._stream_open = True
        self._live_since = started_at
        self.viewers.stream_started_at = started_at
        self._save_state()

    def _on_send_update(self, update: SendUpdate) -> None:
        if update.state == "sent":
            self._last_activity = max(self._last_activity or update.at, update.at)
        self._publish(update)

    async def _watch(self) -> None:
        interval = min(_WATCH_INTERVAL_MAX, self.settings.alerts.dead_air / 4)
        while True:
            await asyncio.sleep(interval)
            quiet_since = self._quiet_since()
            alert = self.alerts.dead_air(self.is_live(), quiet_since)
            if alert is not None:
                self._publish(alert)

    def _quiet_since(self) -> float | None:
        moments = [moment for moment in (self._live_since, self._last_activity) if moment]
        return max(moments) if moments else None

    # Publishing

    def _publish(self, event: FeedEvent | Alert) -> None:
        try:
            self._publish_callback(event)
        except Exception:
            # A failing consumer must not stop the feeds.
            logger.exception("Publishing a %s event failed", type(event).__name__)
