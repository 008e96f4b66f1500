"""Feed events round-trip through JSON and are recognised by their type."""

from __future__ import annotations

import json

import pytest

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

EXAMPLES: list[FeedEvent] = [
    ChatItem(
        id="c-1",
        platform_id="p1",
        streamer_id="s",
        session_id="x",
        text="\x1b[31mhi\u202e [b]",
        kind="tip",
        at=1.5,
        author_name="viewer",
        author_user_id="u",
        author_wallet="w",
        amount_usd=5.0,
        own=False,
        source="both",
    ),
    TradeItem(
        id="t-1",
        token_address="tok",
        ticker="TKR",
        is_buy=True,
        amount_usd=12.5,
        wallet="w",
        tx_hash="h",
        at=2.0,
        source="poll",
    ),
    StatsItem(token_address="tok", ticker="TKR", price=1e-6, market_cap=1000.0, at=3.0),
    StatusItem(is_live=True, viewers=4, uptime_seconds=60, at=4.0),
    FollowItem(streamer_id="s", follower_id="f", follower_username="fan", at=5.0),
    SessionItem(streamer_id="s", session_id="x", state="started", at=6.0),
    SendUpdate(message_id="m-1", text="hello", destination="s", state="failed", reason="r", at=7.0),
    Alert(kind="big_tip", severity="info", message="m", data={"amount_usd": 5.0}, at=8.0),
    FeedHealth(
        socket_connected=None,
        last_poll_ok_at={"chat": 9.0},
        consecutive_failures={"chat": 0},
        at=9.0,
    ),
]


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: type(event).__name__)
def test_round_trip_through_json(event: FeedEvent) -> None:
    text = json.dumps(event.to_json())
    assert event_from_json(json.loads(text)) == event


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: type(event).__name__)
def test_type_named_under_event(event: FeedEvent) -> None:
    assert event.to_json()["event"] == event.EVENT_KIND


def test_unknown_type_rejected() -> None:
    with pytest.raises(ValueError, match="unknown"):
        event_from_json({"event": "nonsense"})


def test_missing_field_rejected() -> None:
    with pytest.raises(ValueError, match="incomplete"):
        event_from_json({"event": "chat", "id": "c-1"})


def test_wrong_class_rejected() -> None:
    with pytest.raises(ValueError, match="event_from_json"):
        ChatItem.from_json(EXAMPLES[1].to_json())


def test_events_frozen() -> None:
    item = EXAMPLES[0]
    assert isinstance(item, ChatItem)
    with pytest.raises(AttributeError):
        item.text = "changed"  # type: ignore[misc]
