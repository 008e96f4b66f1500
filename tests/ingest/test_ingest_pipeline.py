"""The ingest with real nginx, ffmpeg and ffprobe, and a real callback server over loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from ingest_helpers import VALID_KEY, CallbackServer, Publisher, probe_streams, wait_until

from cockpit.broadcast.processes import ProcessSpec, ProcessSupervisor
from cockpit.sim import ingest as ingest_module
from cockpit.sim.ingest import (
    IDLE_PUBLISHER_SECONDS,
    Ingest,
    IngestError,
    reserve_loopback_ports,
)
from cockpit.sim.ingest_routes import key_digest

pytestmark = pytest.mark.pipeline


def is_gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_rtmps_publish_is_accepted_and_recorded(
    ingest: Ingest,
    callback_server: CallbackServer,
    publisher: Publisher,
    supervisor: ProcessSupervisor,
) -> None:
    result = publisher.run(f"{ingest.rtmps_url}/{VALID_KEY}", seconds=3)
    assert result.returncode == 0, result.stderr.decode(errors="replace")

    log = callback_server.log
    assert wait_until(lambda: len(log.snapshot()[2]) == 1), "record_done never arrived"
    publishes, publishes_done, records_done = log.snapshot()
    assert publishes == [(VALID_KEY, "live", True)]
    assert publishes_done == [VALID_KEY]
    key, path = records_done[0]
    assert key == VALID_KEY
    assert Path(path).parent == ingest.record_dir
    assert Path(path).name.startswith(f"{key_digest(VALID_KEY)}-")
    assert Path(path).stat().st_size > 100_000

    probe = probe_streams(supervisor, Path(path))
    assert probe.returncode == 0, probe.stderr.decode(errors="replace")
    streams = {stream["codec_type"]: stream for stream in json.loads(probe.stdout)["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert streams["video"]["pix_fmt"] == "yuv420p"
    assert (streams["video"]["width"], streams["video"]["height"]) == (1280, 720)
    assert streams["audio"]["codec_name"] == "aac"


def test_plain_rtmp_publish_is_accepted(
    ingest: Ingest, callback_server: CallbackServer, publisher: Publisher
) -> None:
    result = publisher.run(f"{ingest.rtmp_url}/{VALID_KEY}", seconds=2)

    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert wait_until(lambda: len(callback_server.log.snapshot()[2]) == 1)
    assert callback_server.log.snapshot()[0] == [(VALID_KEY, "live", True)]


def test_wrong_key_is_rejected_quickly(
    ingest: Ingest, callback_server: CallbackServer, publisher: Publisher
) -> None:
    started = time.monotonic()
    result = publisher.run(f"{ingest.rtmps_url}/sk_wrong_key", seconds=3)
    elapsed = time.monotonic() - started

    assert result.returncode != 0
    assert elapsed < 5, f"ffmpeg took {elapsed:.2f} s to give up on a rejected key"
    publishes, publishes_done, records_done = callback_server.log.snapshot()
    assert publishes == [("sk_wrong_key", "live", False)]
    assert publishes_done == []
    assert records_done == []
    assert list(ingest.record_dir.iterdir()) == []


def test_unreachable_callback_server_rejects(
    supervisor: ProcessSupervisor, publisher: Publisher, tmp_path: Path
) -> None:
    (closed_port,) = reserve_loopback_ports(1)
    with Ingest(supervisor, tmp_path, f"http://127.0.0.1:{closed_port}") as ingest:
        result = publisher.run(f"{ingest.rtmp_url}/{VALID_KEY}", seconds=3)

        assert result.returncode != 0
        assert list(ingest.record_dir.iterdir()) == []


def test_stats_show_publishing_stream(
    ingest: Ingest, publisher: Publisher, supervisor: ProcessSupervisor
) -> None:
    child = publisher.start(f"{ingest.rtmps_url}/{VALID_KEY}")
    try:

        def video_arrived() -> bool:
            stream = ingest.stats().stream_for_key(VALID_KEY)
            return stream is not None and stream.bytes_in > 0 and stream.width is not None

        assert wait_until(video_arrived), "the stream never showed video on the status page"
        stats = ingest.stats()
        stream = stats.stream_for_key(VALID_KEY)
        assert stream is not None
        assert stats.publishing == {stream.name}
        assert VALID_KEY not in stream.name
        assert stats.bytes_in >= stream.bytes_in
        assert (stream.width, stream.height) == (1280, 720)
        assert stream.video_codec == "H264"
        assert stream.audio_codec == "AAC"
    finally:
        supervisor.stop(child)

    assert wait_until(lambda: ingest.stats().stream_for_key(VALID_KEY) is None)


def test_publish_done_follows_publisher_stop(
    ingest: Ingest,
    callback_server: CallbackServer,
    publisher: Publisher,
    supervisor: ProcessSupervisor,
) -> None:
    child = publisher.start(f"{ingest.rtmp_url}/{VALID_KEY}")
    assert wait_until(lambda: ingest.stats().stream_for_key(VALID_KEY) is not None)
    assert callback_server.log.snapshot()[1] == []

    assert supervisor.stop(child) == 0
    stopped = time.monotonic()
    assert wait_until(lambda: callback_server.log.snapshot()[1] == [VALID_KEY], timeout=10)
    assert time.monotonic() - stopped < 3


def test_frozen_publisher_is_dropped(
    ingest: Ingest,
    callback_server: CallbackServer,
    publisher: Publisher,
    supervisor: ProcessSupervisor,
) -> None:
    child = publisher.start(f"{ingest.rtmps_url}/{VALID_KEY}")

    def media_arrived() -> bool:
        stream = ingest.stats().stream_for_key(VALID_KEY)
        return stream is not None and stream.bytes_in > 0

    # nginx starts the idle timer at the first audio or video packet.
    assert wait_until(media_arrived)

    # A stopped ffmpeg keeps its connection open but sends nothing, like a frozen encoder.
    os.kill(child.pid, signal.SIGSTOP)
    try:
        frozen = time.monotonic()
        dropped = wait_until(
            lambda: callback_server.log.snapshot()[1] == [VALID_KEY],
            timeout=IDLE_PUBLISHER_SECONDS + 15,
        )
        waited = time.monotonic() - frozen
    finally:
        os.kill(child.pid, signal.SIGCONT)
        supervisor.stop(child)

    assert dropped, "nginx never reported publish_done for the frozen publisher"
    assert waited >= IDLE_PUBLISHER_SECONDS - 1
    assert ingest.stats().stream_for_key(VALID_KEY) is None


def test_drop_publisher_ends_publish(
    ingest: Ingest,
    callback_server: CallbackServer,
    publisher: Publisher,
    supervisor: ProcessSupervisor,
) -> None:
    child = publisher.start(f"{ingest.rtmps_url}/{VALID_KEY}")
    assert wait_until(lambda: ingest.stats().stream_for_key(VALID_KEY) is not None)

    assert ingest.drop_publisher(VALID_KEY)

    assert wait_until(lambda: callback_server.log.snapshot()[1] == [VALID_KEY], timeout=10)
    assert child.popen.wait(timeout=15) != 0
    supervisor.forget(child)
    assert ingest.stats().stream_for_key(VALID_KEY) is None
    assert not ingest.drop_publisher(VALID_KEY)


def test_second_publisher_of_key_rejected(
    ingest: Ingest,
    callback_server: CallbackServer,
    publisher: Publisher,
    supervisor: ProcessSupervisor,
) -> None:
    log = callback_server.log
    first = publisher.start(f"{ingest.rtmp_url}/{VALID_KEY}")
    assert wait_until(lambda: ingest.stats().stream_for_key(VALID_KEY) is not None)

    second = publisher.run(f"{ingest.rtmps_url}/{VALID_KEY}", seconds=3)

    assert second.returncode != 0
    assert log.snapshot()[0] == [(VALID_KEY, "live", True)]
    assert len(ingest.stats().publishing) == 1
    assert ingest.stats().stream_for_key(VALID_KEY) is not None

    assert supervisor.stop(first) == 0
    assert wait_until(lambda: len(log.snapshot()[2]) == 1)
    assert wait_until(lambda: log.snapshot()[1] == [VALID_KEY])
    assert len(list(ingest.record_dir.iterdir())) == 1


def test_rename_recording_after_record_done(
    ingest: Ingest, callback_server: CallbackServer, publisher: Publisher
) -> None:
    assert publisher.run(f"{ingest.rtmp_url}/{VALID_KEY}", seconds=2).returncode == 0
    assert wait_until(lambda: len(callback_server.log.snapshot()[2]) == 1)
    _, path = callback_server.log.snapshot()[2][0]

    renamed = ingest.rename_recording(path, "session-1")

    assert renamed == ingest.record_dir / "session-1.flv"
    assert renamed.stat().st_size > 0
    assert [entry.name for entry in ingest.record_dir.iterdir()] == ["session-1.flv"]
    assert not Path(path).exists()


def test_stop_leaves_no_nginx(ingest: Ingest, supervisor: ProcessSupervisor) -> None:
    assert ingest.child is not None
    pid = ingest.child.pid
    assert psutil.Process(pid).name() == "nginx"

    ingest.stop()

    assert not psutil.pid_exists(pid)
    assert ingest.child is None
    assert supervisor.children == []
    with pytest.raises(IngestError, match="not running"):
        _ = ingest.rtmp_url


def test_single_nginx_process_owns_all_ports(ingest: Ingest) -> None:
    assert ingest.child is not None
    nginx = psutil.Process(ingest.child.pid)
    listening = {
        connection.laddr.port
        for connection in nginx.net_connections(kind="tcp")
        if connection.status == psutil.CONN_LISTEN
    }
    ports = {
        int(url.rsplit(":", 1)[1].split("/")[0])
        for url in (ingest.rtmp_url, ingest.rtmps_url, ingest.stat_url)
    }
    assert listening == ports
    assert nginx.children() == []


OWNER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from cockpit.broadcast.processes import ProcessSupervisor
    from cockpit.sim.ingest import Ingest
    ingest = Ingest(ProcessSupervisor(), Path(sys.argv[1]), "http://127.0.0.1:9")
    ingest.start()
    print(ingest.child.pid, flush=True)
    time.sleep(300)
    """
)


def test_sigkilled_owner_leaves_no_nginx(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    spec = ProcessSpec(
        "owner", [sys.executable, "-c", OWNER_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE
    )
    owner = supervisor.start(spec)
    assert owner.stdout is not None
    line = owner.stdout.readline().decode()
    assert line.strip().isdigit(), f"the owner printed {line!r} instead of the nginx PID"
    nginx_pid = int(line)
    assert psutil.Process(nginx_pid).name() == "nginx"
    # Every process below the owner: nginx, and its workers if it had forked any.
    descendants = [process.pid for process in psutil.Process(owner.pid).children(recursive=True)]
    assert nginx_pid in descendants

    os.kill(owner.pid, signal.SIGKILL)
    owner.popen.wait(timeout=10)
    supervisor.forget(owner)

    def all_gone() -> bool:
        return all(is_gone(pid) for pid in descendants)

    gone_in_time = wait_until(all_gone, timeout=10)
    for pid in descendants:
        if not is_gone(pid):
            os.kill(pid, signal.SIGKILL)  # leave nothing running when the check fails
    assert gone_in_time, f"processes outlived their owner: {descendants}"


def test_start_retries_when_port_taken(
    supervisor: ProcessSupervisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy_port = blocker.getsockname()[1]
        calls: list[list[int]] = []

        def first_call_takes_busy_port(count: int) -> list[int]:
            ports = reserve_loopback_ports(count)
            if not calls:
                ports[0] = busy_port
            calls.append(ports)
            return ports

        monkeypatch.setattr(ingest_module, "reserve_loopback_ports", first_call_takes_busy_port)
        with Ingest(supervisor, tmp_path, "http://127.0.0.1:9") as ingest:
            assert len(calls) == 2
            assert ingest.rtmp_url == f"rtmp://127.0.0.1:{calls[1][0]}/live"


def test_start_failure_reports_error_log(
    supervisor: ProcessSupervisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy_port = blocker.getsockname()[1]

        def every_call_takes_busy_port(count: int) -> list[int]:
            return [busy_port, *reserve_loopback_ports(count - 1)]

        monkeypatch.setattr(ingest_module, "reserve_loopback_ports", every_call_takes_busy_port)
        ingest = Ingest(supervisor, tmp_path, "http://127.0.0.1:9")

        with pytest.raises(IngestError) as raised:
            ingest.start(timeout=30)

    message = str(raised.value)
    assert "nginx exited with status 1" in message
    assert "Address already in use" in message
    assert ingest.child is None
    assert supervisor.children == []
