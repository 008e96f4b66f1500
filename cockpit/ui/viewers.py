"""A viewer's card from what the view model holds: their messages, tips and trades."""

from __future__ import annotations

from collections.abc import Iterable

from cockpit.ui.viewmodels import ChatLine, TradeLine, ViewerSummary

RECENT_MESSAGES = 20


def summarise_viewer(
    key: str, chat: Iterable[ChatLine], trades: Iterable[TradeLine], muted: bool
) -> ViewerSummary | None:
    """Summarise the viewer ``key`` from the chat and trades; None when no line is theirs."""
    lines = [line for line in chat if line.author_key == key]
    if not lines:
        return None
    wallet = next((line.wallet for line in reversed(lines) if line.wallet), None)
    if wallet is None and key.startswith("wallet:"):
        wallet = key.removeprefix("wallet:")
    own_trades = [trade for trade in trades if wallet and trade.wallet == wallet]
    messages = [line for line in lines if line.kind == "message"]
    moments = [line.at for line in lines] + [trade.at for trade in own_trades]
    return ViewerSummary(
        key=key,
        names=tuple(dict.fromkeys(line.author for line in lines if line.author)),
        wallet=wallet,
        user_id=next((line.user_id for line in lines if line.user_id), None),
        message_count=len(messages),
        recent_messages=tuple((line.at, line.text) for line in messages[-RECENT_MESSAGES:]),
        tips_usd=sum(line.amount_usd or 0.0 for line in lines if line.kind == "tip"),
        buys=sum(1 for trade in own_trades if trade.is_buy),
        sells=sum(1 for trade in own_trades if not trade.is_buy),
        bought_usd=sum(trade.amount_usd for trade in own_trades if trade.is_buy),
        sold_usd=sum(trade.amount_usd for trade in own_trades if not trade.is_buy),
        first_seen=min(moments),
        last_seen=max(moments),
        returning=any(line.returning for line in lines),
        muted=muted,
    )
