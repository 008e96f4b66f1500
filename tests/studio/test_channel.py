"""The local channel on its own: a real `StudioServer` and `StudioClient` over a Unix socket.

The server runs in the test's event loop with a small stand-in for the studio
(a counter as state, ``narrate`` publishing an event), so these tests need no
simulator and no pipeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cockpit.settings import StudioSettings
from cockpit.studio.client import (
    StudioClient,
    StudioCommandError,
    StudioRefusedError,
)
from cockpit.studio.locations import run_dir, socket_path
from cockpit.studio.peer import PeerRejectedError, check_peer, peer_credentials
from cockpit.studio.protocol import decode, encode, hello
from cockpit.studio.server import CommandError, StudioServer
from cockpit.studio.session import ClientInfo

NOBODY_UID = 65534


class FakeStudio:
    """State for snapshots, and commands that publish events like the studio's do."""

    def __init__(self) -> None:
        self.narrations = 0
        self.server: StudioServer | None = None

    def snapshot(self) -> dict[str, Any]:
        return {"narrations": self.narrations}

    async def handle(self, name: str, args: dict[str, Any], client: ClientInfo) -> dict[str, Any]:
        assert self.server is not None
        if name == "narrate":
            self.narrations += 1
            seq = self.server.publish(
                "narration", {"text": args.get("text", ""), "n": self.narrations}
            )
            return {"seq": seq}
        if name == "status":
            return {"client": client.kind, "clients": self.server.client_count}
        raise CommandError("not_here", f"The test studio does not implement {name!r}.")


async def start_server(settings: StudioSettings) -> tuple[StudioServer, FakeStudio]:
    studio = FakeStudio()
    server = StudioServer(
        socket_path("channel"),
        settings,
        identity=lambda: {"pid": os.getpid(), "profile": "channel"},
        snapshot=studio.snapshot,
        handle_command=studio.handle,
    )
    studio.server = server
    await server.start()
    return server, studio


@pytest.fixture
async def channel() -> AsyncIterator[tuple[StudioServer, FakeStudio]]:
    server, studio = await start_server(StudioSettings(event_buffer=100, client_queue=50))
    try:
        yield server, studio
    finally:
        await server.close()


def publish_many(server: StudioServer, count: int, size: int = 10) -> list[int]:
    return [server.publish("narration", {"text": "x" * size}) for _ in range(count)]


async def next_event(client: StudioClient, timeout: float = 5.0) -> dict[str, Any]:
    events = client.events()
    return await asyncio.wait_for(anext(events), timeout)


async def collect(client: StudioClient, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []

    async def gather() -> None:
        async for message in client.events():
            received.append(message)
            if len(received) == count:
                return

    await asyncio.wait_for(gather(), timeout)
    return received


# Socket and handshake


async def test_socket_is_private(channel: tuple[StudioServer, FakeStudio]) -> None:
    server, _ = channel
    assert stat.S_IMODE(run_dir().stat().st_mode) == 0o700
    assert stat.S_IMODE(server.socket_path.stat().st_mode) == 0o600
    assert str(server.socket_path).startswith(os.environ["XDG_STATE_HOME"])


async def test_attach_gets_snapshot_then_numbered_events(
    channel: tuple[StudioServer, FakeStudio],
) -> None:
    server, _ = channel
    publish_many(server, 3)
    client = await StudioClient.connect(server.socket_path, "console")
    try:
        assert client.snapshot == {"narrations": 0}
        assert client.last_seq == 3
        assert client.instance == server.instance
        result = await client.command("narrate", text="hello")
        assert result == {"seq": 4}
        event = await next_event(client)
        assert event["type"] == "event"
        assert event["seq"] == 4
        assert event["kind"] == "narration"
        assert event["data"]["text"] == "hello"
    finally:
        await client.close()


async def test_resume_has_no_gap_and_no_duplicate(
    channel: tuple[StudioServer, FakeStudio],
) -> None:
    server, _ = channel
    first = await StudioClient.connect(server.socket_path, "console")
    publish_many(server, 5)
    seen = [message["seq"] for message in await collect(first, 5)]
    resume_from, instance = first.last_seq, first.instance
    await first.close()

    publish_many(server, 7)  # while no client is attached
    second = await StudioClient.connect(
        server.socket_path, "console", resume_from=resume_from, instance=instance
    )
    try:
        publish_many(server, 2)
        seen += [message["seq"] for message in await collect(second, 9)]
    finally:
        await second.close()
    assert seen == list(range(1, 15))


async def test_resume_too_old_gets_resync_snapshot() -> None:
    server, _ = await start_server(StudioSettings(event_buffer=100, client_queue=50))
    try:
        publish_many(server, 150)
        client = await StudioClient.connect(
            server.socket_path, "console", resume_from=10, instance=server.instance
        )
        try:
            message = await next_event(client)
            assert message["type"] == "snapshot"
            assert message["resync"] is True
            assert message["seq"] == 150
            assert client.last_seq == 150
        finally:
            await client.close()
    finally:
        await server.close()


async def test_resume_of_other_instance_gets_resync(
    channel: tuple[StudioServer, FakeStudio],
) -> None:
    server, _ = channel
    publish_many(server, 4)
    client = await StudioClient.connect(
        server.socket_path, "stage", resume_from=2, instance="an-older-studio"
    )
    try:
        message = await next_event(client)
        assert message["type"] == "snapshot"
        assert message["resync"] is True
    finally:
        await client.close()


async def test_other_protocol_version_is_refused(
    channel: tuple[StudioServer, FakeStudio],
) -> None:
    server, _ = channel
    reader, writer = await asyncio.open_unix_connection(str(server.socket_path))
    try:
        writer.write(encode({**hello("cli"), "protocol": 2}))
        answer = decode(await asyncio.wait_for(reader.readline(), 5))
        assert answer["type"] == "refused"
        assert answer["code"] == "protocol_version"
        assert "protocol 1" in answer["message"]
        assert await asyncio.wait_for(reader.read(), 5) == b""
    finally:
        writer.close()


async def test_unknown_client_kind_is_refused(channel: tuple[StudioServer, FakeStudio]) -> None:
    server, _ = channel
    with pytest.raises(StudioRefusedError) as raised:
        await StudioClient.connect(server.socket_path, "toaster")
    assert raised.value.code == "client_kind"


async def test_unknown_command_gets_clear_error(channel: tuple[StudioServer, FakeStudio]) -> None:
    server, _ = channel
    client = await StudioClient.connect(server.socket_path, "cli", subscribe=False)
    try:
        with pytest.raises(StudioCommandError) as raised:
            await client.command("make_coffee")
        assert raised.value.code == "unknown_command"
        assert "'make_coffee'" in str(raised.value)
        assert "go_live" in str(raised.value)
        with pytest.raises(StudioCommandError) as failed:
            await client.command("thumbnail")
        assert failed.value.code == "not_here"
        assert (await client.command("status"))["client"] == "cli"
    finally:
        await client.close()


async def test_unsubscribed_client_gets_no_events(
    channel: tuple[StudioServer, FakeStudio],
) -> None:
    server, _ = channel
    client = await StudioClient.connect(server.socket_path, "cli", subscribe=False)
    try:
        assert client.snapshot is None
        publish_many(server, 3)
        status = await client.command("status")
        assert status["clients"] == 1
        with pytest.raises(TimeoutError):
            await next_event(client, timeout=0.3)
    finally:
        await client.close()


# Slow clients


async def test_slow_client_does_not_stall_others() -> None:
    server, _ = await start_server(
        StudioSettings(event_buffer=5000, client_queue=20, client_write_timeout=60)
    )
    slow_reader, slow_writer = await asyncio.open_unix_connection(
        str(server.socket_path), limit=2**20
    )
    fast = await StudioClient.connect(server.socket_path, "console")
    try:
        slow_writer.write(encode(hello("console")))
        await slow_writer.drain()
        await _wait_for(lambda: server.client_count == 2)

        # 50 kB events fill the socket buffers of a client that reads nothing within a few events.
        delays = []
        for _ in range(200):
            published_at = time.monotonic()
            seq = server.publish("narration", {"text": "y" * 50_000})
            message = await next_event(fast, timeout=5)
            assert message["seq"] == seq
            delays.append(time.monotonic() - published_at)
        assert max(delays) < 1.0, f"the fast client waited up to {max(delays):.2f} s"

        slow = [client for client in server.clients() if client["id"] != fast.welcome["client_id"]]
        assert slow[0]["behind"] is True
        assert slow[0]["queued"] <= 25

        # Reading at last, the slow client finds the resync notice, and a snapshot after asking.
        types = []
        while "resync_required" not in types:
            line = await asyncio.wait_for(slow_reader.readline(), 5)
            types.append(decode(line)["type"])
        slow_writer.write(encode({"type": "resync"}))
        await slow_writer.drain()
        while True:
            message = decode(await asyncio.wait_for(slow_reader.readline(), 5))
            if message["type"] == "snapshot":
                break
        assert message["resync"] is True
        assert message["seq"] == server.last_seq
    finally:
        slow_writer.close()
        await fast.close()
        await server.close()


async def test_client_that_falls_behind_locally_gets_snapshot() -> None:
    server, _ = await start_server(StudioSettings(event_buffer=1000, client_queue=500))
    client = await StudioClient.connect(server.socket_path, "console", queue_size=10)
    try:
        publish_many(server, 30)
        await asyncio.sleep(0.5)  # the client reads them all while the consumer is away
        received = []
        async for message in client.events():
            received.append(message)
            if message["type"] == "snapshot":
                break
        assert received[-1]["resync"] is True
        assert received[-1]["seq"] == 30
        assert client.last_seq == 30
    finally:
        await client.close()
        await server.close()


async def test_reconnecting_client_resumes_after_restart_of_connection(
    channel: tuple[StudioServer, FakeStudio],
) -> None:
    server, _ = channel
    client = await StudioClient.connect(server.socket_path, "console", reconnect=True)
    try:
        publish_many(server, 2)
        assert [message["seq"] for message in await collect(client, 2)] == [1, 2]
        # Cut the connection from the studio's side; the client reconnects and resumes.
        assert server.disconnect(client.welcome["client_id"])
        publish_many(server, 3)
        messages = await collect(client, 5)
        kinds = [message["type"] for message in messages]
        assert kinds[:2] == ["connection", "connection"]
        assert [message["seq"] for message in messages[2:]] == [3, 4, 5]
    finally:
        await client.close()


# Peers


def test_peer_check_on_socketpair() -> None:
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right:
        peer = peer_credentials(left)
        assert peer.uid == os.geteuid()
        assert peer.pid == os.getpid()
        assert check_peer(left) == peer
        with pytest.raises(PeerRejectedError) as raised:
            check_peer(left, expected_uid=NOBODY_UID)
        assert f"user id {os.geteuid()}" in str(raised.value)


def _connect_as_nobody(path: Path) -> int:
    """Fork a child that connects as uid 65534; return its exit status.

    0: the studio refused it as a foreign peer. 1: it was served. 2: the kernel
    denied access to the socket. 3: anything else.
    """
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            os.setgid(NOBODY_UID)
            os.setuid(NOBODY_UID)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(5)
                connection.connect(str(path))
                with contextlib.suppress(BrokenPipeError):
                    # The studio may refuse and close before the hello is sent.
                    connection.sendall(encode(hello("cli")))
                answer = json.loads(connection.makefile("rb").readline())
                code = 0 if answer.get("type") == "refused" and answer.get("code") == "peer" else 1
        except PermissionError:
            code = 2
        except BaseException:
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(os.geteuid() != 0, reason="changing to another uid needs root")
async def test_foreign_uid_is_blocked_by_directory(
    channel: tuple[StudioServer, FakeStudio],
) -> None:
    server, _ = channel
    assert await asyncio.to_thread(_connect_as_nobody, server.socket_path) == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="changing to another uid needs root")
async def test_foreign_uid_is_rejected_by_peer_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # A state directory that uid 65534 can traverse, and a socket it may open, so that only
    # the peer check can reject it. The test's own home is under a 0700 directory.
    state_home = Path(tempfile.mkdtemp(prefix="studio-peer-"))
    monkeypatch.setenv("XDG_STATE_HOME", str(state_home))
    server, _ = await start_server(StudioSettings())
    try:
        for directory in (
            state_home,
            *reversed(server.socket_path.relative_to(state_home).parents),
        ):
            (state_home / directory).chmod(0o755)
        server.socket_path.chmod(0o666)
        assert await asyncio.to_thread(_connect_as_nobody, server.socket_path) == 0
        assert server.client_count == 0
    finally:
        await server.close()
        shutil.rmtree(state_home)


async def _wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        await asyncio.sleep(0.02)
