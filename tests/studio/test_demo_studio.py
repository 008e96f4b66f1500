"""The demo's studio hosts its own simulator, which lives exactly as long as the studio."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from studio_helpers import all_gone, cockpit, descendants, wait_until

from cockpit.api.credentials import CredentialStore
from cockpit.demo.home import DemoHome
from cockpit.demo.studio import DemoStudio
from cockpit.settings import load_settings
from cockpit.studio.demo_sim import DemoWorld

pytestmark = pytest.mark.pipeline


@pytest.fixture
def demo_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A short directory for the demo's files; the root conftest restores the XDG variables."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    with tempfile.TemporaryDirectory(prefix="demo-", dir="/tmp") as short:
        yield Path(short) / "home"


def test_demo_studio_hosts_its_simulator(demo_home: Path) -> None:
    with DemoHome(demo_home) as home:
        world = DemoWorld(seed=5, audience_rate=0.0, ingest_dir=home.ingest_dir)
        with DemoStudio(load_settings(), world, home.path / "studio.out") as studio:
            assert studio.pid is not None
            family = [psutil.Process(studio.pid), *descendants(studio.pid)]
            api_url = studio.api_url
            assert api_url.startswith("http://127.0.0.1:")
            assert CredentialStore("demo").load().api_url == api_url

            origin = api_url.removesuffix("/api/v1")
            assert httpx.get(f"{origin}/skill.json", timeout=10).status_code == 200
            # The simulator runs inside the studio, so its nginx ingest is the studio's child.
            assert "nginx" in {process.name() for process in family}

            start = cockpit("live", "start", "--json", "--profile", "demo")
            assert start.code == 0, start.stdout + start.stderr
            assert start.json()["phase"] == "live"
            family += descendants(studio.pid)

        assert wait_until(lambda: all_gone(family), timeout=15)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{origin}/skill.json", timeout=5)
    assert demo_home.is_dir(), "a home given by the user is kept"
    assert list(demo_home.glob("ingest/*/recordings/*.flv")), "the ingest recorded the stream"
