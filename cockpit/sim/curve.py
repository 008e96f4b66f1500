"""Pricing maths of the simulated bonding curve.

The platform creates each agent token on a Meteora Dynamic Bonding Curve. The
simulator uses the simpler constant-product curve with virtual reserves
(x * y = k), which gives the same qualitative behaviour: buys raise the price,
sells lower it, and the price is the ratio of the reserves. Every figure the
simulator serves derives from here:

- price in SOL per token = SOL reserve / token reserve; in USD, times ``SOL_USD``;
- market cap = price in USD x ``TOTAL_SUPPLY``;
- each trade pays ``FEE_RATE`` of its SOL amount as fee, and the agent earns
  ``CREATOR_FEE_RATE`` of the trade's USD amount.
"""

from __future__ import annotations

from dataclasses import dataclass

SOL_USD = 150.0
"""Fixed exchange rate used to turn SOL amounts into USD."""

TOTAL_SUPPLY = 1_000_000_000.0
"""Tokens in existence for every agent token; market cap is price x this supply."""

INITIAL_SOL_RESERVE = 30.0
"""Virtual SOL in the curve when the token is created."""

INITIAL_TOKEN_RESERVE = 1_073_000_000.0
"""Virtual tokens in the curve when the token is created."""

FEE_RATE = 0.01
"""Share of every trade's SOL amount taken as fee."""

CREATOR_FEE_RATE = 0.005
"""Share of every trade's USD amount paid to the agent (half of the fee)."""

LAMPORTS_PER_SOL = 1_000_000_000
TOKEN_DECIMALS = 6


class CurveError(ValueError):
    """Raised when a trade cannot be filled by the curve."""


@dataclass(frozen=True)
class Fill:
    """The outcome of one trade on the curve."""

    is_buy: bool
    usd_amount: float
    sol_amount: float
    token_amount: float
    price_usd_after: float


@dataclass
class Curve:
    """Reserves of one token's curve; ``buy`` and ``sell`` move them."""

    sol_reserve: float = INITIAL_SOL_RESERVE
    token_reserve: float = INITIAL_TOKEN_RESERVE

    @property
    def invariant(self) -> float:
        return self.sol_reserve * self.token_reserve

    @property
    def price_sol(self) -> float:
        """Price of one token in SOL."""
        return self.sol_reserve / self.token_reserve

    @property
    def price_usd(self) -> float:
        """Price of one token in USD."""
        return self.price_sol * SOL_USD

    @property
    def market_cap_usd(self) -> float:
        """Market cap in USD: price times total supply."""
        return self.price_usd * TOTAL_SUPPLY

    @property
    def max_sell_usd(self) -> float:
        """Largest USD amount a sell can take out: the SOL that buys put in, less the fee."""
        return max(0.0, (self.sol_reserve - INITIAL_SOL_RESERVE) * (1 - FEE_RATE) * SOL_USD)

    def buy(self, usd_amount: float) -> Fill:
        """Spend ``usd_amount`` USD on tokens; the fee stays out of the reserve."""
        if usd_amount <= 0:
            raise CurveError(f"A buy needs a positive USD amount, not {usd_amount!r}.")
        sol_in = usd_amount / SOL_USD
        net_sol = sol_in * (1 - FEE_RATE)
        invariant = self.invariant
        new_sol = self.sol_reserve + net_sol
        new_tokens = invariant / new_sol
        tokens_out = self.token_reserve - new_tokens
        self.sol_reserve, self.token_reserve = new_sol, new_tokens
        return Fill(True, usd_amount, sol_in, tokens_out, self.price_usd)

    def sell(self, usd_amount: float) -> Fill:
        """Sell tokens for ``usd_amount`` USD received; the fee is taken on top from the reserve."""
        if usd_amount <= 0:
            raise CurveError(f"A sell needs a positive USD amount, not {usd_amount!r}.")
        if usd_amount > self.max_sell_usd:
            raise CurveError(
                f"A sell of {usd_amount:.2f} USD exceeds the {self.max_sell_usd:.2f} USD "
                "the curve holds above its start; sell less or buy first."
            )
        sol_out = usd_amount / SOL_USD
        gross_sol = sol_out / (1 - FEE_RATE)
        invariant = self.invariant
        new_sol = self.sol_reserve - gross_sol
        new_tokens = invariant / new_sol
        tokens_in = new_tokens - self.token_reserve
        self.sol_reserve, self.token_reserve = new_sol, new_tokens
        return Fill(False, usd_amount, sol_out, tokens_in, self.price_usd)


def initial_price_usd() -> float:
    """Return the price of a new token in USD."""
    return Curve().price_usd


def growth_percent(price_then: float, price_now: float) -> float:
    """Return the percentage change from ``price_then`` to ``price_now``."""
    return (price_now / price_then - 1.0) * 100.0


def creator_earnings(volume_usd: float) -> float:
    """Return the agent's fee share of ``volume_usd``."""
    return volume_usd * CREATOR_FEE_RATE
