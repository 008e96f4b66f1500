"""The client against faults injected into the simulator: statuses, bursts, trickle and latency."""

from __future__ import annotations

import time

import pytest
from contract_helpers import Agent, SimControl

from cockpit.api import (
    AuthError,
    BadRequestError,
    DeadlineExceeded,
    HttpStatusError,
    NoActiveSessionError,
    NotFoundError,
    RetakeClient,
    SendOutcomeUnknown,
    ServerError,
)
from cockpit.settings import HttpSettings

STATUS_PREFIX = "/api/v1/agent/stream/status"
CHAT_PREFIX = "/api/v1/agent/stream/chat/send"


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, BadRequestError),
        (401, AuthError),
        (404, NotFoundError),
        (409, NoActiveSessionError),
        (500, ServerError),
    ],
)
async def test_status_mapping(
    control: SimControl, agent: Agent, status: int, error_type: type[HttpStatusError]
):
    # A 500 is retried, so the burst covers every attempt.
    await control.faults(errors={"status": status, "count": 4, "path_prefix": STATUS_PREFIX})

    with pytest.raises(error_type) as caught:
        await agent.client.stream_status()

    assert caught.value.status == status
    assert caught.value.endpoint == "GET /agent/stream/status"


async def test_error_burst_recovered(control: SimControl, agent: Agent):
    before = (await control.state())["requests"]
    await control.faults(errors={"status": 500, "count": 2, "path_prefix": STATUS_PREFIX})

    status = await agent.client.stream_status()

    assert status.is_live is False
    after = (await control.state())["requests"]
    # Two failed attempts and one success; the state request itself is not counted.
    assert after - before == 3


async def test_burst_longer_than_retries(control: SimControl, agent: Agent, settings: HttpSettings):
    await control.faults(errors={"status": 503, "count": 10, "path_prefix": STATUS_PREFIX})

    with pytest.raises(ServerError) as caught:
        await agent.client.stream_status()

    assert caught.value.attempts == settings.retries + 1


async def test_state_change_not_retried(control: SimControl, agent: Agent):
    await control.faults(
        errors={"status": 500, "count": 1, "path_prefix": "/api/v1/agent/stream/start"}
    )

    with pytest.raises(ServerError):
        await agent.client.stream_start()
    status = await agent.client.stream_status()

    assert status.is_live is False


async def test_trickle_hits_deadline(control: SimControl, agent: Agent, settings: HttpSettings):
    await control.faults(trickle={"count": 5, "byte_interval": 1.0, "path_prefix": STATUS_PREFIX})
    agent_settings = settings.model_copy(update={"deadline": 1.5})
    slow_client = RetakeClient(
        agent.client.api_url,
        access_token=agent.registration.access_token,
        settings=agent_settings,
    )

    async with slow_client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as caught:
            await slow_client.stream_status()
        elapsed = time.monotonic() - started

    assert 1.4 <= elapsed < 3.0
    assert "deadline of 1.5 s" in str(caught.value)


async def test_chat_trickle_sent_once(
    control: SimControl, live_agent: Agent, settings: HttpSettings
):
    await control.faults(trickle={"count": 5, "byte_interval": 1.0, "path_prefix": CHAT_PREFIX})
    chat_client = RetakeClient(
        live_agent.client.api_url,
        access_token=live_agent.registration.access_token,
        settings=settings.model_copy(update={"deadline": 1.0}),
    )

    async with chat_client:
        with pytest.raises(SendOutcomeUnknown):
            await chat_client.chat_send("maybe posted", live_agent.user_id)

    sent = [
        item
        for item in (await control.state())["chat_sent"]
        if item["user_id"] == live_agent.user_id and item["text"] == "maybe posted"
    ]
    assert len(sent) == 1


async def test_latency_within_deadline(control: SimControl, agent: Agent):
    await control.faults(latency=0.3)

    started = time.monotonic()
    status = await agent.client.stream_status()
    elapsed = time.monotonic() - started

    assert status.is_live is False
    assert elapsed >= 0.3


async def test_latency_beyond_deadline(control: SimControl, agent: Agent, settings: HttpSettings):
    await control.faults(latency=2.0)
    quick = RetakeClient(
        agent.client.api_url,
        access_token=agent.registration.access_token,
        settings=settings.model_copy(update={"deadline": 0.5}),
    )

    async with quick:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            await quick.live_users()
        elapsed = time.monotonic() - started

    assert elapsed < 1.5
