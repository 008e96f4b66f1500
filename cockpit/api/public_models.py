"""Response models of the public endpoints: users, sessions, tokens, trades and chat.

List endpoints are accepted both as the documented object (``{"users": [...]}``)
and as a bare list. Enumerations such as a session's ``status`` stay plain
strings, so that a value the platform adds later does not break a whole list.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, RootModel, SecretStr, model_validator

from cockpit.api._base import (
    ApiModel,
    Flag,
    Identifier,
    Integer,
    Number,
    Timestamp,
    unwrap_list,
    wrap_bare_list,
)

# Users


class UserSummary(ApiModel):
    """A user as listed by ``/users/search/:query`` and ``/users/newest/``."""

    user_id: Identifier
    username: str
    profile_picture_url: str | None = None
    wallet_address: str | None = None


class LiveUser(ApiModel):
    """A live streamer as listed by ``/users/live/``."""

    user_id: Identifier
    username: str
    ticker: str | None = None
    token_address: str | None = None
    market_cap: Number | None = None
    rank: Integer | None = None


class UserMetadata(ApiModel):
    """A user's profile from ``/users/metadata/:user_id``."""

    user_id: Identifier | None = None
    username: str
    bio: str | None = None
    wallet_address: str | None = None
    # The platform does not document the shape of one link, so items are kept as sent.
    social_links: list[Any] = Field(default_factory=list)
    profile_picture_url: str | None = None


class UserList(RootModel[list[UserSummary]]):
    """Users of ``/users/search/:query`` and ``/users/newest/``."""

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: object) -> object:
        return unwrap_list(data, "users")


class LiveUserList(RootModel[list[LiveUser]]):
    """Live streamers of ``/users/live/``."""

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: object) -> object:
        return unwrap_list(data, "users")


# Sessions


class SessionStreamer(ApiModel):
    """The streamer summary inside a session item."""

    username: str | None = None
    profile_picture_url: str | None = None


class Recording(ApiModel):
    """The recording file of a session."""

    url: str
    format: str | None = None
    size_bytes: Integer | None = None


class Session(ApiModel):
    """A stream session, whose ``status`` is ``live``, ``ended`` or ``scheduled``.

    Recorded sessions also carry ``ended_at``, ``duration_seconds`` and ``recording``.
    """

    session_id: Identifier
    streamer_id: Identifier
    title: str | None = None
    status: str | None = None
    started_at: Timestamp | None = None
    streamer: SessionStreamer | None = None
    ended_at: Timestamp | None = None
    duration_seconds: Number | None = None
    recording: Recording | None = None


class ScheduledSession(ApiModel):
    """An upcoming session of ``/sessions/scheduled/``."""

    session_id: Identifier
    streamer_id: Identifier
    title: str | None = None
    scheduled_for: Timestamp


class SessionList(RootModel[list[Session]]):
    """Sessions of ``/sessions/active/`` and ``/sessions/recorded/``."""

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: object) -> object:
        return unwrap_list(data, "sessions")


class ScheduledSessionList(RootModel[list[ScheduledSession]]):
    """Sessions of ``/sessions/scheduled/``."""

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: object) -> object:
        return unwrap_list(data, "sessions")


class ActiveSession(ApiModel):
    """The active session of one agent, or None when it is not live."""

    session: Session | None = None

    @model_validator(mode="before")
    @classmethod
    def _wrap(cls, data: object) -> object:
        # Accept a bare session object and a bare null besides {"session": ...}.
        if data is None:
            return {"session": None}
        if isinstance(data, dict) and "session" not in data and "session_id" in data:
            return {"session": data}
        return data


class SessionJoin(ApiModel):
    """A LiveKit viewer token for one session, and the URL to use it with."""

    token: SecretStr
    url: str


class Streamer(ApiModel):
    """A streamer from ``/users/streamer/:identifier``, with the active session if live."""

    streamer_id: Identifier
    user_id: Identifier | None = None
    username: str
    ticker: str | None = None
    token_address: str | None = None
    is_live: Flag = False
    session: Session | None = None


# Tokens


class TopToken(ApiModel):
    """A token of the market-cap leaderboard ``/tokens/top/``."""

    user_id: Identifier | None = None
    name: str | None = None
    ticker: str
    address: str
    current_market_cap: Number | None = None
    rank: Integer | None = None


class TrendingToken(ApiModel):
    """A token of ``/tokens/trending/``, with ``growth_24h`` in percent."""

    username: str | None = None
    token_ticker: str
    growth_24h: Number | None = None
    market_cap: Number | None = None


class TopTokenList(RootModel[list[TopToken]]):
    """Tokens of ``/tokens/top/``."""

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: object) -> object:
        return unwrap_list(data, "tokens")


class TrendingTokenList(RootModel[list[TrendingToken]]):
    """Tokens of ``/tokens/trending/``."""

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: object) -> object:
        return unwrap_list(data, "tokens")


class TokenGrowth(ApiModel):
    """Price growth in percent over the last 1, 6 and 24 hours."""

    h1: Number | None = Field(None, validation_alias=AliasChoices("1h", "h1"))
    h6: Number | None = Field(None, validation_alias=AliasChoices("6h", "h6"))
    h24: Number | None = Field(None, validation_alias=AliasChoices("24h", "h24"))


class TokenTotals(ApiModel):
    """An amount in USD in all and over the last 24 hours."""

    total: Number | None = None
    h24: Number | None = Field(None, validation_alias=AliasChoices("24h", "h24"))


# Flat field names that some responses use in place of the nested growth, volume and earnings.
_FLAT_STATS = {
    "growth": {"1h": "growth_1h", "6h": "growth_6h", "24h": "growth_24h"},
    "volume": {"total": "volume_total", "24h": "volume_24h"},
    "earnings": {"total": "earnings_total", "24h": "earnings_24h"},
}


class TokenStats(ApiModel):
    """Market figures of one token from ``/tokens/:address/stats``, amounts in USD."""

    token_address: str | None = None
    ticker: str | None = None
    current_price: Number | None = None
    current_market_cap: Number | None = None
    all_time_high: Number | None = None
    growth: TokenGrowth = Field(default_factory=TokenGrowth)
    volume: TokenTotals = Field(default_factory=TokenTotals)
    earnings: TokenTotals = Field(default_factory=TokenTotals)

    @model_validator(mode="before")
    @classmethod
    def _nest_flat_fields(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        nested = dict(data)
        for group, names in _FLAT_STATS.items():
            if group in nested:
                if nested[group] is None:
                    nested[group] = {}
                continue
            found = {key: nested[flat] for key, flat in names.items() if flat in nested}
            if found:
                nested[group] = found
        return nested


# Trades


class Trade(ApiModel):
    """One trade. For a buy the trader is ``buyer_address``, for a sell ``seller_address``."""

    token_address: str
    buyer_address: str | None = None
    seller_address: str | None = None
    is_buy: Flag
    amount_in_usd: Number
    tx_hash: str | None = None
    token_ticker: str | None = None
    timestamp: Timestamp | None = None

    @property
    def trader_address(self) -> str | None:
        """The wallet of the trader, as opposed to the curve's pool."""
        return self.buyer_address if self.is_buy else self.seller_address


class TradePage(ApiModel):
    """Trades newest first. Pass ``next_cursor`` as ``cursor`` to get older ones."""

    trades: list[Trade]
    next_cursor: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _wrap(cls, data: object) -> object:
        return wrap_bare_list(data, "trades")


class TokenActivity(ApiModel):
    """A token ranked by trade volume or number of trades."""

    token_address: str
    token_ticker: str | None = None
    volume_usd: Number | None = None
    trade_count: Integer | None = None


class TokenActivityRanking(ApiModel):
    """Tokens of ``/trades/top-volume/`` or ``/trades/top-count/`` over ``window`` (such as 24h)."""

    tokens: list[TokenActivity]
    window: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _wrap(cls, data: object) -> object:
        return wrap_bare_list(data, "tokens")


# Chat


class TipData(ApiModel):
    """Details of a tip."""

    receiver_id: Identifier | None = None
    amount: Number | None = None
    tx_hash: str | None = None


class TradeData(ApiModel):
    """Details of a trade shown in chat, whose ``type`` is ``buy`` or ``sell``."""

    amount: Number | None = None
    type: str | None = None
    tx_hash: str | None = None


class ChatItem(ApiModel):
    """One item of a stream's public chat, whose ``type`` is ``message``, ``tip`` or ``trade``."""

    chat_event_id: Identifier
    sender_username: str | None = None
    sender_user_id: Identifier | None = None
    text: str = ""
    type: str = "message"
    tip_data: TipData | None = None
    trade_data: TradeData | None = None
    timestamp: Timestamp


class ChatPage(ApiModel):
    """Chat items newest first.

    ``has_more`` is None when the response does not include it. Page on with the
    oldest item's ``chat_event_id`` as ``before_chat_event_id``.
    """

    chats: list[ChatItem]
    has_more: Flag | None = None

    @model_validator(mode="before")
    @classmethod
    def _wrap(cls, data: object) -> object:
        return wrap_bare_list(data, "chats")


class Tipper(ApiModel):
    """A top tipper of a streamer."""

    user_id: Identifier
    username: str | None = None
    total_amount: Number
    tip_count: Integer
    rank: Integer | None = None


class TipperList(RootModel[list[Tipper]]):
    """Tippers of ``/chat/top-tippers``."""

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: object) -> object:
        return unwrap_list(data, "tippers")
