"""Fixtures for the simulator's tests: a running simulator on loopback and HTTP clients for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from simkit import register_agent

from cockpit.sim.server import SimOptions, SimServer


@pytest.fixture
def make_sim() -> Iterator[Callable[..., SimServer]]:
    """Start simulators with the given options; every one is stopped after the test."""
    started: list[SimServer] = []

    def start(**options: Any) -> SimServer:
        options.setdefault("seed", 1234)
        server = SimServer(SimOptions(**options)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    """A simulator with seed 1234 and a silent audience."""
    return make_sim()


@pytest.fixture
async def api(sim: SimServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client whose base URL is the simulator's /api/v1."""
    async with httpx.AsyncClient(base_url=sim.api_url, timeout=10) as client:
        yield client


@pytest.fixture
async def control(sim: SimServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client whose base URL is the simulator's origin (for /_sim and /skill.json)."""
    async with httpx.AsyncClient(base_url=sim.origin, timeout=10) as client:
        yield client


@pytest.fixture
async def agent(api: httpx.AsyncClient) -> dict[str, Any]:
    """A registered agent: the registration response plus ready-made auth headers."""
    return await register_agent(api, "TestAgent")
