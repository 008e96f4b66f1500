"""The live feeds: chat, trades, stats and status merged from Socket.IO and polling.

- `FeedHub`: the feeds of one agent, stored and published as `FeedEvent`s.
- `FeedStore`: the profile's SQLite archive of chat, trades, viewers and own messages.
- `AgentIdentity`: the agent the feeds run for.
- `display_safe`: the one function that makes platform text safe to show.
- `run_heartbeat`: the platform's periodic check, once.
"""

from __future__ import annotations

from cockpit.feeds.events import (
    Alert,
    ChatItem,
    FeedEvent,
    FeedHealth,
    FollowItem,
    SendUpdate,
    SessionItem,
    StatsItem,
    StatusItem,
    TradeItem,
    event_from_json,
)
from cockpit.feeds.heartbeat import HeartbeatReport, run_heartbeat
from cockpit.feeds.hub import FeedHub
from cockpit.feeds.identity import AgentIdentity
from cockpit.feeds.sender import SendQueue
from cockpit.feeds.store import FeedStore, StoreError
from cockpit.feeds.textsafe import display_safe, short_wallet
from cockpit.feeds.viewers import ViewerBook, ViewerRecord

__all__ = [
    "AgentIdentity",
    "Alert",
    "ChatItem",
    "FeedEvent",
    "FeedHealth",
    "FeedHub",
    "FeedStore",
    "FollowItem",
    "HeartbeatReport",
    "SendQueue",
    "SendUpdate",
    "SessionItem",
    "StatsItem",
    "StatusItem",
    "StoreError",
    "TradeItem",
    "ViewerBook",
    "ViewerRecord",
    "display_safe",
    "event_from_json",
    "run_heartbeat",
    "short_wallet",
]
