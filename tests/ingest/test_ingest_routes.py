"""The ingest callback routes over loopback HTTP, with requests built by hand.

These cover requests that nginx-rtmp never sends, such as a wrong content type,
an oversized or incomplete form, or a failing handler. They also cover the
publisher accounting in detail. The pipeline tests cover what real nginx sends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ingest_helpers import VALID_KEY, CallbackLog, CallbackServer, serve_app
from starlette.applications import Starlette

from cockpit.sim.ingest_routes import (
    MAX_FORM_BYTES,
    ON_PUBLISH_DONE_PATH,
    ON_PUBLISH_PATH,
    ON_RECORD_DONE_PATH,
    ingest_routes,
    key_digest,
    recording_routes,
    recording_url,
    stream_name_for,
)


@pytest.fixture
def log(callback_server: CallbackServer) -> CallbackLog:
    return callback_server.log


@pytest.fixture
def client(callback_server: CallbackServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=callback_server.base_url, timeout=10) as http_client:
        yield http_client


def nginx_form(call: str, key: str, client_id: str, **extra: str) -> dict[str, str]:
    """Fields as nginx-rtmp 1.2 posts them."""
    return {
        "app": "live",
        "flashver": "FMLE/3.0 (compatible; Lavf59.27",
        "tcurl": "rtmp://127.0.0.1:1935/live",
        "addr": "127.0.0.1",
        "clientid": client_id,
        "call": call,
        "name": key,
        **extra,
    }


def test_publish_with_valid_key_renamed(client: httpx.Client, log: CallbackLog) -> None:
    response = client.post(ON_PUBLISH_PATH, data=nginx_form("publish", VALID_KEY, "3"))

    assert response.status_code == 302
    assert response.headers["location"] == stream_name_for(VALID_KEY, "3")
    assert VALID_KEY not in response.headers["location"]
    assert log.publishes == [(VALID_KEY, "live", True)]


def test_publish_with_wrong_key_rejected(client: httpx.Client, log: CallbackLog) -> None:
    response = client.post(ON_PUBLISH_PATH, data=nginx_form("publish", "sk_other", "3"))

    assert response.status_code == 403
    assert log.publishes == [("sk_other", "live", False)]


def test_publish_key_is_url_decoded(client: httpx.Client, log: CallbackLog) -> None:
    log.valid_keys.add("sk a+b/c")

    response = client.post(
        ON_PUBLISH_PATH,
        content=b"call=publish&app=live&clientid=4&name=sk%20a%2Bb%2Fc",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 302
    assert log.publishes == [("sk a+b/c", "live", True)]


def test_publish_handler_error_rejects(log: CallbackLog, caplog: pytest.LogCaptureFixture) -> None:
    def failing_handler(key: str, application: str) -> bool:
        raise RuntimeError("state unavailable")

    app = Starlette(routes=ingest_routes(failing_handler, log.on_publish_done, log.on_record_done))
    with serve_app(app) as base_url, httpx.Client(base_url=base_url, timeout=10) as client:
        response = client.post(ON_PUBLISH_PATH, data=nginx_form("publish", VALID_KEY, "3"))

    assert response.status_code == 500
    assert key_digest(VALID_KEY) in caplog.text
    assert VALID_KEY not in caplog.text


@pytest.mark.parametrize(("field", "value"), [("name", ""), ("clientid", ""), ("clientid", "3x")])
def test_publish_without_valid_fields_is_bad_request(
    client: httpx.Client, log: CallbackLog, field: str, value: str
) -> None:
    form = nginx_form("publish", VALID_KEY, "3")
    form[field] = value

    response = client.post(ON_PUBLISH_PATH, data=form)

    assert response.status_code == 400
    assert log.publishes == []


def test_second_publisher_of_key_rejected(client: httpx.Client, log: CallbackLog) -> None:
    first = client.post(ON_PUBLISH_PATH, data=nginx_form("publish", VALID_KEY, "3"))
    second = client.post(ON_PUBLISH_PATH, data=nginx_form("publish", VALID_KEY, "5"))

    assert first.status_code == 302
    assert second.status_code == 403
    assert log.publishes == [(VALID_KEY, "live", True)]


def test_key_publishes_again_after_done(client: httpx.Client, log: CallbackLog) -> None:
    client.post(ON_PUBLISH_PATH, data=nginx_form("publish", VALID_KEY, "3"))
    client.post(ON_PUBLISH_DONE_PATH, data=nginx_form("publish_done", VALID_KEY, "3"))

    response = client.post(ON_PUBLISH_PATH, data=nginx_form("publish", VALID_KEY, "5"))

    assert response.status_code == 302
    assert response.headers["location"] == stream_name_for(VALID_KEY, "5")


def test_json_body_is_unsupported(client: httpx.Client, log: CallbackLog) -> None:
    response = client.post(ON_PUBLISH_PATH, json=nginx_form("publish", VALID_KEY, "3"))

    assert response.status_code == 415
    assert log.publishes == []


def test_oversized_form_is_rejected(client: httpx.Client, log: CallbackLog) -> None:
    form = nginx_form("publish", VALID_KEY, "3", padding="x" * MAX_FORM_BYTES)

    response = client.post(ON_PUBLISH_PATH, data=form)

    assert response.status_code == 413
    assert log.publishes == []


def test_get_is_not_allowed(client: httpx.Client) -> None:
    assert client.get(ON_PUBLISH_PATH).status_code == 405


def test_publish_done_forwarded_for_accepted_publisher(
    client: httpx.Client, log: CallbackLog
) -> None:
    client.post(ON_PUBLISH_PATH, data=nginx_form("publish", VALID_KEY, "3"))

    response = client.post(ON_PUBLISH_DONE_PATH, data=nginx_form("publish_done", VALID_KEY, "3"))

    assert response.status_code == 200
    assert log.publishes_done == [VALID_KEY]


def test_publish_done_ignored_for_unknown_client(client: httpx.Client, log: CallbackLog) -> None:
    response = client.post(ON_PUBLISH_DONE_PATH, data=nginx_form("publish_done", VALID_KEY, "9"))

    assert response.status_code == 200
    assert log.publishes_done == []


def test_publish_done_ignored_for_rejected_client(client: httpx.Client, log: CallbackLog) -> None:
    client.post(ON_PUBLISH_PATH, data=nginx_form("publish", VALID_KEY, "3"))
    client.post(ON_PUBLISH_PATH, data=nginx_form("publish", VALID_KEY, "5"))

    client.post(ON_PUBLISH_DONE_PATH, data=nginx_form("publish_done", VALID_KEY, "5"))
    assert log.publishes_done == []

    client.post(ON_PUBLISH_DONE_PATH, data=nginx_form("publish_done", VALID_KEY, "3"))
    assert log.publishes_done == [VALID_KEY]


def test_publish_done_not_repeated(client: httpx.Client, log: CallbackLog) -> None:
    client.post(ON_PUBLISH_PATH, data=nginx_form("publish", VALID_KEY, "3"))

    for _ in range(2):
        client.post(ON_PUBLISH_DONE_PATH, data=nginx_form("publish_done", VALID_KEY, "3"))

    assert log.publishes_done == [VALID_KEY]


def test_record_done_passes_path(client: httpx.Client, log: CallbackLog) -> None:
    path = "/tmp/recordings/key-1796415859.flv"
    form = nginx_form("record_done", VALID_KEY, "3", path=path, recorder="")

    response = client.post(ON_RECORD_DONE_PATH, data=form)

    assert response.status_code == 200
    assert log.records_done == [(VALID_KEY, path)]


def test_record_done_without_path_is_bad_request(client: httpx.Client, log: CallbackLog) -> None:
    response = client.post(ON_RECORD_DONE_PATH, data=nginx_form("record_done", VALID_KEY, "3"))

    assert response.status_code == 400
    assert log.records_done == []


def test_logs_never_contain_key(client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    form = nginx_form("publish", VALID_KEY, "3")
    client.post(ON_PUBLISH_PATH, data=form)
    client.post(ON_PUBLISH_PATH, data=nginx_form("publish", "sk_wrong", "4"))
    client.post(ON_PUBLISH_DONE_PATH, data=nginx_form("publish_done", VALID_KEY, "3"))
    client.post(ON_RECORD_DONE_PATH, data=nginx_form("record_done", VALID_KEY, "3", path="/x"))
    client.post(ON_PUBLISH_PATH, data={"clientid": "5", "app": VALID_KEY})

    assert caplog.records, "the routes logged nothing"
    assert VALID_KEY not in caplog.text
    assert "sk_wrong" not in caplog.text


def test_recording_served_as_flv(tmp_path: Path) -> None:
    recording = tmp_path / "session_7.flv"
    recording.write_bytes(b"FLV\x01\x05")
    app = Starlette(routes=recording_routes(tmp_path))

    with serve_app(app) as base_url, httpx.Client(timeout=10) as client:
        response = client.get(recording_url(base_url, recording))

    assert response.status_code == 200
    assert response.headers["content-type"] == "video/x-flv"
    assert response.content == b"FLV\x01\x05"


@pytest.mark.parametrize("name", ["missing.flv", "notes.txt", "..flv.flv", "%2E%2E%2Fsecret.flv"])
def test_recording_not_found(tmp_path: Path, name: str) -> None:
    (tmp_path / "notes.txt").write_text("not a recording")
    (tmp_path.parent / "secret.flv").write_bytes(b"FLV")
    app = Starlette(routes=recording_routes(tmp_path))

    with serve_app(app) as base_url, httpx.Client(timeout=10) as client:
        response = client.get(f"{base_url}/_ingest/recordings/{name}")

    assert response.status_code == 404
