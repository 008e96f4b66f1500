"""`StudioClient`: the async client of a studio, used by the console, the stage and the CLI.

Usage::

    client = await StudioClient.connect(socket_path, "console", reconnect=True)
    state = client.snapshot                      # the whole state at attach time
    async for message in client.events():        # then every change, in order
        ...                                      # "event", "snapshot" (resync) or "connection"
    result = await client.command("go_live")     # raises StudioCommandError on failure

``events()`` yields the studio's ``event`` messages with consecutive ``seq``
numbers. When the client cannot keep up, or after a reconnect the studio could
not resume, it yields a ``snapshot`` message instead, which replaces the state
as a whole. With ``reconnect=True`` a lost connection is retried until
`close`, resuming after the last ``seq`` received; the client then yields
``{"type": "connection", "connected": false}`` and later ``true``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from cockpit.studio.protocol import (
    MAX_STUDIO_MESSAGE_BYTES,
    ProtocolError,
    decode,
    encode,
    hello,
)

logger = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 10_000
"""Events kept for a consumer that falls behind; beyond that the client requests a snapshot."""

_RECONNECT_INITIAL = 0.1
_RECONNECT_MAX = 2.0


class StudioError(Exception):
    """Base class of the studio client's errors."""


class StudioConnectionError(StudioError):
    """Raised when the studio cannot be reached or the connection was lost."""


class StudioRefusedError(StudioError):
    """Raised when the studio rejects the hello; ``code`` names the reason, such as ``peer``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class StudioCommandError(StudioError):
    """Raised when a command fails; ``code`` is the studio's error code."""

    def __init__(self, name: str, code: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.code = code


_END = object()


class StudioClient:
    """One connection to a studio, with its snapshot, its events and its commands."""

    def __init__(
        self,
        socket_path: Path,
        client_kind: str,
        *,
        subscribe: bool,
        reconnect: bool,
        timeout: float,
        queue_size: int,
    ) -> None:
        self.socket_path = socket_path
        self.client_kind = client_kind
        self._subscribe = subscribe
        self._reconnect = reconnect
        self._timeout = timeout
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=queue_size)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._read_task: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._closing = False
        self._awaiting_snapshot = False
        self._failure: StudioError | None = None
        self.welcome: dict[str, Any] = {}
        """The studio's welcome: protocol, instance, client id and the studio's identity."""
        self.snapshot: dict[str, Any] | None = None
        """The state of the latest snapshot received, or None without a subscription."""
        self.last_seq: int | None = None
        """The ``seq`` of the last event (or snapshot) received."""

    @classmethod
    async def connect(
        cls,
        socket_path: Path,
        client_kind: str,
        resume_from: int | None = None,
        *,
        instance: str | None = None,
        subscribe: bool = True,
        reconnect: bool = False,
        timeout: float = 5.0,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> StudioClient:
        """Connect, say hello, and return once the snapshot (or the resume notice) arrived.

        ``resume_from`` and ``instance`` come from an earlier client's
        ``last_seq`` and ``instance``. ``subscribe=False`` requests commands only.

        Raises:
            StudioConnectionError: nothing responds at ``socket_path`` within ``timeout`` seconds.
            StudioRefusedError: the studio refused the hello.
        """
        client = cls(
            socket_path,
            client_kind,
            subscribe=subscribe,
            reconnect=reconnect,
            timeout=timeout,
            queue_size=queue_size,
        )
        await client._handshake(resume_from, instance)
        client._read_task = asyncio.create_task(client._read_loop(), name="studio-client-reader")
        return client

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # Public interface

    @property
    def instance(self) -> str | None:
        """The studio instance this client is attached to."""
        value = self.welcome.get("instance")
        return value if isinstance(value, str) else None

    @property
    def studio(self) -> dict[str, Any]:
        """The studio's identity from the welcome: pid, profile, api_url, agent name."""
        value = self.welcome.get("studio")
        return value if isinstance(value, dict) else {}

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """Yield events, resync snapshots and connection changes until the client closes.

        Raises:
            StudioConnectionError: the connection was lost and ``reconnect`` is off.
        """
        while True:
            item = await self._queue.get()
            if item is _END:
                # Leave the end marker for any later call, so it ends at once too.
                self._queue.put_nowait(_END)
                if self._failure is not None:
                    raise self._failure
                return
            yield item

    async def command(
        self, name: str, *, timeout: float | None = None, **args: Any
    ) -> dict[str, Any]:
        """Send a command and return its result.

        Raises:
            StudioCommandError: the studio responded with an error.
            StudioConnectionError: not connected, or the connection was lost before the
                response; the command may or may not have run.
            TimeoutError: no response within ``timeout`` seconds.
        """
        writer = self._writer
        if writer is None or writer.is_closing():
            raise StudioConnectionError(
                f"Not connected to the studio at {self.socket_path}, so {name!r} was not sent."
            )
        request_id = str(next(self._ids))
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            writer.write(encode({"type": "command", "id": request_id, "name": name, "args": args}))
            await writer.drain()
            async with asyncio.timeout(timeout):
                message = await future
        except ConnectionError as error:
            raise StudioConnectionError(
                f"The connection to the studio broke while sending {name!r}: {error}."
            ) from None
        finally:
            self._pending.pop(request_id, None)
        if message.get("ok"):
            result = message.get("result")
            return result if isinstance(result, dict) else {}
        details = message.get("error")
        if not isinstance(details, dict):
            details = {}
        raise StudioCommandError(
            name,
            str(details.get("code", "unknown")),
            str(details.get("message", f"The studio rejected {name!r} without a reason.")),
        )

    async def close(self) -> None:
        """Disconnect and stop reconnecting; ``events()`` then ends."""
        self._closing = True
        if self._read_task is not None:
            self._read_task.cancel()
            await asyncio.gather(self._read_task, return_exceptions=True)
            self._read_task = None
        await self._drop_connection()
        self._fail_pending(StudioConnectionError("The studio client was closed."))
        self._end(None)

    # Connection

    async def _handshake(self, resume_from: int | None, instance: str | None) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                reader, writer = await asyncio.open_unix_connection(
                    str(self.socket_path), limit=MAX_STUDIO_MESSAGE_BYTES
                )
        except (OSError, TimeoutError) as error:
            raise StudioConnectionError(
                f"No studio is listening at {self.socket_path}: {error}. "
                "Start one with `cockpit studio run`, or let a client command start it."
            ) from None
        try:
            writer.write(encode(hello(self.client_kind, resume_from, instance, self._subscribe)))
            await writer.drain()
            welcome = await self._read_message(reader)
            if welcome["type"] == "refused":
                raise StudioRefusedError(
                    str(welcome.get("code", "refused")),
                    str(welcome.get("message", "The studio refused the connection.")),
                )
            if welcome["type"] != "welcome":
                raise StudioConnectionError(
                    f"The studio responded to the hello with {welcome['type']!r}, not a welcome."
                )
            first = await self._read_message(reader) if self._subscribe else None
        except BaseException:
            writer.close()
            raise
        self.welcome = welcome
        self._reader, self._writer = reader, writer
        self._awaiting_snapshot = False
        if first is not None:
            self._accept_first(first, resume_from)

    def _accept_first(self, first: dict[str, Any], resume_from: int | None) -> None:
        if first["type"] == "snapshot":
            self.snapshot = first.get("state")
            self.last_seq = first.get("seq")
            if resume_from is not None:
                self._deliver(first)
        elif first["type"] == "resumed":
            self.last_seq = resume_from
        else:
            raise StudioConnectionError(
                f"The studio sent {first['type']!r} where a snapshot or resume notice belongs."
            )

    async def _read_message(self, reader: asyncio.StreamReader) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self._timeout):
                line = await reader.readline()
        except TimeoutError:
            raise StudioConnectionError(
                f"The studio at {self.socket_path} did not respond within {self._timeout:g} s."
            ) from None
        except (ConnectionError, ValueError) as error:
            raise StudioConnectionError(f"Reading from the studio failed: {error}.") from None
        if not line:
            raise StudioConnectionError(
                f"The studio at {self.socket_path} closed the connection during the hello."
            )
        try:
            return decode(line)
        except ProtocolError as error:
            raise StudioConnectionError(str(error)) from None

    async def _drop_connection(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    # Reading

    async def _read_loop(self) -> None:
        while True:
            reader = self._reader
            reason = "the studio closed the connection"
            try:
                while reader is not None:
                    line = await reader.readline()
                    if not line:
                        break
                    self._handle(decode(line))
            except (ConnectionError, ValueError, ProtocolError) as error:
                reason = str(error)
            await self._drop_connection()
            lost = StudioConnectionError(f"Lost the connection to the studio: {reason}.")
            self._fail_pending(lost)
            if not self._reconnect or self._closing:
                self._end(lost)
                return
            self._deliver({"type": "connection", "connected": False, "reason": reason})
            if not await self._reconnect_with_resume():
                return
            self._deliver({"type": "connection", "connected": True})

    async def _reconnect_with_resume(self) -> bool:
        delay = _RECONNECT_INITIAL
        while not self._closing:
            await asyncio.sleep(delay)
            try:
                await self._handshake(self.last_seq, self.instance)
            except StudioRefusedError as error:
                self._end(error)
                return False
            except StudioConnectionError as error:
                logger.debug("reconnecting to the studio failed: %s", error)
                delay = min(delay * 2, _RECONNECT_MAX)
                continue
            logger.info("reconnected to the studio at %s", self.socket_path)
            return True
        return False

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "response":
            future = self._pending.get(str(message.get("id")))
            if future is not None and not future.done():
                future.set_result(message)
            elif message.get("id") is None and not message.get("ok"):
                logger.warning("the studio reported an error: %s", message.get("error"))
        elif kind == "event":
            self._handle_event(message)
        elif kind == "snapshot":
            self.snapshot = message.get("state")
            self.last_seq = message.get("seq")
            self._awaiting_snapshot = False
            self._deliver(message)
        elif kind == "resync_required":
            self._request_snapshot()
        else:
            logger.debug("ignored a %r message from the studio", kind)

    def _handle_event(self, message: dict[str, Any]) -> None:
        if self._awaiting_snapshot:
            return
        seq = message.get("seq")
        if not isinstance(seq, int):
            return
        if self.last_seq is not None and seq != self.last_seq + 1:
            if seq <= self.last_seq:
                return  # already delivered
            logger.warning(
                "events %d to %d are missing; asking for a snapshot", self.last_seq + 1, seq - 1
            )
            self._request_snapshot()
            return
        self.last_seq = seq
        self._deliver(message)

    def _deliver(self, message: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            # The consumer fell behind: what it has not read is replaced by a fresh snapshot.
            while not self._queue.empty():
                self._queue.get_nowait()
            self._request_snapshot()

    def _request_snapshot(self) -> None:
        if self._awaiting_snapshot:
            return
        self._awaiting_snapshot = True
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(encode({"type": "resync"}))

    def _fail_pending(self, error: StudioError) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    def _end(self, error: StudioError | None) -> None:
        if error is not None and self._failure is None:
            self._failure = error
        try:
            self._queue.put_nowait(_END)
        except asyncio.QueueFull:
            # Room for the end marker matters more than the oldest unread event.
            self._queue.get_nowait()
            self._queue.put_nowait(_END)
