"""Public token and trade endpoints under /api/v1/tokens and /api/v1/trades."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cockpit.sim import shapes
from cockpit.sim.errors import bad_request, not_found
from cockpit.sim.models import Token, iso_z_micros, parse_iso_micros
from cockpit.sim.web import SimContext, context, limit_param, list_response, routes


def _token(sim: SimContext, address: str) -> Token:
    token = sim.state.market.tokens.get(address)
    if token is None:
        raise not_found(f"No token has the address {address!r}; check the token address.")
    return token


async def top(request: Request) -> Response:
    tokens = sorted(
        context(request).state.market.tokens.values(), key=lambda t: -t.curve.market_cap_usd
    )
    items = [
        {
            "user_id": token.streamer_id,
            "name": token.name,
            "ticker": token.ticker,
            "address": token.address,
            "current_market_cap": token.curve.market_cap_usd,
            "rank": rank,
        }
        for rank, token in enumerate(tokens[: limit_param(request)], start=1)
    ]
    return list_response(request, "tokens", items)


async def trending(request: Request) -> Response:
    market = context(request).state.market
    rows = [(token, market.stats(token).growth_24h) for token in market.tokens.values()]
    rows.sort(key=lambda row: -row[1])
    items = [
        {
            "username": token.name,
            "token_ticker": token.ticker,
            "growth_24h": growth,
            "market_cap": token.curve.market_cap_usd,
        }
        for token, growth in rows[: limit_param(request)]
    ]
    return list_response(request, "tokens", items)


async def stats(request: Request) -> Response:
    sim = context(request)
    token = _token(sim, request.path_params["address"])
    figures = sim.state.market.stats(token)
    return JSONResponse(
        shapes.stats_body(token.address, token.ticker, figures, sim.options.flat_stats)
    )


def _cursor(request: Request) -> int | None:
    raw = request.query_params.get("cursor")
    if not raw:
        return None
    try:
        return parse_iso_micros(raw)
    except ValueError:
        raise bad_request(
            f"The cursor {raw!r} is not an ISO-8601 timestamp; pass a previous next_cursor."
        ) from None


async def _recent(request: Request, token: Token | None) -> Response:
    sim = context(request)
    trades, has_more = sim.state.market.recent(token, limit_param(request), _cursor(request))
    next_cursor = iso_z_micros(trades[-1].at_micros) if has_more and trades else None
    items = [shapes.trade_item(trade) for trade in trades]
    return list_response(request, "trades", items, next_cursor=next_cursor)


async def recent(request: Request) -> Response:
    return await _recent(request, None)


async def recent_of(request: Request) -> Response:
    return await _recent(request, _token(context(request), request.path_params["token_address"]))


async def _leaders(request: Request, by_volume: bool) -> Response:
    window = request.query_params.get("window") or "24h"
    rows = context(request).state.market.leaders(window)
    rows.sort(
        key=(lambda row: (-row[1], -row[2])) if by_volume else (lambda row: (-row[2], -row[1]))
    )
    items = [
        {
            "token_address": token.address,
            "token_ticker": token.ticker,
            "volume_usd": volume,
            "trade_count": count,
        }
        for token, volume, count in rows[: limit_param(request)]
    ]
    return list_response(request, "tokens", items, window=window)


async def top_volume(request: Request) -> Response:
    return await _leaders(request, by_volume=True)


async def top_count(request: Request) -> Response:
    return await _leaders(request, by_volume=False)


def market_routes() -> list[Route]:
    """Build the routes of the public token and trade endpoints, relative to /api/v1."""
    return [
        *routes("/tokens/top", top, ["GET"]),
        *routes("/tokens/trending", trending, ["GET"]),
        *routes("/tokens/{address}/stats", stats, ["GET"]),
        *routes("/trades/recent", recent, ["GET"]),
        *routes("/trades/recent/{token_address}", recent_of, ["GET"]),
        *routes("/trades/top-volume", top_volume, ["GET"]),
        *routes("/trades/top-count", top_count, ["GET"]),
    ]
