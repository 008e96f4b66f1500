"""The send queue against the simulator: every state, under injected errors and timeouts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from feeds_helpers import (
    Agent,
    HubFactory,
    Recorder,
    SimControl,
    eventually,
    fast_settings,
    register_agent,
)

from cockpit.feeds.events import SendUpdate
from cockpit.feeds.hub import FeedHub
from cockpit.settings import HttpSettings
from cockpit.sim.server import SimServer

SEND_PATH = "/api/v1/agent/stream/chat/send"


def states(recorder: Recorder, message_id: str) -> list[str]:
    return [update.state for update in recorder.of(SendUpdate) if update.message_id == message_id]


async def final(hub: FeedHub, message_id: str, timeout: float = 10.0) -> SendUpdate:
    """Wait until the message is sent or failed, and return that state."""
    return await eventually(
        lambda: (
            (update := hub.sender.get(message_id)) and update.state in ("sent", "failed") and update
        ),
        timeout,
        f"a final state of {message_id}",
    )


async def sent_texts(control: SimControl, agent: Agent) -> list[str]:
    state = await control.state()
    return [sent["text"] for sent in state["chat_sent"] if sent["user_id"] == agent.user_id]


@pytest.fixture
async def impatient_agent(sim: SimServer) -> AsyncIterator[Agent]:
    """An agent whose client gives up on a response after half a second."""
    http = HttpSettings(
        connect_timeout=1.0, read_timeout=0.5, deadline=1.0, retries=0, backoff_initial=0.01
    )
    registered = await register_agent(sim.api_url, http)
    try:
        yield registered
    finally:
        await registered.client.aclose()


async def test_sent(control: SimControl, agent: Agent, make_hub: HubFactory) -> None:
    hub, recorder = await make_hub(agent, realtime=False)
    update = hub.sender.submit("  hello chat  ")

    assert update.state == "queued"
    assert (await final(hub, update.message_id)).state == "sent"
    assert states(recorder, update.message_id) == ["queued", "sending", "sent"]
    assert await sent_texts(control, agent) == ["hello chat"]
    own = await eventually(lambda: [i for i in hub.recent_chat() if i.own], 10, "the own message")
    assert own[0].text == "hello chat"


async def test_server_error_then_retry(
    control: SimControl, agent: Agent, make_hub: HubFactory
) -> None:
    hub, recorder = await make_hub(agent, realtime=False)
    await control.faults(errors={"status": 500, "count": 1, "path_prefix": SEND_PATH})

    update = hub.sender.submit("first try fails")
    failed = await final(hub, update.message_id)
    assert failed.state == "failed"
    assert "500" in failed.reason
    assert await sent_texts(control, agent) == []

    retried = hub.sender.retry(update.message_id)
    assert retried.state == "queued"
    assert retried.message_id == update.message_id
    assert (await final(hub, update.message_id)).state == "sent"
    assert states(recorder, update.message_id) == [
        "queued",
        "sending",
        "failed",
        "queued",
        "sending",
        "sent",
    ]
    assert await sent_texts(control, agent) == ["first try fails"]


async def test_unknown_resolved_by_reading_back(
    control: SimControl, impatient_agent: Agent, make_hub: HubFactory
) -> None:
    hub, recorder = await make_hub(impatient_agent, realtime=False)
    await control.faults(trickle={"count": 1, "byte_interval": 1.0, "path_prefix": SEND_PATH})

    update = hub.sender.submit("did this arrive?")
    resolved = await final(hub, update.message_id)

    assert resolved.state == "sent"
    assert states(recorder, update.message_id) == ["queued", "sending", "unknown", "sent"]
    assert await sent_texts(control, impatient_agent) == ["did this arrive?"]


async def test_unknown_not_found_fails(
    control: SimControl, impatient_agent: Agent, make_hub: HubFactory
) -> None:
    settings = fast_settings(send_unknown_timeout=1.5)
    hub, recorder = await make_hub(impatient_agent, realtime=False, settings=settings)
    # Every request now waits 3 s, longer than the client's 1 s deadline: the send's outcome
    # is unknown and every read-back times out, so the message cannot be found in time.
    await control.faults(latency=3.0)

    update = hub.sender.submit("lost in the void")
    failed = await final(hub, update.message_id)

    assert failed.state == "failed"
    assert "not found in chat" in failed.reason
    assert states(recorder, update.message_id) == ["queued", "sending", "unknown", "failed"]
    await control.clear_faults()
    assert hub.sender.retry(update.message_id).state == "queued"


async def test_rejected_before_sending(
    control: SimControl, agent: Agent, make_hub: HubFactory
) -> None:
    hub, _ = await make_hub(agent, realtime=False)

    empty = hub.sender.submit("   \n ")
    too_long = hub.sender.submit("x" * 501)
    at_limit = hub.sender.submit("y" * 500)

    assert empty.state == "failed"
    assert "empty" in empty.reason
    assert too_long.state == "failed"
    assert "501 characters" in too_long.reason
    assert "500" in too_long.reason
    assert (await final(hub, at_limit.message_id)).state == "sent"
    assert await sent_texts(control, agent) == ["y" * 500]


async def test_repeat_sent_with_warning(
    control: SimControl, agent: Agent, make_hub: HubFactory
) -> None:
    hub, _ = await make_hub(agent, realtime=False)

    original = hub.sender.submit("Welcome to the stream everyone!")
    repeat = hub.sender.submit("welcome to the  stream, everyone")
    different = hub.sender.submit("Time for a quiz about chess openings")

    assert original.warning == ""
    assert "repeats" in repeat.warning
    assert different.warning == ""
    for update in (original, repeat, different):
        assert (await final(hub, update.message_id)).state == "sent"
    assert hub.sender.get(repeat.message_id).warning == repeat.warning  # type: ignore[union-attr]
    assert len(await sent_texts(control, agent)) == 3


async def test_sent_in_order(control: SimControl, agent: Agent, make_hub: HubFactory) -> None:
    hub, _ = await make_hub(agent, realtime=False)
    await control.faults(latency=0.05)

    updates = [hub.sender.submit(f"message number {index}: {'ab' * index}") for index in range(6)]
    for update in updates:
        assert (await final(hub, update.message_id)).state == "sent"

    assert await sent_texts(control, agent) == [update.text for update in updates]


async def test_destination_other_streamer(
    sim: SimServer, control: SimControl, agent: Agent, make_hub: HubFactory
) -> None:
    other = await register_agent(sim.api_url)
    await other.client.aclose()
    hub, _ = await make_hub(agent, realtime=False)
    await hub.join_streamer(other.user_id)

    update = hub.sender.submit("hi from next door", other.user_id)

    assert update.destination == other.user_id
    assert (await final(hub, update.message_id)).state == "sent"
    state = await control.state()
    assert [
        s["destination_user_id"] for s in state["chat_sent"] if s["user_id"] == agent.user_id
    ] == [other.user_id]
    own = await eventually(
        lambda: [i for i in hub.recent_chat() if i.own and i.streamer_id == other.user_id],
        10,
        "the own message in the other chat",
    )
    assert own[0].text == "hi from next door"
