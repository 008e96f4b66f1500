"""Running the simulator: in a background thread with its own event loop, or in the current loop.

```python
with SimServer(SimOptions(seed=1)) as sim:
    sim.api_url   # "http://127.0.0.1:PORT/api/v1"
```
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import inspect
import logging
import socket
import tempfile
import threading
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, overload

import uvicorn
from starlette.routing import BaseRoute

from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.sim.app import API_PREFIX, build_app, build_context
from cockpit.sim.ingest import Ingest
from cockpit.sim.ingest_hooks import ingest_app_routes
from cockpit.sim.ingest_monitor import monitor_ingest
from cockpit.sim.options import SimOptions, is_loopback_host
from cockpit.sim.web import SimContext

__all__ = ["SimOptions", "SimServer", "is_loopback_host"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

START_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 10.0
GRACEFUL_SHUTDOWN_SECONDS = 3


class _ReadyServer(uvicorn.Server):
    """A uvicorn server that calls ``on_ready`` once it accepts requests."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            self._on_ready()


class SimServer:
    """One simulator on its own port: ``start``/``stop``, ``with``, or ``await serve()``."""

    def __init__(
        self,
        options: SimOptions | None = None,
        extra_routes: Callable[[SimContext], Sequence[BaseRoute]] | None = None,
    ) -> None:
        """Check the options; nothing binds or runs until ``start()`` or ``serve()``.

        ``extra_routes`` builds routes served at the origin root (for example an
        ingest's callbacks) from the simulator's context once it exists.
        """
        self.options = options or SimOptions()
        self._extra_routes = extra_routes
        if not is_loopback_host(self.options.host) and not self.options.allow_remote:
            raise ValueError(
                f"The simulator will not bind to the non-loopback host {self.options.host!r}; "
                "use 127.0.0.1, or pass allow_remote=True if other machines must reach it."
            )
        self._socket: socket.socket | None = None
        self._address: tuple[str, int] | None = None
        self._server: _ReadyServer | None = None
        self._context: SimContext | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stop_requested = False
        self._ingest: Ingest | None = None
        self._ingest_supervisor: ProcessSupervisor | None = None
        self._ingest_temporary_dir: tempfile.TemporaryDirectory[str] | None = None

    # Addresses

    @property
    def port(self) -> int:
        """The TCP port the simulator listens on (known once started)."""
        if self._address is None:
            raise RuntimeError("The simulator has no port until start() or serve() binds one.")
        return self._address[1]

    @property
    def origin(self) -> str:
        """Scheme, host and port, for example ``http://127.0.0.1:8765``."""
        return f"http://{self._url_host()}:{self.port}"

    @property
    def api_url(self) -> str:
        """Base URL of the simulated API, ``{origin}/api/v1``."""
        return self.origin + API_PREFIX

    @property
    def context(self) -> SimContext:
        """The simulator's state and parts; touch them only in the simulator's loop (``call``)."""
        if self._context is None:
            raise RuntimeError("The simulator has no state until start() or serve() builds it.")
        return self._context

    def _url_host(self) -> str:
        assert self._address is not None
        address = self._address[0]
        if address in ("0.0.0.0", "::"):
            return "127.0.0.1"
        return f"[{address}]" if ":" in address else address

    # Thread mode

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> SimServer:
        """Serve in a background thread; return once requests are accepted."""
        if self._thread is not None:
            raise RuntimeError("The simulator is already running; call stop() first.")
        server = self._prepare(self._ready.set)
        self._thread = threading.Thread(
            target=self._run_thread, args=(server,), name="cockpit-sim", daemon=True
        )
        self._thread.start()

        if not self._ready.wait(timeout):
            self.stop()
            raise TimeoutError(f"The simulator did not accept requests within {timeout} s.")
        if self._error is not None:
            self.stop()
            raise RuntimeError(f"The simulator failed to start: {self._error!r}") from self._error
        logger.info("Simulator serving at %s", self.api_url)
        return self

    def _run_thread(self, server: _ReadyServer) -> None:
        # The runner cancels leftover tasks (Engine.IO pings and the like) before closing the loop.
        runner = asyncio.Runner()
        self._loop = runner.get_loop()
        try:
            runner.run(server.serve(sockets=[self._bound_socket()]))
        except BaseException as error:
            self._error = error
            logger.error("The simulator stopped with an error: %r", error)
        finally:
            runner.close()
            self._ready.set()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Disconnect Socket.IO clients, shut the server down and join its thread."""
        thread, server = self._thread, self._server
        if thread is None or server is None:
            return
        if thread.is_alive() and self._loop is not None and self._context is not None:
            try:
                self.call(self._context.realtime.drop_all, timeout=timeout)
            except (RuntimeError, TimeoutError, concurrent.futures.TimeoutError) as error:
                logger.warning("Could not disconnect Socket.IO clients before stopping: %r", error)
        self._stop_ingest()
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)
        self._thread = None
        self._stop_requested = False
        self._close_socket()
        logger.info("Simulator stopped")

    @overload
    def call(
        self, function: Callable[..., Awaitable[T]], *args: Any, timeout: float = ...
    ) -> T: ...

    @overload
    def call(self, function: Callable[..., T], *args: Any, timeout: float = ...) -> T: ...

    def call(self, function: Callable[..., Any], *args: Any, timeout: float = 10.0) -> Any:
        """Run ``function(*args)`` in the simulator's loop; return its result, awaited if needed."""
        loop = self._loop
        if loop is None or self._thread is None:
            raise RuntimeError("The simulator is not running in a thread; call start() first.")

        async def invoke() -> Any:
            result = function(*args)
            if inspect.isawaitable(result):
                return await result
            return result

        return asyncio.run_coroutine_threadsafe(invoke(), loop).result(timeout)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Current-loop mode

    async def serve(self, on_ready: Callable[[SimServer], None] | None = None) -> None:
        """Serve in the running event loop until ``request_stop()``, SIGINT or SIGTERM.

        uvicorn handles SIGINT and SIGTERM while it serves from the main thread, and
        raises the signal again after shutting down: install a handler first when
        the process should go on afterwards.
        """
        server = self._prepare(lambda: on_ready(self) if on_ready is not None else None)
        try:
            await server.serve(sockets=[self._bound_socket()])
        finally:
            self._stop_ingest()
            self._close_socket()

    def request_stop(self) -> None:
        """Ask a running ``serve()`` or thread to shut down; safe from a signal handler."""
        self._stop_requested = True
        if self._server is not None:
            self._server.should_exit = True

    # Shared

    def _prepare(self, on_ready: Callable[[], None]) -> _ReadyServer:
        self._socket = _bind(self.options.host, self.options.port)
        bound = self._socket.getsockname()
        self._address = (str(bound[0]), int(bound[1]))
        self._error = None
        self._ready.clear()
        try:
            if self.options.real_ingest:
                self._start_ingest()
            self._context = build_context(self.options, self.origin)
            extra = (
                list(self._extra_routes(self._context)) if self._extra_routes is not None else []
            )
            background = []
            if self._ingest is not None:
                extra.extend(ingest_app_routes(self._context, self._ingest))
                background.append(partial(monitor_ingest, self._context.state, self._ingest))
            app = build_app(self._context, extra, background)
        except BaseException:
            self._stop_ingest()
            self._close_socket()
            raise
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        self._server = _ReadyServer(config, on_ready)
        # A stop requested before the server existed (an early signal) still counts.
        self._server.should_exit = self._stop_requested
        return self._server

    def _bound_socket(self) -> socket.socket:
        assert self._socket is not None
        return self._socket

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    # Ingest

    def _start_ingest(self) -> None:
        # nginx calls back into this server, so it starts once the port is known; it only
        # calls when an encoder publishes, by which time the server accepts requests.
        self._ingest_supervisor = ProcessSupervisor("sim-ingest")
        work_dir = self.options.ingest_dir
        if work_dir is None:
            self._ingest_temporary_dir = tempfile.TemporaryDirectory(prefix="cockpit-sim-ingest-")
            work_dir = Path(self._ingest_temporary_dir.name)
        self._ingest = Ingest(self._ingest_supervisor, work_dir, f"http://127.0.0.1:{self.port}")
        self._ingest.start()
        self.options = dataclasses.replace(
            self.options, ingest_url=self._ingest.rtmps_url, live_follows_publish=True
        )

    def _stop_ingest(self) -> None:
        if self._ingest is not None:
            self._ingest.stop()
            self._ingest = None
        if self._ingest_supervisor is not None:
            self._ingest_supervisor.close()
            self._ingest_supervisor = None
        if self._ingest_temporary_dir is not None:
            self._ingest_temporary_dir.cleanup()
            self._ingest_temporary_dir = None

    @property
    def ingest(self) -> Ingest | None:
        """The real RTMP ingest when ``real_ingest`` is set and the simulator runs."""
        return self._ingest


def _bind(host: str, port: int) -> socket.socket:
    family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, protocol)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise OSError(
            f"Could not listen on {host}:{port}: {error.strerror}; "
            "choose another port, or 0 for a free one."
        ) from error
    return sock
