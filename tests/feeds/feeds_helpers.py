"""Helpers of the feed tests: a client of the simulator's /_sim endpoints, an event recorder,
condition polling, and agents registered through the real client."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from cockpit.api import RetakeClient
from cockpit.api.models import Registration
from cockpit.feeds.events import FeedEvent
from cockpit.feeds.hub import FeedHub
from cockpit.feeds.identity import AgentIdentity
from cockpit.settings import AlertSettings, FeedSettings, HttpSettings

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_names = itertools.count(1)

EventT = TypeVar("EventT")

QUICK_HTTP = HttpSettings(
    connect_timeout=2.0,
    read_timeout=5.0,
    deadline=10.0,
    retries=2,
    backoff_initial=0.01,
    backoff_max=0.05,
)
"""Quick retries, so that fault tests finish fast."""

REALTIME_HTTP = HttpSettings(connect_timeout=5.0, backoff_initial=0.1, backoff_max=0.5)
"""Quick Socket.IO reconnects."""


def solana_address() -> str:
    """Return a random base58 string of 32 bytes, the form of a Solana public key."""
    data = os.urandom(32)
    number = int.from_bytes(data, "big")
    text = ""
    while number:
        number, digit = divmod(number, 58)
        text = _BASE58[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


def unique_agent_name() -> str:
    """Return an agent name no other test of this run uses."""
    return f"Feeds{os.getpid() % 1000}x{next(_names)}"


async def eventually(
    condition: Callable[[], Any], timeout: float = 10.0, message: str = "condition"
) -> Any:
    """Poll ``condition`` every 20 ms until it returns a true value; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} did not hold within {timeout} s")
        await asyncio.sleep(0.02)


class Recorder:
    """The ``publish`` callback of a hub under test: keeps every event in order."""

    def __init__(self) -> None:
        self.events: list[FeedEvent] = []

    def __call__(self, event: FeedEvent) -> None:
        self.events.append(event)

    def of(self, kind: type[EventT]) -> list[EventT]:
        """Return the events of one class, in order."""
        return [event for event in self.events if isinstance(event, kind)]

    def latest_by_id(self, kind: type[EventT]) -> dict[str, EventT]:
        """Return the latest version of each item of ``kind`` by ``id``, as consumers keep them."""
        latest: dict[str, EventT] = {}
        for event in self.of(kind):
            latest[event.id] = event  # type: ignore[attr-defined]
        return latest


class SimControl:
    """A client of the simulator's control endpoints (not part of the platform)."""

    def __init__(self, origin: str) -> None:
        self._client = httpx.AsyncClient(base_url=origin, timeout=15.0, trust_env=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        response = await self._client.post(f"/_sim/{path}", json=body)
        assert response.status_code == 200, f"/_sim/{path}: {response.status_code} {response.text}"
        return response.json()

    async def faults(self, **spec: Any) -> Any:
        return await self.post("faults", spec)

    async def clear_faults(self) -> None:
        response = await self._client.delete("/_sim/faults")
        assert response.status_code == 200

    async def state(self) -> Any:
        response = await self._client.get("/_sim/state")
        assert response.status_code == 200
        return response.json()

    async def chat_record(self, streamer_id: str) -> list[dict[str, Any]]:
        """Return the streamer's whole chat as /chat/ serves it, oldest first."""
        items: list[dict[str, Any]] = []
        before: str | None = None
        while True:
            params: dict[str, str | int] = {"streamer_id": streamer_id, "limit": 100}
            if before:
                params["before_chat_event_id"] = before
            response = await self._client.get("/api/v1/chat/", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            items.extend(page["chats"])
            if not page["has_more"] or not page["chats"]:
                return list(reversed(items))
            before = page["chats"][-1]["chat_event_id"]

    async def trade_record(self, token_address: str) -> list[dict[str, Any]]:
        """Return every trade of a token as /trades/recent/:token/ serves them, oldest first."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            response = await self._client.get(
                f"/api/v1/trades/recent/{token_address}/", params=params
            )
            assert response.status_code == 200, response.text
            page = response.json()
            items.extend(page["trades"])
            cursor = page["next_cursor"]
            if not cursor:
                return list(reversed(items))


@dataclass
class Agent:
    """A registered agent, a client holding its token, and its registration."""

    registration: Registration
    client: RetakeClient
    name: str
    wallet: str

    @property
    def user_id(self) -> str:
        return self.registration.user_db_id

    def identity(self, token_address: str = "", ticker: str = "") -> AgentIdentity:
        return AgentIdentity(
            user_db_id=self.user_id,
            agent_name=self.name,
            token_address=token_address,
            token_ticker=ticker,
            wallet_address=self.wallet,
        )


async def register_agent(api_url: str, http: HttpSettings = QUICK_HTTP) -> Agent:
    """Register a new agent through the real client and return it with an authenticated client."""
    name = unique_agent_name()
    wallet = solana_address()
    async with RetakeClient(api_url, settings=http) as anonymous:
        registration = await anonymous.register(
            name, "Feed test agent", "https://example.com/avatar.png", wallet
        )
    client = RetakeClient(
        api_url,
        access_token=registration.access_token,
        token_api_url=api_url,
        settings=http,
        profile="feeds",
    )
    return Agent(registration, client, name, wallet)


async def start_stream(agent: Agent) -> tuple[str, str]:
    """Fetch RTMP keys and start a stream; return the token's address and ticker."""
    await agent.client.rtmp()
    started = await agent.client.stream_start()
    assert started.token is not None and started.token.token_address
    return started.token.token_address, started.token.ticker or ""


HubFactory = Callable[..., Awaitable[tuple[FeedHub, Recorder]]]


def fast_settings(**changes: object) -> FeedSettings:
    """Feed settings with cadences of a few hundred milliseconds, so tests finish fast."""
    values: dict[str, object] = {
        "chat_interval_active": 0.2,
        "chat_interval_quiet": 0.3,
        "chat_interval_offline": 0.4,
        "tips_interval": 0.3,
        "trades_interval": 0.3,
        "stats_interval": 0.4,
        "status_interval": 0.4,
        "offline_slowdown": 1.0,
        "store_flush_interval": 0.05,
        "send_unknown_timeout": 5.0,
        "send_readback_interval": 0.2,
        "socket_retry_initial": 0.1,
        "socket_retry_max": 0.5,
        "alerts": AlertSettings(),
    }
    values.update(changes)
    return FeedSettings(**values)  # type: ignore[arg-type]
