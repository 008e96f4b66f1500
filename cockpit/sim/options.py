"""Options of one simulator instance."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_INGEST_URL = "rtmps://127.0.0.1:1935/live"
"""The ``url`` that /agent/rtmp returns while no ingest is attached."""


@dataclass
class SimOptions:
    """Settings of one simulator: address, seed, audience, initial faults and response shapes."""

    host: str = "127.0.0.1"
    port: int = 0
    """TCP port; 0 picks a free one."""
    seed: int | None = None
    """Seed of every generated value (ids, audience, seeded world); None picks one at random."""
    audience_rate: float = 0.0
    """Simulated audience events per second; 0 keeps the audience silent."""
    hostile_share: float = 0.05
    """Share (0 to 1) of audience texts carrying markup, escapes, controls or huge lengths."""
    drift: bool = False
    """Serve comments and lists in the observed live shapes instead of the documented ones."""
    drift_comments_key: str | None = None
    """In drift mode, wrap comments as ``{KEY: [...]}`` (for example "messages").

    None serves a bare list."""
    flat_stats: bool = False
    """Serve token stats with flat keys (``growth_1h``, ``volume_24h``, ...) instead of nested."""
    skill_version: str = "2.0.0"
    """The ``version`` served in /skill.json."""
    ingest_url: str | None = None
    """The ``url`` of /agent/rtmp; None serves ``DEFAULT_INGEST_URL``."""
    real_ingest: bool = False
    """Run nginx-rtmp on loopback as the ingest: /agent/rtmp serves its rtmps URL and
    ``is_live`` follows actual publishing."""
    ingest_dir: Path | None = None
    """Directory for the ingest's config, certificate and recordings; None uses a new
    temporary directory, removed when the simulator stops."""
    live_follows_publish: bool = False
    """When True, ``is_live`` holds only while a publish with an accepted key is active."""
    simulated_agents: int | None = None
    """How many other agents exist from the start (1 to 10); None lets the seed pick 5 to 8."""
    faults: dict[str, Any] | None = None
    """Faults in force from the start, in the body format of ``POST /_sim/faults``
    (``errors``, ``latency`` and ``trickle``; the others need a running simulator)."""
    allow_remote: bool = False
    """Allow binding to a non-loopback host; the control endpoints still accept loopback only."""


def is_loopback_host(host: str) -> bool:
    """Return whether ``host`` is ``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
