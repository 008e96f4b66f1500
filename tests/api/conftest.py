"""Fixtures of the API client tests: real loopback servers and quick retry settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_servers import ScriptedServer

from cockpit.settings import HttpSettings


@pytest.fixture
def api_server() -> Iterator[ScriptedServer]:
    """The platform's stand-in on 127.0.0.1."""
    with ScriptedServer("127.0.0.1") as server:
        yield server


@pytest.fixture
def other_host() -> Iterator[ScriptedServer]:
    """A server posing as another host, on 127.0.0.2 (Linux routes all of 127.0.0.0/8 on lo)."""
    with ScriptedServer("127.0.0.2") as server:
        yield server


@pytest.fixture
def quick_settings() -> HttpSettings:
    """Three retries with millisecond waits, so retry tests run fast."""
    return HttpSettings(
        connect_timeout=2.0,
        read_timeout=5.0,
        deadline=10.0,
        retries=3,
        backoff_initial=0.001,
        backoff_max=0.01,
    )
