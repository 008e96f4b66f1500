"""The stage's view model: what goes on air from the studio's snapshot and events."""

from __future__ import annotations

from typing import Any

import stage_data
from stage_data import HIDDEN_ID, START, chat, snapshot, stats

from cockpit.ui.stage_model import CHAT, CONNECTION, NARRATION, SCENE, SECTIONS, StageModel


def attached(words: tuple[str, ...] = (), **state: Any) -> StageModel:
    model = StageModel("placeholder", words)
    model.apply_snapshot({**snapshot(), **state}, seq=10)
    model.take_changes()
    return model


def event(kind: str, data: dict[str, Any], seq: int = 11) -> dict[str, Any]:
    return {"type": "event", "seq": seq, "kind": kind, "data": data}


def chat_texts(model: StageModel) -> list[str]:
    return [line.text for line in model.chat_lines()]


def test_snapshot_sets_identity_and_marks_all() -> None:
    model = StageModel("placeholder")
    assert model.agent_name == "placeholder"

    model.apply_snapshot(snapshot(), seq=10)

    assert model.take_changes() == set(SECTIONS)
    assert model.agent_name == "Nova"
    assert model.ticker == "NOVA"
    assert model.stream_url == "retake.tv/Nova"
    assert model.viewers == 128
    assert model.connected
    assert model.scene.name == "live"


def test_chat_keeps_hidden_and_muted_off_air() -> None:
    model = attached()
    texts = chat_texts(model)
    ids = [line.id for line in model.chat_lines()]

    assert "gm gm! first time here" in texts
    assert HIDDEN_ID not in ids
    assert not any("HIDDENWORD" in text for text in texts)
    assert not any("MUTEDWORD" in text for text in texts)


def test_moderation_event_hides_shown_message() -> None:
    model = attached()
    assert "gm gm! first time here" in chat_texts(model)

    model.apply_message(
        event("moderation", {"hidden_messages": ["c1", HIDDEN_ID], "muted_viewers": []})
    )

    assert CHAT in model.take_changes()
    assert "gm gm! first time here" not in chat_texts(model)
    assert "MUTEDWORD from a muted viewer" in chat_texts(model)


def test_word_filter_matches_whole_words_folded() -> None:
    model = attached(words=("rugpull", "bad word"))
    for number, text in enumerate(
        [
            "this is a RUGPULL!",
            "rug\u200bpull hidden by a zero-width space",
            "\uff52\uff55\uff47\uff50\uff55\uff4c\uff4c in full-width letters",
            "a bad   word spaced out is still two words",
            "such a bad word",
            "rugpulls are fine as a longer word",
        ]
    ):
        model.apply_message(event("feed", chat(f"f{number}", text, "viewer", "u-v", START)))

    texts = chat_texts(model)
    assert "rugpulls are fine as a longer word" in texts
    assert "a bad   word spaced out is still two words" not in texts
    assert not any("RUGPULL" in text for text in texts)
    assert not any("zero-width" in text for text in texts)
    assert not any("full-width" in text for text in texts)
    assert "such a bad word" not in texts


def test_word_filter_applies_to_author_names() -> None:
    model = attached(words=("scammer",))
    model.apply_message(event("feed", chat("n1", "hello", "Top_Scammer", "u-s", START)))
    model.apply_message(event("feed", chat("n2", "hi", "scammer", "u-s2", START)))
    assert "hi" not in chat_texts(model)
    assert "hello" in chat_texts(model)  # "Top_Scammer" is one word, so it does not match


def test_other_streams_chat_stays_off() -> None:
    model = attached()
    item = {**chat("x1", "from another room", "visitor", "u-x", START), "streamer_id": "other"}
    model.apply_message(event("feed", item))
    assert "from another room" not in chat_texts(model)


def test_chat_update_replaces_same_id() -> None:
    model = attached()
    model.apply_message(event("feed", chat("c2", "edited text", "satoshi_fan", "u-sat", START)))
    texts = chat_texts(model)
    assert "edited text" in texts
    assert "what are you building today?" not in texts


def test_chat_lines_limit_keeps_newest() -> None:
    model = attached()
    lines = model.chat_lines(limit=2)
    assert [line.text for line in lines] == [
        chat_texts(model)[-2],
        "Great question! Think of it as a price ramp.",
    ]
    assert lines[-1].own


def test_markup_stays_literal_and_controls_removed() -> None:
    model = attached()
    model.apply_message(
        event("feed", chat("e1", "\x1b[31mred\x1b[0m [b]x[/b]\nnext", "ev\x07il", "u-e", START))
    )
    line = model.chat_lines()[-1]
    assert line.text == "red [b]x[/b] next"
    assert line.author == "evil"


def test_trades_newest_first_with_short_wallets() -> None:
    model = attached()
    trades = model.trades()
    assert [trade.id for trade in trades[:2]] == ["t7", "t6"]
    assert trades[0].wallet == "9WzD…AWWM"


def test_stats_history_feeds_sparkline() -> None:
    model = attached()
    assert len(model.market_caps) == 60
    model.apply_message(event("feed", stats(START + 10_000, 52_000.0, growth=-3.0)))
    assert model.market_caps[-1] == 52_000.0
    assert model.stats.growth_24h == -3.0


def test_narration_events_accumulate() -> None:
    model = attached()
    assert [line.text for line in model.narration] == [snapshot()["narration"]["text"]]

    model.apply_message(event("narration", {"text": "second line", "at": START + 200}))
    model.add_narration("from the file", at=START + 201)

    assert NARRATION in model.take_changes()
    assert [line.text for line in model.narration][-2:] == ["second line", "from the file"]


def test_resync_snapshot_keeps_narration_history() -> None:
    model = attached()
    model.apply_message(event("narration", {"text": "second line", "at": START + 200}))
    model.apply_message({"type": "snapshot", "seq": 40, "state": snapshot()})
    assert [line.text for line in model.narration][-1] == "second line"


def test_scene_event_and_phase() -> None:
    model = attached(scene=None, phase="offline")
    assert model.scene.name == "starting"

    model.apply_message(event("scene", {"scene": "brb"}))
    assert SCENE in model.take_changes()
    assert model.scene.name == "brb"

    model.apply_message(event("scene", {"scene": None}, seq=12))
    model.apply_message(
        event("broadcast", {"kind": "phase", "phase": "stopping", "message": "x"}, seq=13)
    )
    assert model.scene.name == "ending"


def test_connection_changes_marked() -> None:
    model = attached()
    model.apply_message({"type": "connection", "connected": False, "reason": "gone"})
    assert CONNECTION in model.take_changes()
    assert not model.connected

    model.apply_message({"type": "connection", "connected": True})
    assert CONNECTION in model.take_changes()
    assert model.connected


def test_identity_from_welcome() -> None:
    model = StageModel("placeholder")
    model.apply_identity(stage_data.identity())
    assert model.agent_name == "Nova"
    assert model.stream_url == "retake.tv/Nova"
    assert model.ticker == "NOVA"
    assert not model.connected


def test_own_chat_shown_by_agent_name() -> None:
    model = attached()
    own = model.chat_lines()[-1]
    assert own.own
    assert own.author == "Nova"
    assert own.id == "c10"
