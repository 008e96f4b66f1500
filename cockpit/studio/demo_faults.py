"""Faults the demo injects into its simulator, so that a user can watch the cockpit recover.

Each fault fires once, a given number of seconds after the demo's agent first
goes live. Just before it fires, a viewer named ``demo_faults`` posts a chat
message naming what is about to break. The injector sends requests to the
simulator's loopback control endpoints only.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

logger = logging.getLogger(__name__)

FAULT_KINDS: dict[str, str] = {
    "drop-stream": "the ingest cuts the encoder's connection",
    "rotate-key": "the platform rotates the RTMP key and cuts the encoder, so only fresh keys work",
    "api-errors": "the platform answers the next 20 API requests with 503",
    "drop-sockets": "the platform closes every Socket.IO connection",
}
"""Each fault kind and what it breaks."""

DEFAULT_FAULT_DELAY = 20.0
"""Seconds after going live when a fault given without ``@SECONDS`` fires."""

ANNOUNCER = "demo_faults"
"""The simulated viewer who announces each fault in the chat."""

_POLL_SECONDS = 0.5
_REQUEST_TIMEOUT = 10.0


@dataclass(frozen=True)
class DemoFault:
    """One fault: its kind, and when it fires in seconds after the agent first goes live."""

    kind: str
    after: float = DEFAULT_FAULT_DELAY

    def __str__(self) -> str:
        return f"{self.kind}@{self.after:g}"


def parse_fault(text: str) -> DemoFault:
    """Parse ``KIND`` or ``KIND@SECONDS``, such as ``drop-stream@30``.

    Raises:
        ValueError: an unknown kind or a delay that is not a number of seconds from 0 to 3600.
    """
    kind, at_sign, delay = text.strip().partition("@")
    if kind not in FAULT_KINDS:
        raise ValueError(
            f"The fault {kind!r} is not known; use one of {', '.join(FAULT_KINDS)}, "
            "optionally with @SECONDS, such as drop-stream@30."
        )
    if not at_sign:
        return DemoFault(kind)
    try:
        after = float(delay)
    except ValueError:
        after = -1.0
    if not 0 <= after <= 3600:
        raise ValueError(
            f"The fault delay {delay!r} in {text!r} is not a number of seconds from 0 to 3600."
        )
    return DemoFault(kind, after)


class FaultInjector:
    """Fires ``faults`` at the simulator at ``origin`` for the agent ``streamer_id``."""

    def __init__(self, origin: str, streamer_id: str, faults: list[DemoFault]) -> None:
        self._origin = origin
        self._streamer_id = streamer_id
        self._faults = sorted(faults, key=lambda fault: fault.after)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-faults", daemon=True)

    def __enter__(self) -> FaultInjector:
        if self._faults:
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=_REQUEST_TIMEOUT * 2)

    def _run(self) -> None:
        with httpx.Client(base_url=self._origin, timeout=_REQUEST_TIMEOUT) as http:
            live_since = self._wait_until_live(http)
            for fault in self._faults:
                if live_since is None:
                    return
                if self._stopping.wait(max(0.0, live_since + fault.after - time.monotonic())):
                    return
                try:
                    self._inject(http, fault)
                except httpx.HTTPError as error:
                    logger.warning("the demo fault %s failed: %s", fault, error)

    def _wait_until_live(self, http: httpx.Client) -> float | None:
        while not self._stopping.is_set():
            try:
                state = http.get("/_sim/state").raise_for_status().json()
            except httpx.HTTPError as error:
                logger.debug("reading the simulator's state failed: %s", error)
            else:
                if any(
                    agent["user_id"] == self._streamer_id and agent["is_live"]
                    for agent in state["agents"]
                ):
                    return time.monotonic()
            self._stopping.wait(_POLL_SECONDS)
        return None

    def _inject(self, http: httpx.Client, fault: DemoFault) -> None:
        logger.warning("demo fault %s: %s", fault.kind, FAULT_KINDS[fault.kind])
        self._post(
            http,
            "/_sim/chat",
            {
                "streamer_id": self._streamer_id,
                "username": ANNOUNCER,
                "text": f"Demo fault {fault.kind}: {FAULT_KINDS[fault.kind]}. "
                "Watch the cockpit recover.",
            },
        )
        if fault.kind == "drop-stream":
            self._post(http, "/_sim/ingest/drop", {"streamer_id": self._streamer_id})
        elif fault.kind == "rotate-key":
            self._post(http, "/_sim/faults", {"rotate_key": self._streamer_id})
            self._post(http, "/_sim/ingest/drop", {"streamer_id": self._streamer_id})
        elif fault.kind == "api-errors":
            self._post(http, "/_sim/faults", {"errors": {"status": 503, "count": 20}})
        elif fault.kind == "drop-sockets":
            self._post(http, "/_sim/faults", {"drop_sockets": True})

    @staticmethod
    def _post(http: httpx.Client, path: str, body: dict[str, Any]) -> None:
        http.post(path, json=body).raise_for_status()
