"""The README documents every setting and every command."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from cockpit.cli import COMMAND_MODULES
from cockpit.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def setting_names(model: type[BaseModel], prefix: str = "") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.extend(setting_names(annotation, f"{prefix}{name}."))
        else:
            names.append(prefix + name)
    return names


def test_readme_lists_every_setting() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name in setting_names(Settings) if f"| `{name}` |" not in text]
    assert missing == []


def test_readme_lists_every_command() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name in COMMAND_MODULES if f"`cockpit {name}" not in text]
    missing = [name for name in missing if name != "console"]
    assert missing == []
