"""The demo's fault syntax and its private file tree."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.demo.home import HOME_PREFIX, OWNER_FILE, DemoHome, DemoHomeError, remove_stale_homes
from cockpit.studio.demo_faults import DEFAULT_FAULT_DELAY, DemoFault, parse_fault


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("drop-stream", DemoFault("drop-stream", DEFAULT_FAULT_DELAY)),
        ("rotate-key@45", DemoFault("rotate-key", 45.0)),
        (" api-errors@0.5 ", DemoFault("api-errors", 0.5)),
        ("drop-sockets@0", DemoFault("drop-sockets", 0.0)),
    ],
)
def test_fault_parses(text: str, expected: DemoFault) -> None:
    assert parse_fault(text) == expected


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("melt-cpu", "'melt-cpu' is not known"),
        ("drop-stream@soon", "delay 'soon'"),
        ("drop-stream@-3", "delay '-3'"),
        ("drop-stream@4000", "delay '4000'"),
        ("drop-stream@nan", "delay 'nan'"),
        ("drop-stream@", "delay ''"),
    ],
)
def test_bad_fault_names_value_and_fix(text: str, named: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_fault(text)
    assert named in str(error.value)
    assert "drop-stream" in str(error.value) or "0 to 3600" in str(error.value)


def test_fault_round_trips_through_its_text() -> None:
    fault = DemoFault("rotate-key", 12.5)
    assert parse_fault(str(fault)) == fault


def test_temporary_home_isolates_and_is_removed() -> None:
    with DemoHome() as home:
        assert home.path.name.startswith(HOME_PREFIX)
        assert os.environ["XDG_CONFIG_HOME"] == str(home.config_home)
        assert os.environ["XDG_STATE_HOME"] == str(home.state_home)
        assert os.environ["XDG_CACHE_HOME"] == str(home.path / "cache")
        assert os.environ["PYTHON_KEYRING_BACKEND"].endswith("fail.Keyring")
        assert (home.path / OWNER_FILE).read_text().strip() == str(os.getpid())
        path = home.path
    assert not path.exists()


def test_kept_home_stays() -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as short:
        kept_home = Path(short) / "kept"
        with DemoHome(kept_home) as home:
            (home.path / "note.txt").write_text("kept")
        assert (kept_home / "note.txt").read_text() == "kept"
        assert not (kept_home / OWNER_FILE).exists()


def test_kept_home_must_be_new_or_empty() -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as short:
        used = Path(short) / "used"
        used.mkdir()
        (used / "old.log").write_text("earlier demo")
        with pytest.raises(DemoHomeError, match="not an empty directory"):
            DemoHome(used).__enter__()
        assert (used / "old.log").read_text() == "earlier demo"


def test_kept_home_too_long_rejected(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60)
    with pytest.raises(DemoHomeError, match="shorter directory"):
        DemoHome(deep).__enter__()
    assert not deep.exists()


def _home(directory: Path, name: str, owner: int | None, age: float = 0.0) -> Path:
    tree = directory / f"{HOME_PREFIX}{name}"
    tree.mkdir()
    if owner is not None:
        (tree / OWNER_FILE).write_text(f"{owner}\n")
    if age:
        past = time.time() - age
        os.utime(tree, (past, past))
    return tree


def _dead_pid() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(finished.stdout)


def test_abandoned_homes_are_removed(tmp_path: Path) -> None:
    dead = _home(tmp_path, "dead", _dead_pid())
    alive = _home(tmp_path, "alive", os.getpid())
    starting = _home(tmp_path, "starting", None)
    old_without_owner = _home(tmp_path, "old", None, age=3600)
    other = tmp_path / "not-a-demo"
    other.mkdir()

    removed = remove_stale_homes(tmp_path)

    assert sorted(removed) == sorted([dead, old_without_owner])
    assert alive.exists()
    assert starting.exists()
    assert other.exists()
    assert not dead.exists()
    assert not old_without_owner.exists()


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["--duration", "-1"], "duration '-1'"),
        (["--duration", "nan"], "duration 'nan'"),
        (["--audience-rate", "-3"], "audience rate '-3'"),
        (["--audience-rate", "5000"], "audience rate '5000'"),
        (["--fault", "drop-stream@"], "delay ''"),
    ],
)
def test_demo_rejects_bad_options(
    arguments: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--headless", *arguments])
    assert exit_.value.code == 2
    assert named in capsys.readouterr().err


def test_demo_home_file_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "a-file"
    home.write_text("not a directory")
    assert main(["demo", "--headless", "--home", str(home)]) == 2
    error = capsys.readouterr().err
    assert f"The demo home {home} is a file" in error
    assert home.read_text() == "not a directory"
