"""FeedStore: private files, verbatim text, and a full disk that does not stop streaming.

The full disk is made with SQLite's ``PRAGMA max_page_count`` (the store's
``max_bytes``), which caps the database file so that a write beyond it fails
with SQLITE_FULL, "database or disk is full": the same error a full
filesystem gives.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from feeds_helpers import Agent, HubFactory, SimControl, eventually, fast_settings

from cockpit import paths
from cockpit.feeds.events import Alert, ChatItem, SendUpdate, TradeItem
from cockpit.feeds.store import DATABASE_NAME, FeedStore, is_disk_full

HOSTILE = "nul\x00 esc\x1b[31m bidi\u202e lone\ud800 surrogate [b]markup[/b] 🔥"


def chat(index: int, text: str = "hello", platform_id: str | None = None) -> ChatItem:
    return ChatItem(
        id=f"c-{index}",
        platform_id=platform_id,
        streamer_id="streamer",
        text=text,
        at=1000.0 + index,
        author_name=HOSTILE,
    )


async def test_files_private() -> None:
    store = FeedStore.for_profile("private")
    await store.open()
    try:
        store.append_chat(chat(1))
        await store.flush()
    finally:
        await store.close()

    directory = paths.data_dir("private")
    assert store.path == directory / DATABASE_NAME
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for file in directory.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name


async def test_text_verbatim(tmp_path: Path) -> None:
    store = FeedStore(tmp_path / "verbatim.sqlite3")
    await store.open()
    try:
        store.append_chat(chat(1, HOSTILE, "p1"))
        store.append_trade(
            TradeItem(
                id="t-1", token_address="tok", ticker=HOSTILE, is_buy=True, amount_usd=1, at=1
            )
        )
        store.save_sent(
            SendUpdate(message_id="m-1", text=HOSTILE, destination="d", state="sent", at=2.0)
        )
        store.set_state("key", {"text": HOSTILE})
        await store.flush()

        (row,) = await store.chat("streamer")
        assert row.text == HOSTILE
        assert row.author_name == HOSTILE
        assert row.platform_id == "p1"
        (trade,) = await store.trades("tok")
        assert trade.ticker == HOSTILE
        (sent,) = await store.sent()
        assert sent.text == HOSTILE
        assert await store.get_state("key") == {"text": HOSTILE}
    finally:
        await store.close()


async def test_later_version_replaces_row(tmp_path: Path) -> None:
    store = FeedStore(tmp_path / "replace.sqlite3")
    await store.open()
    try:
        store.append_chat(chat(1))
        await store.flush()
        store.append_chat(chat(1, platform_id="p1"))
        await store.flush()
        rows = await store.chat()
        assert [(row.id, row.platform_id) for row in rows] == [("c-1", "p1")]
    finally:
        await store.close()


async def test_full_disk_reported_then_recovered(tmp_path: Path) -> None:
    alerts: list[Alert] = []
    store = FeedStore(tmp_path / "full.sqlite3", max_bytes=64 * 1024)
    store.on_alert = alerts.append
    await store.open()
    try:
        for index in range(60):
            store.append_chat(chat(index, "x" * 3000))
        await store.flush()

        assert store.failing
        assert [alert.kind for alert in alerts] == ["store_full"]
        assert alerts[0].severity == "critical"
        assert store.backlog > 0

        await store.set_max_bytes(None)
        assert not store.failing
        assert store.backlog == 0
        assert [alert.kind for alert in alerts] == ["store_full", "store_recovered"]
        assert len(await store.chat()) == 60
    finally:
        await store.close()


def test_disk_full_error_recognised(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "cap.sqlite3")
    connection.execute("CREATE TABLE t (x BLOB)")
    connection.execute("PRAGMA max_page_count = 3")
    try:
        for _ in range(10):
            connection.execute("INSERT INTO t VALUES (?)", (b"x" * 4000,))
    except sqlite3.OperationalError as error:
        assert "database or disk is full" in str(error)
        assert is_disk_full(error)
    else:
        raise AssertionError("the capped database accepted every row")
    finally:
        connection.close()


async def test_hub_streams_on_when_store_full(
    control: SimControl, agent: Agent, make_hub: HubFactory
) -> None:
    settings = fast_settings(store_max_bytes=65_536)
    hub, recorder = await make_hub(agent, realtime=False, settings=settings)

    for index in range(40):
        await control.post("chat", {"streamer_id": agent.user_id, "text": f"{index} " + "y" * 3000})
    await eventually(lambda: len(hub.recent_chat()) == 40, 15, "40 chat items in memory")
    alerts = await eventually(
        lambda: [a for a in recorder.of(Alert) if a.kind == "store_full"], 5, "the alert"
    )
    assert len(alerts) == 1

    await control.post("chat", {"streamer_id": agent.user_id, "text": "after the disk filled"})
    await eventually(
        lambda: hub.recent_chat()[-1].text == "after the disk filled", 5, "chat after the alert"
    )
    assert len(recorder.latest_by_id(ChatItem)) == 41
