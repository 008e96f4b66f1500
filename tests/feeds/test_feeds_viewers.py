"""Viewer records against the simulator: kept across streams, linked by user id and wallet."""

from __future__ import annotations

from pathlib import Path

from feeds_helpers import Agent, HubFactory, SimControl, eventually, register_agent, solana_address
from test_feeds_hub import own_chat, own_sim, socket_up

from cockpit.feeds.hub import FeedHub


async def chat_as(control: SimControl, hub: FeedHub, text: str, **sender: str) -> None:
    await control.post("chat", {"streamer_id": hub.identity.user_db_id, "text": text, **sender})
    await eventually(
        lambda: [i for i in own_chat(hub) if i.text == text and i.source == "both"],
        10,
        f"the merged chat item {text!r}",
    )


async def test_returning_across_streams(
    control: SimControl, agent: Agent, make_hub: HubFactory, tmp_path: Path
) -> None:
    store_path = tmp_path / "viewers.sqlite3"
    wallet = solana_address()
    await agent.client.rtmp()
    started = await agent.client.stream_start()
    assert started.token is not None and started.token.token_address
    token = started.token.token_address

    first, _ = await make_hub(agent, store_path=store_path)
    await socket_up(first)
    first.set_live(True)
    await chat_as(control, first, "first stream hello", username="alice", wallet=wallet)
    alice = first.viewers.get(wallet)
    assert alice is not None
    assert not alice.returning
    await agent.client.stream_stop()
    first.set_live(False)
    await first.stop()

    await agent.client.stream_start()
    second, _ = await make_hub(
        agent, store_path=store_path, identity=agent.identity(token, started.token.ticker or "")
    )
    await socket_up(second)
    second.set_live(True)
    await chat_as(control, second, "back again", username="alice")
    await chat_as(control, second, "new here", username="bob")
    await control.post(
        "trade", {"token_address": token, "is_buy": True, "amount_in_usd": 9.5, "wallet": wallet}
    )
    await eventually(lambda: second.viewers.get(wallet).buys == 1, 10, "alice's buy")  # type: ignore[union-attr]

    alice = second.viewers.get(wallet)
    assert alice is not None
    assert alice.returning
    assert alice.message_count == 2
    assert [text for _, text in alice.recent_messages] == ["first stream hello", "back again"]
    assert alice.user_id is not None
    assert second.viewers.get(alice.user_id) == alice
    assert alice.bought_usd == 9.5
    bob = next(record for record in second.viewers.top(10) if record.name == "bob")
    assert not bob.returning
    assert bob.message_count == 1
    assert [record.name for record in second.viewers.top(1)] == ["alice"]


async def test_drift_comment_links_user_and_wallet(make_hub: HubFactory) -> None:
    with own_sim(drift=True, hostile_share=0.0) as sim:
        control = SimControl(sim.origin)
        agent = await register_agent(sim.api_url)
        try:
            hub, _ = await make_hub(agent, realtime=False)
            wallet = solana_address()
            await control.post(
                "chat",
                {
                    "streamer_id": agent.user_id,
                    "text": "drift hello",
                    "username": "carol",
                    "wallet": wallet,
                },
            )
            await eventually(lambda: own_chat(hub), 10, "the polled drift comment")
            (item,) = own_chat(hub)
            assert item.author_user_id
            assert item.author_wallet == wallet

            by_wallet = hub.viewers.get(wallet)
            by_user = hub.viewers.get(item.author_user_id)
            assert by_wallet is not None
            assert by_wallet == by_user
            assert by_wallet.names == ("carol",)
            assert by_wallet.message_count == 1
            assert len(hub.viewers) == 1
        finally:
            await agent.client.aclose()
            await control.aclose()
