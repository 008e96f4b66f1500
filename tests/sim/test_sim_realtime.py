"""Socket.IO events of the simulator: each arrives in its room after the matching action."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from simkit import SocketProbe, go_live

from cockpit.sim.server import SimServer

MESSAGE_FIELDS = {
    "type",
    "session_id",
    "streamer_id",
    "sender_user_id",
    "sender_username",
    "text",
    "timestamp",
}


@pytest.fixture
async def probe(sim: SimServer) -> AsyncIterator[SocketProbe]:
    client = await SocketProbe().connect(sim.origin)
    yield client
    await client.close()


async def test_chat_message_in_streamer_room(
    probe: SocketProbe, api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    await go_live(api, agent)
    await probe.join(agent["userDbId"])

    posted = (
        await control.post(
            "/_sim/chat", json={"streamer_id": agent["userDbId"], "text": "hi", "username": "ann"}
        )
    ).json()
    message = await probe.next("message")

    assert set(message) == MESSAGE_FIELDS
    assert message["type"] == "message"
    assert message["streamer_id"] == agent["userDbId"]
    assert message["session_id"] == posted["session_id"]
    assert message["session_id"] is not None
    assert message["sender_username"] == "ann"
    assert message["sender_user_id"] == posted["sender_user_id"]
    assert message["text"] == "hi"
    assert message["timestamp"] == str(posted["timestamp"])


async def test_agent_chat_send_emits_message(
    probe: SocketProbe, api: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    await probe.join(agent["userDbId"])

    await api.post(
        "/agent/stream/chat/send",
        headers=agent["headers"],
        json={"message": "from the agent", "destination_user_id": agent["userDbId"]},
    )
    message = await probe.next("message")

    assert message["text"] == "from the agent"
    assert message["sender_user_id"] == agent["userDbId"]
    assert message["session_id"] is None  # not live


async def test_tip_emits_message_and_tip_received(
    probe: SocketProbe, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    await probe.join(agent["userDbId"])
    await probe.join(f"live_{agent['userDbId']}")

    await control.post(
        "/_sim/tip", json={"streamer_id": agent["userDbId"], "amount": 4.2, "username": "tipper"}
    )
    message = await probe.next("message")
    tip = await probe.next("tip_received")

    assert set(message) == MESSAGE_FIELDS | {"tip_data"}
    assert message["type"] == "tip"
    assert message["tip_data"]["receiver_id"] == agent["userDbId"]
    assert message["tip_data"]["amount"] == 4.2
    assert set(tip) == {
        "receiver_id",
        "sender_user_id",
        "sender_username",
        "amount",
        "tx_hash",
        "timestamp",
    }
    assert tip["receiver_id"] == agent["userDbId"]
    assert tip["sender_username"] == "tipper"
    assert tip["amount"] == 4.2
    assert tip["tx_hash"] == message["tip_data"]["tx_hash"]
    assert tip["timestamp"].isdigit()


async def test_trade_emits_feed_events(
    probe: SocketProbe, api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    address = (await go_live(api, agent))["token"]["tokenAddress"]
    for room in (agent["userDbId"], "trades", f"trades_{address}"):
        await probe.join(room)
    trader = "So11111111111111111111111111111111111111112"

    created = (
        await control.post(
            "/_sim/trade",
            json={"token_address": address, "is_buy": True, "amount_in_usd": 25, "wallet": trader},
        )
    ).json()
    message = await probe.next("message")
    # One client in two rooms gets a room's event once per room it is in.
    newtrades = [await probe.next("newtrade"), await probe.next("newtrade")]
    raw = await probe.next("rawtrade")

    assert message["type"] == "trade"
    assert message["trade_data"] == {"amount": 25, "type": "buy", "tx_hash": created["tx_hash"]}
    for newtrade in newtrades:
        assert newtrade == {
            "address": address,
            "action": "buy",
            "usdAmount": 25,
            "tokenTicker": "TESTAGENT",
        }
    assert set(raw) == {
        "signature",
        "mint",
        "trader",
        "is_buy",
        "sol_amount",
        "token_amount",
        "timestamp",
    }
    assert raw["signature"] == created["tx_hash"]
    assert raw["mint"] == address
    assert raw["trader"] == trader
    assert raw["is_buy"] is True
    assert isinstance(raw["sol_amount"], int)
    assert raw["sol_amount"] > 0
    assert isinstance(raw["token_amount"], int)
    assert raw["timestamp"].isdigit()


async def test_per_token_room_only_gets_its_token(
    probe: SocketProbe, api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    address = (await go_live(api, agent))["token"]["tokenAddress"]
    other = next(
        user["token_address"]
        for user in (await api.get("/users/live/")).json()["users"]
        if user["token_address"] != address
    )
    await probe.join(f"trades_{address}")

    await control.post(
        "/_sim/trade", json={"token_address": other, "is_buy": True, "amount_in_usd": 5}
    )
    await control.post(
        "/_sim/trade", json={"token_address": address, "is_buy": True, "amount_in_usd": 6}
    )
    newtrade = await probe.next("newtrade")

    assert newtrade["address"] == address
    assert probe.pending("newtrade") == 0


async def test_follow_emits_user_followed(
    probe: SocketProbe, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    await probe.join(f"live_{agent['userDbId']}")

    created = (
        await control.post(
            "/_sim/follow", json={"streamer_id": agent["userDbId"], "username": "fan"}
        )
    ).json()
    followed = await probe.next("user_followed")

    assert followed == {
        "streamer_id": agent["userDbId"],
        "follower_id": created["follower_id"],
        "follower_username": "fan",
    }


async def test_stream_start_emits_session_started(
    probe: SocketProbe, api: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    await probe.join(f"live_{agent['userDbId']}")

    await go_live(api, agent)
    started = await probe.next("session_started")
    session = (await api.get(f"/sessions/active/{agent['userDbId']}/")).json()["session"]

    assert started == {
        "streamer_id": agent["userDbId"],
        "session_id": session["session_id"],
        "username": "TestAgent",
        "title": session["title"],
    }


async def test_pin_and_unpin(
    probe: SocketProbe, api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    await go_live(api, agent)
    session_id = (await api.get(f"/sessions/active/{agent['userDbId']}/")).json()["session"][
        "session_id"
    ]
    await probe.join(f"{agent['userDbId']}/{session_id}")
    await control.post("/_sim/chat", json={"streamer_id": agent["userDbId"], "text": "pin me"})

    pinned_response = await control.post("/_sim/pin", json={"streamer_id": agent["userDbId"]})
    pinned = await probe.next("pinned")
    await control.post("/_sim/pin", json={"streamer_id": agent["userDbId"], "pinned": False})
    unpinned = await probe.next("pinned")

    assert pinned_response.json() == pinned
    assert pinned["pinned"] is True
    assert pinned["message"]["text"] == "pin me"
    assert set(pinned["message"]) == MESSAGE_FIELDS
    assert unpinned == {"pinned": False, "message": None}


async def test_pin_needs_live_session_and_message(
    api: httpx.AsyncClient, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    offline = await control.post("/_sim/pin", json={"streamer_id": agent["userDbId"]})
    await go_live(api, agent)
    empty = await control.post("/_sim/pin", json={"streamer_id": agent["userDbId"]})

    assert offline.status_code == 409
    assert empty.status_code == 404


async def test_left_room_gets_nothing(
    probe: SocketProbe, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    await probe.join(agent["userDbId"])
    await probe.join(f"live_{agent['userDbId']}")
    await probe.leave(agent["userDbId"])

    await control.post("/_sim/chat", json={"streamer_id": agent["userDbId"], "text": "unheard"})
    await control.post("/_sim/follow", json={"streamer_id": agent["userDbId"]})
    # Events reach one client in order, so the chat message would have come before the follow.
    await probe.next("user_followed")

    assert probe.pending("message") == 0


async def test_events_only_reach_joined_rooms(
    sim: SimServer, probe: SocketProbe, control: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    bystander = await SocketProbe().connect(sim.origin)
    try:
        await bystander.join("trades")
        await probe.join(agent["userDbId"])

        await control.post("/_sim/chat", json={"streamer_id": agent["userDbId"], "text": "x"})
        await control.post("/_sim/follow", json={"streamer_id": agent["userDbId"]})
        received = await probe.next("message")
        # A round trip on the bystander's connection: anything emitted to it before has arrived.
        await bystander.join(f"live_{agent['userDbId']}")
    finally:
        await bystander.close()

    assert received["text"] == "x"
    assert bystander.pending("message") == 0
    assert bystander.pending("user_followed") == 0


async def test_join_room_without_room_id(probe: SocketProbe) -> None:
    ack = await probe.client.call("joinRoom", {"room": "x"}, timeout=5)

    assert "error" in ack
