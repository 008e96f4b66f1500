"""Fixtures of the feed tests: the real simulator over loopback, registered agents, and hubs.

One quiet simulator serves each test module; tests that need another shape
(drift, hostile audience, a restart) start their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from feeds_helpers import (
    REALTIME_HTTP,
    Agent,
    HubFactory,
    Recorder,
    SimControl,
    fast_settings,
    register_agent,
)

from cockpit.api import RealtimeClient
from cockpit.feeds.hub import FeedHub
from cockpit.feeds.identity import AgentIdentity
from cockpit.feeds.store import FeedStore
from cockpit.settings import FeedSettings
from cockpit.sim.server import SimOptions, SimServer


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(SimOptions(seed=21, audience_rate=0.0, hostile_share=0.0)) as server:
        yield server


@pytest.fixture
async def control(sim: SimServer) -> AsyncIterator[SimControl]:
    control = SimControl(sim.origin)
    try:
        yield control
    finally:
        await control.clear_faults()
        await control.post("audience", {"rate": 0})
        await control.aclose()


@pytest.fixture
async def agent(sim: SimServer) -> AsyncIterator[Agent]:
    """A freshly registered agent, not live."""
    registered = await register_agent(sim.api_url)
    try:
        yield registered
    finally:
        await registered.client.aclose()


@pytest.fixture
async def make_hub(tmp_path: Path) -> AsyncIterator[HubFactory]:
    """Build and start hubs for an agent; every hub is stopped at the end of the test."""
    hubs: list[FeedHub] = []
    count = 0

    async def make(
        agent: Agent,
        *,
        realtime: bool = True,
        settings: FeedSettings | None = None,
        identity: AgentIdentity | None = None,
        store_path: Path | None = None,
    ) -> tuple[FeedHub, Recorder]:
        nonlocal count
        count += 1
        settings = settings or fast_settings()
        client = (
            RealtimeClient.for_api_url(agent.client.api_url, settings=REALTIME_HTTP)
            if realtime
            else None
        )
        store = FeedStore.with_settings(store_path or tmp_path / f"feeds-{count}.sqlite3", settings)
        recorder = Recorder()
        hub = FeedHub(agent.client, client, settings, identity or agent.identity(), store, recorder)
        await hub.start()
        hubs.append(hub)
        return hub, recorder

    yield make
    for hub in hubs:
        await hub.stop()
