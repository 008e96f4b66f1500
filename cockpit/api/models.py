"""Response models of every endpoint, and the one parse entry point `parse_response`.

Agent endpoint and comment models live here. The public endpoint models live in
`cockpit.api.public_models` and are re-exported. Secrets (the access token, the
RTMP key, a LiveKit viewer token) are `SecretStr` fields, so reprs show stars.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, RootModel, SecretStr, model_validator

from cockpit.api._base import (
    ApiModel,
    Flag,
    Identifier,
    Integer,
    Timestamp,
    field_path,
    format_error,
    parse_response,
    unwrap_list,
)
from cockpit.api.public_models import (
    ActiveSession,
    ChatItem,
    ChatPage,
    LiveUser,
    LiveUserList,
    Recording,
    ScheduledSession,
    ScheduledSessionList,
    Session,
    SessionJoin,
    SessionList,
    SessionStreamer,
    Streamer,
    TipData,
    Tipper,
    TipperList,
    TokenActivity,
    TokenActivityRanking,
    TokenGrowth,
    TokenStats,
    TokenTotals,
    TopToken,
    TopTokenList,
    Trade,
    TradeData,
    TradePage,
    TrendingToken,
    TrendingTokenList,
    UserList,
    UserMetadata,
    UserSummary,
)

# Agent endpoints


class Registration(ApiModel):
    """The new agent's credentials from ``POST /agent/register``.

    ``token_address`` and ``token_ticker`` stay empty until the first stream start.
    """

    access_token: SecretStr
    agent_id: Identifier
    user_db_id: Identifier = Field(validation_alias=AliasChoices("userDbId", "user_db_id"))
    wallet_address: str
    token_address: str = ""
    token_ticker: str = ""


class RtmpCredentials(ApiModel):
    """Fresh ingest credentials from ``POST /agent/rtmp``. A new call invalidates the key."""

    url: str
    key: SecretStr

    def push_url(self) -> str:
        """Return ``url/key``, the address the encoder pushes to.

        The result contains the key in clear text: pass it only to the encoder, never to a log.
        """
        return f"{self.url.rstrip('/')}/{self.key.get_secret_value()}"


class StreamToken(ApiModel):
    """The agent's token as reported by ``POST /agent/stream/start``."""

    name: str | None = None
    ticker: str | None = None
    image_url: str | None = Field(None, validation_alias=AliasChoices("imageUrl", "image_url"))
    token_address: str | None = Field(
        None, validation_alias=AliasChoices("tokenAddress", "token_address")
    )
    token_type: str | None = Field(None, validation_alias=AliasChoices("tokenType", "token_type"))


class StreamStart(ApiModel):
    """The result of ``POST /agent/stream/start``."""

    success: Flag
    token: StreamToken | None = None


class StreamStatus(ApiModel):
    """The agent's stream state from ``GET /agent/stream/status``."""

    is_live: Flag
    viewers: Integer
    uptime_seconds: Integer
    token_address: str | None = None
    user_db_id: Identifier | None = Field(
        None, validation_alias=AliasChoices("userDbId", "user_db_id")
    )


class StreamStop(ApiModel):
    """The stats returned by ``POST /agent/stream/stop``."""

    status: str
    duration_seconds: Integer
    viewers: Integer


class ThumbnailUpload(ApiModel):
    """The result of ``POST /agent/update-thumbnail``."""

    message: str | None = None
    thumbnail_url: str


class ChatSendResult(ApiModel):
    """The result of ``POST /agent/stream/chat/send``, which carries no message id."""

    success: Flag


class SkillInfo(ApiModel):
    """The platform's skill metadata from ``<origin>/skill.json``."""

    name: str
    version: str
    description: str | None = None


# Comments


class CommentAuthor(ApiModel):
    """The author of a comment. Each field is None when the response did not include it."""

    user_id: Identifier | None = None
    username: str | None = Field(None, validation_alias=AliasChoices("username", "fusername"))
    display_name: str | None = None
    wallet: str | None = Field(None, validation_alias=AliasChoices("wallet", "walletAddress"))
    fid: Integer | None = None
    avatar: str | None = Field(None, validation_alias=AliasChoices("avatar", "favatar"))


# Sender fields of the flat comment shape, and the CommentAuthor field each one fills.
_FLAT_AUTHOR_FIELDS = {
    "sender_user_id": "user_id",
    "sender_username": "username",
    "sender_display_name": "display_name",
    "sender_wallet_address": "wallet",
    "sender_pfp": "avatar",
}


class Comment(ApiModel):
    """One comment of ``GET /agent/stream/comments``, in one shape whatever the response's shape.

    Two shapes are read. The documented one has ``_id``, ``streamId``, an ISO
    timestamp and a nested ``author`` (``walletAddress``, ``fusername``, ``fid``,
    ``favatar``). The chat-event one has ``chat_event_id``, ``streamer_id``,
    epoch-millisecond timestamps and flat ``sender_*`` fields.
    """

    id: Identifier = Field(validation_alias=AliasChoices("id", "_id", "chat_event_id"))
    streamer_id: Identifier = Field(validation_alias=AliasChoices("streamer_id", "streamId"))
    text: str
    timestamp: Timestamp
    author: CommentAuthor = Field(default_factory=CommentAuthor)
    session_id: Identifier | None = None
    type: str = "message"

    @model_validator(mode="before")
    @classmethod
    def _nest_author(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        if data.get("author", ...) is None:
            return {**data, "author": {}}
        if "author" in data:
            return data
        author = {name: data[flat] for flat, name in _FLAT_AUTHOR_FIELDS.items() if flat in data}
        return {**data, "author": author}


class CommentList(RootModel[list[Comment]]):
    """Comments newest first, from a bare list or a ``comments`` or ``messages`` object."""

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: object) -> object:
        return unwrap_list(data, "comments", "messages")


RESPONSE_MODELS: tuple[type[ApiModel] | type[RootModel], ...] = (  # type: ignore[type-arg]
    Registration,
    RtmpCredentials,
    StreamStart,
    StreamStatus,
    StreamStop,
    ThumbnailUpload,
    ChatSendResult,
    SkillInfo,
    CommentList,
    UserList,
    LiveUserList,
    UserMetadata,
    Streamer,
    SessionList,
    ScheduledSessionList,
    ActiveSession,
    SessionJoin,
    TopTokenList,
    TrendingTokenList,
    TokenStats,
    TradePage,
    TokenActivityRanking,
    ChatPage,
    TipperList,
)
"""Every model a response body is parsed into, for tests that feed them hostile input."""

__all__ = [
    "RESPONSE_MODELS",
    "ActiveSession",
    "ChatItem",
    "ChatPage",
    "ChatSendResult",
    "Comment",
    "CommentAuthor",
    "CommentList",
    "LiveUser",
    "LiveUserList",
    "Recording",
    "Registration",
    "RtmpCredentials",
    "ScheduledSession",
    "ScheduledSessionList",
    "Session",
    "SessionJoin",
    "SessionList",
    "SessionStreamer",
    "SkillInfo",
    "StreamStart",
    "StreamStatus",
    "StreamStop",
    "StreamToken",
    "Streamer",
    "ThumbnailUpload",
    "TipData",
    "Tipper",
    "TipperList",
    "TokenActivity",
    "TokenActivityRanking",
    "TokenGrowth",
    "TokenStats",
    "TokenTotals",
    "TopToken",
    "TopTokenList",
    "Trade",
    "TradeData",
    "TradePage",
    "TrendingToken",
    "TrendingTokenList",
    "UserList",
    "UserMetadata",
    "UserSummary",
    "field_path",
    "format_error",
    "parse_response",
]
