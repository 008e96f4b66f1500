"""Hostile input to every response model and event model: only ResponseFormatError may escape.

Hypothesis feeds random JSON values, raw bytes, and valid responses with
fields replaced by wrong types, huge strings, control characters or removed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.api.errors import ResponseFormatError
from cockpit.api.events import EVENT_MODELS, parse_event
from cockpit.api.models import RESPONSE_MODELS, parse_response

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=50),
    st.sampled_from(["\u202e", "\x1b[31m", "\x00", "9" * 5000, "x" * 100_000, "NaN", "-1e309"]),
)
EXTREME_NUMBERS = st.sampled_from([10**30, -(10**20), 2**63, -(2**63) - 1, 1e308, -0.0, 10**400])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    EXTREME_NUMBERS,
    st.floats(allow_nan=True, allow_infinity=True),
    HOSTILE_TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(st.text(max_size=10), HOSTILE_TEXT), children, max_size=5),
    ),
    max_leaves=25,
)

ISO = "2025-02-01T14:20:00Z"
VALID_BODIES: dict[str, Any] = {
    "Registration": {
        "access_token": "rtk_x",
        "agent_id": "a",
        "userDbId": "u",
        "wallet_address": "w",
        "token_address": "",
        "token_ticker": "",
    },
    "RtmpCredentials": {"url": "rtmps://127.0.0.1/live", "key": "sk_x"},
    "StreamStart": {
        "success": True,
        "token": {"name": "n", "ticker": "T", "imageUrl": "i", "tokenAddress": "a"},
    },
    "StreamStatus": {
        "is_live": True,
        "viewers": 1,
        "uptime_seconds": 2,
        "token_address": "t",
        "userDbId": "u",
    },
    "StreamStop": {"status": "stopped", "duration_seconds": 5, "viewers": 1},
    "ThumbnailUpload": {"message": "ok", "thumbnail_url": "http://x/t.png"},
    "ChatSendResult": {"success": True},
    "SkillInfo": {"name": "retake", "version": "2.0.0"},
    "CommentList": {
        "comments": [
            {
                "_id": "c",
                "streamId": "u",
                "text": "t",
                "timestamp": ISO,
                "author": {"walletAddress": "w", "fusername": "f", "fid": 1, "favatar": "a"},
            }
        ]
    },
    "UserList": {"users": [{"user_id": "u", "username": "n"}]},
    "LiveUserList": {"users": [{"user_id": "u", "username": "n", "market_cap": 1, "rank": 1}]},
    "UserMetadata": {"user_id": "u", "username": "n", "bio": "b", "social_links": []},
    "Streamer": {"streamer_id": "u", "username": "n", "is_live": False, "session": None},
    "SessionList": {
        "sessions": [{"session_id": "s", "streamer_id": "u", "status": "live", "started_at": ISO}]
    },
    "ScheduledSessionList": {
        "sessions": [{"session_id": "s", "streamer_id": "u", "scheduled_for": ISO}]
    },
    "ActiveSession": {"session": {"session_id": "s", "streamer_id": "u"}},
    "SessionJoin": {"token": "jwt", "url": "wss://x"},
    "TopTokenList": {"tokens": [{"ticker": "T", "address": "a", "current_market_cap": 1}]},
    "TrendingTokenList": {"tokens": [{"token_ticker": "T", "growth_24h": 1}]},
    "TokenStats": {
        "token_address": "a",
        "current_price": 1,
        "growth": {"1h": 1, "6h": 2, "24h": 3},
        "volume": {"total": 1, "24h": 1},
        "earnings": {"total": 1, "24h": 1},
    },
    "TradePage": {
        "trades": [{"token_address": "a", "is_buy": True, "amount_in_usd": 1, "timestamp": ISO}],
        "next_cursor": None,
    },
    "TokenActivityRanking": {"tokens": [{"token_address": "a", "volume_usd": 1}], "window": "24h"},
    "ChatPage": {
        "chats": [{"chat_event_id": "c", "text": "t", "type": "tip", "timestamp": 1}],
        "has_more": False,
    },
    "TipperList": {"tippers": [{"user_id": "u", "total_amount": 1, "tip_count": 1}]},
}

MODELS = {model.__name__: model for model in RESPONSE_MODELS}


def test_every_model_has_valid_body():
    assert set(VALID_BODIES) == set(MODELS)
    for name, body in VALID_BODIES.items():
        parse_response(MODELS[name], body, f"GET /{name}")


def _mutations(body: Any) -> st.SearchStrategy[Any]:
    """Bodies derived from ``body`` with one key, at any depth, replaced or removed."""
    if isinstance(body, dict) and body:
        key = st.sampled_from(sorted(body))
        replaced = st.tuples(key, st.one_of(JSON_VALUES, _deeper(body))).map(
            lambda pair: {**body, pair[0]: pair[1]}
        )
        removed = key.map(lambda name: {k: v for k, v in body.items() if k != name})
        return st.one_of(replaced, removed)
    if isinstance(body, list) and body:
        return st.one_of(_mutations(body[0]).map(lambda item: [item]), JSON_VALUES)
    return JSON_VALUES


def _scrambled(body: Any) -> st.SearchStrategy[Any]:
    """Bodies shaped like ``body`` in which any number of leaves became hostile scalars."""
    if isinstance(body, dict):
        return st.fixed_dictionaries({key: _scrambled(value) for key, value in body.items()})
    if isinstance(body, list):
        return st.lists(_scrambled(body[0]), max_size=3) if body else st.just([])
    return st.one_of(st.just(body), SCALARS)


def _deeper(body: dict[str, Any]) -> st.SearchStrategy[Any]:
    nested = [value for value in body.values() if isinstance(value, dict | list) and value]
    if not nested:
        return JSON_VALUES
    return st.sampled_from(nested).flatmap(_mutations)


def _only_format_errors(model: Any, body: Any) -> None:
    try:
        parse_response(model, body, "GET /fuzz")
    except ResponseFormatError as error:
        assert "GET /fuzz" in str(error)


@pytest.mark.parametrize("name", sorted(MODELS))
@FUZZ
@given(data=st.data())
def test_random_json_values(name: str, data: st.DataObject):
    _only_format_errors(MODELS[name], data.draw(JSON_VALUES))


@pytest.mark.parametrize("name", sorted(MODELS))
@FUZZ
@given(data=st.data())
def test_mutated_valid_bodies(name: str, data: st.DataObject):
    body = data.draw(_mutations(VALID_BODIES[name]))
    _only_format_errors(MODELS[name], body)
    # The same body as raw JSON bytes goes through decoding first.
    try:
        raw = json.dumps(body).encode()
    except (ValueError, RecursionError):
        return
    _only_format_errors(MODELS[name], raw)


@pytest.mark.parametrize("name", sorted(MODELS))
@FUZZ
@given(data=st.data())
def test_scrambled_valid_bodies(name: str, data: st.DataObject):
    _only_format_errors(MODELS[name], data.draw(_scrambled(VALID_BODIES[name])))


@pytest.mark.parametrize("name", sorted(MODELS))
@FUZZ
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_random_bytes(name: str, raw: bytes):
    _only_format_errors(MODELS[name], raw)


def test_deeply_nested_body():
    raw = b"[" * 100_000 + b"]" * 100_000
    for model in RESPONSE_MODELS:
        with pytest.raises(ResponseFormatError):
            parse_response(model, raw, "GET /deep")


@pytest.mark.parametrize("event", sorted(EVENT_MODELS))
@FUZZ
@given(payload=JSON_VALUES)
def test_random_event_payloads(event: str, payload: Any):
    try:
        parse_event(event, payload)
    except ResponseFormatError as error:
        assert event in str(error)
