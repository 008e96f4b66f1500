"""Measure the stage's CPU use at a normal and a flood rate of studio events.

The stage runs as it does on air: ``python -m cockpit.ui.stage`` in a
full-screen xterm (DejaVu Sans Mono 14, 106x29 cells) on Xvfb with openbox, at
1280x720. It follows an event source in this process that speaks the studio's
real socket protocol (the real `StudioServer`), which publishes feed events
(chat, tips, trades, token stats, stream status) at a fixed rate. psutil
reads the CPU time of the stage's Python process, and of xterm and Xvfb,
which draw what the stage sends, over each measured period.

Usage::

    python benchmarks/stage_cpu.py [--seconds 30] [--rates 0,5,300]

It prints a Markdown table, with the machine and versions, for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import textual

from cockpit.broadcast.display import VirtualDisplay
from cockpit.broadcast.processes import ProcessSpec, ProcessSupervisor
from cockpit.broadcast.stage_window import StageWindow
from cockpit.settings import DisplaySettings, StudioSettings
from cockpit.studio.server import CommandError, StudioServer
from cockpit.studio.session import ClientInfo

AGENT_ID = "bench-agent"
TOKEN = "BenchTkn11111111111111111111111111111111pump"
TICK = 0.05
"""Seconds between batches of published events: 20 batches a second."""

WORDS = [
    "gm",
    "wen",
    "moon",
    "chart",
    "looks",
    "healthy",
    "build",
    "ship",
    "nice",
    "stream",
    "bonding",
    "curve",
    "price",
    "agent",
    "live",
    "buy",
    "sell",
    "hold",
    "pump",
    "hello",
    "from",
    "the",
    "terminal",
    "great",
    "question",
]


@dataclass
class Sample:
    """CPU use over one measured period, in percent of one core."""

    rate: float
    published: int
    seconds: float
    stage: float
    xterm: float
    xvfb: float


def snapshot() -> dict[str, Any]:
    identity = {
        "agent_name": "Bench",
        "api_url": "https://retake.tv/api/v1",
        "user_db_id": AGENT_ID,
        "token_address": TOKEN,
        "token_ticker": "BENCH",
        "profile": "bench",
    }
    return {
        "phase": "live",
        "scene": None,
        "narration": {"text": "Measuring how much CPU the stage needs.", "at": time.time()},
        "stream_status": {"is_live": True, "viewers": 42, "uptime_seconds": 60},
        "studio": identity,
        "feeds": {"chat": [], "trades": [], "stats_history": [], "health": None},
    }


class EventSource:
    """Publishes a stream's worth of feed events through a real `StudioServer`."""

    def __init__(self, socket_path: Path) -> None:
        self.server = StudioServer(
            socket_path,
            StudioSettings(event_buffer=100_000, client_queue=100_000),
            identity=lambda: snapshot()["studio"],
            snapshot=snapshot,
            handle_command=self._reject,
        )
        self._random = random.Random(7)
        self._number = 0
        self._market_cap = 40_000.0

    async def _reject(self, name: str, args: dict[str, Any], client: ClientInfo) -> dict[str, Any]:
        raise CommandError("unknown_command", f"The benchmark source has no {name!r}.")

    def publish_one(self) -> None:
        self._number += 1
        number, now, pick = self._number, time.time(), self._random.random()
        if pick < 0.80:
            kind = "tip" if pick < 0.02 else "message"
            text = " ".join(self._random.choices(WORDS, k=self._random.randint(2, 14)))
            data: dict[str, Any] = {
                "event": "chat", "id": f"c{number}", "streamer_id": AGENT_ID, "text": text,
                "at": now, "kind": kind, "author_name": f"viewer{number % 97}",
                "author_user_id": f"u{number % 97}", "amount_usd": 5.0 if kind == "tip" else None,
            }  # fmt: skip
        elif pick < 0.95:
            data = {
                "event": "trade", "id": f"t{number}", "token_address": TOKEN,
                "is_buy": pick < 0.9, "amount_usd": round(self._random.uniform(1, 500), 2),
                "at": now, "wallet": "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU",
            }  # fmt: skip
        elif pick < 0.98:
            self._market_cap *= self._random.uniform(0.98, 1.025)
            data = {
                "event": "stats", "token_address": TOKEN, "at": now, "ticker": "BENCH",
                "market_cap": self._market_cap, "price": self._market_cap / 1e9,
                "growth_24h": 5.0, "volume_24h": 12_000.0,
            }  # fmt: skip
        else:
            data = {"event": "status", "is_live": True, "viewers": 40 + number % 20,
                    "uptime_seconds": 60, "at": now}  # fmt: skip
        self.server.publish("feed", data)

    async def run(self, rate: float, seconds: float) -> int:
        """Publish ``rate`` events a second for ``seconds``; return how many were published."""
        published = 0
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            due = round(rate * elapsed)
            while published < due:
                self.publish_one()
                published += 1
            await asyncio.sleep(TICK)
        return published


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def measure(
    source: EventSource, processes: dict[str, psutil.Process], rate: float, seconds: float
) -> Sample:
    before = {name: cpu_seconds(process) for name, process in processes.items()}
    started = time.monotonic()
    published = await source.run(rate, seconds)
    wall = time.monotonic() - started
    used = {name: cpu_seconds(process) - before[name] for name, process in processes.items()}
    return Sample(
        rate=rate,
        published=published,
        seconds=wall,
        stage=100 * used["stage"] / wall,
        xterm=100 * used["xterm"] / wall,
        xvfb=100 * used["Xvfb"] / wall,
    )


async def wait_for_stage(server: StudioServer, window: StageWindow, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while server.client_count < 1:
        if time.monotonic() > deadline or not window.running:
            raise RuntimeError("The stage did not attach to the event source; see stage.log.")
        await asyncio.sleep(0.1)


async def run(rates: list[float], seconds: float, settle: float) -> list[Sample]:
    work = Path(tempfile.mkdtemp(prefix="stage-bench-"))
    os.environ["XDG_STATE_HOME"] = str(work / "state")
    source = EventSource(work / "studio.sock")
    await source.server.start()
    with ProcessSupervisor("stage-bench") as supervisor:
        display = VirtualDisplay(supervisor, DisplaySettings(), work / "logs")
        await asyncio.to_thread(display.start)
        command = [sys.executable, "-m", "cockpit.ui.stage", "--socket", str(work / "studio.sock")]
        window = StageWindow(supervisor, display.display, DisplaySettings(), command, work / "logs")
        await asyncio.to_thread(window.start)
        try:
            await wait_for_stage(source.server, window, 30)
            assert window.child is not None and display.xvfb is not None
            xterm = psutil.Process(window.child.pid)
            processes = {
                "stage": xterm.children()[0],
                "xterm": xterm,
                "Xvfb": psutil.Process(display.xvfb.pid),
            }
            samples = []
            for rate in rates:
                await source.run(rate, settle)  # reach a steady state at this rate first
                samples.append(await measure(source, processes, rate, seconds))
            return samples
        finally:
            await asyncio.to_thread(window.stop)
            await asyncio.to_thread(display.stop)
            await source.server.close()


def describe_machine(supervisor: ProcessSupervisor) -> list[str]:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    xterm = supervisor.run(ProcessSpec("xterm", ["xterm", "-version"]), timeout=10)
    return [
        f"- Machine: {cpu}, {psutil.cpu_count()} logical cores, "
        f"{psutil.virtual_memory().total / 2**30:.1f} GiB RAM, {platform.platform()}",
        f"- Python {platform.python_version()}, Textual {textual.__version__}, "
        f"{xterm.stdout.decode().strip() or 'xterm'}",
    ]


def table(samples: list[Sample]) -> list[str]:
    lines = [
        "| events/s (target) | events/s (sent) | stage % | xterm % | Xvfb % |",
        "|---:|---:|---:|---:|---:|",
    ]
    for sample in samples:
        lines.append(
            f"| {sample.rate:g} | {sample.published / sample.seconds:.1f} | "
            f"{sample.stage:.1f} | {sample.xterm:.1f} | {sample.xvfb:.1f} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description="Measure the stage's CPU use.")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds measured per rate")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds at a rate before")
    parser.add_argument("--rates", default="0,5,300", help="event rates, comma-separated")
    args = parser.parse_args()
    rates = [float(rate) for rate in args.rates.split(",")]
    samples = asyncio.run(run(rates, args.seconds, args.settle))
    with ProcessSupervisor("stage-bench-versions") as supervisor:
        print("\n".join(describe_machine(supervisor)))
    print(f"- {args.seconds:g} s measured per rate after {args.settle:g} s at that rate; CPU in")
    print("  percent of one core (user + system time over wall time).")
    print()
    print("\n".join(table(samples)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
