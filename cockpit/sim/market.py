"""Agent tokens, their trades and the figures derived from them."""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable
from dataclasses import dataclass

from cockpit.sim import curve
from cockpit.sim.errors import bad_request
from cockpit.sim.models import Token, Trade

logger = logging.getLogger(__name__)

WINDOWS_SECONDS = {"1h": 3_600, "6h": 21_600, "24h": 86_400, "7d": 604_800}
"""Windows accepted by /trades/top-volume/ and /trades/top-count/, and used for growth."""


@dataclass(frozen=True)
class TokenStats:
    """Figures of one token at one moment, all in USD except growth (percent)."""

    current_price: float
    current_market_cap: float
    all_time_high: float
    growth_1h: float
    growth_6h: float
    growth_24h: float
    volume_total: float
    volume_24h: float
    earnings_total: float
    earnings_24h: float


class Market:
    """All tokens and trades. Trades are kept oldest first, globally and per token."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.tokens: dict[str, Token] = {}
        self.trades: list[Trade] = []
        self._last_micros = 0

    def add_token(self, token: Token) -> None:
        """Store a new token and record its opening price."""
        token.price_history.append((token.created_at, token.curve.price_usd))
        self.tokens[token.address] = token

    def trade(
        self,
        token: Token,
        is_buy: bool,
        usd_amount: float,
        trader_wallet: str,
        tx_hash: str,
        at: float | None = None,
    ) -> Trade:
        """Fill a trade on the token's curve and store it; raise SimError(400) if it cannot fill."""
        try:
            fill = token.curve.buy(usd_amount) if is_buy else token.curve.sell(usd_amount)
        except curve.CurveError as error:
            raise bad_request(str(error)) from None

        # Strictly increasing microseconds keep the trades cursor unambiguous.
        at_micros = max(
            int((self._clock() if at is None else at) * 1_000_000), self._last_micros + 1
        )
        self._last_micros = at_micros
        trade = Trade(
            token_address=token.address,
            token_ticker=token.ticker,
            trader_wallet=trader_wallet,
            pool_address=token.pool_address,
            is_buy=is_buy,
            amount_in_usd=usd_amount,
            sol_amount=fill.sol_amount,
            token_amount=fill.token_amount,
            tx_hash=tx_hash,
            at_micros=at_micros,
            price_usd_after=fill.price_usd_after,
        )
        token.trades.append(trade)
        token.price_history.append((trade.at, fill.price_usd_after))
        self.trades.append(trade)
        return trade

    def stats(self, token: Token) -> TokenStats:
        """Compute the token's price, market cap, high, growth, volume and earnings now."""
        now = self._clock()
        price = token.curve.price_usd
        volume_total = sum(trade.amount_in_usd for trade in token.trades)
        volume_24h = self.volume(token, WINDOWS_SECONDS["24h"])
        return TokenStats(
            current_price=price,
            current_market_cap=token.curve.market_cap_usd,
            all_time_high=max(point[1] for point in token.price_history),
            growth_1h=curve.growth_percent(self.price_at(token, now - 3_600), price),
            growth_6h=curve.growth_percent(self.price_at(token, now - 21_600), price),
            growth_24h=curve.growth_percent(self.price_at(token, now - 86_400), price),
            volume_total=volume_total,
            volume_24h=volume_24h,
            earnings_total=curve.creator_earnings(volume_total),
            earnings_24h=curve.creator_earnings(volume_24h),
        )

    def price_at(self, token: Token, at: float) -> float:
        """Return the price at time ``at``; before the token existed, its opening price."""
        index = bisect.bisect_right(token.price_history, at, key=_point_time) - 1
        return token.price_history[max(index, 0)][1]

    def window_trades(self, token: Token | None, window_seconds: float) -> list[Trade]:
        """Return the trades of one token (or all) in the last ``window_seconds``, oldest first."""
        since_micros = int((self._clock() - window_seconds) * 1_000_000)
        trades = token.trades if token is not None else self.trades
        start = bisect.bisect_left(trades, since_micros, key=_trade_micros)
        return trades[start:]

    def volume(self, token: Token, window_seconds: float) -> float:
        """Return the USD volume of the token's trades within the window."""
        return sum(trade.amount_in_usd for trade in self.window_trades(token, window_seconds))

    def recent(
        self, token: Token | None, limit: int, before_micros: int | None
    ) -> tuple[list[Trade], bool]:
        """Return up to ``limit`` trades older than the cursor, newest first, and if more exist."""
        trades = token.trades if token is not None else self.trades
        end = len(trades)
        if before_micros is not None:
            end = bisect.bisect_left(trades, before_micros, key=_trade_micros)
        start = max(0, end - limit)
        return list(reversed(trades[start:end])), start > 0

    def leaders(self, window: str) -> list[tuple[Token, float, int]]:
        """Return (token, USD volume, trade count) within the window for every traded token."""
        if window not in WINDOWS_SECONDS:
            choices = ", ".join(WINDOWS_SECONDS)
            raise bad_request(f"The window {window!r} is not supported; use one of {choices}.")
        rows = []
        for token in self.tokens.values():
            trades = self.window_trades(token, WINDOWS_SECONDS[window])
            if trades:
                rows.append((token, sum(trade.amount_in_usd for trade in trades), len(trades)))
        return rows


def _point_time(point: tuple[float, float]) -> float:
    return point[0]


def _trade_micros(trade: Trade) -> int:
    return trade.at_micros
