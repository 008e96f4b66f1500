"""Ingest construction, status parsing and recording names, without starting nginx."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.sim.ingest import Ingest, IngestError, parse_stats, render_config
from cockpit.sim.ingest_routes import stream_name_for

ONE = stream_name_for("sk_one", "21")
TWO = stream_name_for("sk_two", "22")
STATUS_PAGE = f"""<?xml version="1.0" encoding="utf-8" ?>
<rtmp>
<nginx_version>1.22.1</nginx_version>
<bytes_in>2799870</bytes_in>
<server>
<application>
<name>live</name>
<live>
<stream>
<name>{ONE}</name>
<bw_in>1504000</bw_in>
<bytes_in>401353</bytes_in>
<client><id>21</id><publishing/><active/></client>
<meta><video><width>1280</width><height>720</height><codec>H264</codec></video>
<audio><codec>AAC</codec></audio></meta>
<nclients>1</nclients>
<publishing/>
<active/>
</stream>
<stream>
<name>{TWO}</name>
<bytes_in>0</bytes_in>
<nclients>0</nclients>
</stream>
<nclients>1</nclients>
</live>
</application>
</server>
</rtmp>
""".encode()


@pytest.fixture
def supervisor() -> Iterator[ProcessSupervisor]:
    with ProcessSupervisor("ingest-test") as owned:
        yield owned


@pytest.fixture
def unstarted(supervisor: ProcessSupervisor, tmp_path: Path) -> Ingest:
    return Ingest(supervisor, tmp_path, "http://127.0.0.1:8000/")


def test_parse_stats_reads_streams() -> None:
    stats = parse_stats(STATUS_PAGE)

    assert stats.bytes_in == 2799870
    assert stats.publishing == {ONE}
    one = stats.streams[ONE]
    assert (one.bytes_in, one.bandwidth_in, one.clients) == (401353, 1504000, 1)
    assert (one.video_codec, one.width, one.height, one.audio_codec) == ("H264", 1280, 720, "AAC")
    two = stats.streams[TWO]
    assert not two.publishing
    assert (two.width, two.video_codec) == (None, None)


def test_stream_for_key_finds_publishing_stream() -> None:
    stats = parse_stats(STATUS_PAGE)

    one = stats.stream_for_key("sk_one")
    assert one is not None
    assert one.name == ONE
    assert stats.stream_for_key("sk_two") is None
    assert stats.stream_for_key("sk_three") is None


@pytest.mark.parametrize(
    ("document", "message"),
    [(b"<html></html>", "root element 'html'"), (b"not xml", "not valid XML")],
)
def test_parse_stats_rejects_other_documents(document: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        parse_stats(document)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:8000",
        "http://10.0.0.1:8000",
        "http://localhost:8000",
        "http://127.0.0.1",
        "http://127.0.0.1:8000/?next=1",
    ],
)
def test_callback_url_must_be_loopback_http(
    supervisor: ProcessSupervisor, tmp_path: Path, url: str
) -> None:
    with pytest.raises(ValueError, match=r"use http://127\.0\.0\.1:PORT"):
        Ingest(supervisor, tmp_path, url)


def test_work_dir_with_space_rejected(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="choose another directory"):
        Ingest(supervisor, tmp_path / "my work", "http://127.0.0.1:8000")


def test_private_dirs_are_owner_only(unstarted: Ingest) -> None:
    private_dir = unstarted.record_dir.parent

    assert stat.S_IMODE(private_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(unstarted.record_dir.stat().st_mode) == 0o700


def test_urls_need_running_ingest(unstarted: Ingest) -> None:
    for name in ("rtmp_url", "rtmps_url", "stat_url"):
        with pytest.raises(IngestError, match=r"call start\(\) first"):
            getattr(unstarted, name)
    assert unstarted.child is None
    assert not unstarted.running


def test_missing_module_named_in_error(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    ingest = Ingest(supervisor, tmp_path, "http://127.0.0.1:8000", modules_dir=tmp_path)

    with pytest.raises(IngestError, match="libnginx-mod-rtmp") as raised:
        ingest.start()

    assert str(tmp_path / "ngx_rtmp_module.so") in str(raised.value)
    assert supervisor.children == []


def test_config_is_single_process_on_loopback(tmp_path: Path) -> None:
    config = render_config(
        private_dir=tmp_path,
        record_dir=tmp_path / "recordings",
        modules_dir=Path("/usr/lib/nginx/modules"),
        callback_base_url="http://127.0.0.1:8000/sim",
        rtmp_port=1935,
        rtmps_port=1936,
        http_port=8080,
    )
    directives = [line.strip() for line in config.splitlines()]

    assert "daemon off;" in directives
    assert "master_process off;" in directives
    assert "listen 127.0.0.1:1935;" in directives
    assert "listen 127.0.0.1:1936 ssl;" in directives
    assert "listen 127.0.0.1:8080;" in directives
    assert "on_publish http://127.0.0.1:8000/sim/_ingest/on_publish;" in directives
    assert f'record_path "{tmp_path / "recordings"}";' in directives
    assert [line for line in directives if line.startswith("listen")] == [
        "listen 127.0.0.1:1935;",
        "listen 127.0.0.1:1936 ssl;",
        "listen 127.0.0.1:8080;",
    ]


def test_rename_recording_moves_file(unstarted: Ingest) -> None:
    recording = unstarted.record_dir / "sk_secret-1796415859.flv"
    recording.write_bytes(b"FLV\x01")

    renamed = unstarted.rename_recording(str(recording), "session_7")

    assert renamed == unstarted.record_dir / "session_7.flv"
    assert renamed.read_bytes() == b"FLV\x01"
    assert not recording.exists()


def test_rename_recording_keeps_existing_file(unstarted: Ingest) -> None:
    (unstarted.record_dir / "session_7.flv").write_bytes(b"first")
    recording = unstarted.record_dir / "sk_secret-1796415860.flv"
    recording.write_bytes(b"second")

    renamed = unstarted.rename_recording(recording, "session_7")

    assert renamed == unstarted.record_dir / "session_7-2.flv"
    assert (unstarted.record_dir / "session_7.flv").read_bytes() == b"first"


def test_rename_recording_deletes_empty_file(unstarted: Ingest) -> None:
    recording = unstarted.record_dir / "sk_secret-1796415861.flv"
    recording.touch()

    assert unstarted.rename_recording(recording, "session_7") is None
    assert not recording.exists()


def test_rename_recording_ignores_outside_path(unstarted: Ingest, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.flv"
    outside.write_bytes(b"FLV")
    traversal = unstarted.record_dir / ".." / ".." / "elsewhere.flv"

    assert unstarted.rename_recording(outside, "session_7") is None
    assert unstarted.rename_recording(traversal, "session_7") is None
    assert outside.read_bytes() == b"FLV"


@pytest.mark.parametrize("stem", ["", "../up", "a b", "x" * 81])
def test_rename_recording_rejects_unsafe_name(unstarted: Ingest, stem: str) -> None:
    recording = unstarted.record_dir / "sk_secret-1.flv"
    recording.write_bytes(b"FLV")

    with pytest.raises(ValueError, match="Recording name"):
        unstarted.rename_recording(recording, stem)
    assert recording.exists()
