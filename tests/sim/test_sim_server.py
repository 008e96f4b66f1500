"""Running the simulator: the embedding API and the ``cockpit sim`` command."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from typing import Any

import httpx
import pytest
from simkit import register_agent
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cockpit import cli
from cockpit.sim.app import build_app, build_context
from cockpit.sim.server import SimOptions, SimServer, is_loopback_host
from cockpit.sim.web import SimContext

URL_LINE = re.compile(r"^Simulator serving at (http://127\.0\.0\.1:(\d+)/api/v1)$")
COMMAND_TIMEOUT = 20


def test_addresses(sim: SimServer) -> None:
    assert sim.origin == f"http://127.0.0.1:{sim.port}"
    assert sim.api_url == f"{sim.origin}/api/v1"
    assert sim.port > 0


def test_free_ports_differ(make_sim: Any) -> None:
    first = make_sim()
    second = make_sim()

    assert first.port != second.port


def test_context_manager_serves_then_stops() -> None:
    with SimServer(SimOptions(seed=2)) as server:
        url = f"{server.origin}/skill.json"
        assert httpx.get(url).status_code == 200

    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def test_restart_gives_fresh_state() -> None:
    server = SimServer(SimOptions(seed=3))
    server.start()
    try:
        registered = httpx.post(
            f"{server.api_url}/agent/register",
            json={
                "agent_name": "Once",
                "image_url": "https://e.com/a.png",
                "wallet_address": "11111111111111111111111111111111",
            },
        )
        server.stop()
        server.stop()  # a second stop does nothing
        server.start()
        again = httpx.get(f"{server.api_url}/users/search/Once")
    finally:
        server.stop()

    assert registered.status_code == 200
    assert again.json() == {"users": []}


def test_start_twice_rejected(sim: SimServer) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        sim.start()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_host_refused(host: str) -> None:
    with pytest.raises(ValueError, match="allow_remote"):
        SimServer(SimOptions(host=host))


def test_allow_remote_accepts_any_host() -> None:
    server = SimServer(SimOptions(host="0.0.0.0", allow_remote=True))

    assert server.options.host == "0.0.0.0"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("10.0.0.1", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(("client", "status"), [("10.1.2.3", 403), ("127.0.0.5", 200)])
async def test_control_accepts_loopback_clients_only(client: str, status: int) -> None:
    # A remote peer cannot connect over loopback, so the app runs in-process behind
    # httpx's ASGI transport, which reports the client address it is given.
    app = build_app(build_context(SimOptions(seed=1), "http://127.0.0.1:9"))
    transport = httpx.ASGITransport(app=app, client=(client, 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:9") as http:
        control = await http.get("/_sim/state")
        public = await http.get("/api/v1/users/live/")

    assert control.status_code == status
    assert public.status_code == 200


def test_call_runs_in_simulator_loop(sim: SimServer) -> None:
    async def seed() -> int:
        return sim.context.state.seed

    assert sim.call(seed) == 1234
    assert sim.call(lambda: len(sim.context.state.agents)) >= 5


def sim_command(*options: str) -> list[str]:
    """The ``cockpit sim`` command line, through cockpit.cli's own parser."""
    if "sim" in cli.COMMAND_MODULES:
        return [sys.executable, "-m", "cockpit", "sim", *options]
    # Until the command is registered in cockpit.cli, build the same parser around it.
    script = (
        "import sys\n"
        "from cockpit.cli import build_parser\n"
        "from cockpit.commands import sim\n"
        "from cockpit.settings import load_settings\n"
        "args = build_parser({'sim': sim}).parse_args(['sim', *sys.argv[1:]])\n"
        "sys.exit(sim.run(args, load_settings()))\n"
    )
    return [sys.executable, "-c", script, *options]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_command_prints_url_and_stops(stop_signal: signal.Signals) -> None:
    command = sim_command("--seed", "4", "--skill-version", "9.9.9", "--no-ingest")
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline().rstrip("\n")
            match = URL_LINE.match(line)
            assert match, f"unexpected first line {line!r}"
            skill = httpx.get(match.group(1).removesuffix("/api/v1") + "/skill.json")

            process.send_signal(stop_signal)
            rest, errors = process.communicate(timeout=COMMAND_TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()

    assert skill.json()["version"] == "9.9.9"
    assert process.returncode == 0, errors
    assert rest == ""


def test_command_refuses_remote_host() -> None:
    result = subprocess.run(
        sim_command("--host", "0.0.0.0"),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )

    assert result.returncode == 2
    assert "allow_remote" in result.stderr or "non-loopback" in result.stderr
    assert result.stdout == ""


def test_command_rejects_bad_share() -> None:
    result = subprocess.run(
        sim_command("--hostile-share", "2"),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )

    assert result.returncode == 2
    assert "hostile-share" in result.stderr


def test_extra_routes_served_with_state() -> None:
    def routes(context: SimContext) -> list[Route]:
        async def seed(request: Request) -> JSONResponse:
            return JSONResponse({"seed": context.state.seed})

        return [Route("/_ingest/seed", seed, methods=["GET"])]

    with SimServer(SimOptions(seed=77), extra_routes=routes) as server:
        body = httpx.get(f"{server.origin}/_ingest/seed").json()

    assert body == {"seed": 77}


def test_simulated_agent_count_option(make_sim: Any) -> None:
    server: SimServer = make_sim(simulated_agents=3)

    state = httpx.get(f"{server.origin}/_sim/state").json()

    assert sum(1 for agent in state["agents"] if agent["simulated"]) == 3


@pytest.mark.parametrize("count", [0, 11])
def test_simulated_agent_count_checked(count: int) -> None:
    server = SimServer(SimOptions(simulated_agents=count))

    with pytest.raises(ValueError, match="simulated_agents"):
        server.start()


async def test_secrets_absent_from_reprs(sim: SimServer) -> None:
    async with httpx.AsyncClient(base_url=sim.api_url) as api:
        registered = await register_agent(api, "SecretKeeper")
        key = (await api.post("/agent/rtmp", headers=registered["headers"])).json()["key"]

    agent = sim.call(lambda: sim.context.state.agents[registered["userDbId"]])

    assert registered["access_token"] not in repr(agent)
    assert key not in repr(agent)
