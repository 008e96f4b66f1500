"""Counted nouns in messages."""

from __future__ import annotations

import pytest

from cockpit.wording import counted


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 viewers"), (1, "1 viewer"), (2, "2 viewers"), (None, "unknown viewers")],
)
def test_counted_viewers(count: int | None, expected: str) -> None:
    assert counted(count, "viewer") == expected
