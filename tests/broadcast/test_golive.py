"""Go-live, stop and recovery with the real pipeline against the simulator's real RTMP ingest.

Every test registers a fresh agent, goes live through the platform's mandatory
sequence with Xvfb, openbox, xterm and ffmpeg, and checks the outcome from
outside: the simulator's record, the ingest's recording, the processes' PIDs.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from pipeline_helpers import hex_colour, needs_programs, probe_streams, read_rgb

from cockpit.api.client import RetakeClient
from cockpit.api.credentials import base58_encode
from cockpit.broadcast.events import BroadcastEvent, Phase, Step, StepState
from cockpit.broadcast.golive import Broadcast, GoLiveError
from cockpit.broadcast.pipeline import Pipeline
from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.broadcast.stage_window import placeholder_stage_command
from cockpit.redaction import Redactor
from cockpit.settings import Settings, load_settings
from cockpit.sim.server import SimOptions, SimServer
from cockpit.ui.stage import MARKER_COLOUR

pytestmark = needs_programs("Xvfb", "openbox", "xterm", "ffmpeg", "ffprobe", "scrot", "nginx")

RECOVERY_BOUND = 45.0
"""Seconds a recovery may take in these tests: generous, since the machine is shared."""


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(SimOptions(seed=3, audience_rate=0.0, real_ingest=True)) as server:
        yield server


def sim_state(sim: SimServer) -> dict[str, Any]:
    response = httpx.get(f"{sim.origin}/_sim/state", timeout=10)
    response.raise_for_status()
    return response.json()


def set_fault(sim: SimServer, **fault: Any) -> None:
    httpx.post(f"{sim.origin}/_sim/faults", json=fault, timeout=10).raise_for_status()


@dataclass
class Live:
    """One agent's broadcast under test, with every event it reported."""

    broadcast: Broadcast
    pipeline: Pipeline
    client: RetakeClient
    user_id: str
    token: str
    events: list[BroadcastEvent] = field(default_factory=list)

    def messages(self) -> list[str]:
        return [event.message for event in self.events]


def fast_settings() -> Settings:
    """Short intervals so that thumbnails and stalls happen within a test's time."""
    settings = load_settings()
    stream = settings.stream.model_copy(
        update={
            "thumbnail_interval": 3.0,
            "restart_backoff_initial": 0.5,
            "restart_backoff_max": 2.0,
            "status_check_interval": 2.0,
            "live_timeout": 20.0,
        }
    )
    encoder = settings.encoder.model_copy(update={"stall_after": 4.0, "io_timeout": 3.0})
    return settings.model_copy(update={"stream": stream, "encoder": encoder})


@pytest.fixture
async def live_factory(sim: SimServer, tmp_path: Path) -> AsyncIterator[Any]:
    supervisor = ProcessSupervisor("golive-test")
    started: list[Live] = []

    async def make(
        go_live: bool = True, sim_override: SimServer | None = None, require_skill: bool = False
    ) -> Live:
        target = sim_override or sim
        settings = fast_settings()
        if require_skill:
            stream = settings.stream.model_copy(update={"skill_version_policy": "require"})
            settings = settings.model_copy(update={"stream": stream})
        name = f"Pipe{secrets.token_hex(3)}"
        async with RetakeClient(target.api_url, settings=settings.http) as anonymous:
            registration = await anonymous.register(
                name, "pipeline test", "https://example.com/a.png", base58_encode(os.urandom(32))
            )
        token = registration.access_token.get_secret_value()
        client = RetakeClient(
            target.api_url, access_token=token, token_api_url=target.api_url, settings=settings.http
        )
        redactor = Redactor()
        redactor.add(token)
        pipeline = Pipeline(
            supervisor,
            settings,
            tmp_path / name / "logs",
            placeholder_stage_command(name),
            redactor,
        )
        live = Live(None, pipeline, client, str(registration.user_db_id), token)  # type: ignore[arg-type]
        live.broadcast = Broadcast(
            client,
            pipeline,
            settings.stream,
            tmp_path / name / "state",
            live.events.append,
            redactor,
        )
        started.append(live)
        if go_live:
            await live.broadcast.go_live()
        return live

    yield make

    for live in started:
        if live.broadcast.phase is not Phase.OFFLINE:
            await live.broadcast.stop()
        await live.pipeline.shutdown()
        await live.client.aclose()
    supervisor.close()


async def wait_for(condition: Any, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        await asyncio.sleep(0.2)


async def wait_recovered(live: Live, restarts_before: int) -> None:
    await wait_for(
        lambda: (
            live.broadcast.counters.restarts > restarts_before
            and live.broadcast.phase is Phase.LIVE
        ),
        RECOVERY_BOUND,
        f"not recovered within {RECOVERY_BOUND} s: {live.messages()[-8:]}",
    )


def agent_live(sim: SimServer, user_id: str) -> bool:
    return any(a["user_id"] == user_id and a["is_live"] for a in sim_state(sim)["agents"])


async def test_go_live_runs_steps_in_order(live_factory: Any, sim: SimServer) -> None:
    live = await live_factory()
    done = [event.step for event in live.events if event.state is StepState.DONE]
    assert done == list(Step)
    assert live.broadcast.phase is Phase.LIVE
    assert agent_live(sim, live.user_id)


async def test_stream_reaches_ingest_as_h264_aac(live_factory: Any, sim: SimServer) -> None:
    live = await live_factory()
    assert sim.ingest is not None
    await wait_for(
        lambda: sim.ingest.stats().bytes_in > 200_000, 30, "the ingest received too little"
    )
    stats = await live.broadcast.stop()
    assert stats.duration_seconds is not None

    async def recording() -> dict[str, Any] | None:
        sessions = await live.client.recorded_sessions(live.user_id)
        return next((s.recording.model_dump() for s in sessions if s.recording), None)

    deadline = time.monotonic() + 20
    while (found := await recording()) is None and time.monotonic() < deadline:
        await asyncio.sleep(0.3)
    assert found is not None, "the recording was not listed by /sessions/recorded/"
    files = sorted(sim.ingest.record_dir.glob("*.flv"), key=lambda path: path.stat().st_mtime)
    with ProcessSupervisor("probe") as supervisor:
        streams = {s["codec_type"]: s for s in probe_streams(supervisor, files[-1])}
    assert streams["video"]["codec_name"] == "h264"
    assert streams["video"]["pix_fmt"] == "yuv420p"
    assert (streams["video"]["width"], streams["video"]["height"]) == (1280, 720)
    assert streams["audio"]["codec_name"] == "aac"


async def test_stream_uses_rtmps(live_factory: Any, sim: SimServer) -> None:
    live = await live_factory(go_live=False)
    credentials = await live.client.rtmp()
    assert credentials.url.startswith("rtmps://127.0.0.1:")


async def test_thumbnail_shows_stage_marker(live_factory: Any, sim: SimServer) -> None:
    live = await live_factory()
    uploads = [t for t in sim_state(sim)["thumbnails"] if t["user_id"] == live.user_id]
    assert uploads, "no thumbnail reached the simulator"
    assert (uploads[0]["width"], uploads[0]["height"]) == (1280, 720)
    assert live.broadcast.last_thumbnail is not None
    with ProcessSupervisor("decode") as supervisor:
        image = read_rgb(supervisor, live.broadcast.last_thumbnail, (1280, 720))
    assert image.count(hex_colour(MARKER_COLOUR)) > 1000

    await wait_for(
        lambda: len([t for t in sim_state(sim)["thumbnails"] if t["user_id"] == live.user_id]) >= 2,
        20,
        "no second thumbnail on the short interval",
    )


async def test_stop_returns_stats_and_leaves_nothing(live_factory: Any, sim: SimServer) -> None:
    live = await live_factory()
    pids = [child.pid for child in live.pipeline.processes]
    assert len(pids) == 4  # Xvfb, openbox, xterm, ffmpeg
    await asyncio.sleep(1.5)
    stats = await live.broadcast.stop()
    assert stats.duration_seconds is not None and stats.duration_seconds >= 1
    assert stats.viewers is not None
    assert not agent_live(sim, live.user_id)
    await wait_for(lambda: not any(psutil.pid_exists(pid) for pid in pids), 10, f"left: {pids}")


@pytest.mark.parametrize("victim", ["ffmpeg", "Xvfb", "xterm"])
async def test_killed_process_is_recovered(live_factory: Any, sim: SimServer, victim: str) -> None:
    live = await live_factory()
    process = next(
        child for child in live.pipeline.processes if child.name.lower() == victim.lower()
    )
    os.kill(process.pid, signal.SIGKILL)

    await wait_recovered(live, 0)
    assert agent_live(sim, live.user_id)
    assert live.pipeline.problems() == []
    assert process.pid not in [child.pid for child in live.pipeline.processes]
    assert any("Detected" in message for message in live.messages())


async def test_rotated_key_rejected_then_fresh_keys_recover(
    live_factory: Any, sim: SimServer
) -> None:
    live = await live_factory()
    assert sim.ingest is not None
    old_key = live.pipeline.encoder._argv[-1].rsplit("/", 1)[1]  # type: ignore[union-attr]

    # The platform rotates the key and the ingest drops the publisher; the old key is then refused.
    set_fault(sim, rotate_key=live.user_id)
    assert sim.ingest.drop_publisher(old_key)
    await wait_recovered(live, 0)
    new_key = live.pipeline.encoder._argv[-1].rsplit("/", 1)[1]  # type: ignore[union-attr]
    assert new_key != old_key
    assert agent_live(sim, live.user_id)

    with ProcessSupervisor("old-key") as supervisor:
        from cockpit.broadcast.processes import ProcessSpec

        argv = [
            "ffmpeg",
            "-v",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=10",
            "-t",
            "3",
            "-c:v",
            "libx264",
            "-f",
            "flv",
            f"{sim.ingest.rtmp_url}/{old_key}",
        ]
        result = supervisor.run(ProcessSpec("ffmpeg-old-key", argv), timeout=20)
    assert result.returncode != 0


async def test_ingest_drop_route_cuts_the_encoder(live_factory: Any, sim: SimServer) -> None:
    live = await live_factory()
    drop = f"{sim.origin}/_sim/ingest/drop"

    dropped = httpx.post(drop, json={"streamer_id": live.user_id}, timeout=10)
    await wait_recovered(live, 0)
    unknown = httpx.post(drop, json={"streamer_id": "no-such-agent"}, timeout=10)

    assert dropped.status_code == 200
    assert dropped.json() == {"streamer_id": live.user_id, "dropped": True}
    assert agent_live(sim, live.user_id)
    assert unknown.status_code == 404
    assert "no-such-agent" in unknown.text


async def test_stopped_ingest_is_detected_and_recovered(live_factory: Any, sim: SimServer) -> None:
    live = await live_factory()
    assert sim.ingest is not None and sim.ingest.child is not None
    nginx = sim.ingest.child.pid
    os.kill(nginx, signal.SIGSTOP)
    try:
        await wait_for(
            lambda: live.broadcast.phase is Phase.RECOVERING, 40, "a frozen ingest went unnoticed"
        )
    finally:
        os.kill(nginx, signal.SIGCONT)
    await wait_recovered(live, 0)
    assert agent_live(sim, live.user_id)


async def test_failed_step_names_step_and_tears_down(live_factory: Any, sim: SimServer) -> None:
    live = await live_factory(go_live=False)
    set_fault(sim, errors={"status": 500, "count": 20, "path_prefix": "/api/v1/agent/stream/start"})
    try:
        with pytest.raises(GoLiveError) as failure:
            await live.broadcast.go_live()
    finally:
        httpx.delete(f"{sim.origin}/_sim/faults", timeout=10)
    assert failure.value.step is Step.STREAM_START
    assert live.broadcast.phase is Phase.OFFLINE
    assert live.pipeline.processes == []
    failed = [event for event in live.events if event.state is StepState.FAILED]
    assert [event.step for event in failed] == [Step.STREAM_START]
    assert live.token not in " ".join(live.messages())


async def test_failure_after_start_closes_session(live_factory: Any, sim: SimServer) -> None:
    live = await live_factory(go_live=False)
    # The status check fails every time, so the sequence fails after the session opened.
    set_fault(
        sim, errors={"status": 500, "count": 500, "path_prefix": "/api/v1/agent/stream/status"}
    )
    try:
        with pytest.raises(GoLiveError) as failure:
            await live.broadcast.go_live()
    finally:
        httpx.delete(f"{sim.origin}/_sim/faults", timeout=10)
    assert failure.value.step is Step.CONFIRM_LIVE
    sessions = [s for s in sim_state(sim)["sessions"] if s["streamer_id"] == live.user_id]
    assert sessions
    assert all(session["status"] == "ended" for session in sessions)


@pytest.fixture(scope="module")
def newer_skill_sim() -> Iterator[SimServer]:
    options = SimOptions(seed=4, audience_rate=0.0, real_ingest=True, skill_version="2.1.0")
    with SimServer(options) as server:
        yield server


async def test_new_skill_version_warns_and_saves_text(
    live_factory: Any, newer_skill_sim: SimServer, tmp_path: Path
) -> None:
    live = await live_factory(go_live=False, sim_override=newer_skill_sim)
    await live.broadcast.go_live()
    warnings = [event.message for event in live.events if event.kind == "warning"]
    assert any("version 2.1.0" in message for message in warnings), warnings
    saved = list(tmp_path.rglob("skill-2.1.0.md"))
    assert saved
    assert saved[0].read_text(encoding="utf-8").strip()


async def test_required_skill_version_stops_go_live(
    live_factory: Any, newer_skill_sim: SimServer
) -> None:
    live = await live_factory(go_live=False, sim_override=newer_skill_sim, require_skill=True)
    with pytest.raises(GoLiveError) as failure:
        await live.broadcast.go_live()
    assert failure.value.step is Step.SKILL_CHECK
    assert "skill_version_policy" in failure.value.reason
    assert live.pipeline.processes == []
