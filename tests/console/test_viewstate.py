"""The view model's reducer, fed with a recorded studio session and with hand-made events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import scenes
from replay import load_recording

from cockpit.ui.viewmodels import HostView
from cockpit.ui.viewstate import (
    ALL_PARTS,
    CHAT,
    LOG,
    STEPS,
    ViewState,
    compile_word_filter,
    stream_url,
)

RECORDING = Path(__file__).parent / "recordings" / "golive-chat-stop.jsonl"
"""A real studio against the simulator: go live, send a message, narrate, set a scene, stop."""


def replay(view: ViewState, until_seq: int | None = None) -> list[dict[str, Any]]:
    snapshot, events = load_recording(RECORDING)
    view.apply(snapshot)
    applied = []
    for message in events:
        if until_seq is not None and message["seq"] > until_seq:
            break
        view.apply(message)
        applied.append(message)
    return applied


def seq_of(predicate: Any) -> int:
    _, events = load_recording(RECORDING)
    return next(message["seq"] for message in events if predicate(message))


def is_phase(phase: str) -> Any:
    return lambda m: m["kind"] == "broadcast" and m["data"].get("phase") == phase


# The recorded session


def test_recording_ends_offline_with_every_step_done() -> None:
    view = ViewState()
    replay(view)
    assert view.phase == "offline"
    assert not view.live
    assert {step.state for step in view.steps.values()} == {"done"}
    assert view.live_since is None
    assert view.seq == load_recording(RECORDING)[1][-1]["seq"]


def test_recording_live_phase_sets_uptime() -> None:
    view = ViewState()
    live_seq = seq_of(is_phase("live"))
    replay(view, until_seq=live_seq)
    assert view.live
    assert view.live_since is not None
    assert view.uptime(view.live_since + 65) == pytest.approx(65)
    assert view.thumbnail_path is not None
    assert view.thumbnail_path.endswith("thumbnail.png")


def test_recording_collects_chat_trades_and_stats() -> None:
    view = ViewState()
    applied = replay(view)
    chat_ids = {
        m["data"]["id"] for m in applied if m["kind"] == "feed" and m["data"]["event"] == "chat"
    }
    assert set(view.chat) == chat_ids
    assert any(line.kind == "tip" for line in view.chat.values())
    assert any(line.own for line in view.chat.values())
    assert view.trades
    assert view.stats is not None
    assert view.stats.ticker
    assert len(view.market_cap_history) >= 1


def test_recording_send_states_end_sent() -> None:
    view = ViewState()
    replay(view)
    (send,) = view.sends.values()
    assert send.text == "hello from the recording"
    assert send.state == "sent"


def test_recording_stage_and_identity() -> None:
    view = ViewState()
    replay(view)
    assert view.scene == "be_right_back"
    assert view.narration == "a narration"
    assert view.identity.agent_name.startswith("Console")
    # The token appears after the first stream start; the status events carry it.
    assert view.identity.token_address
    assert view.stream_url.startswith("http://127.0.0.1:")
    assert view.stream_url.endswith("/" + view.identity.agent_name)


def test_recording_alerts_reach_log_and_queue() -> None:
    view = ViewState()
    applied = replay(view)
    alert_count = sum(1 for m in applied if m["kind"] == "alert")
    assert alert_count > 0
    assert len(view.take_new_alerts()) == alert_count
    assert view.take_new_alerts() == []
    texts = [entry.text for entry in view.log]
    assert any(text.startswith("Live after") for text in texts)
    assert any(text.startswith("Stopped:") for text in texts)


def test_recording_processes_and_encoder() -> None:
    view = ViewState(target_fps=10)
    live_seq = seq_of(is_phase("live"))
    replay(view, until_seq=live_seq + 30)
    names = {process.name for process in view.processes}
    assert {"studio", "xvfb", "ffmpeg"} <= names
    assert view.encoder is not None
    assert view.encoder.target_fps == 10


def test_reconnect_snapshot_replaces_view() -> None:
    view = ViewState()
    replay(view)
    generation = view.log.generation
    changed = view.apply(scenes.snapshot(scenes.offline_state(), seq=5))
    assert changed == set(ALL_PARTS)
    assert view.seq == 5
    assert view.sends  # own send states outlive a resync
    assert set(view.chat) == {item["id"] for item in scenes.offline_state()["feeds"]["chat"]}
    assert view.log.generation == generation + 1


# Go-live steps


def test_failed_step_keeps_error_and_logs() -> None:
    view = ViewState()
    view.apply(scenes.snapshot(scenes.offline_state()))
    view.apply(scenes.phase_event(101, "going live", "Going live"))
    view.apply(scenes.step_event(102, "fetch fresh RTMP keys", "running"))
    changed = view.apply(
        scenes.step_event(
            103,
            "fetch fresh RTMP keys",
            "failed",
            "fetch fresh RTMP keys failed: HTTP 503",
            error="HTTP 503",
        )
    )
    assert STEPS in changed
    assert LOG in changed
    step = view.steps["fetch fresh RTMP keys"]
    assert step.state == "failed"
    assert step.error == "HTTP 503"
    assert view.last_error == "fetch fresh RTMP keys failed: HTTP 503"
    assert list(view.log)[-1].level == "error"


def test_snapshot_failed_step_gets_last_error() -> None:
    state = scenes.offline_state()
    state["steps"] = scenes.steps("done", confirm_live="failed", upload_first_thumbnail="pending")
    state["last_error"] = "confirm live failed: timed out"
    view = ViewState()
    view.apply(scenes.snapshot(state))
    assert view.steps["confirm live"].error == "confirm live failed: timed out"


def test_going_live_resets_steps() -> None:
    state = scenes.offline_state()
    state["steps"] = scenes.steps("done", confirm_live="failed")
    view = ViewState()
    view.apply(scenes.snapshot(state))
    view.apply(scenes.phase_event(101, "going live", "Going live"))
    assert {step.state for step in view.steps.values()} == {"pending"}
    assert view.operation == "going_live"


# Chat


def test_chat_update_replaces_item() -> None:
    view = ViewState()
    view.apply(scenes.snapshot(scenes.offline_state()))
    first = scenes.chat(50, scenes.NOW, 1, "hello")
    view.apply(scenes.event(101, "feed", first))
    view.apply(scenes.event(102, "feed", {**first, "platform_id": "p-new"}))
    assert list(view.chat).count("c-0050") == 1
    assert view.chat["c-0050"].revision == 1


def test_chat_is_bounded() -> None:
    view = ViewState(chat_limit=10)
    view.apply(scenes.snapshot(scenes.offline_state()))
    for number in range(30):
        view.apply(
            scenes.event(101 + number, "feed", scenes.chat(100 + number, scenes.NOW, 2, "x"))
        )
    assert len(view.chat) == 10
    assert next(iter(view.chat)) == "c-0120"


def test_chat_text_is_display_safe() -> None:
    view = ViewState()
    item = scenes.chat(60, scenes.NOW, 4, "a\x1b[31mred\x1b[0m\u202etext\nline")
    view.apply(scenes.event(1, "feed", item))
    line = view.chat["c-0060"]
    assert line.text == "aredtext line"
    assert line.author == "eve[bold]"


def test_word_filter_marks_whole_words() -> None:
    view = ViewState(word_filter=["scam", "rug pull"])
    view.apply(scenes.event(1, "feed", scenes.chat(61, scenes.NOW, 1, "this is a SCAM")))
    view.apply(scenes.event(2, "feed", scenes.chat(62, scenes.NOW, 1, "scampi for dinner")))
    view.apply(scenes.event(3, "feed", scenes.chat(63, scenes.NOW, 1, "a rug pull, again")))
    assert view.chat["c-0061"].filtered
    assert not view.chat["c-0062"].filtered
    assert view.chat["c-0063"].filtered
    assert CHAT in view.set_word_filter(["dinner"])
    assert not view.chat["c-0061"].filtered
    assert view.chat["c-0062"].filtered
    assert compile_word_filter(["  "]) is None


def test_returning_viewer_marked() -> None:
    view = ViewState()
    view.apply(scenes.snapshot(scenes.live_state()))
    lines = list(view.chat.values())
    returning = {line.author for line in lines if line.returning}
    assert returning == {"ada_lovebytes", "cyberfox"}
    flagged = {**scenes.chat(70, scenes.NOW, 1, "hi"), "returning": True}
    view.apply(scenes.event(101, "feed", flagged))
    assert view.chat["c-0070"].returning


def test_chat_rate_counts_viewer_messages_per_minute() -> None:
    view = ViewState()
    view.apply(scenes.snapshot(scenes.live_state()))
    series = view.chat_rate_series(scenes.NOW, minutes=20)
    assert len(series) == 20
    # Messages of viewers in the last 15 minutes; tips, trade notices and own ones do not count.
    assert sum(series) == 8


# Moderation


def test_moderation_keeps_lines_off_air() -> None:
    view = ViewState()
    view.apply(scenes.snapshot(scenes.live_state()))
    before = {line.id for line in view.on_air_chat()}
    assert "c-0004" in before
    view.apply(
        scenes.event(
            101, "moderation", {"hidden_messages": ["c-0004"], "muted_viewers": ["user:u-cy"]}
        )
    )
    after = {line.id for line in view.on_air_chat()}
    assert "c-0004" not in after
    assert "c-0013" not in after  # cyberfox is muted
    assert "c-0014" in after


def test_filtered_lines_stay_off_air() -> None:
    view = ViewState(word_filter=["chords"])
    view.apply(scenes.snapshot(scenes.live_state()))
    assert "c-0010" not in {line.id for line in view.on_air_chat()}


def test_snapshot_moderation_field() -> None:
    state = scenes.live_state()
    state["moderation"] = {"hidden_messages": ["c-0003"], "muted_viewers": []}
    view = ViewState()
    view.apply(scenes.snapshot(state))
    assert view.hidden_messages == {"c-0003"}


# Trades, stats and health


def test_trades_of_other_tokens_ignored() -> None:
    view = ViewState(large_trade_usd=100)
    view.apply(scenes.snapshot(scenes.live_state()))
    other = {**scenes.trades()[0], "id": "t-other", "token_address": "Other111"}
    view.apply(scenes.event(101, "feed", other))
    assert "t-other" not in view.trades
    assert [trade.large for trade in view.trades.values()].count(True) == 3


def test_encoder_figures() -> None:
    view = ViewState(target_fps=30)
    view.apply(scenes.event(1, "health", scenes.live_health(fps=27.0, dropped=2220)))
    assert view.encoder is not None
    assert view.encoder.fps_ratio == pytest.approx(0.9)
    assert view.encoder.dropped_percent == pytest.approx(2.0)
    assert view.host is None


def test_host_from_studio_wins() -> None:
    view = ViewState()
    assert view.set_host(HostView(10.0, 20.0, 1000))
    health = {
        **scenes.live_health(),
        "host": {"cpu_percent": 50.0, "memory_percent": 60.0, "disk_free_bytes": 5},
    }
    view.apply(scenes.event(1, "health", health))
    assert view.host is not None
    assert view.host.source == "studio"
    assert view.set_host(HostView(1.0, 2.0, 3)) == set()
    assert view.host.cpu_percent == 50.0


# Connection and robustness


def test_connection_messages() -> None:
    view = ViewState()
    view.apply(scenes.snapshot(scenes.offline_state()))
    view.apply(
        {"type": "connection", "connected": False, "reason": "the studio closed the connection"}
    )
    assert view.connection == "reconnecting"
    view.apply({"type": "connection", "connected": True})
    assert view.connection == "connected"


@pytest.mark.parametrize(
    "message",
    [
        {"type": "event", "seq": 1, "kind": "from_the_future", "data": {}},
        {"type": "event", "seq": 2, "kind": "feed", "data": {"event": "chat"}},
        {"type": "event", "seq": 3, "kind": "feed", "data": {"event": "trade", "id": "t"}},
        {"type": "event", "seq": 4, "kind": "broadcast", "data": {"kind": "step"}},
        {"type": "event", "seq": 5, "kind": "health", "data": {"processes": "none"}},
        {"type": "event", "seq": 6, "kind": "alert", "data": "not an object"},
        {"type": "resumed", "from": 3},
    ],
)
def test_malformed_messages_change_nothing_visible(message: dict[str, Any]) -> None:
    view = ViewState()
    view.apply(message)
    assert not view.chat
    assert not view.trades
    assert not view.processes


def test_stream_url_from_api_url() -> None:
    assert stream_url("https://retake.tv/api/v1", "NovaCaster") == "https://retake.tv/NovaCaster"
    assert stream_url("http://127.0.0.1:8123/api/v1", "Sim") == "http://127.0.0.1:8123/Sim"
    assert stream_url("not a url", "Sim") == ""
    assert stream_url("https://retake.tv/api/v1", "") == ""
