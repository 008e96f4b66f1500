"""Every package and theme file of the source tree is part of the distribution."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "cockpit").rglob("__init__.py")
    }
    assert found - listed == set()


def test_theme_files_are_installed() -> None:
    source = sorted(path.name for path in (ROOT / "themes").glob("*.toml"))
    installed = sorted(
        entry.name for entry in files("cockpit.themes").iterdir() if entry.name.endswith(".toml")
    )
    assert source
    assert installed == source
