"""Response models: comment shapes, timestamps, bare and wrapped lists, stats variants, secrets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cockpit.api.errors import ResponseFormatError
from cockpit.api.events import (
    ChatMessageEvent,
    NewTradeEvent,
    PinnedEvent,
    RawTradeEvent,
    SessionStartedEvent,
    TipReceivedEvent,
    UserFollowedEvent,
    parse_event,
)
from cockpit.api.models import (
    ActiveSession,
    ChatPage,
    CommentList,
    LiveUserList,
    Registration,
    RtmpCredentials,
    ScheduledSessionList,
    SessionJoin,
    SessionList,
    StreamStatus,
    TipperList,
    TokenActivityRanking,
    TokenStats,
    TopTokenList,
    TradePage,
    TrendingTokenList,
    UserList,
    parse_response,
)

ENDPOINT = "GET /agent/stream/comments"
AT = datetime(2025, 2, 1, 14, 20, tzinfo=UTC)
AT_MS = int(AT.timestamp() * 1000)

DOCUMENTED_COMMENT = {
    "_id": "comment_123",
    "streamId": "user_abc",
    "text": "Great stream!",
    "timestamp": "2025-02-01T14:20:00Z",
    "author": {
        "walletAddress": "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
        "fusername": "viewer1",
        "fid": 12345,
        "favatar": "https://example.com/a.png",
    },
}

DRIFT_COMMENT = {
    "chat_event_id": "evt_9",
    "sender_user_id": "user_v1",
    "sender_username": "viewer1",
    "sender_display_name": "Viewer One",
    "sender_pfp": "https://example.com/a.png",
    "sender_wallet_address": "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
    "session_id": "session_1",
    "streamer_id": "user_abc",
    "text": "Great stream!",
    "timestamp": AT_MS,
    "type": "message",
}


def test_documented_comment_shape():
    [comment] = parse_response(CommentList, {"comments": [DOCUMENTED_COMMENT]}, ENDPOINT).root

    assert comment.id == "comment_123"
    assert comment.streamer_id == "user_abc"
    assert comment.text == "Great stream!"
    assert comment.timestamp == AT
    assert comment.author.username == "viewer1"
    assert comment.author.wallet == "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
    assert comment.author.fid == 12345
    assert comment.author.avatar == "https://example.com/a.png"
    assert comment.author.user_id is None
    assert comment.author.display_name is None


@pytest.mark.parametrize(
    "body",
    [[DRIFT_COMMENT], {"messages": [DRIFT_COMMENT]}, {"comments": [DRIFT_COMMENT]}],
    ids=["bare list", "messages", "comments"],
)
def test_drift_comment_shape(body: object):
    [comment] = parse_response(CommentList, body, ENDPOINT).root

    assert comment.id == "evt_9"
    assert comment.streamer_id == "user_abc"
    assert comment.session_id == "session_1"
    assert comment.timestamp == AT
    assert comment.author.user_id == "user_v1"
    assert comment.author.username == "viewer1"
    assert comment.author.display_name == "Viewer One"
    assert comment.author.wallet == "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
    assert comment.author.avatar == "https://example.com/a.png"


def test_comment_without_author():
    body = [{**DOCUMENTED_COMMENT, "author": None}]

    [comment] = parse_response(CommentList, body, ENDPOINT).root

    assert comment.author.username is None
    assert comment.author.wallet is None


@pytest.mark.parametrize(
    "raw",
    [
        "2025-02-01T14:20:00Z",
        "2025-02-01T15:20:00+01:00",
        "2025-02-01T14:20:00",
        AT_MS,
        str(AT_MS),
        float(AT_MS),
    ],
    ids=["iso utc", "iso offset", "iso naive", "ms int", "ms string", "ms float"],
)
def test_comment_timestamp_forms(raw: object):
    body = [{**DOCUMENTED_COMMENT, "timestamp": raw}]

    [comment] = parse_response(CommentList, body, ENDPOINT).root

    assert comment.timestamp == AT
    assert comment.timestamp.tzinfo is UTC


@pytest.mark.parametrize(
    "raw",
    [True, None, "yesterday", 10**30, "9" * 40, -(10**20), {"ms": 1}, float("nan")],
    ids=["bool", "null", "words", "huge int", "huge digits", "negative", "object", "nan"],
)
def test_comment_timestamp_invalid(raw: object):
    body = [{**DOCUMENTED_COMMENT, "timestamp": raw}]

    with pytest.raises(ResponseFormatError) as caught:
        parse_response(CommentList, body, ENDPOINT)

    assert caught.value.field == "[0].timestamp"
    assert caught.value.endpoint == ENDPOINT


USER = {"user_id": "u1", "username": "alpha"}
LIVE_USER = {"user_id": "u1", "username": "alpha", "ticker": "ALPHA", "market_cap": 1.5, "rank": 1}
SESSION = {
    "session_id": "s1",
    "streamer_id": "u1",
    "title": "hello",
    "status": "live",
    "started_at": "2025-02-01T14:20:00Z",
    "streamer": {"username": "alpha", "profile_picture_url": None},
}
SCHEDULED = {"session_id": "s2", "streamer_id": "u1", "scheduled_for": "2025-03-01T00:00:00Z"}
TOP_TOKEN = {"user_id": "u1", "name": "Alpha", "ticker": "ALPHA", "address": "T1", "rank": 1}
TRENDING = {"username": "alpha", "token_ticker": "ALPHA", "growth_24h": 12.5, "market_cap": 9}
TRADE = {
    "token_address": "T1",
    "buyer_address": "W1",
    "seller_address": "P1",
    "is_buy": True,
    "amount_in_usd": 10,
    "tx_hash": "h",
    "token_ticker": "ALPHA",
    "timestamp": "2025-02-01T14:20:00Z",
}
CHAT = {
    "chat_event_id": "c1",
    "sender_username": "v",
    "sender_user_id": "v1",
    "text": "hi",
    "type": "message",
    "tip_data": None,
    "trade_data": None,
    "timestamp": AT_MS,
}
TIPPER = {"user_id": "v1", "username": "v", "total_amount": 3.5, "tip_count": 2, "rank": 1}
ACTIVITY = {"token_address": "T1", "token_ticker": "ALPHA", "volume_usd": 5.0, "trade_count": 3}


@pytest.mark.parametrize(
    ("model", "key", "item"),
    [
        (UserList, "users", USER),
        (LiveUserList, "users", LIVE_USER),
        (SessionList, "sessions", SESSION),
        (ScheduledSessionList, "sessions", SCHEDULED),
        (TopTokenList, "tokens", TOP_TOKEN),
        (TrendingTokenList, "tokens", TRENDING),
        (TipperList, "tippers", TIPPER),
    ],
)
def test_list_bare_and_wrapped(model: Any, key: str, item: dict[str, Any]):
    wrapped = parse_response(model, {key: [item, item]}, "GET /x").root
    bare = parse_response(model, [item, item], "GET /x").root

    assert len(wrapped) == 2
    assert wrapped == bare


def test_list_wrapped_in_unknown_key():
    with pytest.raises(ResponseFormatError) as caught:
        parse_response(UserList, {"people": [USER]}, "GET /users/newest/")

    assert caught.value.field == "(body)"
    assert "'users'" in str(caught.value)


@pytest.mark.parametrize(
    ("model", "key", "item", "extra"),
    [
        (TradePage, "trades", TRADE, {"next_cursor": "2025-02-01T14:00:00Z"}),
        (ChatPage, "chats", CHAT, {"has_more": True}),
        (TokenActivityRanking, "tokens", ACTIVITY, {"window": "24h"}),
    ],
)
def test_page_bare_and_wrapped(model: Any, key: str, item: dict[str, Any], extra: dict[str, Any]):
    wrapped = parse_response(model, {key: [item], **extra}, "GET /x")
    bare = parse_response(model, [item], "GET /x")

    assert getattr(wrapped, key) == getattr(bare, key)
    assert len(getattr(bare, key)) == 1
    for name, value in extra.items():
        assert getattr(wrapped, name) == value
        assert getattr(bare, name) is None


def test_trade_trader_address():
    page = parse_response(TradePage, [TRADE, {**TRADE, "is_buy": False}], "GET /trades/recent/")

    assert page.trades[0].trader_address == "W1"
    assert page.trades[1].trader_address == "P1"


def test_chat_item_tip_data():
    tip = {**CHAT, "type": "tip", "tip_data": {"receiver_id": "u1", "amount": 2.5, "tx_hash": "x"}}

    [item] = parse_response(ChatPage, {"chats": [tip], "has_more": False}, "GET /chat/").chats

    assert item.tip_data is not None
    assert item.tip_data.amount == 2.5
    assert item.timestamp == AT


NESTED_STATS = {
    "token_address": "T1",
    "ticker": "ALPHA",
    "current_price": 0.01,
    "current_market_cap": 10000,
    "all_time_high": 12000,
    "growth": {"1h": 1.0, "6h": 2.0, "24h": 3.0},
    "volume": {"total": 500.0, "24h": 50.0},
    "earnings": {"total": 5.0, "24h": 0.5},
}
FLAT_STATS = {
    "token_address": "T1",
    "ticker": "ALPHA",
    "current_price": 0.01,
    "current_market_cap": 10000,
    "all_time_high": 12000,
    "growth_1h": 1.0,
    "growth_6h": 2.0,
    "growth_24h": 3.0,
    "volume_total": 500.0,
    "volume_24h": 50.0,
    "earnings_total": 5.0,
    "earnings_24h": 0.5,
}


def test_token_stats_nested_and_flat():
    nested = parse_response(TokenStats, NESTED_STATS, "GET /tokens/T1/stats")
    flat = parse_response(TokenStats, FLAT_STATS, "GET /tokens/T1/stats")

    assert nested == flat
    assert nested.growth.h6 == 2.0
    assert nested.volume.h24 == 50.0
    assert nested.earnings.total == 5.0


def test_active_session_forms():
    wrapped = parse_response(ActiveSession, {"session": SESSION}, "GET /sessions/active/u1/")
    empty = parse_response(ActiveSession, {"session": None}, "GET /sessions/active/u1/")
    bare = parse_response(ActiveSession, SESSION, "GET /sessions/active/u1/")

    assert wrapped.session is not None
    assert wrapped.session.session_id == "s1"
    assert empty.session is None
    assert bare == wrapped


STATUS = {
    "is_live": True,
    "viewers": 3,
    "uptime_seconds": 60,
    "token_address": "T1",
    "userDbId": "u1",
}


def test_status_ignores_extra_fields():
    status = parse_response(StreamStatus, {**STATUS, "new_field": [1, 2]}, "GET /status")

    assert status.user_db_id == "u1"
    assert status.viewers == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [("is_live", "yes"), ("is_live", 1), ("viewers", True), ("viewers", "many"), ("viewers", 1.5)],
)
def test_status_rejects_wrong_types(field: str, value: object):
    with pytest.raises(ResponseFormatError) as caught:
        parse_response(StreamStatus, {**STATUS, field: value}, "GET /agent/stream/status")

    assert caught.value.field == field
    assert "GET /agent/stream/status" in str(caught.value)


def test_status_missing_field():
    body = {key: value for key, value in STATUS.items() if key != "viewers"}

    with pytest.raises(ResponseFormatError) as caught:
        parse_response(StreamStatus, body, "GET /agent/stream/status")

    assert caught.value.field == "viewers"
    assert "Field required" in caught.value.reason


def test_nested_field_path():
    body = {"trades": [TRADE, {**TRADE, "is_buy": "no"}]}

    with pytest.raises(ResponseFormatError) as caught:
        parse_response(TradePage, body, "GET /trades/recent/")

    assert caught.value.field == "trades[1].is_buy"


def test_invalid_json_body():
    with pytest.raises(ResponseFormatError) as caught:
        parse_response(StreamStatus, b"<html>502 Bad Gateway</html>", "GET /agent/stream/status")

    assert caught.value.field == "(body)"
    assert "not valid JSON" in str(caught.value)


def test_secrets_hidden_in_reprs():
    registration = parse_response(
        Registration,
        {
            "access_token": "rtk_secret_value",
            "agent_id": "a1",
            "userDbId": "u1",
            "wallet_address": "W",
            "token_address": "",
            "token_ticker": "",
        },
        "POST /agent/register",
    )
    rtmp = parse_response(
        RtmpCredentials, {"url": "rtmps://127.0.0.1/live", "key": "sk_secret"}, "POST /agent/rtmp"
    )
    join = parse_response(SessionJoin, {"token": "jwt.secret.x", "url": "wss://x"}, "GET /join")

    for model, secret in ((registration, "rtk_secret_value"), (rtmp, "sk_secret"), (join, "jwt")):
        assert secret not in repr(model)
        assert secret not in str(model)
    assert registration.access_token.get_secret_value() == "rtk_secret_value"
    assert rtmp.push_url() == "rtmps://127.0.0.1/live/sk_secret"


def test_rtmp_error_hides_key():
    with pytest.raises(ResponseFormatError) as caught:
        parse_response(RtmpCredentials, {"url": ["x"], "key": "sk_secret"}, "POST /agent/rtmp")

    assert "sk_secret" not in str(caught.value)
    assert "sk_secret" not in repr(caught.value)


MESSAGE_EVENT = {
    "type": "tip",
    "session_id": "s1",
    "streamer_id": "u1",
    "sender_user_id": "v1",
    "sender_username": "viewer",
    "text": "",
    "timestamp": str(AT_MS),
    "tip_data": {"receiver_id": "u1", "amount": 1.5, "tx_hash": "h"},
}


@pytest.mark.parametrize(
    ("event", "payload", "model"),
    [
        ("message", MESSAGE_EVENT, ChatMessageEvent),
        ("pinned", {"pinned": True, "message": MESSAGE_EVENT}, PinnedEvent),
        ("pinned", {"pinned": False, "message": None}, PinnedEvent),
        (
            "tip_received",
            {
                "receiver_id": "u1",
                "sender_user_id": "v1",
                "sender_username": "viewer",
                "amount": 2,
                "tx_hash": "h",
                "timestamp": str(AT_MS),
            },
            TipReceivedEvent,
        ),
        (
            "newtrade",
            {"address": "T1", "action": "buy", "usdAmount": 12.5, "tokenTicker": "ALPHA"},
            NewTradeEvent,
        ),
        (
            "session_started",
            {"streamer_id": "u1", "session_id": "s1", "username": "alpha", "title": "hi"},
            SessionStartedEvent,
        ),
        (
            "user_followed",
            {"streamer_id": "u1", "follower_id": "v1", "follower_username": "viewer"},
            UserFollowedEvent,
        ),
        (
            "rawtrade",
            {
                "signature": "sig",
                "mint": "T1",
                "trader": "W1",
                "is_buy": False,
                "sol_amount": 0.5,
                "token_amount": 1000,
                "timestamp": str(AT_MS),
            },
            RawTradeEvent,
        ),
    ],
)
def test_event_models(event: str, payload: dict[str, Any], model: type):
    parsed = parse_event(event, payload)

    assert isinstance(parsed, model)
    assert event == model.EVENT  # type: ignore[attr-defined]


def test_message_event_fields():
    parsed = parse_event("message", MESSAGE_EVENT)

    assert isinstance(parsed, ChatMessageEvent)
    assert parsed.timestamp == AT
    assert parsed.tip_data is not None
    assert parsed.tip_data.amount == 1.5


def test_event_malformed_payload():
    with pytest.raises(ResponseFormatError) as caught:
        parse_event("newtrade", {"address": "T1", "action": "buy", "usdAmount": "lots"})

    assert caught.value.field == "usdAmount"
    assert "Socket.IO event 'newtrade'" in str(caught.value)
