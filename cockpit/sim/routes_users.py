"""Public user endpoints under /api/v1/users."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cockpit.sim import shapes
from cockpit.sim.errors import not_found
from cockpit.sim.models import User
from cockpit.sim.web import context, limit_param, list_response, routes


async def search(request: Request) -> Response:
    query = request.path_params["query"].casefold()
    users = context(request).state.users.values()
    matches = [user for user in users if query in user.username.casefold()]

    def rank(user: User) -> tuple[int, str]:
        # Exact matches first, then prefixes, then the rest, each by name.
        name = user.username.casefold()
        if name == query:
            return 0, name
        if name.startswith(query):
            return 1, name
        return 2, name

    matches.sort(key=rank)
    items = [shapes.user_item(user) for user in matches[: limit_param(request)]]
    return list_response(request, "users", items)


async def newest(request: Request) -> Response:
    users = sorted(context(request).state.users.values(), key=lambda user: -user.created_at)
    items = [shapes.user_item(user) for user in users[: limit_param(request)]]
    return list_response(request, "users", items)


async def live(request: Request) -> Response:
    state = context(request).state
    agents = [agent for agent in state.live_agents() if agent.token is not None]
    agents.sort(key=lambda agent: -agent.token.curve.market_cap_usd if agent.token else 0.0)
    items = [
        {
            "user_id": agent.user_id,
            "username": agent.name,
            "ticker": agent.token.ticker if agent.token else None,
            "token_address": agent.token.address if agent.token else None,
            "market_cap": agent.token.curve.market_cap_usd if agent.token else None,
            "rank": rank,
        }
        for rank, agent in enumerate(agents[: limit_param(request)], start=1)
    ]
    return list_response(request, "users", items)


async def metadata(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    user = context(request).state.users.get(user_id)
    if user is None:
        raise not_found(f"No user has the id {user_id!r}; check the user_id.")
    return JSONResponse(shapes.metadata(user))


async def streamer(request: Request) -> Response:
    identifier = request.path_params["identifier"]
    state = context(request).state
    agent = state.find_streamer(identifier)
    if agent is None:
        raise not_found(f"No streamer has the name or id {identifier!r}.")
    live_now = state.is_live(agent)
    session = agent.session if live_now else None
    return JSONResponse(
        {
            "streamer_id": agent.user_id,
            "user_id": agent.user_id,
            "username": agent.name,
            "ticker": agent.token.ticker if agent.token else None,
            "token_address": agent.token.address if agent.token else None,
            "is_live": live_now,
            "session": shapes.session_item(session, agent) if session is not None else None,
        }
    )


def user_routes() -> list[Route]:
    """Build the routes of the public user endpoints, relative to /api/v1."""
    return [
        *routes("/users/search/{query}", search, ["GET"]),
        *routes("/users/newest", newest, ["GET"]),
        *routes("/users/live", live, ["GET"]),
        *routes("/users/metadata/{user_id}", metadata, ["GET"]),
        *routes("/users/streamer/{identifier}", streamer, ["GET"]),
    ]
