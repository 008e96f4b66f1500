"""Real loopback servers for the API client's tests.

`ScriptedServer` is an HTTP/1.1 server in a thread that plays scripted
responses per path (statuses, redirects, dropped connections, slow bodies) and
records every request it receives. `SocketIOServer` runs a python-socketio
server under uvicorn in a thread.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import socketio
import uvicorn

TOKEN = "rtk_unit_test_token_5f2c9a"
"""The access token used by these tests; no error, log or repr may contain it."""


def wait_until(condition: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass; return its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(interval)
    return condition()


async def wait_for_async(
    condition: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01
) -> bool:
    """Poll ``condition`` on the event loop until it is true or ``timeout`` seconds pass."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        await asyncio.sleep(interval)
    return condition()


@dataclass(frozen=True)
class Respond:
    """Send a complete response; a dict or list body is sent as JSON."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, self.headers.get("Content-Type", "application/octet-stream")
        if isinstance(self.body, str):
            return self.body.encode(), self.headers.get("Content-Type", "text/plain")
        return json.dumps(self.body).encode(), "application/json"


@dataclass(frozen=True)
class Redirect:
    """Send a redirect status with a Location header."""

    location: str
    status: int = 302


@dataclass(frozen=True)
class Close:
    """Read the request, then close the connection without a response."""


@dataclass(frozen=True)
class Trickle:
    """Send the status line and headers, then the body one byte every ``byte_interval`` s."""

    body: bytes
    byte_interval: float = 1.0


Action = Respond | Redirect | Close | Trickle


@dataclass(frozen=True)
class Received:
    """One request as the server saw it; header names are lower case."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class _QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-response (a deadline, a size limit) is expected here.
        pass


class ScriptedServer:
    """An HTTP server on ``host`` that plays a queue of actions per path.

    A path with an empty queue repeats its default action, or responds with 404.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Action]] = defaultdict(deque)
        self._defaults: dict[str, Action] = {}
        self._stopping = threading.Event()
        self.received: list[Received] = []
        self._httpd = _QuietHTTPServer((host, 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def origin(self) -> str:
        address = self._httpd.server_address
        return f"http://{address[0]!s}:{address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.origin}/api/v1"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def script(self, path: str, *actions: Action) -> None:
        """Queue ``actions`` for requests to ``path`` (without the query), played in order."""
        with self._lock:
            self._queues[path].extend(actions)

    def always(self, path: str, action: Action) -> None:
        """Play ``action`` for ``path`` whenever its queue is empty."""
        with self._lock:
            self._defaults[path] = action

    def requests_to(self, path: str) -> list[Received]:
        with self._lock:
            return [request for request in self.received if request.path == path]

    def _next_action(self, path: str) -> Action:
        with self._lock:
            queue = self._queues[path]
            if queue:
                return queue.popleft()
            return self._defaults.get(path, Respond(404, {"error": f"No script for {path}."}))

    def _record(self, request: Received) -> None:
        with self._lock:
            self.received.append(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                headers = {name.lower(): value for name, value in self.headers.items()}
                server._record(Received(self.command, parts.path, parts.query, headers, body))
                self._play(server._next_action(parts.path))

            def _play(self, action: Action) -> None:
                if isinstance(action, Close):
                    self.close_connection = True
                    return
                if isinstance(action, Redirect):
                    self.send_response(action.status)
                    self.send_header("Location", action.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if isinstance(action, Trickle):
                    self._trickle(action)
                    return
                payload, content_type = action.encoded()
                self.send_response(action.status)
                self.send_header("Content-Type", content_type)
                for name, value in action.headers.items():
                    if name != "Content-Type":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _trickle(self, action: Trickle) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(action.body)))
                self.end_headers()
                self.wfile.flush()
                for index in range(len(action.body)):
                    if server._stopping.wait(action.byte_interval):
                        break
                    try:
                        self.wfile.write(action.body[index : index + 1])
                        self.wfile.flush()
                    except OSError:
                        break
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        return Handler


class SocketIOServer:
    """A python-socketio ASGI server under uvicorn on 127.0.0.1, in its own thread.

    ``connect_headers`` keeps the request headers of each connection and
    ``joined`` the rooms each ``joinRoom`` asked for, in order.
    """

    def __init__(self) -> None:
        self.sio = socketio.AsyncServer(async_mode="asgi", logger=False, engineio_logger=False)
        self.connect_headers: list[dict[str, str]] = []
        self.joined: list[str] = []
        self.connects = 0
        self.sids: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.sio.on("connect", self._on_connect)
        self.sio.on("joinRoom", self._on_join)
        self.sio.on("leaveRoom", self._on_leave)
        self.sio.on("disconnect", self._on_disconnect)
        app = socketio.ASGIApp(self.sio, socketio_path="socket.io")
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        self._loop = asyncio.get_running_loop()
        scope = environ.get("asgi.scope", {})
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", [])
        }
        self.connect_headers.append(headers)
        self.connects += 1
        self.sids.add(sid)

    async def _on_disconnect(self, sid: str, *args: Any) -> None:
        self.sids.discard(sid)

    async def _on_join(self, sid: str, data: Any) -> None:
        room = data.get("roomId") if isinstance(data, dict) else None
        if isinstance(room, str):
            await self.sio.enter_room(sid, room)
            self.joined.append(room)

    async def _on_leave(self, sid: str, data: Any) -> None:
        room = data.get("roomId") if isinstance(data, dict) else None
        if isinstance(room, str):
            await self.sio.leave_room(sid, room)

    @property
    def origin(self) -> str:
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        if not wait_until(lambda: self._server.started, timeout=10):
            raise RuntimeError("The Socket.IO test server did not start within 10 s.")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def emit(self, event: str, data: Any, room: str) -> None:
        """Emit ``event`` to ``room`` from the server's own loop and wait until it is sent."""
        assert self._loop is not None, "no client has connected yet"
        future = asyncio.run_coroutine_threadsafe(self.sio.emit(event, data, to=room), self._loop)
        future.result(timeout=5)

    def disconnect_all(self) -> None:
        """Drop every connected client, as a server restart would."""
        assert self._loop is not None, "no client has connected yet"

        async def drop() -> None:
            for sid in list(self.sids):
                await self.sio.disconnect(sid)

        asyncio.run_coroutine_threadsafe(drop(), self._loop).result(timeout=5)
