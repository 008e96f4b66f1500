"""The bonding curve's maths, and the agreement of every figure the simulator serves."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpx
import pytest
from simkit import go_live

from cockpit.sim import curve


def test_buy_raises_price_and_sell_lowers_it() -> None:
    pool = curve.Curve()
    start = pool.price_usd

    bought = pool.buy(150.0)
    after_buy = pool.price_usd
    sold = pool.sell(75.0)

    assert after_buy > start
    assert pool.price_usd < after_buy
    assert bought.sol_amount == pytest.approx(1.0)
    assert bought.token_amount > 0
    assert sold.token_amount > 0
    assert sold.price_usd_after == pytest.approx(pool.price_usd)


def test_reserves_keep_invariant_apart_from_fees() -> None:
    pool = curve.Curve()
    invariant = pool.invariant

    pool.buy(300.0)

    assert pool.invariant == pytest.approx(invariant)
    assert pool.sol_reserve == pytest.approx(curve.INITIAL_SOL_RESERVE + 2 * (1 - curve.FEE_RATE))


def test_market_cap_is_price_times_supply() -> None:
    pool = curve.Curve()
    pool.buy(1_000.0)

    assert pool.market_cap_usd == pytest.approx(pool.price_usd * curve.TOTAL_SUPPLY)


def test_sell_beyond_reserve_rejected() -> None:
    pool = curve.Curve()
    pool.buy(100.0)

    with pytest.raises(curve.CurveError):
        pool.sell(pool.max_sell_usd + 1)
    with pytest.raises(curve.CurveError):
        curve.Curve().sell(1.0)


@pytest.mark.parametrize("amount", [0.0, -5.0])
def test_non_positive_amounts_rejected(amount: float) -> None:
    with pytest.raises(curve.CurveError):
        curve.Curve().buy(amount)


def test_earnings_are_fee_share() -> None:
    assert curve.creator_earnings(1_000.0) == pytest.approx(1_000.0 * curve.CREATOR_FEE_RATE)


def epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp).timestamp()


async def all_trades(api: httpx.AsyncClient, address: str) -> list[dict[str, Any]]:
    trades: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        params: dict[str, Any] = {"limit": 100}
        if cursor is not None:
            params["cursor"] = cursor
        page = (await api.get(f"/trades/recent/{address}/", params=params)).json()
        trades.extend(page["trades"])
        cursor = page["next_cursor"]
        if cursor is None:
            return trades
    raise AssertionError("paging did not end")


async def test_volume_24h_equals_window_trades(api: httpx.AsyncClient) -> None:
    """Seeded trades span 30 hours, so the window boundary cuts through real history."""
    tokens = (await api.get("/tokens/top/")).json()["tokens"]

    for token in tokens:
        before = time.time()
        stats = (await api.get(f"/tokens/{token['address']}/stats")).json()
        after = time.time()
        trades = await all_trades(api, token["address"])

        # A trade inside the few milliseconds between the two clock reads would be ambiguous.
        assert not [t for t in trades if before - 86_400 <= epoch(t["timestamp"]) <= after - 86_400]
        window = [t["amount_in_usd"] for t in trades if epoch(t["timestamp"]) >= after - 86_400]
        assert len(window) < len(trades), "some seeded trades are older than 24 hours"
        assert stats["volume"]["24h"] == pytest.approx(sum(window))
        assert stats["volume"]["total"] == pytest.approx(sum(t["amount_in_usd"] for t in trades))
        assert stats["earnings"]["24h"] == pytest.approx(sum(window) * curve.CREATOR_FEE_RATE)
        assert stats["earnings"]["total"] == pytest.approx(
            stats["volume"]["total"] * curve.CREATOR_FEE_RATE
        )


async def test_market_cap_follows_price(api: httpx.AsyncClient) -> None:
    for token in (await api.get("/tokens/top/")).json()["tokens"]:
        stats = (await api.get(f"/tokens/{token['address']}/stats")).json()

        assert stats["current_market_cap"] == pytest.approx(
            stats["current_price"] * curve.TOTAL_SUPPLY
        )
        assert stats["current_market_cap"] == pytest.approx(token["current_market_cap"])
        assert stats["all_time_high"] >= stats["current_price"]


async def test_figures_agree_across_endpoints(api: httpx.AsyncClient) -> None:
    live = (await api.get("/users/live/")).json()["users"]
    trending = {t["token_ticker"]: t for t in (await api.get("/tokens/trending/")).json()["tokens"]}

    for user in live:
        stats = (await api.get(f"/tokens/{user['token_address']}/stats")).json()

        assert user["market_cap"] == pytest.approx(stats["current_market_cap"])
        assert trending[user["ticker"]]["growth_24h"] == pytest.approx(stats["growth"]["24h"])
        assert trending[user["ticker"]]["market_cap"] == pytest.approx(stats["current_market_cap"])


async def test_trades_move_price_high_and_volume(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    address = (await go_live(api, agent))["token"]["tokenAddress"]
    opening = (await api.get(f"/tokens/{address}/stats")).json()

    for is_buy, amount in ((True, 200.0), (True, 100.0), (False, 150.0)):
        created = await control.post(
            "/_sim/trade",
            json={"token_address": address, "is_buy": is_buy, "amount_in_usd": amount},
        )
        assert created.status_code == 200
    stats = (await api.get(f"/tokens/{address}/stats")).json()
    leaders = (await api.get("/trades/top-volume/")).json()["tokens"]

    assert opening["current_price"] == pytest.approx(curve.initial_price_usd())
    assert opening["volume"] == {"total": 0, "24h": 0}
    assert opening["growth"] == {"1h": 0, "6h": 0, "24h": 0}
    assert stats["volume"]["24h"] == pytest.approx(450.0)
    assert stats["current_price"] > opening["current_price"]
    assert stats["all_time_high"] > stats["current_price"]
    assert stats["growth"]["24h"] == pytest.approx(
        (stats["current_price"] / opening["current_price"] - 1) * 100
    )
    own = next(row for row in leaders if row["token_address"] == address)
    assert own["volume_usd"] == pytest.approx(450.0)
    assert own["trade_count"] == 3


async def test_oversized_sell_rejected(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    address = (await go_live(api, agent))["token"]["tokenAddress"]

    response = await control.post(
        "/_sim/trade", json={"token_address": address, "is_buy": False, "amount_in_usd": 10}
    )

    assert response.status_code == 400
    assert "sell" in response.json()["error"]
