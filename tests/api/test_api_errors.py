"""Error messages: full sentences with the endpoint, value and next step, and never a secret."""

from __future__ import annotations

import pytest

from cockpit.api.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    DeadlineExceeded,
    InvalidApiUrlError,
    NoActiveSessionError,
    NotFoundError,
    ProfileMismatchError,
    RedirectError,
    ResponseFormatError,
    SendOutcomeUnknown,
    ServerError,
    TokenHostError,
    TransportError,
    UnexpectedStatusError,
    clean_server_text,
)

ENDPOINT = "POST /agent/stream/stop"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (BadRequestError(ENDPOINT, "agent_name is taken"), "Fix the field the server names"),
        (BadRequestError(ENDPOINT, "x", hint="Choose another name."), "Choose another name."),
        (AuthError(ENDPOINT, "", profile="alpha"), "`cockpit login --profile alpha`"),
        (AuthError(ENDPOINT, ""), "`cockpit login --profile NAME`"),
        (NotFoundError(ENDPOINT, ""), "Verify the id"),
        (NoActiveSessionError(ENDPOINT, ""), "Call stream start (POST /agent/stream/start) first"),
        (ServerError(ENDPOINT, 503, "", attempts=4), "tried 4 times"),
        (UnexpectedStatusError(ENDPOINT, 403, ""), "status 403"),
        (TransportError(ENDPOINT, "the connection could not be opened", 2), "tried 2 times"),
        (DeadlineExceeded(ENDPOINT, 30.0, "server error 500"), "deadline of 30 s"),
        (SendOutcomeUnknown(ENDPOINT, "the read timed out"), "check the chat before sending"),
        (RedirectError(ENDPOINT, "http://127.0.0.2:80/x", "it leads to another host"), "127.0.0.2"),
        (ResponseFormatError(ENDPOINT, "viewers", "Field required"), "field 'viewers'"),
    ],
)
def test_message_names_endpoint_and_step(error: ApiError, expected: str):
    message = str(error)

    assert ENDPOINT in message
    assert expected in message
    assert message.endswith(".")
    assert isinstance(error, ApiError)


def test_status_error_attributes():
    error = NotFoundError("GET /users/metadata/u9", "User not found")

    assert error.status == 404
    assert error.endpoint == "GET /users/metadata/u9"
    assert error.server_message == "User not found"
    assert "'User not found'" in str(error)


def test_profile_mismatch_names_commands():
    error = ProfileMismatchError(
        "http://127.0.0.1:9001/api/v1", "https://retake.tv/api/v1", profile="alpha"
    )
    message = str(error)

    assert "https://retake.tv/api/v1" in message
    assert "`cockpit register --api-url http://127.0.0.1:9001/api/v1 --profile NAME`" in message
    assert "`cockpit login --api-url http://127.0.0.1:9001/api/v1 --profile NAME`" in message
    assert "'alpha'" in message


def test_token_host_error_names_target():
    message = str(TokenHostError("https://example.com:443"))

    assert "https://example.com:443" in message
    assert "https://retake.tv" in message


def test_invalid_api_url_is_value_error():
    error = InvalidApiUrlError("ftp://x")

    assert isinstance(error, ValueError)
    assert "'ftp://x'" in str(error)


def test_clean_server_text_redacts_secrets():
    cleaned = clean_server_text("bad token rtk_abc and key sk_def", ["rtk_abc", "sk_def", ""])

    assert cleaned == "bad token [redacted] and key [redacted]"


def test_clean_server_text_controls_and_length():
    cleaned = clean_server_text("a\x1b[31mb\u202ec\n" + "x" * 1000)

    assert "\x1b" not in cleaned
    assert "\u202e" not in cleaned
    assert "\n" not in cleaned
    assert len(cleaned) == 300
    assert cleaned.endswith("...")
