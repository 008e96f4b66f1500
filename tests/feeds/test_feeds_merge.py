"""The merge rules on their own: socket and poll reports of one item become one item.

These tests feed the mergers hand-made reports, because a server cannot produce
the exact timing and repeat cases on demand. The hub tests check the same rules
end to end against the simulator.
"""

from __future__ import annotations

from cockpit.feeds.events import ChatItem, TradeItem
from cockpit.feeds.merge import ChatMerger, TimeWindow, TradeMerger, normalise_text
from cockpit.settings import FeedSettings

SETTINGS = FeedSettings(chat_window=10, trade_window=10, merge_tolerance=10.0)  # type: ignore[call-arg]


def socket_chat(text: str, at: float, user: str = "u1", name: str = "viewer") -> ChatItem:
    return ChatItem(
        id=f"s-{text}-{at}",
        streamer_id="s",
        text=text,
        at=at,
        author_user_id=user,
        author_name=name,
        source="socket",
    )


def polled_chat(text: str, at: float, platform_id: str, name: str = "viewer") -> ChatItem:
    return ChatItem(
        id=f"p-{platform_id}",
        platform_id=platform_id,
        streamer_id="s",
        text=text,
        at=at,
        author_name=name,
        author_wallet="wallet1",
        source="poll",
    )


def test_socket_then_poll_once() -> None:
    merger = ChatMerger(SETTINGS)
    first = merger.add(socket_chat("Hello  World", 100.0))
    second = merger.add(polled_chat("hello world", 100.4, "p1"))

    assert first is not None and first.is_new
    assert second is not None and not second.is_new
    merged = second.item
    assert merged.id == first.item.id
    assert merged.source == "both"
    assert merged.platform_id == "p1"
    assert merged.author_user_id == "u1"
    assert merged.author_wallet == "wallet1"
    assert len(merger.window) == 1
    assert merger.waiting == 0


def test_poll_then_socket_once() -> None:
    merger = ChatMerger(SETTINGS)
    first = merger.add(polled_chat("gm", 100.0, "p1"))
    second = merger.add(socket_chat("gm", 101.0))

    assert first is not None and second is not None
    assert second.item.id == first.item.id
    assert second.item.source == "both"
    assert [item.text for item in merger.window.items()] == ["gm"]


def test_repeated_poll_dropped() -> None:
    merger = ChatMerger(SETTINGS)
    assert merger.add(polled_chat("gm", 100.0, "p1")) is not None
    assert merger.add(polled_chat("gm", 100.0, "p1")) is None


def test_identical_texts_paired_one_to_one() -> None:
    merger = ChatMerger(SETTINGS)
    merger.add(socket_chat("lol", 100.0))
    merger.add(socket_chat("lol", 103.0))
    first = merger.add(polled_chat("lol", 100.1, "p1"))
    second = merger.add(polled_chat("lol", 103.1, "p2"))

    assert first is not None and second is not None
    assert first.item.id != second.item.id
    assert first.item.at == 100.0
    assert second.item.at == 103.0
    assert len(merger.window) == 2


def test_outside_tolerance_kept_apart() -> None:
    merger = ChatMerger(SETTINGS)
    merger.add(socket_chat("lol", 100.0))
    result = merger.add(polled_chat("lol", 111.0, "p1"))

    assert result is not None and result.is_new
    assert len(merger.window) == 2


def test_other_sender_kept_apart() -> None:
    merger = ChatMerger(SETTINGS)
    merger.add(socket_chat("gm", 100.0, name="alice"))
    result = merger.add(polled_chat("gm", 100.0, "p1", name="bob"))

    assert result is not None and result.is_new


def test_window_bounded_and_ordered() -> None:
    merger = ChatMerger(SETTINGS)
    for index, at in enumerate([5.0, 1.0, 4.0, 12.0, 2.0, 3.0, 7.0, 6.0, 11.0, 9.0, 8.0, 10.0]):
        merger.add(polled_chat(f"m{index}", at, f"p{index}"))

    times = [item.at for item in merger.window.items()]
    assert times == [float(at) for at in range(3, 13)]


def test_waiting_bounded() -> None:
    settings = FeedSettings(merge_pending_max=100)  # type: ignore[call-arg]
    merger = ChatMerger(settings)
    for index in range(500):
        merger.add(socket_chat(f"only socket {index}", float(index)))
    assert merger.waiting <= 101


def test_waiting_expires() -> None:
    now = [0.0]
    settings = FeedSettings(merge_retention=5.0)  # type: ignore[call-arg]
    merger = ChatMerger(settings, clock=lambda: now[0])
    merger.add(socket_chat("gm", 100.0))
    now[0] = 6.0
    result = merger.add(polled_chat("gm", 100.0, "p1"))

    assert result is not None and result.is_new
    assert merger.waiting == 1


def test_trade_socket_then_poll_once() -> None:
    merger = TradeMerger(SETTINGS)
    socket = TradeItem(
        id="t-s", token_address="tok", is_buy=True, amount_usd=12.345, at=50.2, source="socket"
    )
    polled = TradeItem(
        id="t-p",
        token_address="tok",
        is_buy=True,
        amount_usd=12.35,
        at=50.0,
        wallet="w",
        tx_hash="h",
        source="poll",
    )
    merger.add(socket)
    result = merger.add(polled)

    assert result is not None and not result.is_new
    assert result.item.id == "t-s"
    assert result.item.tx_hash == "h"
    assert result.item.wallet == "w"
    assert result.item.at == 50.0
    assert len(merger.window) == 1
    assert merger.add(polled) is None


def test_trade_other_side_kept_apart() -> None:
    merger = TradeMerger(SETTINGS)
    merger.add(
        TradeItem(id="a", token_address="tok", is_buy=True, amount_usd=5, at=1, source="socket")
    )
    result = merger.add(
        TradeItem(
            id="b",
            token_address="tok",
            is_buy=False,
            amount_usd=5,
            at=1,
            tx_hash="h",
            source="poll",
        )
    )
    assert result is not None and result.is_new


def test_time_window_replaces_by_id() -> None:
    window: TimeWindow[ChatItem] = TimeWindow(3)
    window.put(socket_chat("a", 1.0))
    window.put(socket_chat("b", 2.0))
    window.put(ChatItem(id="s-a-1.0", streamer_id="s", text="a", at=3.0))

    assert [item.text for item in window.items()] == ["b", "a"]


def test_normalise_text() -> None:
    assert normalise_text("  Hello\t\nWORLD ") == "hello world"
