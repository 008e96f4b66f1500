"""Removal of secrets (the access token, RTMP keys) from text before it is logged or shown.

A ``Redactor`` contains the secrets known at run time, and ``RedactingFilter`` applies
it to every log record that passes a handler. A filter only sees the records
of the logger or handler it is attached to, so attach it to each handler, not
to a logger, to cover records that propagate from child loggers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

REDACTED = "[redacted]"
"""Text that replaces each occurrence of a secret."""

_RTMP_SCHEMES = frozenset({"rtmp", "rtmps"})


class Redactor:
    """A thread-safe set of secrets and the replacement of their occurrences in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._ordered: tuple[str, ...] = ()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Start hiding ``secret``; an empty string is ignored."""
        if not secret:
            return
        with self._lock:
            self._secrets.add(secret)
            self._reorder()

    def discard(self, secret: str) -> None:
        """Stop hiding ``secret``, for example a key that was rotated out."""
        with self._lock:
            self._secrets.discard(secret)
            self._reorder()

    def redact(self, text: str) -> str:
        """Return ``text`` with every occurrence of every secret replaced by ``[redacted]``."""
        # Longest first, so a secret that contains another is hidden whole.
        for secret in self._ordered:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def __len__(self) -> int:
        return len(self._ordered)

    def __repr__(self) -> str:
        return f"<Redactor secrets={len(self)}>"

    def _reorder(self) -> None:
        self._ordered = tuple(sorted(self._secrets, key=len, reverse=True))


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs the message, arguments and traceback of every record.

    It never drops a record. Arguments that are not strings keep their type
    unless their text contains a secret, in which case they are replaced by the
    redacted text, so ``%d`` and similar placeholders keep working.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.redactor.redact(record.msg)
        else:
            record.msg = self._scrub(record.msg)
        if isinstance(record.args, dict):
            record.args = {name: self._scrub(value) for name, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(self._scrub(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            # Formatters print exc_text as is when it is set, so they print it redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True

    def _scrub(self, value: object) -> object:
        if isinstance(value, str):
            return self.redactor.redact(value)
        if isinstance(value, int | float | bool) or value is None:
            return value
        text = str(value)
        redacted = self.redactor.redact(text)
        return value if redacted == text else redacted


def redact_url(url: str) -> str:
    """Return an rtmp or rtmps URL with its last path segment, query and password hidden.

    The last path segment is where the stream key goes (``rtmps://host/live/KEY``).
    A URL of another scheme is returned unchanged.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in _RTMP_SCHEMES:
        return url

    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}:{REDACTED}@{host}"

    segments = parts.path.split("/")
    for index in range(len(segments) - 1, 0, -1):
        if segments[index]:
            segments[index] = REDACTED
            break
    query = REDACTED if parts.query else ""
    return urlunsplit((parts.scheme, netloc, "/".join(segments), query, ""))
