"""JSON shapes of the items the public and agent endpoints return."""

from __future__ import annotations

from typing import Any

from cockpit.sim.market import TokenStats
from cockpit.sim.models import (
    Agent,
    ChatEvent,
    ScheduledSession,
    Session,
    Trade,
    User,
    epoch_ms,
    iso_z,
    iso_z_micros,
)


def user_item(user: User) -> dict[str, Any]:
    """Build an item of /users/search and /users/newest."""
    return {
        "user_id": user.user_id,
        "username": user.username,
        "profile_picture_url": user.profile_picture_url,
        "wallet_address": user.wallet_address,
    }


def metadata(user: User) -> dict[str, Any]:
    """Build the body of /users/metadata/:user_id."""
    return {
        "user_id": user.user_id,
        "username": user.username,
        "bio": user.bio,
        "wallet_address": user.wallet_address,
        "social_links": [],
        "profile_picture_url": user.profile_picture_url,
    }


def session_item(session: Session, streamer: Agent) -> dict[str, Any]:
    """Build a session item as /sessions/active/ lists it."""
    return {
        "session_id": session.session_id,
        "streamer_id": session.streamer_id,
        "title": session.title,
        "status": session.status,
        "started_at": iso_z(session.started_at),
        "streamer": {
            "username": streamer.name,
            "profile_picture_url": streamer.user.profile_picture_url,
        },
    }


def recorded_item(session: Session, streamer: Agent) -> dict[str, Any]:
    """Build an ended session item with its recording (null until an ingest records one)."""
    item = session_item(session, streamer)
    ended_at = session.ended_at if session.ended_at is not None else session.started_at
    recording = session.recording
    item.update(
        {
            "ended_at": iso_z(ended_at),
            "duration_seconds": int(ended_at - session.started_at),
            "recording": None
            if recording is None
            else {
                "url": recording.url,
                "format": recording.format,
                "size_bytes": recording.size_bytes,
            },
        }
    )
    return item


def scheduled_item(scheduled: ScheduledSession) -> dict[str, Any]:
    """Build an item of /sessions/scheduled/."""
    return {
        "session_id": scheduled.session_id,
        "streamer_id": scheduled.streamer_id,
        "title": scheduled.title,
        "scheduled_for": iso_z(scheduled.scheduled_for),
    }


def stats_body(address: str, ticker: str, stats: TokenStats, flat: bool) -> dict[str, Any]:
    """Build the body of /tokens/:address/stats, nested by default or with flat keys."""
    body: dict[str, Any] = {
        "token_address": address,
        "ticker": ticker,
        "current_price": stats.current_price,
        "current_market_cap": stats.current_market_cap,
        "all_time_high": stats.all_time_high,
    }
    if flat:
        body.update(
            {
                "growth_1h": stats.growth_1h,
                "growth_6h": stats.growth_6h,
                "growth_24h": stats.growth_24h,
                "volume_total": stats.volume_total,
                "volume_24h": stats.volume_24h,
                "earnings_total": stats.earnings_total,
                "earnings_24h": stats.earnings_24h,
            }
        )
        return body
    body.update(
        {
            "growth": {"1h": stats.growth_1h, "6h": stats.growth_6h, "24h": stats.growth_24h},
            "volume": {"total": stats.volume_total, "24h": stats.volume_24h},
            "earnings": {"total": stats.earnings_total, "24h": stats.earnings_24h},
        }
    )
    return body


def trade_item(trade: Trade) -> dict[str, Any]:
    """Build an item of /trades/recent/."""
    return {
        "token_address": trade.token_address,
        "buyer_address": trade.buyer_address,
        "seller_address": trade.seller_address,
        "is_buy": trade.is_buy,
        "amount_in_usd": trade.amount_in_usd,
        "tx_hash": trade.tx_hash,
        "token_ticker": trade.token_ticker,
        "timestamp": iso_z_micros(trade.at_micros),
    }


def chat_item(event: ChatEvent) -> dict[str, Any]:
    """Build an item of /chat/."""
    return {
        "chat_event_id": event.chat_event_id,
        "sender_username": event.sender.username,
        "sender_user_id": event.sender.user_id,
        "text": event.text,
        "type": event.type,
        "tip_data": event.tip_data,
        "trade_data": event.trade_data,
        "timestamp": epoch_ms(event.at),
    }


def comment_item(event: ChatEvent) -> dict[str, Any]:
    """Build an item of /agent/stream/comments in the documented shape."""
    return {
        "_id": event.chat_event_id,
        "streamId": event.streamer_id,
        "text": event.text,
        "timestamp": iso_z(event.at),
        "author": {
            "walletAddress": event.sender.wallet_address,
            "fusername": event.sender.username,
            "fid": event.sender.fid,
            "favatar": event.sender.profile_picture_url,
        },
    }


def drift_comment_item(event: ChatEvent) -> dict[str, Any]:
    """Build an item of /agent/stream/comments in the observed live shape (drift mode)."""
    return {
        "chat_event_id": event.chat_event_id,
        "sender_user_id": event.sender.user_id,
        "sender_username": event.sender.username,
        "sender_display_name": event.sender.username,
        "sender_pfp": event.sender.profile_picture_url,
        "sender_wallet_address": event.sender.wallet_address,
        "session_id": event.session_id,
        "streamer_id": event.streamer_id,
        "text": event.text,
        "timestamp": epoch_ms(event.at),
        "type": event.type,
    }
