"""The stage's options, read once from the settings and the command line.

The settings model has no stage section yet. `stage_options` reads one named
``stage`` when it exists (fields ``narration_file``, ``speak_narration``,
``voice`` and ``words_per_minute``) and the console's ``word_filter``, with
the defaults here for what is missing. Command-line values win over both.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit.broadcast.voice import DEFAULT_VOICE, DEFAULT_WORDS_PER_MINUTE
from cockpit.settings import Settings

DEFAULT_MARKER = "AI AGENT ON RETAKE.TV"
"""The tagline under the agent's name in the stage's header."""


@dataclass(frozen=True)
class StageOptions:
    """Everything the stage needs to start."""

    agent_name: str = "agent"
    """Shown until the studio sends the agent's name."""
    marker: str = DEFAULT_MARKER
    profile: str = "default"
    socket_path: Path | None = None
    """The studio's socket; None draws the stage without a studio (its name and a scene card)."""
    narration_file: Path | None = None
    speak_narration: bool = False
    voice: str = DEFAULT_VOICE
    words_per_minute: int = DEFAULT_WORDS_PER_MINUTE
    word_filter: tuple[str, ...] = field(default_factory=tuple)


def stage_options(settings: Settings, **given: Any) -> StageOptions:
    """Return the options from ``settings``, overridden by ``given`` values other than None."""
    section = getattr(settings, "stage", None)
    console = getattr(settings, "console", None)
    values: dict[str, Any] = {
        "profile": settings.profile,
        "word_filter": tuple(getattr(console, "word_filter", ()) or ()),
    }
    for name in ("narration_file", "speak_narration", "voice", "words_per_minute"):
        value = getattr(section, name, None)
        if value is not None:
            values[name] = value
    values.update({name: value for name, value in given.items() if value is not None})
    if values.get("narration_file") is not None:
        values["narration_file"] = Path(values["narration_file"]).expanduser()
    return StageOptions(**values)


def add_stage_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options that ``cockpit stage`` and ``python -m cockpit.ui.stage`` share."""
    parser.add_argument(
        "--name", default="agent", help="agent name shown until the studio sends it"
    )
    parser.add_argument(
        "--marker",
        default=DEFAULT_MARKER,
        help=f"tagline under the agent's name (default: {DEFAULT_MARKER})",
    )
    parser.add_argument(
        "--socket",
        type=Path,
        default=None,
        help="studio socket to follow (default: the profile's studio socket)",
    )
    parser.add_argument(
        "--no-studio", action="store_true", help="draw the stage without attaching to a studio"
    )
    parser.add_argument(
        "--narration-file",
        type=Path,
        default=None,
        help="text file the agent appends narration lines to; each new line is shown "
        "(default: the stage.narration_file setting)",
    )
    parser.add_argument(
        "--speak-narration",
        action="store_true",
        default=None,
        help="also speak each new narration line into the stream's audio "
        "(default: the stage.speak_narration setting)",
    )
