"""Turn the API client's models into feed items."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

from cockpit.api.events import ChatMessageEvent, NewTradeEvent
from cockpit.api.models import ChatItem as ApiChatItem
from cockpit.api.models import Comment, StreamStatus, TokenStats, Trade
from cockpit.feeds.events import ChatItem, ChatKind, StatsItem, StatusItem, TradeItem
from cockpit.feeds.identity import AgentIdentity

_CHAT_KINDS: frozenset[str] = frozenset({"message", "tip", "trade"})


def new_local_id(prefix: str) -> str:
    """Return a new local id such as ``c-1f3a9b0c5d7e4f21``, unique within any store."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def _epoch(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else time.time()


def _chat_kind(value: str | None) -> ChatKind:
    return value if value in _CHAT_KINDS else "message"  # type: ignore[return-value]


def chat_from_comment(comment: Comment, identity: AgentIdentity) -> ChatItem:
    """Build a chat item from a comment of ``/agent/stream/comments`` (either shape)."""
    author = comment.author
    return ChatItem(
        id=new_local_id("c"),
        platform_id=comment.id,
        streamer_id=comment.streamer_id,
        session_id=comment.session_id,
        text=comment.text,
        kind=_chat_kind(comment.type),
        at=_epoch(comment.timestamp),
        author_name=author.username or author.display_name,
        author_user_id=author.user_id,
        author_wallet=author.wallet,
        own=identity.is_author(author.user_id, author.username, author.wallet),
        source="poll",
    )


def chat_from_history(item: ApiChatItem, streamer_id: str, identity: AgentIdentity) -> ChatItem:
    """Build a chat item from an item of the public ``/chat/`` endpoint."""
    return ChatItem(
        id=new_local_id("c"),
        platform_id=item.chat_event_id,
        streamer_id=streamer_id,
        text=item.text,
        kind=_chat_kind(item.type),
        at=_epoch(item.timestamp),
        author_name=item.sender_username,
        author_user_id=item.sender_user_id,
        amount_usd=_amount(item.tip_data, item.trade_data),
        own=identity.is_author(item.sender_user_id, item.sender_username, None),
        source="poll",
    )


def chat_from_socket(event: ChatMessageEvent, identity: AgentIdentity) -> ChatItem:
    """Build a chat item from a Socket.IO ``message`` event, which carries no message id."""
    return ChatItem(
        id=new_local_id("c"),
        streamer_id=event.streamer_id,
        session_id=event.session_id,
        text=event.text,
        kind=_chat_kind(event.type),
        at=_epoch(event.timestamp),
        author_name=event.sender_username,
        author_user_id=event.sender_user_id,
        amount_usd=_amount(event.tip_data, event.trade_data),
        own=identity.is_author(event.sender_user_id, event.sender_username, None),
        source="socket",
    )


def _amount(tip_data: object, trade_data: object) -> float | None:
    for data in (tip_data, trade_data):
        amount = getattr(data, "amount", None)
        if amount is not None:
            return float(amount)
    return None


def trade_from_poll(trade: Trade) -> TradeItem:
    """Build a trade item from an item of ``/trades/recent/:token_address/``."""
    return TradeItem(
        id=new_local_id("t"),
        token_address=trade.token_address,
        ticker=trade.token_ticker,
        is_buy=trade.is_buy,
        amount_usd=trade.amount_in_usd,
        wallet=trade.trader_address,
        tx_hash=trade.tx_hash,
        at=_epoch(trade.timestamp),
        source="poll",
    )


def trade_from_socket(event: NewTradeEvent, received_at: float) -> TradeItem:
    """Build a trade item from a ``newtrade`` event, timed at its arrival because it has no time."""
    return TradeItem(
        id=new_local_id("t"),
        token_address=event.address,
        ticker=event.token_ticker,
        is_buy=event.action.casefold() == "buy",
        amount_usd=event.usd_amount,
        at=received_at,
        source="socket",
    )


def stats_item(stats: TokenStats, token_address: str, at: float) -> StatsItem:
    """Build a stats snapshot from ``/tokens/:address/stats``."""
    return StatsItem(
        token_address=stats.token_address or token_address,
        ticker=stats.ticker,
        price=stats.current_price,
        market_cap=stats.current_market_cap,
        all_time_high=stats.all_time_high,
        growth_1h=stats.growth.h1,
        growth_6h=stats.growth.h6,
        growth_24h=stats.growth.h24,
        volume_total=stats.volume.total,
        volume_24h=stats.volume.h24,
        earnings_total=stats.earnings.total,
        earnings_24h=stats.earnings.h24,
        at=at,
    )


def status_item(status: StreamStatus, at: float) -> StatusItem:
    """Build a status item from ``/agent/stream/status``."""
    return StatusItem(
        is_live=status.is_live,
        viewers=status.viewers,
        uptime_seconds=status.uptime_seconds,
        at=at,
    )
