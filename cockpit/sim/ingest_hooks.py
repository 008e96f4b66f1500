"""Routes that connect the ingest's callbacks to the simulator's state.

The routes run on the simulator's own event loop, in its own thread, so a busy
event loop elsewhere (a test's, the studio's) cannot delay or reject a publish.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from cockpit.sim.control import loopback_only, streamer_of
from cockpit.sim.ingest import Ingest
from cockpit.sim.ingest_routes import ingest_routes, recording_routes, recording_url
from cockpit.sim.web import SimContext, context, json_body

logger = logging.getLogger(__name__)

DROP_PUBLISHER_PATH = "/_sim/ingest/drop"
"""Control route: ``{"streamer_id": ID}`` makes the ingest disconnect that agent's encoder,
as a network cut would; the response's ``dropped`` is false when nothing was publishing."""


def ingest_app_routes(sim: SimContext, ingest: Ingest) -> list[BaseRoute]:
    """Build the ingest's callback and recording routes on top of the simulator's state."""
    state = sim.state
    # Stream key -> (user id, publish start), kept until record_done: publish_done clears
    # agent.publishing_key first, and the agent's key may rotate in between.
    publishes: dict[str, tuple[str, float]] = {}

    def on_publish(key: str, application: str) -> bool:
        if application != "live" or not state.publish_started(key):
            return False
        agent = next(a for a in state.agents.values() if a.publishing_key == key)
        publishes[key] = (agent.user_id, state.clock())
        return True

    def on_record_done(key: str, path: str) -> None:
        publish = publishes.pop(key, None)
        if publish is None:
            logger.warning("a recording finished for a publish the simulator did not accept")
            return
        user_id, started_at = publish
        candidates = [
            session
            for session in state.sessions.values()
            if session.streamer_id == user_id
            and (session.ended_at is None or session.ended_at >= started_at)
        ]
        if not candidates:
            logger.info("a recording of %s belongs to no session and is not listed", user_id)
            return
        session = max(candidates, key=lambda candidate: candidate.started_at)
        kept = ingest.rename_recording(path, session.session_id)
        if kept is not None:
            url = recording_url(sim.origin, kept)
            state.attach_recording(session.session_id, url, kept.stat().st_size)

    async def drop(request: Request) -> Response:
        agent = streamer_of(context(request), await json_body(request))
        key = agent.publishing_key
        dropped = bool(key) and await asyncio.to_thread(ingest.drop_publisher, key)
        logger.info("drop of %s's publisher requested; dropped: %s", agent.user_id, dropped)
        return JSONResponse({"streamer_id": agent.user_id, "dropped": dropped})

    return [
        *ingest_routes(on_publish, state.publish_done, on_record_done),
        *recording_routes(ingest.record_dir),
        Route(DROP_PUBLISHER_PATH, loopback_only(drop), methods=["POST"]),
    ]
