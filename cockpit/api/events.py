"""Typed models of the Socket.IO events the platform sends, and `parse_event`.

Each model names its Socket.IO event in ``EVENT``. `ConnectionChanged` is not
a platform event: the realtime client emits it when the connection goes up or down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pydantic import AliasChoices, Field, ValidationError

from cockpit.api._base import BODY, ApiModel, Flag, Identifier, Number, Timestamp, format_error
from cockpit.api.errors import ResponseFormatError
from cockpit.api.public_models import TipData, TradeData


class ChatMessageEvent(ApiModel):
    """A chat message, tip or trade in a stream (event ``message``, room ``{streamer_id}``).

    ``type`` is ``message``, ``tip`` or ``trade``. Tips carry ``tip_data`` and
    trades ``trade_data``. Chat messages carry no message id.
    """

    EVENT: ClassVar[str] = "message"

    type: str = "message"
    session_id: Identifier | None = None
    streamer_id: Identifier
    sender_user_id: Identifier | None = None
    sender_username: str | None = None
    text: str = ""
    timestamp: Timestamp
    tip_data: TipData | None = None
    trade_data: TradeData | None = None


class PinnedEvent(ApiModel):
    """A message was pinned, or unpinned when ``pinned`` is false.

    The room is ``{streamer_id}/{session_id}``.
    """

    EVENT: ClassVar[str] = "pinned"

    pinned: Flag
    message: ChatMessageEvent | None = None


class TipReceivedEvent(ApiModel):
    """The streamer ``receiver_id`` was tipped (room ``live_{receiver_id}``)."""

    EVENT: ClassVar[str] = "tip_received"

    receiver_id: Identifier
    sender_user_id: Identifier | None = None
    sender_username: str | None = None
    amount: Number
    tx_hash: str | None = None
    timestamp: Timestamp | None = None


class NewTradeEvent(ApiModel):
    """A token was bought or sold (rooms ``trades`` and ``trades_{tokenAddress}``).

    ``action`` is ``buy`` or ``sell``, and ``usd_amount`` is in USD.
    """

    EVENT: ClassVar[str] = "newtrade"

    address: str
    action: str
    usd_amount: Number = Field(validation_alias=AliasChoices("usdAmount", "usd_amount"))
    token_ticker: str | None = Field(
        None, validation_alias=AliasChoices("tokenTicker", "token_ticker")
    )


class SessionStartedEvent(ApiModel):
    """A streamer went live (room ``live_{streamer_id}``)."""

    EVENT: ClassVar[str] = "session_started"

    streamer_id: Identifier
    session_id: Identifier
    username: str | None = None
    title: str | None = None


class UserFollowedEvent(ApiModel):
    """Someone followed the streamer (room ``live_{streamer_id}``)."""

    EVENT: ClassVar[str] = "user_followed"

    streamer_id: Identifier
    follower_id: Identifier
    follower_username: str | None = None


class RawTradeEvent(ApiModel):
    """Raw on-chain trade data (room ``trades``). ``mint`` is the token address."""

    EVENT: ClassVar[str] = "rawtrade"

    signature: str
    mint: str
    trader: str
    is_buy: Flag
    sol_amount: Number
    token_amount: Number
    timestamp: Timestamp | None = None


@dataclass(frozen=True)
class ConnectionChanged:
    """The realtime connection went up (``connected`` true) or down."""

    connected: bool
    reason: str = ""


PlatformEvent = (
    ChatMessageEvent
    | PinnedEvent
    | TipReceivedEvent
    | NewTradeEvent
    | SessionStartedEvent
    | UserFollowedEvent
    | RawTradeEvent
)
"""Any event sent by the platform."""

RealtimeEvent = PlatformEvent | ConnectionChanged
"""Anything the realtime client delivers."""

EVENT_MODELS: dict[str, type[PlatformEvent]] = {
    model.EVENT: model
    for model in (
        ChatMessageEvent,
        PinnedEvent,
        TipReceivedEvent,
        NewTradeEvent,
        SessionStartedEvent,
        UserFollowedEvent,
        RawTradeEvent,
    )
}
"""The model of each Socket.IO event name the client listens to."""


def parse_event(event: str, payload: object) -> PlatformEvent:
    """Validate the payload of the Socket.IO event ``event``.

    Raises:
        ResponseFormatError: the payload is invalid, naming the event and the field.
        KeyError: ``event`` is not one of EVENT_MODELS.
    """
    model = EVENT_MODELS[event]
    source = f"the Socket.IO event {event!r}"
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise format_error(error, source, "payload") from None
    except RecursionError:
        raise ResponseFormatError(source, BODY, "it is nested too deeply", "payload") from None
