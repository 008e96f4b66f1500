"""HTTP endpoints that nginx-rtmp calls when a publisher starts, stops or finishes a recording.

nginx-rtmp posts ``application/x-www-form-urlencoded`` fields: ``call``, ``name``
(the stream key), ``app``, ``addr``, ``clientid`` (the connection number) and,
for ``record_done``, ``path``. The status of the response to ``on_publish`` decides:

- 3xx with a ``Location`` header accepts the publisher and renames its stream.
  The stream and its recording file then carry ``stream_name_for(key, clientid)``
  in place of the key, so the key reaches neither the disk nor the status page.
  Two publishers of one key also never write the same recording file, which
  nginx-rtmp names after the stream and the second the publish started.
- Any other status except 2xx rejects it, so a handler that raises rejects too.
  A 2xx would accept the publisher under its key; these routes never send one.

nginx-rtmp 1.2 keeps sending the original key as ``name`` in ``publish_done``
and ``record_done``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

logger = logging.getLogger(__name__)

ON_PUBLISH_PATH = "/_ingest/on_publish"
ON_PUBLISH_DONE_PATH = "/_ingest/on_publish_done"
ON_RECORD_DONE_PATH = "/_ingest/on_record_done"
RECORDINGS_PATH = "/_ingest/recordings"

MAX_FORM_BYTES = 16 * 1024
"""Largest callback body read; nginx-rtmp sends a few hundred bytes."""

_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_RECORDING_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}\.flv")

PublishHandler = Callable[[str, str], bool]
"""Called with the stream key and the application name; returns whether to accept."""
PublishDoneHandler = Callable[[str], None]
"""Called with the stream key once its accepted publisher has stopped."""
RecordDoneHandler = Callable[[str, str], None]
"""Called with the stream key and the path of the finished recording file."""


def key_digest(key: str) -> str:
    """Return a short SHA-256 prefix of a stream key, the only form of a key that may be logged."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def stream_name_for(key: str, client_id: str) -> str:
    """Return the name under which nginx publishes and records an accepted publisher's stream."""
    return f"{key_digest(key)}-{client_id}"


class PublisherTable:
    """Publishers accepted by ``on_publish`` and not yet reported done, by nginx client id."""

    def __init__(self) -> None:
        self._keys_by_client: dict[str, str] = {}

    def is_publishing(self, key: str) -> bool:
        return key in self._keys_by_client.values()

    def accept(self, client_id: str, key: str) -> None:
        self._keys_by_client[client_id] = key

    def finish(self, client_id: str) -> str | None:
        """Forget a publisher and return its key, or None for a client that was not accepted."""
        return self._keys_by_client.pop(client_id, None)

    def __len__(self) -> int:
        return len(self._keys_by_client)


def ingest_routes(
    on_publish: PublishHandler,
    on_publish_done: PublishDoneHandler,
    on_record_done: RecordDoneHandler,
) -> list[Route]:
    """Build the POST routes that nginx-rtmp's publish, publish-done and record-done callbacks call.

    The handlers are plain synchronous functions, called on the event loop that
    serves the routes; they must return quickly. A key gets one publisher at a
    time: a second publisher of a key that is publishing is rejected without
    calling ``on_publish``.
    """
    # NOTE: the table lives as long as the routes. If nginx stops under a publisher, no
    # publish_done comes and its key stays "publishing" here until the routes are rebuilt.
    publishers = PublisherTable()

    async def publish(request: Request) -> Response:
        fields = await _read_form(request)
        if isinstance(fields, Response):
            return fields
        key, client_id = fields.get("name", ""), fields.get("clientid", "")
        if not key or not client_id.isdigit():
            return _missing_fields_response(ON_PUBLISH_PATH, fields)

        if publishers.is_publishing(key):
            logger.info("publish rejected: key %s already has a publisher", key_digest(key))
            return PlainTextResponse("This stream key is already publishing.", status_code=403)
        try:
            accepted = on_publish(key, fields.get("app", ""))
        except Exception:
            logger.exception(
                "The publish handler failed for key %s; publish rejected", key_digest(key)
            )
            return PlainTextResponse("Publish handler failed.", status_code=500)
        if not accepted:
            logger.info("publish rejected: key %s client %s", key_digest(key), client_id)
            return PlainTextResponse("Stream key rejected.", status_code=403)

        publishers.accept(client_id, key)
        stream_name = stream_name_for(key, client_id)
        logger.info(
            "publish accepted: key %s client %s as stream %s",
            key_digest(key),
            client_id,
            stream_name,
        )
        return Response(status_code=302, headers={"Location": stream_name})

    async def publish_done(request: Request) -> Response:
        fields = await _read_form(request)
        if isinstance(fields, Response):
            return fields
        client_id = fields.get("clientid", "")
        if not client_id:
            return _missing_fields_response(ON_PUBLISH_DONE_PATH, fields)

        key = publishers.finish(client_id)
        if key is None:
            logger.info("publish done ignored: client %s was not accepted here", client_id)
            return PlainTextResponse("Noted.")
        logger.info("publish done: key %s client %s", key_digest(key), client_id)
        try:
            on_publish_done(key)
        except Exception:
            logger.exception("The publish-done handler failed for key %s", key_digest(key))
            return PlainTextResponse("Publish-done handler failed.", status_code=500)
        return PlainTextResponse("Noted.")

    async def record_done(request: Request) -> Response:
        fields = await _read_form(request)
        if isinstance(fields, Response):
            return fields
        key, path = fields.get("name", ""), fields.get("path", "")
        if not key or not path:
            return _missing_fields_response(ON_RECORD_DONE_PATH, fields)

        logger.info("record done: key %s", key_digest(key))
        try:
            on_record_done(key, path)
        except Exception:
            logger.exception("The record-done handler failed for key %s", key_digest(key))
            return PlainTextResponse("Record-done handler failed.", status_code=500)
        return PlainTextResponse("Noted.")

    return [
        Route(ON_PUBLISH_PATH, publish, methods=["POST"]),
        Route(ON_PUBLISH_DONE_PATH, publish_done, methods=["POST"]),
        Route(ON_RECORD_DONE_PATH, record_done, methods=["POST"]),
    ]


def recording_routes(record_dir: Path) -> list[Route]:
    """Build the GET route that serves the FLV files directly inside ``record_dir``."""
    record_dir = record_dir.resolve()

    async def recording(request: Request) -> Response:
        name = request.path_params["name"]
        path = record_dir / name
        if not _RECORDING_NAME.fullmatch(name) or not path.is_file():
            return PlainTextResponse(f"No recording is named {name!r}.", status_code=404)
        return FileResponse(path, media_type="video/x-flv")

    return [Route(f"{RECORDINGS_PATH}/{{name}}", recording, methods=["GET"])]


def recording_url(origin: str, path: Path) -> str:
    """Return the URL at which ``recording_routes`` serves the recording file ``path``."""
    return f"{origin.rstrip('/')}{RECORDINGS_PATH}/{path.name}"


async def _read_form(request: Request) -> dict[str, str] | Response:
    """Return the first value of each form field, or the error response to send.

    Parsed with ``parse_qs`` because Starlette's ``request.form()`` needs the
    optional python-multipart package.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != _FORM_CONTENT_TYPE:
        return PlainTextResponse(
            f"Expected a {_FORM_CONTENT_TYPE} body, got {content_type or 'none'!r}.",
            status_code=415,
        )

    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            return PlainTextResponse(
                f"The form body is larger than {MAX_FORM_BYTES} bytes.", status_code=413
            )

    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}


def _missing_fields_response(path: str, fields: dict[str, str]) -> Response:
    # Field names only: the values include the stream key.
    logger.warning(
        "%s received with missing or invalid fields; fields present: %s", path, sorted(fields)
    )
    return PlainTextResponse("Missing or invalid form fields.", status_code=400)
