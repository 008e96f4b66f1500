"""Small helpers for the words of messages, shared by every layer."""

from __future__ import annotations


def counted(count: int | None, noun: str) -> str:
    """Return ``count`` with ``noun`` in the singular or plural: ``1 viewer``, ``3 viewers``.

    An unknown count (None) reads ``unknown viewers``.
    """
    if count is None:
        return f"unknown {noun}s"
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
