"""Fixtures of the studio tests: simulators, and settings that keep real studios light.

Real studios run detached, as `ensure_studio` starts them. They inherit the
test's environment, so they use its isolated home and the settings below.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cockpit.sim.server import SimOptions, SimServer

LIGHT_PIPELINE = {
    "RETAKE_COCKPIT_DISPLAY__WIDTH": "640",
    "RETAKE_COCKPIT_DISPLAY__HEIGHT": "360",
    "RETAKE_COCKPIT_ENCODER__FRAMERATE": "10",
    "RETAKE_COCKPIT_ENCODER__VIDEO_BITRATE": "300",
    "RETAKE_COCKPIT_STUDIO__STOP_TIMEOUT": "60",
    # A safety net: a studio a failed test could not stop exits on its own.
    "RETAKE_COCKPIT_STUDIO__IDLE_EXIT": "60",
}
"""A small, slow stream: two studios streaming at once fit on two cores."""


@pytest.fixture(autouse=True)
def light_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LIGHT_PIPELINE.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def ingest_sim() -> Iterator[SimServer]:
    """A simulator with its real RTMP ingest: the platform is live only while the encoder pushes."""
    with SimServer(SimOptions(seed=11, audience_rate=2.0, real_ingest=True)) as sim:
        yield sim


@pytest.fixture(scope="module")
def session_sim() -> Iterator[SimServer]:
    """A simulator whose session stays live until stream stop, whatever the encoder does.

    It has no ingest, so the encoder cannot connect and the studio recovers in a
    loop while live; the tests that use it only need the platform's session.
    """
    with SimServer(SimOptions(seed=12)) as sim:
        yield sim
