"""display_safe and short_wallet: hostile text becomes inert, plain text stays as it is."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text

from cockpit.feeds.textsafe import ELLIPSIS, display_safe, short_wallet

HOSTILE_PIECES = [
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "\x1b]8;;https://example.invalid\x1b\\link\x1b]8;;\x1b\\",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1bP1$r\x1b\\",
    "\x9b31m",
    "\x9d0;t\x9c",
    "\x1b(B",
    "\x1b7\x1b8",
    "\x1b",
    "\x00\x07\x08\x7f",
    "\u202eevil\u202c",
    "\u2066iso\u2069",
    "\u200b\u200c\u200d\u2060\ufeff",
    "\u061c\u200e\u200f",
    "\ud800",
    "[bold red]x[/]",
    "[@click=app.quit]y[/]",
    "tab\there",
    "line\nbreak\r\n",
]

hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=20)), max_size=12
).map("".join)


def _is_forbidden(character: str) -> bool:
    code = ord(character)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or unicodedata.category(character) in ("Cf", "Cs")
        or character in "\u2028\u2029"
    )


@given(hostile_text)
@settings(max_examples=400)
def test_output_has_no_controls(text: str) -> None:
    safe = display_safe(text)
    assert "\x1b" not in safe
    assert not [character for character in safe if _is_forbidden(character)]


@given(hostile_text, st.one_of(st.none(), st.integers(min_value=1, max_value=40)))
@settings(max_examples=400)
def test_idempotent(text: str, max_length: int | None) -> None:
    once = display_safe(text, max_length)
    assert display_safe(once, max_length) == once


@given(hostile_text, st.integers(min_value=1, max_value=40))
def test_length_bounded(text: str, max_length: int) -> None:
    assert len(display_safe(text, max_length)) <= max_length


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=200))
def test_plain_ascii_unchanged(text: str) -> None:
    # Brackets included: the result is shown as plain text, never parsed as markup.
    assert display_safe(text) == text


def test_markup_kept_literal() -> None:
    hostile = "[bold red]x[/] [@click=app.quit]free[/] [link=https://example.invalid]y[/link]"
    safe = display_safe(hostile)
    assert safe == hostile
    assert Text(safe).plain == hostile


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mred text\x1b[0m", "red text"),
        ("\x1b]0;window title changed\x07after", "after"),
        ("\x1b]8;;https://example.invalid\x1b\\a hyperlink\x1b]8;;\x1b\\", "a hyperlink"),
        ("unterminated \x1b]0;title", "unterminated "),
        ("c1 csi \x9b31m red", "c1 csi  red"),
        ("bell\x07 done", "bell done"),
        ("tab\tand\nnewline", "tab and newline"),
        ("\u202eesrever", "esrever"),
        ("zero\u200bwidth", "zerowidth"),
        ("lone \ud800 surrogate", "lone  surrogate"),
        ("emoji 🔥 stays", "emoji 🔥 stays"),
        ("accents é ü stay", "accents é ü stay"),
    ],
)
def test_examples(raw: str, expected: str) -> None:
    assert display_safe(raw) == expected


def test_cut_with_ellipsis() -> None:
    assert display_safe("abcdefghij", 5) == "abcd" + ELLIPSIS
    assert display_safe("abcde", 5) == "abcde"
    assert display_safe("x" * 6000, 200) == "x" * 199 + ELLIPSIS


def test_max_length_below_one_rejected() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        display_safe("text", 0)


def test_short_wallet() -> None:
    assert short_wallet("AbCdEfGhIjKlMnOpQrStUvWxYz") == f"AbCd{ELLIPSIS}WxYz"
    assert short_wallet("short") == "short"
    assert short_wallet(None) == ""
    assert short_wallet("\x1b[31mAbCdEfGhIjKlWxYz") == f"AbCd{ELLIPSIS}WxYz"
