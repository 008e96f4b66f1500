"""Fixtures of the contract tests: the real simulator over loopback, and registered agents.

One simulator serves each test module; faults are cleared after every test.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest
from contract_helpers import Agent, SimControl, solana_address, unique_agent_name

from cockpit.api import ApiError, RetakeClient
from cockpit.settings import HttpSettings
from cockpit.sim.server import SimOptions, SimServer


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(SimOptions(seed=1, audience_rate=0.0)) as server:
        yield server


@pytest.fixture
def settings() -> HttpSettings:
    """Quick retries, so fault tests finish fast."""
    return HttpSettings(
        connect_timeout=2.0,
        read_timeout=5.0,
        deadline=10.0,
        retries=3,
        backoff_initial=0.01,
        backoff_max=0.05,
    )


@pytest.fixture
async def control(sim: SimServer) -> AsyncIterator[SimControl]:
    control = SimControl(sim.origin)
    try:
        yield control
    finally:
        await control.clear_faults()
        await control.aclose()


async def _register(sim: SimServer, settings: HttpSettings) -> Agent:
    async with RetakeClient(sim.api_url, settings=settings) as anonymous:
        registration = await anonymous.register(
            unique_agent_name(),
            "Contract test agent",
            "https://example.com/avatar.png",
            solana_address(),
        )
    client = RetakeClient(
        sim.api_url,
        access_token=registration.access_token,
        token_api_url=sim.api_url,
        settings=settings,
        profile="contract",
    )
    return Agent(registration, client)


@pytest.fixture
async def agent(sim: SimServer, settings: HttpSettings) -> AsyncIterator[Agent]:
    """A freshly registered agent that is not live."""
    registered = await _register(sim, settings)
    try:
        yield registered
    finally:
        await registered.client.aclose()


@pytest.fixture
async def live_agent(agent: Agent) -> AsyncIterator[Agent]:
    """A registered agent with an open session."""
    await agent.client.rtmp()
    await agent.client.stream_start()
    try:
        yield agent
    finally:
        # A fault a test left in place may still fail these calls; the session then stays open.
        with contextlib.suppress(ApiError):
            if (await agent.client.stream_status()).is_live:
                await agent.client.stream_stop()
