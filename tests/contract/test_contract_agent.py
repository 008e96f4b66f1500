"""The client against the simulator: every agent endpoint, real bad requests and comment paging."""

from __future__ import annotations

import re

import pytest
from contract_helpers import Agent, SimControl, png_image, solana_address, unique_agent_name

from cockpit.api import (
    AuthError,
    BadRequestError,
    NoActiveSessionError,
    NotFoundError,
    RetakeClient,
)
from cockpit.settings import HttpSettings
from cockpit.sim.server import SimServer


async def test_register_fields(sim: SimServer, settings: HttpSettings):
    name = unique_agent_name()
    wallet = solana_address()

    async with RetakeClient(sim.api_url, settings=settings) as client:
        registration = await client.register(name, "About", "https://example.com/a.png", wallet)

    assert registration.access_token.get_secret_value()
    assert registration.agent_id
    assert registration.user_db_id
    assert registration.wallet_address == wallet
    assert registration.token_address == ""
    assert registration.token_ticker == ""


async def test_register_taken_name(sim: SimServer, settings: HttpSettings, agent: Agent):
    taken = (await agent.client.streamer(agent.user_id)).username

    async with RetakeClient(sim.api_url, settings=settings) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.register(taken, "About", "https://example.com/a.png", solana_address())

    assert caught.value.status == 400
    assert caught.value.server_message
    assert "Choose another agent name" in str(caught.value)


@pytest.mark.parametrize(
    ("wallet", "image_url"),
    [
        ("not-base58-0OIl", "https://example.com/a.png"),
        ("1111", "https://example.com/a.png"),
        (None, "http://example.com/a.png"),
        (None, "https://example.com/a.gif"),
    ],
    ids=["bad wallet", "short wallet", "http image", "gif image"],
)
async def test_register_bad_input(
    sim: SimServer, settings: HttpSettings, wallet: str | None, image_url: str
):
    async with RetakeClient(sim.api_url, settings=settings) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.register(
                unique_agent_name(), "About", image_url, wallet or solana_address()
            )

    assert caught.value.endpoint == "POST /agent/register"
    assert caught.value.server_message


async def test_rtmp_fresh_keys(sim: SimServer, agent: Agent):
    first = await agent.client.rtmp()
    second = await agent.client.rtmp()

    assert re.fullmatch(r"rtmps://127\.0\.0\.1:\d+/live", first.url)
    assert first.key.get_secret_value().startswith("sk_")
    assert first.key.get_secret_value() != second.key.get_secret_value()
    assert first.key.get_secret_value() not in repr(first)


async def test_stream_lifecycle(sim: SimServer, agent: Agent):
    await agent.client.rtmp()
    started = await agent.client.stream_start()
    status = await agent.client.stream_status()
    stopped = await agent.client.stream_stop()

    assert started.success is True
    assert started.token is not None
    assert started.token.token_address
    assert started.token.ticker
    assert status.is_live is True
    assert status.user_db_id == agent.user_id
    assert status.token_address == started.token.token_address
    assert status.viewers >= 0
    assert status.uptime_seconds >= 0
    assert stopped.status == "stopped"
    assert stopped.duration_seconds >= 0
    assert stopped.viewers >= 0


async def test_stop_without_session(agent: Agent):
    with pytest.raises(NoActiveSessionError) as caught:
        await agent.client.stream_stop()

    assert caught.value.status == 409
    assert "Call stream start" in str(caught.value)


async def test_thumbnail_upload(control: SimControl, live_agent: Agent):
    result = await live_agent.client.update_thumbnail(png_image(32, 18))

    assert result.thumbnail_url.endswith(".png")
    assert result.thumbnail_url.startswith("http://127.0.0.1:")
    thumbnails = [
        item
        for item in (await control.state())["thumbnails"]
        if item["user_id"] == live_agent.user_id
    ]
    assert thumbnails[-1]["content_type"] == "image/png"
    assert (thumbnails[-1]["width"], thumbnails[-1]["height"]) == (32, 18)


async def test_thumbnail_not_an_image(live_agent: Agent):
    with pytest.raises(BadRequestError) as caught:
        await live_agent.client.update_thumbnail(b"plain text, not a picture", "image/png")

    assert "JPEG or PNG" in str(caught.value)


async def test_chat_send_recorded(control: SimControl, live_agent: Agent):
    result = await live_agent.client.chat_send("hello from the contract test", live_agent.user_id)

    assert result.success is True
    sent = [
        item
        for item in (await control.state())["chat_sent"]
        if item["user_id"] == live_agent.user_id
    ]
    assert sent[-1]["text"] == "hello from the contract test"
    assert sent[-1]["destination_user_id"] == live_agent.user_id


async def test_chat_send_empty(live_agent: Agent):
    with pytest.raises(BadRequestError) as caught:
        await live_agent.client.chat_send("", live_agent.user_id)

    assert "must not be empty" in str(caught.value)


async def test_chat_send_unknown_destination(live_agent: Agent):
    with pytest.raises(NotFoundError):
        await live_agent.client.chat_send("hello", "00000000-0000-0000-0000-000000000000")


async def test_comments_documented_shape(control: SimControl, live_agent: Agent):
    wallet = solana_address()
    await control.post(
        "chat",
        {
            "streamer_id": live_agent.user_id,
            "text": "first!",
            "username": "viewer_doc",
            "wallet": wallet,
        },
    )

    [comment] = await live_agent.client.comments(live_agent.user_id, limit=1)

    assert comment.text == "first!"
    assert comment.streamer_id == live_agent.user_id
    assert comment.id
    assert comment.timestamp.tzinfo is not None
    assert comment.author.username == "viewer_doc"
    assert comment.author.wallet == wallet


async def test_comments_paging(control: SimControl, live_agent: Agent):
    for number in range(7):
        await control.post("chat", {"streamer_id": live_agent.user_id, "text": f"line {number}"})

    first_page = await live_agent.client.comments(live_agent.user_id, limit=3)
    walked = [
        comment.text
        async for comment in live_agent.client.iter_comments(live_agent.user_id, page_size=3)
    ]

    assert [comment.text for comment in first_page] == ["line 6", "line 5", "line 4"]
    assert walked == [f"line {number}" for number in range(6, -1, -1)]


async def test_comments_limit_capped(live_agent: Agent):
    with pytest.raises(ValueError, match="1 to 100"):
        await live_agent.client.comments(live_agent.user_id, limit=500)


async def test_invalid_token(sim: SimServer, settings: HttpSettings):
    async with RetakeClient(
        sim.api_url, access_token="rtk_not_issued", settings=settings, profile="ghost"
    ) as client:
        with pytest.raises(AuthError) as caught:
            await client.stream_status()

    assert "`cockpit login --profile ghost`" in str(caught.value)
    assert "rtk_not_issued" not in str(caught.value)


async def test_revoked_token(control: SimControl, agent: Agent):
    await agent.client.stream_status()

    await control.faults(revoke_token=agent.user_id)

    with pytest.raises(AuthError):
        await agent.client.stream_status()


async def test_rotated_key(control: SimControl, agent: Agent):
    before = await agent.client.rtmp()

    await control.faults(rotate_key=agent.user_id)
    after = await agent.client.rtmp()

    assert after.key.get_secret_value() != before.key.get_secret_value()


async def test_skill_files(sim: SimServer, settings: HttpSettings):
    async with RetakeClient(sim.api_url, settings=settings) as client:
        info = await client.skill_info()
        text = await client.skill_text()

    assert info.name == "retake"
    assert info.version == "2.0.0"
    assert text.strip()
