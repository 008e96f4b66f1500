"""The studio's side of the local channel: accepts clients, streams events, runs commands.

Everything here runs in one event loop. A client's snapshot is built and its
queue registered in the same step, with no ``await`` between them, so no event
can fall between the snapshot and the first live event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from cockpit.settings import StudioSettings
from cockpit.studio.eventlog import EventLog
from cockpit.studio.peer import (
    PeerRejectedError,
    bind_private_socket,
    check_peer,
    remove_socket_file,
)
from cockpit.studio.protocol import (
    CLIENT_KINDS,
    COMMANDS,
    HELLO_TIMEOUT,
    MAX_CLIENT_MESSAGE_BYTES,
    PROTOCOL_VERSION,
    ProtocolError,
    decode,
    encode,
    error_response,
    refused,
    response,
)
from cockpit.studio.session import ClientInfo, ClientSession

logger = logging.getLogger(__name__)

MAX_COMMANDS_IN_FLIGHT = 16
"""Commands one client may have running at once; more get an error response at once."""

_MAX_REQUEST_ID_LENGTH = 100
_GOODBYE_SECONDS = 1.0


class CommandError(Exception):
    """Raised by a command handler to respond with ``ok: false``; ``code`` is machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class HandshakeError(Exception):
    """Raised when a client's hello cannot be served."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


CommandHandler = Callable[[str, dict[str, Any], ClientInfo], Awaitable[dict[str, Any]]]
"""Runs one command: name, arguments and the client that sent it; returns the result."""


class StudioServer:
    """The Unix-socket server of one studio instance."""

    def __init__(
        self,
        socket_path: Path,
        settings: StudioSettings,
        *,
        identity: Callable[[], dict[str, Any]],
        snapshot: Callable[[], dict[str, Any]],
        handle_command: CommandHandler,
        expected_uid: int | None = None,
    ) -> None:
        self.socket_path = socket_path
        self.instance = secrets.token_hex(8)
        """Identifies this studio run, so a client never resumes with numbers of an older one."""
        self._settings = settings
        self._identity = identity
        self._snapshot = snapshot
        self._handle_command = handle_command
        self._expected_uid = expected_uid
        self._log = EventLog(settings.event_buffer)
        self._sessions: dict[int, ClientSession] = {}
        self._connections: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}
        """Every task serving a connection, attached or still in its handshake, and its writer."""
        self._next_client_id = 1
        self._server: asyncio.AbstractServer | None = None
        self._inode: int | None = None
        self.last_client_change = time.monotonic()
        """``time.monotonic()`` when a client last attached or detached."""

    # State

    @property
    def last_seq(self) -> int:
        return self._log.last_seq

    @property
    def client_count(self) -> int:
        return len(self._sessions)

    def clients(self) -> list[dict[str, Any]]:
        """Describe the attached clients, for the status command and the snapshot."""
        return [
            {
                "id": session.info.id,
                "kind": session.info.kind,
                "pid": session.info.pid,
                "queued": session.queued,
                "behind": session.behind,
                "overflows": session.overflows,
            }
            for session in self._sessions.values()
        ]

    def disconnect(self, client_id: int) -> bool:
        """Close a client's connection; return False when no such client is attached."""
        session = self._sessions.get(client_id)
        if session is None:
            return False
        session.abort()
        return True

    # Lifecycle

    async def start(self) -> None:
        """Bind the socket (mode 0600) and start accepting clients."""
        listener = bind_private_socket(self.socket_path)
        self._inode = os.stat(self.socket_path).st_ino
        self._server = await asyncio.start_unix_server(
            self._serve_connection, sock=listener, limit=MAX_CLIENT_MESSAGE_BYTES
        )

    async def close(self) -> None:
        """Stop accepting, give each client a moment to read what is queued, and disconnect."""
        if self._server is not None:
            self._server.close()
        if self._inode is not None:
            remove_socket_file(self.socket_path, self._inode)
            self._inode = None
        sessions = list(self._sessions.values())
        await asyncio.gather(*(session.flush(_GOODBYE_SECONDS) for session in sessions))
        for session in sessions:
            for task in session.commands:
                task.cancel()
        # Aborting a connection ends its reading side, so each task finishes on its own.
        # asyncio's stream server logs an error for a connection task that ends cancelled.
        for writer in self._connections.values():
            writer.transport.abort()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=_GOODBYE_SECONDS * 5)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    # Publishing

    def publish(self, kind: str, data: dict[str, Any]) -> int:
        """Number an event, keep it for resuming clients, queue it for each subscriber.

        Returns its ``seq``, or 0 when ``data`` cannot be encoded as JSON (logged).
        """
        try:
            event = self._log.append(kind, data)
        except ValueError as error:
            logger.error("dropped a %s event that is not valid JSON: %s", kind, error)
            return 0
        for session in self._sessions.values():
            session.offer(event)
        return event.seq

    # Connections

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        session: ClientSession | None = None
        writing: asyncio.Task[None] | None = None
        handler = asyncio.current_task()
        if handler is not None:
            self._connections[handler] = writer
        try:
            try:
                peer = check_peer(writer.get_extra_info("socket"), self._expected_uid)
                hello = await self._read_hello(reader)
            except PeerRejectedError as error:
                logger.warning("%s", error)
                await _send_refusal(writer, "peer", str(error))
                return
            except HandshakeError as error:
                logger.info("rejected a client's hello: %s", error.message)
                await _send_refusal(writer, error.code, error.message)
                return

            try:
                session = self._attach(hello, peer.pid, writer)
            except Exception:
                # A snapshot that cannot be built must not take the server down.
                logger.exception("attaching client pid %d failed", peer.pid)
                await _send_refusal(writer, "internal", _internal_message("attach"))
                return
            writing = asyncio.create_task(self._write(session, writer), name="studio-writer")
            await self._read_commands(reader, session)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away; its session is cleaned up below
        finally:
            if writing is not None:
                writing.cancel()
                await asyncio.gather(writing, return_exceptions=True)
            if session is not None:
                self._detach(session)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self._connections.pop(handler, None)  # type: ignore[arg-type]

    async def _write(self, session: ClientSession, writer: asyncio.StreamWriter) -> None:
        try:
            await session.write_loop()
        except TimeoutError:
            logger.warning(
                "client %d (%s, pid %d) read nothing for %g s; disconnected it",
                session.info.id,
                session.info.kind,
                session.info.pid,
                self._settings.client_write_timeout,
            )
        except ConnectionError:
            pass  # the reading side notices the closed connection too
        # Closing the transport ends the reading side, which then detaches the session.
        writer.transport.abort()

    async def _read_hello(self, reader: asyncio.StreamReader) -> dict[str, Any]:
        try:
            async with asyncio.timeout(HELLO_TIMEOUT):
                line = await reader.readline()
        except TimeoutError:
            raise HandshakeError(
                "hello_timeout", f"No hello arrived within {HELLO_TIMEOUT:g} s."
            ) from None
        except ValueError:
            raise HandshakeError(
                "too_long", f"The hello is longer than {MAX_CLIENT_MESSAGE_BYTES} bytes."
            ) from None
        if not line:
            raise HandshakeError("no_hello", "The client closed the connection before its hello.")
        try:
            hello = decode(line)
        except ProtocolError as error:
            raise HandshakeError("bad_hello", str(error)) from None
        return validate_hello(hello)

    def _attach(
        self, hello: dict[str, Any], peer_pid: int, writer: asyncio.StreamWriter
    ) -> ClientSession:
        info = ClientInfo(self._next_client_id, hello["client"], peer_pid)
        self._next_client_id += 1
        session = ClientSession(
            info, writer, self._settings.client_queue, self._settings.client_write_timeout
        )
        session.send(
            {
                "type": "welcome",
                "protocol": PROTOCOL_VERSION,
                "instance": self.instance,
                "client_id": info.id,
                "studio": self._identity(),
            }
        )
        if hello["subscribe"]:
            self._start_events(session, hello["resume_from"], hello["instance"])
        self._sessions[info.id] = session
        self.last_client_change = time.monotonic()
        logger.info(
            "client %d attached: %s, pid %d, resume_from %s",
            info.id,
            info.kind,
            info.pid,
            hello["resume_from"],
        )
        return session

    def _start_events(
        self, session: ClientSession, resume_from: int | None, instance: str | None
    ) -> None:
        replay = None
        if resume_from is not None and instance == self.instance:
            replay = self._log.since(resume_from)
            if replay is not None and len(replay) > self._settings.client_queue:
                replay = None
        if replay is not None:
            session.send({"type": "resumed", "from": resume_from, "seq": self._log.last_seq})
            session.queue_events(replay)
        else:
            session.send_snapshot(self._snapshot_message(resync=resume_from is not None))
        session.subscribed = True

    def _snapshot_message(self, resync: bool) -> dict[str, Any]:
        return {
            "type": "snapshot",
            "seq": self._log.last_seq,
            "resync": resync,
            "state": self._snapshot(),
        }

    def _detach(self, session: ClientSession) -> None:
        if self._sessions.pop(session.info.id, None) is None:
            return
        self.last_client_change = time.monotonic()
        logger.info(
            "client %d detached: %s, pid %d", session.info.id, session.info.kind, session.info.pid
        )

    # Requests

    async def _read_commands(self, reader: asyncio.StreamReader, session: ClientSession) -> None:
        while True:
            try:
                line = await reader.readline()
            except ValueError:
                session.send(
                    error_response(
                        None,
                        "too_long",
                        f"A message is longer than {MAX_CLIENT_MESSAGE_BYTES} bytes; "
                        "the connection is closed.",
                    )
                )
                await session.flush(_GOODBYE_SECONDS)
                return
            if not line:
                return
            try:
                message = decode(line)
            except ProtocolError as error:
                session.send(error_response(None, "bad_message", str(error)))
                continue
            self._dispatch(message, session)

    def _dispatch(self, message: dict[str, Any], session: ClientSession) -> None:
        kind = message["type"]
        if kind == "command":
            self._start_command(message, session)
        elif kind == "resync":
            if session.subscribed and not session.snapshot_pending:
                session.send_snapshot(self._snapshot_message(resync=True))
        else:
            session.send(
                error_response(
                    None,
                    "unknown_type",
                    f"Unknown message type {kind!r}; send 'command' or 'resync'.",
                )
            )

    def _start_command(self, message: dict[str, Any], session: ClientSession) -> None:
        request_id = message.get("id")
        if isinstance(request_id, int) and not isinstance(request_id, bool):
            request_id = str(request_id)
        if not isinstance(request_id, str) or not 0 < len(request_id) <= _MAX_REQUEST_ID_LENGTH:
            session.send(
                error_response(
                    None,
                    "bad_command",
                    f"A command needs an 'id' string of 1 to {_MAX_REQUEST_ID_LENGTH} characters.",
                )
            )
            return
        name = message.get("name")
        args = message.get("args", {})
        if name not in COMMANDS:
            session.send(
                error_response(
                    request_id,
                    "unknown_command",
                    f"Unknown command {name!r}. Known commands: {', '.join(COMMANDS)}.",
                )
            )
            return
        if not isinstance(args, dict):
            session.send(
                error_response(
                    request_id, "bad_arguments", "The command's 'args' must be an object."
                )
            )
            return
        if len(session.commands) >= MAX_COMMANDS_IN_FLIGHT:
            session.send(
                error_response(
                    request_id,
                    "busy",
                    f"This client already has {MAX_COMMANDS_IN_FLIGHT} commands running; "
                    "wait for their responses first.",
                )
            )
            return
        task = asyncio.create_task(
            self._run_command(request_id, name, args, session), name=f"command-{name}"
        )
        session.commands.add(task)
        task.add_done_callback(session.commands.discard)

    async def _run_command(
        self, request_id: str, name: str, args: dict[str, Any], session: ClientSession
    ) -> None:
        try:
            result = await self._handle_command(name, args, session.info)
            session.send(response(request_id, result))
        except CommandError as error:
            session.send(error_response(request_id, error.code, error.message))
        except ValueError as error:
            # The handler's result held a value JSON cannot encode.
            logger.error("command %s returned a result that is not valid JSON: %s", name, error)
            session.send(error_response(request_id, "internal", _internal_message(name)))
        except Exception:
            logger.exception("command %s from client %d failed", name, session.info.id)
            session.send(error_response(request_id, "internal", _internal_message(name)))


def validate_hello(hello: dict[str, Any]) -> dict[str, Any]:
    """Return the hello with defaults filled in.

    Raises:
        HandshakeError: the message is not a hello this studio can serve.
    """
    if hello.get("type") != "hello":
        raise HandshakeError(
            "bad_hello", f"The first message must be a hello, not {hello.get('type')!r}."
        )
    version = hello.get("protocol")
    if version != PROTOCOL_VERSION:
        raise HandshakeError(
            "protocol_version",
            f"This studio speaks protocol {PROTOCOL_VERSION}, but the client asked for "
            f"{version!r}. Run the same version of retake-cockpit for both, and restart the "
            "studio with `cockpit studio stop` after an update.",
        )
    kind = hello.get("client")
    if kind not in CLIENT_KINDS:
        raise HandshakeError(
            "client_kind",
            f"Unknown client kind {kind!r}; use one of {', '.join(CLIENT_KINDS)}.",
        )
    resume_from = hello.get("resume_from")
    if resume_from is not None and (
        not isinstance(resume_from, int) or isinstance(resume_from, bool) or resume_from < 0
    ):
        raise HandshakeError(
            "bad_hello", f"'resume_from' must be a sequence number or null, not {resume_from!r}."
        )
    instance = hello.get("instance")
    if instance is not None and not isinstance(instance, str):
        raise HandshakeError("bad_hello", f"'instance' must be a string or null, not {instance!r}.")
    subscribe = hello.get("subscribe", True)
    if not isinstance(subscribe, bool):
        raise HandshakeError("bad_hello", f"'subscribe' must be true or false, not {subscribe!r}.")
    return {
        "client": kind,
        "resume_from": resume_from,
        "instance": instance,
        "subscribe": subscribe,
    }


async def _send_refusal(writer: asyncio.StreamWriter, code: str, message: str) -> None:
    with contextlib.suppress(ConnectionError, TimeoutError):
        writer.write(encode(refused(code, message)))
        async with asyncio.timeout(_GOODBYE_SECONDS):
            await writer.drain()


def _internal_message(name: str) -> str:
    return f"The studio failed to run {name!r} because of an internal error; see the studio log."
