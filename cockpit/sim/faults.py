"""Injected faults: error bursts, added latency and trickled responses on the platform's paths.

The other faults of ``POST /_sim/faults`` (dropped sockets, a rotated RTMP key,
a revoked token) change state once and live in the control routes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cockpit.sim.errors import bad_request

logger = logging.getLogger(__name__)

INTERNAL_PREFIX = "/_"
"""Paths of the simulator's own endpoints (/_sim, an ingest's /_ingest); faults spare them."""


@dataclass
class ErrorRule:
    """The next ``remaining`` requests under ``path_prefix`` get ``status``."""

    status: int
    remaining: int
    path_prefix: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "count": self.remaining, "path_prefix": self.path_prefix}


@dataclass
class TrickleRule:
    """The next ``remaining`` responses under ``path_prefix`` go out one byte per interval."""

    remaining: int
    byte_interval: float
    path_prefix: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.remaining,
            "byte_interval": self.byte_interval,
            "path_prefix": self.path_prefix,
        }


class FaultPlan:
    """The faults in force. Only the simulator's event loop reads or changes it."""

    def __init__(self) -> None:
        self.errors: list[ErrorRule] = []
        self.trickles: list[TrickleRule] = []
        self.latency = 0.0

    def clear(self) -> None:
        """Remove every fault."""
        self.errors.clear()
        self.trickles.clear()
        self.latency = 0.0

    def apply(self, spec: dict[str, Any]) -> None:
        """Add the ``errors``, ``latency`` and ``trickle`` parts of a fault request.

        Raises SimError(400) naming the invalid field; nothing changes then.
        """
        error = _error_rule(spec["errors"]) if "errors" in spec else None
        trickle = _trickle_rule(spec["trickle"]) if "trickle" in spec else None
        latency = _seconds(spec["latency"], "latency") if "latency" in spec else None
        if error is not None:
            self.errors.append(error)
        if trickle is not None:
            self.trickles.append(trickle)
        if latency is not None:
            self.latency = latency
        logger.info("Faults now: %s", self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        """Return the faults in force, as the control endpoint reports them."""
        return {
            "errors": [rule.as_dict() for rule in self.errors],
            "latency": self.latency,
            "trickle": [rule.as_dict() for rule in self.trickles],
        }

    def take_error(self, path: str) -> int | None:
        """Use up one matching error rule; return its status, or None."""
        return _take(self.errors, path, lambda rule: rule.status)

    def take_trickle(self, path: str) -> float | None:
        """Use up one matching trickle rule; return its byte interval, or None."""
        return _take(self.trickles, path, lambda rule: rule.byte_interval)


def _take(rules: list[Any], path: str, value: Any) -> Any:
    for rule in rules:
        if rule.path_prefix is None or path.startswith(rule.path_prefix):
            rule.remaining -= 1
            if rule.remaining <= 0:
                rules.remove(rule)
            return value(rule)
    return None


def _error_rule(spec: Any) -> ErrorRule:
    if not isinstance(spec, dict):
        raise bad_request("The 'errors' fault must be an object with 'status' and 'count'.")
    status = spec.get("status", 500)
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        raise bad_request(f"The error status {status!r} is not an HTTP error status (400-599).")
    return ErrorRule(status, _count(spec.get("count", 1)), _prefix(spec.get("path_prefix")))


def _trickle_rule(spec: Any) -> TrickleRule:
    if not isinstance(spec, dict):
        raise bad_request("The 'trickle' fault must be an object with 'count' and 'byte_interval'.")
    interval = _seconds(spec.get("byte_interval", 1.0), "trickle.byte_interval")
    return TrickleRule(_count(spec.get("count", 1)), interval, _prefix(spec.get("path_prefix")))


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise bad_request(f"The fault count {value!r} is not a whole number of at least 1.")
    return value


def _seconds(value: Any, field: str) -> float:
    valid = isinstance(value, int | float) and not isinstance(value, bool)
    if not valid or not math.isfinite(value) or not 0 <= value <= 600:
        raise bad_request(f"The {field} {value!r} is not a number of seconds from 0 to 600.")
    return float(value)


def _prefix(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith("/"):
        raise bad_request(f"The path_prefix {value!r} must be a string starting with '/'.")
    return value


class FaultMiddleware:
    """ASGI middleware that applies the plan to the platform's HTTP requests and counts them."""

    def __init__(self, app: ASGIApp, plan: FaultPlan, counter: Any) -> None:
        self.app = app
        self.plan = plan
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(INTERNAL_PREFIX):
            await self.app(scope, receive, send)
            return

        self.counter.request_count += 1
        if self.plan.latency > 0:
            await asyncio.sleep(self.plan.latency)
        status = self.plan.take_error(path)
        if status is not None:
            logger.info("Injected a %d error on %s", status, path)
            await _send_error(send, status)
            return
        interval = self.plan.take_trickle(path)
        if interval is None:
            await self.app(scope, receive, send)
            return
        logger.info("Trickling the response to %s at %.3f s per byte", path, interval)
        trickle = _Trickle(send, receive, interval)
        try:
            await self.app(scope, receive, trickle.send)
        finally:
            trickle.close()


async def _send_error(send: Send, status: int) -> None:
    message = (
        f"The simulator injected this {status} error as a fault; clear it with DELETE /_sim/faults."
    )
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _Trickle:
    """Sends a response body one byte per interval, and stops early if the client goes away."""

    def __init__(self, send: Send, receive: Receive, interval: float) -> None:
        self._send = send
        self._receive = receive
        self._interval = interval
        self._disconnected = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None

    async def send(self, message: Message) -> None:
        if message["type"] != "http.response.body":
            await self._send(message)
            return
        # The app has read the request by now, so receive() only reports a disconnect.
        if self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(self._watch())
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        if not body:
            await self._send(message)
            return
        for index in range(len(body)):
            last = index == len(body) - 1
            chunk = body[index : index + 1]
            await self._send(
                {"type": "http.response.body", "body": chunk, "more_body": more or not last}
            )
            if (not last or more) and await self._client_gone_within(self._interval):
                logger.info("The client left during a trickled response; stopping it")
                return

    async def _client_gone_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._disconnected.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _watch(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self._disconnected.set()
                return

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
