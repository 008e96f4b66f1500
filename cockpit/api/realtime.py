"""`RealtimeClient`: the platform's Socket.IO feed as typed events on an asyncio.Queue.

Usage::

    async with RealtimeClient.for_api_url(api_url) as realtime:
        await realtime.join(streamer_id)           # chat of one stream
        await realtime.join(f"live_{streamer_id}")  # tips, follows, session starts
        while True:
            event = await realtime.events.get()

Every platform event arrives as a model of `cockpit.api.events` on ``events``.
`ConnectionChanged` items report the connection going down and coming back.
The client remembers the joined rooms and joins them again after every
reconnect, because the server does not restore them. A payload that does not
match its model is logged and dropped. The client sends no access token and no
other credential: the Socket.IO feeds are public.
"""

from __future__ import annotations

import asyncio
import logging
import random
from types import TracebackType
from typing import Any, Self

import socketio
from socketio.exceptions import BadNamespaceError
from socketio.exceptions import ConnectionError as SocketIOConnectionError
from socketio.exceptions import TimeoutError as SocketIOTimeoutError

from cockpit.api.auth import Origin
from cockpit.api.errors import InvalidApiUrlError, ResponseFormatError, TransportError
from cockpit.api.events import EVENT_MODELS, ConnectionChanged, RealtimeEvent, parse_event
from cockpit.api.http_core import backoff_delay
from cockpit.settings import HttpSettings

logger = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 10_000
"""Events kept for a slow consumer before new ones are dropped (about 10 s of a 1,000/s flood)."""

_LOG_EVERY = 1000  # after the first, log only every 1000th dropped or malformed event


class RealtimeClient:
    """Socket.IO client of the platform's rooms and events.

    ``origin`` is the server's scheme, host and port, such as ``https://retake.tv``.
    After a lost connection, python-socketio reconnects with exponential backoff
    from ``settings.backoff_initial`` up to ``settings.backoff_max`` seconds and
    up to 0.5 s of jitter. python-socketio does not reconnect when the server
    closes the session itself, so the client then reconnects on its own, with
    full-jitter backoff between the same bounds. Neither gives up until `close`.
    """

    def __init__(
        self,
        origin: str,
        *,
        settings: HttpSettings | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        if Origin.of(origin).scheme not in ("http", "https"):
            raise InvalidApiUrlError(origin)
        self._origin = origin.rstrip("/")
        self._settings = settings or HttpSettings()  # type: ignore[call-arg]
        self._rooms: set[str] = set()
        self._closing = False
        self._reconnect_task: asyncio.Task[None] | None = None
        self._rng = random.Random()
        self.events: asyncio.Queue[RealtimeEvent] = asyncio.Queue(maxsize=queue_size)
        """Delivered events, oldest first. When it is full, new events are dropped and counted."""
        self.dropped = 0
        """Events dropped because ``events`` was full."""
        self.malformed = 0
        """Events dropped because their payload did not match the model."""

        self._sio = socketio.AsyncClient(
            reconnection=True,
            reconnection_attempts=0,
            reconnection_delay=self._settings.backoff_initial,
            reconnection_delay_max=self._settings.backoff_max,
            randomization_factor=0.5,
            handle_sigint=False,
            logger=False,
            engineio_logger=False,
        )
        self._sio.on("connect", self._on_connect)
        self._sio.on("disconnect", self._on_disconnect)
        self._sio.on("connect_error", self._on_connect_error)
        for event_name in EVENT_MODELS:
            self._sio.on(event_name, self._make_handler(event_name))

    @classmethod
    def for_api_url(cls, api_url: str, **options: Any) -> RealtimeClient:
        """Return a client for the Socket.IO server at the origin of ``api_url``."""
        origin = Origin.of(api_url)
        host = f"[{origin.host}]" if ":" in origin.host else origin.host
        return cls(f"{origin.scheme}://{host}:{origin.port}", **options)

    @property
    def origin(self) -> str:
        """The server's origin."""
        return self._origin

    @property
    def rooms(self) -> frozenset[str]:
        """The rooms joined now, or to be joined on the next connect."""
        return frozenset(self._rooms)

    @property
    def connected(self) -> bool:
        """Whether the Socket.IO connection is up."""
        return bool(self._sio.connected)

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Connect to ``<origin>/socket.io/`` and join the remembered rooms.

        Raises:
            TransportError: the first connection failed. Later losses are
                reconnected in the background.
        """
        self._closing = False
        await self._connect_once()

    async def _connect_once(self) -> None:
        try:
            await self._sio.connect(
                self._origin,
                socketio_path="socket.io",
                wait_timeout=self._settings.connect_timeout,
            )
        except SocketIOConnectionError as error:
            raise TransportError(f"Socket.IO connect to {self._origin}", str(error)) from None
        logger.info("Socket.IO connected to %s", self._origin)

    async def close(self) -> None:
        """Disconnect and stop reconnecting."""
        self._closing = True
        if self._reconnect_task is not None:
            self._reconnect_task.cancel()
            await asyncio.gather(self._reconnect_task, return_exceptions=True)
            self._reconnect_task = None
        await self._sio.shutdown()

    async def join(self, room: str, *, ack_timeout: float | None = None) -> bool:
        """Join ``room`` now if connected, and again after every reconnect.

        The platform does not document an acknowledgement of ``joinRoom``, so by
        default the request is sent without waiting and False is returned. With
        ``ack_timeout``, wait up to that many seconds for the server's
        acknowledgement and return whether it came.
        """
        self._rooms.add(room)
        if ack_timeout is None:
            await self._emit_room("joinRoom", room)
            return False
        try:
            await self._sio.call("joinRoom", {"roomId": room}, timeout=ack_timeout)
        except (BadNamespaceError, SocketIOTimeoutError):
            logger.debug("No acknowledgement of joinRoom %s within %g s", room, ack_timeout)
            return False
        return True

    async def leave(self, room: str) -> None:
        """Leave ``room`` and stop joining it after reconnects."""
        self._rooms.discard(room)
        await self._emit_room("leaveRoom", room)

    async def _emit_room(self, event: str, room: str) -> None:
        try:
            await self._sio.emit(event, {"roomId": room})
        except BadNamespaceError:
            # Not connected: the connect handler joins the remembered rooms.
            logger.debug("Deferred %s %s until the connection is up", event, room)

    async def _on_connect(self) -> None:
        # The server drops a socket's rooms when it disconnects, so join them all again.
        for room in sorted(self._rooms):
            await self._sio.emit("joinRoom", {"roomId": room})
        logger.info("Socket.IO joined %d rooms on %s", len(self._rooms), self._origin)
        self._deliver(ConnectionChanged(connected=True))

    async def _on_disconnect(self, *args: object) -> None:
        reason = str(args[0]) if args else ""
        logger.info("Socket.IO disconnected from %s (%s)", self._origin, reason or "no reason")
        self._deliver(ConnectionChanged(connected=False, reason=reason))
        server_closed = reason == socketio.AsyncClient.reason.SERVER_DISCONNECT
        if server_closed and not self._closing and self._reconnect_task is None:
            self._reconnect_task = asyncio.create_task(self._reconnect_after_server_close())

    async def _reconnect_after_server_close(self) -> None:
        try:
            # wait() returns once python-socketio has torn the old connection down.
            await self._sio.wait()
            retry = 0
            while not self._closing and not self._sio.connected:
                retry += 1
                delay = backoff_delay(
                    retry, self._settings.backoff_initial, self._settings.backoff_max, self._rng
                )
                await asyncio.sleep(delay)
                try:
                    await self._connect_once()
                except TransportError as error:
                    logger.info(
                        "Socket.IO reconnect %d to %s failed: %s", retry, self._origin, error
                    )
        finally:
            self._reconnect_task = None

    async def _on_connect_error(self, *args: object) -> None:
        logger.info("Socket.IO connection attempt to %s failed: %s", self._origin, args)

    def _make_handler(self, event_name: str) -> Any:
        async def handle(*args: object) -> None:
            self._handle_event(event_name, args[0] if args else None)

        return handle

    def _handle_event(self, event_name: str, payload: object) -> None:
        try:
            event = parse_event(event_name, payload)
        except ResponseFormatError as error:
            self.malformed += 1
            if self.malformed % _LOG_EVERY == 1:
                logger.warning("Dropped a malformed event (%d so far): %s", self.malformed, error)
            return
        self._deliver(event)

    def _deliver(self, event: RealtimeEvent) -> None:
        try:
            self.events.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped % _LOG_EVERY == 1:
                logger.warning(
                    "Dropped a %s event because the queue is full (%d dropped so far)",
                    type(event).__name__,
                    self.dropped,
                )
