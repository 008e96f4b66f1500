"""Fixtures of the pipeline tests: a process supervisor and one virtual display per test module.

Module-scoped fixtures start before the per-test home isolation of the root
conftest, so they set HOME and the XDG directories to a private tree themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.broadcast.display import VirtualDisplay
from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.settings import DisplaySettings


@pytest.fixture(scope="module")
def module_supervisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessSupervisor]:
    """A supervisor whose children see a private home for the whole module."""
    home = tmp_path_factory.mktemp("pipeline-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        for variable, relative in (
            ("XDG_CONFIG_HOME", ".config"),
            ("XDG_STATE_HOME", ".local/state"),
            ("XDG_DATA_HOME", ".local/share"),
            ("XDG_CACHE_HOME", ".cache"),
        ):
            patch.setenv(variable, str(home / relative))
        patch.delenv("XDG_RUNTIME_DIR", raising=False)
        with ProcessSupervisor("pipeline-test") as supervisor:
            yield supervisor


@pytest.fixture(scope="module")
def shared_display(
    module_supervisor: ProcessSupervisor, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VirtualDisplay]:
    """Xvfb and openbox at 1280x720, shared by the tests of one module."""
    log_dir: Path = tmp_path_factory.mktemp("display-logs")
    display = VirtualDisplay(module_supervisor, DisplaySettings(), log_dir)
    display.start()
    try:
        yield display
    finally:
        display.stop()


@pytest.fixture
def supervisor() -> Iterator[ProcessSupervisor]:
    """A supervisor for one test; closing it stops whatever the test left running."""
    with ProcessSupervisor("pipeline-test") as owned:
        yield owned
