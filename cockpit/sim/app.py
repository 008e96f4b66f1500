"""Assembly of the simulator's ASGI application: REST, control routes, faults and Socket.IO."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

import socketio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount

from cockpit.sim.actions import Actions
from cockpit.sim.audience import Audience
from cockpit.sim.control import control_routes
from cockpit.sim.errors import SimError
from cockpit.sim.faults import FaultMiddleware, FaultPlan
from cockpit.sim.options import SimOptions
from cockpit.sim.realtime import Realtime
from cockpit.sim.routes_agent import agent_routes
from cockpit.sim.routes_chat import chat_routes
from cockpit.sim.routes_market import market_routes
from cockpit.sim.routes_sessions import session_routes
from cockpit.sim.routes_site import site_routes
from cockpit.sim.routes_users import user_routes
from cockpit.sim.state import SimState
from cockpit.sim.web import SimContext, error_response
from cockpit.sim.world import AGENT_NAMES, build_world

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def build_context(options: SimOptions, origin: str) -> SimContext:
    """Create the state, the seeded world, the audience and the fault plan for one simulator."""
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**32)
    if not 0 <= options.hostile_share <= 1:
        raise ValueError(f"hostile_share {options.hostile_share!r} is outside 0 to 1.")
    agents = options.simulated_agents
    if agents is not None and not 1 <= agents <= len(AGENT_NAMES):
        raise ValueError(f"simulated_agents {agents!r} is outside 1 to {len(AGENT_NAMES)}.")
    if options.audience_rate < 0:
        raise ValueError(f"audience_rate {options.audience_rate!r} is negative; use 0 or more.")

    state = SimState(origin, seed, live_follows_publish=options.live_follows_publish)
    realtime = Realtime()
    actions = Actions(state, realtime)
    world = build_world(state, seed, options.simulated_agents, hostile=options.hostile_share > 0)
    audience = Audience(state, actions, world, seed, options.audience_rate, options.hostile_share)
    faults = FaultPlan()
    if options.faults:
        try:
            faults.apply(options.faults)
        except SimError as error:
            raise ValueError(f"SimOptions.faults is invalid: {error.message}") from None
    logger.info("Simulator state built with seed %d", seed)
    return SimContext(options, state, realtime, actions, faults, audience)


def build_app(
    sim: SimContext,
    extra_routes: Sequence[BaseRoute] = (),
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
) -> socketio.ASGIApp:
    """Build the ASGI app: Socket.IO at /socket.io/, the rest through the fault middleware.

    ``extra_routes`` (for example an ingest's callbacks) are served at the origin root;
    ``background`` coroutines run as tasks while the app serves.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        sim.audience.start()
        tasks = [asyncio.create_task(work()) for work in background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await sim.audience.stop()
            await sim.realtime.drop_all()
            await sim.realtime.sio.shutdown()

    starlette = Starlette(
        routes=[
            Mount(
                API_PREFIX,
                routes=[
                    *agent_routes(),
                    *user_routes(),
                    *session_routes(),
                    *market_routes(),
                    *chat_routes(),
                ],
            ),
            *site_routes(),
            *control_routes(),
            *extra_routes,
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    starlette.state.sim = sim
    with_faults = FaultMiddleware(starlette, sim.faults, sim.state)
    return socketio.ASGIApp(sim.realtime.sio, other_asgi_app=with_faults)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(404, f"No endpoint is at {request.url.path!r}; check the path.")
    if exc.status_code == 405:
        return error_response(405, f"{request.method} is not allowed on {request.url.path!r}.")
    return error_response(exc.status_code, str(exc.detail))


async def _server_error(request: Request, exc: Exception) -> Response:
    logger.error("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "The simulator failed on this request; its log has the traceback.")
