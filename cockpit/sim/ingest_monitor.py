"""Liveness of accepted publishes, judged by the bytes the ingest really receives.

A platform shows a stream live only while its ingest receives data. An ingest
that freezes (or a publisher that stops sending) leaves the RTMP connection
open, so the publish callbacks alone would keep the stream "live" forever.
"""

from __future__ import annotations

import asyncio
import logging
import time

from cockpit.sim.ingest import Ingest, IngestError
from cockpit.sim.state import SimState

logger = logging.getLogger(__name__)

CHECK_INTERVAL_SECONDS = 1.0
STALL_AFTER_SECONDS = 5.0
"""Seconds without new bytes at the ingest before a publish stops counting as live."""


async def monitor_ingest(state: SimState, ingest: Ingest) -> None:
    """Mark each accepted publish stalled or flowing, once a second, until cancelled."""
    last_bytes: dict[str, int] = {}
    last_advance: dict[str, float] = {}
    while True:
        await asyncio.sleep(CHECK_INTERVAL_SECONDS)
        try:
            stats = await asyncio.to_thread(ingest.stats, CHECK_INTERVAL_SECONDS)
        except IngestError:
            stats = (
                None  # a frozen or dead nginx returns no status page, and no bytes arrive either
            )
        now = time.monotonic()
        keys = {agent.publishing_key for agent in state.agents.values() if agent.publishing_key}
        for key in keys:
            stream = stats.stream_for_key(key) if stats is not None else None
            received = stream.bytes_in if stream is not None else None
            if received is not None and received != last_bytes.get(key):
                last_bytes[key] = received
                last_advance[key] = now
                state.set_publish_stalled(key, False)
            elif now - last_advance.setdefault(key, now) >= STALL_AFTER_SECONDS:
                state.set_publish_stalled(key, True)
        for ended_key in set(last_bytes) - keys:
            last_bytes.pop(ended_key, None)
            last_advance.pop(ended_key, None)
