"""Fixtures for the ingest tests: a callback server, a process supervisor, nginx and ffmpeg."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ingest_helpers import CallbackLog, CallbackServer, Publisher, serve_app
from starlette.applications import Starlette

from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.sim.ingest import Ingest
from cockpit.sim.ingest_routes import ingest_routes


@pytest.fixture
def callback_server() -> Iterator[CallbackServer]:
    """A Starlette app serving the ingest routes on a free loopback port, in its own thread."""
    log = CallbackLog()
    app = Starlette(routes=ingest_routes(log.on_publish, log.on_publish_done, log.on_record_done))
    with serve_app(app) as base_url:
        yield CallbackServer(base_url, log)


@pytest.fixture
def supervisor() -> Iterator[ProcessSupervisor]:
    with ProcessSupervisor("ingest-test") as owned:
        yield owned


@pytest.fixture
def ingest(
    supervisor: ProcessSupervisor, callback_server: CallbackServer, tmp_path: Path
) -> Iterator[Ingest]:
    started = Ingest(supervisor, tmp_path / "ingest", callback_server.base_url)
    started.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def publisher(supervisor: ProcessSupervisor) -> Publisher:
    return Publisher(supervisor)
