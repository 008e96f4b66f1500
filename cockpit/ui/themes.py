"""Console themes as data: TOML files defining Textual `Theme` colours.

The themes shipped with the cockpit are the ``*.toml`` files of the package
``cockpit.themes`` (the repository's ``themes/`` folder). An operator adds
or overrides themes with ``*.toml`` files in
``$XDG_CONFIG_HOME/retake-cockpit/themes/``. A file that cannot be read is
reported and skipped, so one broken theme never stops the console.

A theme file contains the fields of `textual.theme.Theme` (``name`` and
``primary`` are required) and a ``[variables]`` table; the console's own
colours are the variables in `DEFAULT_VARIABLES`.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from cockpit import paths

logger = logging.getLogger(__name__)

DEFAULT_THEME = "cockpit-dark"
THEME_ORDER = ("cockpit-dark", "cockpit-light", "cockpit-contrast")
"""The order in which the theme key cycles through the shipped themes."""

DEFAULT_VARIABLES = {
    "cockpit-live": "#ff3b5c",
    "cockpit-tip": "#ffcc4d",
    "cockpit-buy": "#36d399",
    "cockpit-sell": "#ff6b7d",
    "cockpit-own": "#7cc4ff",
    "cockpit-returning": "#c792ea",
    "cockpit-filtered": "#ff9f43",
    "cockpit-dim": "#7a8594",
    "cockpit-large": "#ffd166",
}
"""The console's own colours, for themes (Textual's included) that do not set them."""

_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_THEME_FIELDS = {field.name for field in fields(Theme)}


class ThemeError(Exception):
    """Raised when a theme file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class ThemeSet:
    """The themes found, by name, and a sentence for each file that was skipped."""

    themes: dict[str, Theme]
    problems: list[str]


def user_theme_dir() -> Path:
    """Return the folder of the operator's own theme files."""
    return paths.config_home() / paths.APP_DIR_NAME / "themes"


def parse_theme(text: str, source: str) -> Theme:
    """Build a theme from the TOML ``text`` of the file ``source``.

    Raises:
        ThemeError: the TOML is invalid, a field is unknown or missing, or a colour is invalid.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ThemeError(f"The theme file {source} is not valid TOML: {error}.") from None
    unknown = sorted(set(data) - _THEME_FIELDS)
    if unknown:
        raise ThemeError(
            f"The theme file {source} has unknown keys {', '.join(unknown)}; "
            f"use the fields of a Textual theme: {', '.join(sorted(_THEME_FIELDS))}."
        )
    for required in ("name", "primary"):
        if not isinstance(data.get(required), str) or not data[required]:
            raise ThemeError(f"The theme file {source} needs a {required!r} string.")
    for key in _COLOUR_FIELDS:
        if key in data:
            _check_colour(data[key], key, source)
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ThemeError(f"The theme file {source} has 'variables' that is not a table.")
    for key, value in variables.items():
        _check_colour(value, f"variables.{key}", source)
    try:
        return Theme(**_with_defaults(data))
    except (TypeError, ValueError) as error:
        raise ThemeError(f"The theme file {source} is not a valid theme: {error}.") from None


def _check_colour(value: Any, key: str, source: str) -> None:
    try:
        if not isinstance(value, str):
            raise ColorParseError(f"{value!r} is not a string")
        Color.parse(value)
    except ColorParseError:
        raise ThemeError(
            f"The theme file {source} sets {key} to {value!r}, which is not a colour; "
            "use a value such as '#4da3ff' or 'rgb(77,163,255)'."
        ) from None


def _with_defaults(data: dict[str, Any]) -> dict[str, Any]:
    variables = {**DEFAULT_VARIABLES, **data.get("variables", {})}
    return {**data, "variables": variables}


def _shipped_theme_files() -> list[Any]:
    # An installed package has cockpit.themes. Run from a source checkout (python -m in the
    # repository root), the package is the bare folder, which lacks that mapping, so the
    # repository's themes/ folder is read instead.
    try:
        return list(resources.files("cockpit.themes").iterdir())
    except ModuleNotFoundError:
        return list((Path(__file__).resolve().parents[2] / "themes").iterdir())


def load_themes(user_dir: Path | None = None) -> ThemeSet:
    """Load the shipped themes, then the operator's, which replace shipped ones of the same name."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for entry in sorted(_shipped_theme_files(), key=lambda item: item.name):
        if entry.name.endswith(".toml"):
            _load_one(
                entry.read_text(encoding="utf-8"), f"cockpit.themes/{entry.name}", themes, problems
            )
    folder = user_theme_dir() if user_dir is None else user_dir
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"The theme file {path} could not be read: {error}.")
            continue
        _load_one(text, str(path), themes, problems)
    return ThemeSet(themes, problems)


def _load_one(text: str, source: str, themes: dict[str, Theme], problems: list[str]) -> None:
    try:
        theme = parse_theme(text, source)
    except ThemeError as error:
        logger.warning("%s", error)
        problems.append(str(error))
        return
    themes[theme.name] = theme


def next_theme(current: str, available: list[str]) -> str:
    """Return the theme after ``current``: the shipped ones in order, then the operator's."""
    ordered = [name for name in THEME_ORDER if name in available]
    ordered += sorted(name for name in available if name not in THEME_ORDER)
    if not ordered:
        return current
    if current not in ordered:
        return ordered[0]
    return ordered[(ordered.index(current) + 1) % len(ordered)]
