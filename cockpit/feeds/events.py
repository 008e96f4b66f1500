"""Typed feed events: what the feeds publish, as frozen dataclasses that round-trip through JSON.

Each class names its event type in ``EVENT_KIND`` (``chat``, ``trade``, ...),
which `to_json` writes under the key ``"event"`` and `event_from_json` reads
back. The name ``kind`` is not used for this because `ChatItem.kind` (message,
tip or trade) and `Alert.kind` (the alert's rule) are fields of their own.

Items that can change after they were first published (a chat item seen again
through the other path, a trade that gains its transaction hash) keep their
``id``: a consumer replaces the earlier item with the same ``id``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Self, TypeAlias

ChatKind = Literal["message", "tip", "trade"]
Source = Literal["socket", "poll", "both"]
SendState = Literal["queued", "sending", "sent", "failed", "unknown"]
Severity = Literal["info", "warning", "critical"]


class _JsonEvent:
    """JSON conversion shared by every event class."""

    __slots__ = ()
    EVENT_KIND: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        """Return the event as a JSON-compatible dict, with its type under ``"event"``."""
        data = dataclasses.asdict(self)  # type: ignore[call-overload]
        data["event"] = self.EVENT_KIND
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Build the event from the dict `to_json` returned.

        Raises:
            ValueError: ``data`` names another event type or lacks a required field.
        """
        event = data.get("event", cls.EVENT_KIND)
        if event != cls.EVENT_KIND:
            raise ValueError(
                f"The event type {event!r} is not {cls.EVENT_KIND!r}; "
                "read it with event_from_json instead."
            )
        names = {item.name for item in dataclasses.fields(cls)}  # type: ignore[arg-type]
        values = {name: value for name, value in data.items() if name in names}
        try:
            return cls(**values)
        except TypeError as error:
            raise ValueError(f"The {cls.EVENT_KIND!r} event is incomplete: {error}.") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatItem(_JsonEvent):
    """One chat message, tip or trade in a stream's chat.

    ``id`` is a local id that stays the same when the item is updated.
    ``platform_id`` is the platform's id once a poll has seen the item (the
    socket payload carries none). ``text`` is the original text, unsanitised:
    pass it through `display_safe` before showing it. ``at`` is the platform's
    time of the item in epoch seconds. ``own`` marks messages sent by this
    agent. ``source`` names the path that reported it: the socket, a poll or both.
    """

    EVENT_KIND: ClassVar[str] = "chat"

    id: str
    streamer_id: str
    text: str
    at: float
    kind: ChatKind = "message"
    platform_id: str | None = None
    session_id: str | None = None
    author_name: str | None = None
    author_user_id: str | None = None
    author_wallet: str | None = None
    amount_usd: float | None = None
    own: bool = False
    source: Source = "poll"


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeItem(_JsonEvent):
    """One buy or sell of a token, amounts in USD.

    Trades seen only through the socket have no ``wallet`` and no ``tx_hash``
    until a poll of the recent trades matches them.
    """

    EVENT_KIND: ClassVar[str] = "trade"

    id: str
    token_address: str
    is_buy: bool
    amount_usd: float
    at: float
    ticker: str | None = None
    wallet: str | None = None
    tx_hash: str | None = None
    source: Source = "poll"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatsItem(_JsonEvent):
    """A snapshot of the token's stats: price and amounts in USD, growth in percent."""

    EVENT_KIND: ClassVar[str] = "stats"

    token_address: str
    at: float
    ticker: str | None = None
    price: float | None = None
    market_cap: float | None = None
    all_time_high: float | None = None
    growth_1h: float | None = None
    growth_6h: float | None = None
    growth_24h: float | None = None
    volume_total: float | None = None
    volume_24h: float | None = None
    earnings_total: float | None = None
    earnings_24h: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusItem(_JsonEvent):
    """The agent's stream status as the platform reports it."""

    EVENT_KIND: ClassVar[str] = "status"

    is_live: bool
    viewers: int
    uptime_seconds: int
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowItem(_JsonEvent):
    """Someone followed the streamer ``streamer_id``."""

    EVENT_KIND: ClassVar[str] = "follow"

    streamer_id: str
    follower_id: str
    at: float
    follower_username: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionItem(_JsonEvent):
    """A stream session started or ended; ``session_id`` is None when the platform gave none."""

    EVENT_KIND: ClassVar[str] = "session"

    streamer_id: str
    state: Literal["started", "ended"]
    at: float
    session_id: str | None = None
    username: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SendUpdate(_JsonEvent):
    """A state of one message of the send queue.

    Every message ends in ``sent`` or ``failed``, or stays ``unknown`` until
    the chat is read back. ``reason`` explains why a message failed or is unknown.
    ``warning`` is set when the message was sent although it repeats an earlier one.
    """

    EVENT_KIND: ClassVar[str] = "send"

    message_id: str
    text: str
    destination: str
    state: SendState
    at: float
    reason: str = ""
    warning: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert(_JsonEvent):
    """Something the operator should know: ``kind`` names the rule that raised it."""

    EVENT_KIND: ClassVar[str] = "alert"

    kind: str
    severity: Severity
    message: str
    at: float
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedHealth(_JsonEvent):
    """The state of the feeds' connections.

    ``socket_connected`` is None when the feeds run without Socket.IO.
    ``last_poll_ok_at`` maps each poll feed to the epoch seconds of its last
    success, and ``consecutive_failures`` to its current run of failures.
    """

    EVENT_KIND: ClassVar[str] = "health"

    socket_connected: bool | None
    at: float
    last_poll_ok_at: dict[str, float] = field(default_factory=dict)
    consecutive_failures: dict[str, int] = field(default_factory=dict)
    last_error: str = ""


FeedEvent: TypeAlias = (
    ChatItem
    | TradeItem
    | StatsItem
    | StatusItem
    | FollowItem
    | SessionItem
    | SendUpdate
    | Alert
    | FeedHealth
)
"""Any event the feeds publish."""

EVENT_TYPES: dict[str, type[FeedEvent]] = {
    cls.EVENT_KIND: cls
    for cls in (
        ChatItem,
        TradeItem,
        StatsItem,
        StatusItem,
        FollowItem,
        SessionItem,
        SendUpdate,
        Alert,
        FeedHealth,
    )
}
"""The event class of each ``"event"`` value."""


def event_from_json(data: Mapping[str, Any]) -> FeedEvent:
    """Build the event that `to_json` turned into ``data``, by its ``"event"`` key.

    Raises:
        ValueError: the event type is unknown or a required field is missing.
    """
    kind = data.get("event")
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(
            f"The event type {kind!r} is unknown; expected one of {sorted(EVENT_TYPES)}."
        )
    return cls.from_json(data)
