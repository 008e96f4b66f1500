"""Redaction of secrets in text, log records and ingest URLs."""

from __future__ import annotations

import logging

import pytest

from cockpit.redaction import REDACTED, RedactingFilter, Redactor, redact_url

KEY = "sk_live_4f9a2c7e1b"
TOKEN = "rtk_0123456789abcdef"


def test_redactor_replaces_every_occurrence() -> None:
    redactor = Redactor([KEY])
    assert redactor.redact(f"{KEY} and {KEY}") == f"{REDACTED} and {REDACTED}"


def test_redactor_hides_secrets_added_later() -> None:
    redactor = Redactor()
    assert redactor.redact(KEY) == KEY
    redactor.add(KEY)
    redactor.add(TOKEN)
    assert redactor.redact(f"{TOKEN}/{KEY}") == f"{REDACTED}/{REDACTED}"


def test_redactor_hides_longer_secret_whole() -> None:
    # When one secret contains another, no tail of the longer one may remain.
    redactor = Redactor(["abc", "abcdef123"])
    assert redactor.redact("x abcdef123 y") == f"x {REDACTED} y"


def test_redactor_ignores_empty_secret() -> None:
    redactor = Redactor([""])
    assert len(redactor) == 0
    assert redactor.redact("text") == "text"


def test_redactor_discard_stops_hiding() -> None:
    redactor = Redactor([KEY])
    redactor.discard(KEY)
    assert redactor.redact(KEY) == KEY


def test_redactor_repr_shows_no_secret() -> None:
    assert KEY not in repr(Redactor([KEY]))


@pytest.fixture
def filtered_logger(caplog: pytest.LogCaptureFixture) -> logging.Logger:
    logger = logging.getLogger("tests.redaction")
    caplog.handler.addFilter(RedactingFilter(Redactor([KEY, TOKEN])))
    caplog.set_level(logging.INFO, logger="tests.redaction")
    return logger


def test_filter_scrubs_message_and_arguments(
    filtered_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    filtered_logger.info(f"pushing to rtmp://host/live/{KEY}")
    filtered_logger.info("token %s, key %r, count %d", TOKEN, KEY, 3)
    filtered_logger.info("mapping %(key)s", {"key": KEY})

    assert KEY not in caplog.text
    assert TOKEN not in caplog.text
    assert "count 3" in caplog.text
    assert caplog.text.count(REDACTED) == 4


def test_filter_scrubs_exception_text(
    filtered_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        raise RuntimeError(f"ingest refused {KEY}")
    except RuntimeError as error:
        filtered_logger.exception("publish failed: %s", error)

    assert KEY not in caplog.text
    assert "RuntimeError" in caplog.text
    assert f"publish failed: ingest refused {REDACTED}" in caplog.text
    assert f"RuntimeError: ingest refused {REDACTED}" in caplog.text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"rtmps://ingest.example/live/{KEY}", f"rtmps://ingest.example/live/{REDACTED}"),
        (f"rtmp://127.0.0.1:1935/app/{KEY}/", f"rtmp://127.0.0.1:1935/app/{REDACTED}/"),
        (f"rtmp://host/live?key={KEY}", f"rtmp://host/{REDACTED}?{REDACTED}"),
        ("rtmp://user:secret@host/live/k", f"rtmp://user:{REDACTED}@host/live/{REDACTED}"),
        ("https://retake.example/api/v1", "https://retake.example/api/v1"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected
