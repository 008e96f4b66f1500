"""Theme colours for text the panes build with Rich, read from the app's CSS variables."""

from __future__ import annotations

from rich.style import Style
from textual.app import App

from cockpit.ui.themes import DEFAULT_VARIABLES

_FALLBACKS = {
    "primary": "#4da3ff",
    "secondary": "#8c7bff",
    "accent": "#ffb454",
    "success": "#36d399",
    "warning": "#f0b429",
    "error": "#ff5c6c",
    "foreground": "#d7dde5",
    **DEFAULT_VARIABLES,
}

AUTHOR_COLOURS = ("primary", "secondary", "accent", "success", "cockpit-own", "cockpit-returning")
"""Theme colours that author names take, chosen by a hash of the author."""


def colour(app: App[object], name: str) -> str:
    """Return the theme's colour ``name`` (``success``, ``cockpit-tip``, ...) as a hex string."""
    value = app.theme_variables.get(name) or _FALLBACKS.get(name, "#808080")
    return value


def style(app: App[object], name: str, *, bold: bool = False, dim: bool = False) -> Style:
    """Return a Rich style in the theme's colour ``name``."""
    return Style(color=colour(app, name), bold=bold, dim=dim)


def level_colour(app: App[object], level: str) -> str:
    """Return the colour of a log level or severity: info, success, warning or error."""
    name = {"success": "success", "warning": "warning", "error": "error", "critical": "error"}
    return colour(app, name.get(level, "cockpit-dim" if level == "debug" else "primary"))


def author_colour(app: App[object], key: str) -> str:
    """Return a stable colour for an author key, so each viewer keeps one colour."""
    index = sum(key.encode("utf-8")) % len(AUTHOR_COLOURS)
    return colour(app, AUTHOR_COLOURS[index])
