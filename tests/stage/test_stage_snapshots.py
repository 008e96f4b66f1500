"""Pictures of the stage at its broadcast size, 106x29 cells, from recorded studio state.

Regenerate on purpose with ``pytest tests/stage/test_stage_snapshots.py --snapshot-update``
and review the SVG files under ``__snapshots__`` before keeping them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stage_data import START, chat, snapshot

from cockpit.ui.stage import StageApp
from cockpit.ui.stage_model import StageModel

SIZE = (106, 29)
"""The stage's grid: DejaVu Sans Mono 14 in a 1280x720 xterm."""


def fixed_clock() -> datetime:
    return datetime(2026, 1, 2, 20, 15, 42)


def stage(scene: str | None = None, phase: str = "live", connected: bool = True) -> StageApp:
    model = StageModel("placeholder", word_filter=("rugpull",))
    model.apply_snapshot(snapshot(scene=scene, phase=phase), seq=1)
    if not connected:
        model.set_connected(False)
    return StageApp(clock=fixed_clock, model=model)


def test_live_scene(snap_compare: Any) -> None:
    """Header with NOVA in big letters, chat with a gold tip and green/red trades, the
    markup line shown literally, no hidden or muted message, $46.4K with a green
    sparkline, the narration line and the trade ticker."""
    assert snap_compare(stage(), terminal_size=SIZE)


def test_starting_scene(snap_compare: Any) -> None:
    """Before going live (no scene set): the pink STARTING SOON card, chat on the right,
    a SOON badge instead of LIVE."""
    assert snap_compare(stage(scene=None, phase="offline"), terminal_size=SIZE)


def test_brb_scene(snap_compare: Any) -> None:
    """BE RIGHT BACK card over two lines, chat on the right, LIVE badge."""
    assert snap_compare(stage(scene="brb"), terminal_size=SIZE)


def test_ending_scene(snap_compare: Any) -> None:
    """THANKS FOR WATCHING card over three lines while still live."""
    assert snap_compare(stage(scene="ending"), terminal_size=SIZE)


def test_reconnecting_mark(snap_compare: Any) -> None:
    """The live picture unchanged, with a small grey "reconnecting" at the bottom right."""
    assert snap_compare(stage(connected=False), terminal_size=SIZE)


def test_before_any_studio(snap_compare: Any) -> None:
    """No studio yet: the name given on the command line, the STARTING SOON card, empty
    chat and trades with their waiting texts, and the reconnecting mark."""
    app = StageApp("Test Agent", clock=fixed_clock)
    app.model.set_connected(False)
    assert snap_compare(app, terminal_size=SIZE)


def test_long_name_and_hostile_chat(snap_compare: Any) -> None:
    """A name too long for big letters, drawn in bold instead. A message of 900 characters
    cut to the stage's limit. Wide characters, escape sequences and a bidirectional
    override shown as harmless text. A narration line cut with an ellipsis."""
    state = snapshot()
    state["studio"] = {**state["studio"], "agent_name": "Ωmega Agent With A Very Long Name"}
    state["feeds"]["chat"] += [
        chat("h1", "spam " * 180, "flooder", "u-f", START + 200),
        chat("h2", "日本語のメッセージ 🚀 with wide characters", "東京", "u-t", START + 201),
        chat(
            "h3", "\x1b[2J\x1b]0;pwned\x07cleared? \u202eesrever", "esc\x1b[31m", "u-e", START + 202
        ),
    ]
    state["narration"] = {"text": "A very long narration line. " * 20, "at": START + 203}
    model = StageModel("placeholder")
    model.apply_snapshot(state, seq=1)
    assert snap_compare(StageApp(clock=fixed_clock, model=model), terminal_size=SIZE)
