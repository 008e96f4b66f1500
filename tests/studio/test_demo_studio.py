"""The demo's studio hosts its own simulator, which lives exactly as long as the studio."""

from __future__ import annotations

import httpx
import psutil
import pytest
from studio_helpers import all_gone, cockpit, descendants, stop_studio, studio_pid, wait_until

from cockpit.api.credentials import CredentialStore
from cockpit.settings import load_settings
from cockpit.studio.launcher import probe_studio, start_demo_studio

pytestmark = pytest.mark.pipeline


def test_demo_studio_hosts_its_simulator() -> None:
    settings = load_settings(profile="demo")
    socket = start_demo_studio(settings, seed=5, audience_rate=0.0)
    pid = studio_pid("demo")
    assert pid is not None
    api_url = ""
    try:
        welcome = probe_studio(socket)
        assert welcome is not None
        api_url = welcome["studio"]["api_url"]
        assert api_url.startswith("http://127.0.0.1:")
        assert CredentialStore("demo").load().api_url == api_url

        origin = api_url.removesuffix("/api/v1")
        assert httpx.get(f"{origin}/skill.json", timeout=10).status_code == 200
        # The simulator runs inside the studio, so its nginx ingest is the studio's descendant.
        assert "nginx" in {process.name() for process in descendants(pid)}

        start = cockpit("live", "start", "--json", "--profile", "demo")
        assert start.code == 0, start.stdout + start.stderr
        assert start.json()["phase"] == "live"
    finally:
        family = [psutil.Process(pid), *descendants(pid)]
        assert stop_studio(api_url, "demo") == []

    assert wait_until(lambda: all_gone(family), timeout=15)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{origin}/skill.json", timeout=5)
