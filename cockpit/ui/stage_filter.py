"""The stage's word filter: chat that matches it stays off air.

It follows the console's rule (``console.word_filter``): words or phrases
matched without regard to case as whole words. Text is compared after
`display_safe`, Unicode NFKC folding and white space folding, so
zero-width characters, full-width letters and doubled spaces do not slip a
filtered word past it, which the console's own matching (plain
case-insensitive search) would let through.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from cockpit.feeds.textsafe import display_safe


def fold(text: str) -> str:
    """Return ``text`` as the filter compares it: display-safe, NFKC-normalised, casefolded,
    with each run of white space as one space."""
    return " ".join(unicodedata.normalize("NFKC", display_safe(text)).casefold().split())


def compile_word_filter(words: Iterable[str]) -> re.Pattern[str] | None:
    """Return one pattern matching any of ``words`` as a whole word, or None for no words.

    "Whole word" means no letter, digit or underscore directly before or after
    the match, so "ass" matches "ass!" but not "class".
    """
    alternatives = sorted({fold(word).strip() for word in words} - {""}, key=len, reverse=True)
    if not alternatives:
        return None
    joined = "|".join(re.escape(word) for word in alternatives)
    return re.compile(rf"(?<!\w)(?:{joined})(?!\w)")


class WordFilter:
    """Decides whether a text matches the word filter and so stays off air."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._pattern = compile_word_filter(words)

    def matches(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(fold(text)) is not None
