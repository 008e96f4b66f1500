"""Fixtures of the stage's tests that stream: a simulator with its real RTMP ingest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cockpit.sim.server import SimOptions, SimServer


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    """A simulator whose ingest records every stream; the platform is live while one pushes."""
    with SimServer(SimOptions(seed=21, audience_rate=0.0, real_ingest=True)) as server:
        yield server
