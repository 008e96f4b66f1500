"""Small parts of the stage: scenes, the big font, the word filter and the narration file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.ui import stage_bigtext
from cockpit.ui.stage_filter import WordFilter, fold
from cockpit.ui.stage_narration import HISTORY_LINES, MAX_LINE_BYTES, NarrationFile
from cockpit.ui.stage_scenes import SCENES, effective_scene


@pytest.mark.parametrize(
    ("scene", "phase", "drawn"),
    [
        (None, "offline", "starting"),
        (None, "going live", "starting"),
        (None, "live", "live"),
        (None, "recovering", "live"),
        (None, "stopping", "ending"),
        (None, None, "starting"),
        ("brb", "live", "brb"),
        ("ending", "live", "ending"),
        ("from-a-newer-client", "live", "live"),
    ],
)
def test_effective_scene(scene: str | None, phase: str | None, drawn: str) -> None:
    assert effective_scene(scene, phase).name == drawn


def test_scenes_have_titles_in_font() -> None:
    for scene in SCENES.values():
        assert stage_bigtext.fits(scene.title), scene.name


def test_font_glyphs_are_five_rows_of_equal_width() -> None:
    for character, glyph in stage_bigtext.FONT.items():
        assert len(glyph) == stage_bigtext.GLYPH_HEIGHT, character
        assert len({len(row) for row in glyph}) == 1, character


def test_big_text_three_rows_of_upper_halves() -> None:
    text = stage_bigtext.big_text("Hi!", "#ffffff", "#000000")
    rows = text.plain.split("\n")
    assert len(rows) == stage_bigtext.ROWS
    assert {len(row) for row in rows} == {stage_bigtext.width("Hi!")}
    assert set(text.plain) == {stage_bigtext.UPPER_HALF, "\n"}


def test_half_blocks_colours_each_half() -> None:
    text = stage_bigtext.half_blocks(["#.#.", "##.."], "white", "black")
    spans = [(text.plain[span.start : span.end], str(span.style)) for span in text.spans]
    assert spans == [
        ("▀", "white on white"),
        ("▀", "black on white"),
        ("▀", "white on black"),
        ("▀", "black on black"),
    ]


def test_fits_and_width() -> None:
    assert stage_bigtext.fits("Nova 42$")
    assert not stage_bigtext.fits("Nova☃")
    assert stage_bigtext.width("I") == 3
    assert stage_bigtext.width("II") == 7
    assert stage_bigtext.width("") == 0


def test_wrap_words_to_width() -> None:
    assert stage_bigtext.wrap_words("THANKS FOR WATCHING", 56) == ["THANKS", "FOR", "WATCHING"]
    assert stage_bigtext.wrap_words("STARTING SOON", 80) == ["STARTING SOON"]


def test_word_filter_fold() -> None:
    assert fold("  \uff22\uff41\uff44\u200b  WORD\t") == "bad word"
    assert WordFilter(["bad word"]).matches("so BAD\nword")
    assert not WordFilter([]).matches("anything")
    assert not WordFilter(["  "]).matches("anything")


class Lines:
    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def __call__(self, text: str, new: bool) -> None:
        self.seen.append((text, new))


def follower(path: Path) -> tuple[NarrationFile, Lines]:
    lines = Lines()
    narration = NarrationFile(path, lines)
    narration._start()
    return narration, lines


def test_narration_file_history_then_new(tmp_path: Path) -> None:
    path = tmp_path / "narration.txt"
    path.write_text("".join(f"old {number}\n" for number in range(5)) + "\n")
    narration, lines = follower(path)
    assert lines.seen == [(f"old {number}", False) for number in range(5 - HISTORY_LINES, 5)]

    with path.open("a") as handle:
        handle.write("new one\nnew two\n")
    narration.poll()
    assert lines.seen[-2:] == [("new one", True), ("new two", True)]


def test_narration_partial_line_waits(tmp_path: Path) -> None:
    path = tmp_path / "narration.txt"
    path.write_text("")
    narration, lines = follower(path)
    with path.open("a") as handle:
        handle.write("half a li")
    narration.poll()
    assert lines.seen == []
    with path.open("a") as handle:
        handle.write("ne\n")
    narration.poll()
    assert lines.seen == [("half a line", True)]


def test_narration_file_created_later(tmp_path: Path) -> None:
    path = tmp_path / "later.txt"
    narration, lines = follower(path)
    narration.poll()
    path.write_text("first\n")
    narration.poll()
    assert lines.seen == [("first", True)]


def test_narration_truncated_file_read_again(tmp_path: Path) -> None:
    path = tmp_path / "narration.txt"
    path.write_text("a long first line\n")
    narration, lines = follower(path)
    path.write_text("b\n")
    narration.poll()
    assert lines.seen[-1] == ("b", True)


def test_narration_replaced_file_read_again(tmp_path: Path) -> None:
    path = tmp_path / "narration.txt"
    path.write_text("one\n")
    narration, lines = follower(path)
    replacement = tmp_path / "new.txt"
    replacement.write_text("rotated 1\nrotated 2\n")
    replacement.replace(path)
    narration.poll()
    assert lines.seen[-2:] == [("rotated 1", True), ("rotated 2", True)]


def test_narration_long_line_split(tmp_path: Path) -> None:
    path = tmp_path / "narration.txt"
    path.write_text("")
    narration, lines = follower(path)
    with path.open("a") as handle:
        handle.write("x" * (MAX_LINE_BYTES + 10))
    narration.poll()
    assert lines.seen == [("x" * MAX_LINE_BYTES, True)]


def test_narration_invalid_utf8_replaced(tmp_path: Path) -> None:
    path = tmp_path / "narration.txt"
    path.write_text("")
    narration, lines = follower(path)
    with path.open("ab") as handle:
        handle.write(b"caf\xe9 \xf0\x9f\x8e\x89\n")
    narration.poll()
    assert lines.seen == [("caf\ufffd 🎉", True)]
