"""The platform's periodic check, once: status, new comments, token stats and alerts.

The platform's guide has an agent that is not supervised live check in every
few hours: whether it is live, what chat wrote and how its token is doing. `run_heartbeat`
does that directly against the API and remembers what it saw in the chat
store, so that the next run reports only what is new and how the stats moved.
The first run sets the baseline: it reports the latest comments but raises no
alerts for tips, trades or milestones from before it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cockpit.api.client import RetakeClient
from cockpit.api.models import ChatItem as ApiChatItem
from cockpit.api.models import Comment, StreamStatus, Trade
from cockpit.feeds.alerts import AlertRules, crossed_milestones
from cockpit.feeds.convert import (
    chat_from_comment,
    chat_from_history,
    stats_item,
    trade_from_poll,
)
from cockpit.feeds.events import Alert, ChatItem, StatsItem, event_from_json
from cockpit.feeds.hub import HUB_STATE_KEY
from cockpit.feeds.identity import AgentIdentity
from cockpit.feeds.poller import trade_key
from cockpit.feeds.store import FeedStore
from cockpit.settings import AlertSettings

logger = logging.getLogger(__name__)

HEARTBEAT_STATE_KEY = "heartbeat"
MAX_PAGES = 5
"""Pages of 100 read back per feed; more new items than that are counted as "at least"."""
LATEST_SHOWN = 5
"""Newest comments included in the report."""

EntryT = TypeVar("EntryT")


@dataclass(frozen=True)
class HeartbeatReport:
    """The findings of one heartbeat. Times are epoch seconds, amounts USD, growth in percent.

    ``new_comments`` counts comments since the previous heartbeat (on the first
    one, those of the pages read), and ``more_comments`` is true when there
    were more than the pages read. ``changes`` compares the token's stats with
    the previous heartbeat's: ``market_cap``, ``market_cap_percent``,
    ``price_percent`` and ``volume_24h``, each None when unknown.
    """

    at: float
    is_live: bool
    viewers: int
    uptime_seconds: int
    token_address: str
    new_comments: int
    more_comments: bool
    latest_comments: tuple[ChatItem, ...]
    stats: StatsItem | None
    previous_at: float | None
    previous_stats: StatsItem | None
    changes: dict[str, float | None]
    alerts: tuple[Alert, ...] = field(default_factory=tuple)

    @property
    def first(self) -> bool:
        """Whether no heartbeat ran before this one for the profile."""
        return self.previous_at is None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HeartbeatReport:
        """Rebuild a report from ``to_json()`` output, such as a studio's response."""

        def item(value: dict[str, Any] | None) -> Any:
            return event_from_json(value) if value else None

        return cls(
            at=data["at"],
            is_live=data["is_live"],
            viewers=data["viewers"],
            uptime_seconds=data["uptime_seconds"],
            token_address=data["token_address"],
            new_comments=data["new_comments"],
            more_comments=data["more_comments"],
            latest_comments=tuple(item(comment) for comment in data["latest_comments"]),
            stats=item(data["stats"]),
            previous_at=data["previous_at"],
            previous_stats=item(data["previous_stats"]),
            changes=dict(data["changes"]),
            alerts=tuple(item(alert) for alert in data["alerts"]),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the report as a JSON-compatible dict."""
        return {
            "at": self.at,
            "first": self.first,
            "is_live": self.is_live,
            "viewers": self.viewers,
            "uptime_seconds": self.uptime_seconds,
            "token_address": self.token_address,
            "new_comments": self.new_comments,
            "more_comments": self.more_comments,
            "latest_comments": [item.to_json() for item in self.latest_comments],
            "stats": self.stats.to_json() if self.stats else None,
            "previous_at": self.previous_at,
            "previous_stats": self.previous_stats.to_json() if self.previous_stats else None,
            "changes": dict(self.changes),
            "alerts": [alert.to_json() for alert in self.alerts],
        }


async def _read_back(
    fetch: Callable[[str | None], Awaitable[tuple[Sequence[EntryT], str | None]]],
    entry_id: Callable[[EntryT], str],
    stop_id: str | None,
) -> tuple[list[EntryT], bool]:
    """Page back to ``stop_id``; return the newer entries (newest first) and whether more remain."""
    new: list[EntryT] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page, following = await fetch(cursor)
        for entry in page:
            if entry_id(entry) == stop_id:
                return new, False
            new.append(entry)
        if following is None:
            return new, False
        cursor = following
    return new, stop_id is not None


def _percent(previous: float | None, current: float | None) -> float | None:
    if previous is None or current is None or previous == 0:
        return None
    return (current - previous) / previous * 100


def _difference(previous: float | None, current: float | None) -> float | None:
    if previous is None or current is None:
        return None
    return current - previous


@dataclass
class _Observed:
    """The responses one heartbeat read from the platform, lists newest first."""

    status: StreamStatus
    token: str
    comments: list[Comment]
    more_comments: bool
    newest_comment_at: float | None
    chat_events: list[ApiChatItem]
    trades: list[Trade]
    stats: StatsItem | None


async def run_heartbeat(
    client: RetakeClient,
    store: FeedStore,
    identity: AgentIdentity,
    alerts: AlertSettings | None = None,
    clock: Callable[[], float] = time.time,
) -> HeartbeatReport:
    """Check the stream once and return what changed since the previous heartbeat.

    Opens ``store`` if needed and leaves it open; the caller closes it.

    Raises:
        ApiError: a request failed, so nothing was saved and the next run repeats the check.
        StoreError: the chat store cannot be opened.
    """
    await store.open()
    rules = AlertRules(alerts or AlertSettings(), clock)
    previous = await store.get_state(HEARTBEAT_STATE_KEY) or {}
    hub_state = await store.get_state(HUB_STATE_KEY) or {}
    now = clock()

    observed = await _observe(client, identity, previous, now)
    previous_stats = _stats_from_state(previous.get("stats"))
    raised = _raise_alerts(observed, identity, previous_stats, bool(previous), rules, now)
    expected_live = isinstance(hub_state, dict) and bool(hub_state.get("expected_live"))
    if expected_live and not observed.status.is_live:
        raised.append(rules.stream_dropped())

    store.set_state(HEARTBEAT_STATE_KEY, _next_state(observed, previous, now))
    await store.flush()

    items = [chat_from_comment(comment, identity) for comment in observed.comments]
    stats = observed.stats
    return HeartbeatReport(
        at=now,
        is_live=observed.status.is_live,
        viewers=observed.status.viewers,
        uptime_seconds=observed.status.uptime_seconds,
        token_address=observed.token,
        new_comments=len(items),
        more_comments=observed.more_comments,
        latest_comments=tuple(reversed(items[:LATEST_SHOWN])),
        stats=stats,
        previous_at=previous.get("at"),
        previous_stats=previous_stats,
        changes=_changes(previous_stats, stats),
        alerts=tuple(raised),
    )


async def _observe(
    client: RetakeClient, identity: AgentIdentity, previous: dict[str, Any], now: float
) -> _Observed:
    status = await client.stream_status()
    token = identity.token_address or status.token_address or ""
    own = identity.user_db_id
    newest_comment_at: list[float] = []

    async def comment_page(cursor: str | None) -> tuple[Sequence[Comment], str | None]:
        page = await client.comments(own, limit=100, before_id=cursor)
        if cursor is None and page:
            newest_comment_at.append(page[0].timestamp.timestamp())
        return page, (page[-1].id if len(page) == 100 else None)

    async def chat_page(cursor: str | None) -> tuple[Sequence[ApiChatItem], str | None]:
        page = await client.chat_history(streamer_id=own, limit=100, before_chat_event_id=cursor)
        more = page.has_more if page.has_more is not None else len(page.chats) == 100
        return page.chats, (page.chats[-1].chat_event_id if more and page.chats else None)

    async def trade_page(cursor: str | None) -> tuple[Sequence[Trade], str | None]:
        page = await client.recent_trades(token, limit=100, cursor=cursor)
        return page.trades, page.next_cursor

    comments, more_comments = await _read_back(
        comment_page, lambda comment: comment.id, previous.get("newest_comment_id")
    )
    chat_events, _ = await _read_back(
        chat_page, lambda entry: entry.chat_event_id, previous.get("newest_chat_event_id")
    )
    trades: list[Trade] = []
    stats: StatsItem | None = None
    if token:
        trades, _ = await _read_back(trade_page, trade_key, previous.get("newest_trade_id"))
        stats = stats_item(await client.token_stats(token), token, now)
    return _Observed(
        status=status,
        token=token,
        comments=comments,
        more_comments=more_comments,
        newest_comment_at=newest_comment_at[0] if newest_comment_at else None,
        chat_events=chat_events,
        trades=trades,
        stats=stats,
    )


def _raise_alerts(
    observed: _Observed,
    identity: AgentIdentity,
    previous_stats: StatsItem | None,
    has_previous: bool,
    rules: AlertRules,
    now: float,
) -> list[Alert]:
    raised: list[Alert] = []
    if has_previous:
        # The first heartbeat only sets the baseline: older tips and trades are not news.
        for entry in reversed(observed.chat_events):
            if entry.type == "tip":
                tip = rules.chat(chat_from_history(entry, identity.user_db_id, identity))
                raised.extend([tip] if tip is not None else [])
        for trade in reversed(observed.trades):
            big = rules.trade(trade_from_poll(trade))
            raised.extend([big] if big is not None else [])
        previous_cap = previous_stats.market_cap if previous_stats else None
        current_cap = observed.stats.market_cap if observed.stats else None
        for milestone in crossed_milestones(
            previous_cap, current_cap, rules.settings.market_cap_milestones
        ):
            raised.append(rules.milestone(milestone, current_cap or milestone))
    status = observed.status
    dead_air = _dead_air(
        status.is_live, status.uptime_seconds, observed.newest_comment_at, now, rules
    )
    if dead_air is not None:
        raised.append(dead_air)
    return raised


def _next_state(observed: _Observed, previous: dict[str, Any], now: float) -> dict[str, Any]:
    comments, chat_events, trades = observed.comments, observed.chat_events, observed.trades
    return {
        "at": now,
        "is_live": observed.status.is_live,
        "newest_comment_id": comments[0].id if comments else previous.get("newest_comment_id"),
        "newest_chat_event_id": (
            chat_events[0].chat_event_id if chat_events else previous.get("newest_chat_event_id")
        ),
        "newest_trade_id": trade_key(trades[0]) if trades else previous.get("newest_trade_id"),
        "stats": observed.stats.to_json() if observed.stats else previous.get("stats"),
    }


def _changes(previous: StatsItem | None, current: StatsItem | None) -> dict[str, float | None]:
    def value(stats: StatsItem | None, name: str) -> float | None:
        return getattr(stats, name) if stats is not None else None

    return {
        "market_cap": _difference(value(previous, "market_cap"), value(current, "market_cap")),
        "market_cap_percent": _percent(value(previous, "market_cap"), value(current, "market_cap")),
        "price_percent": _percent(value(previous, "price"), value(current, "price")),
        "volume_24h": _difference(value(previous, "volume_24h"), value(current, "volume_24h")),
    }


def _stats_from_state(data: object) -> StatsItem | None:
    if not isinstance(data, dict):
        return None
    try:
        return StatsItem.from_json(data)
    except ValueError as error:
        logger.warning("Ignored the previous heartbeat's unreadable stats: %s", error)
        return None


def _dead_air(
    is_live: bool, uptime: int, newest_comment_at: float | None, now: float, rules: AlertRules
) -> Alert | None:
    """Return a dead-air alert when a live stream's newest comment is older than the threshold.

    Own messages are comments too, so they count as activity.
    """
    if not is_live:
        return None
    quiet_since = now - uptime
    if newest_comment_at is not None:
        quiet_since = max(quiet_since, newest_comment_at)
    quiet = now - quiet_since
    return rules.dead_air_alert(quiet) if quiet >= rules.settings.dead_air else None
