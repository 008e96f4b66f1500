"""The stage's scenes: names the studio's ``set_scene`` command takes, and what each shows.

This module imports no Textual, so command-line clients and the console can
use the names without loading the stage.
"""

from __future__ import annotations

from dataclasses import dataclass

STARTING = "starting"
LIVE = "live"
BE_RIGHT_BACK = "brb"
ENDING = "ending"

AUTO = "auto"
"""Not a scene: ``cockpit scene auto`` clears the scene, so the stage follows the stream's phase."""


@dataclass(frozen=True)
class Scene:
    """One scene: its name, the title viewers read on its card, and a line under it."""

    name: str
    title: str
    subtitle: str
    description: str
    """The scene's purpose, shown in ``cockpit scene --help``."""


SCENES: dict[str, Scene] = {
    scene.name: scene
    for scene in (
        Scene(
            STARTING,
            "STARTING SOON",
            "The stream begins in a moment. Say hi in the chat!",
            "a title card before the show",
        ),
        Scene(LIVE, "LIVE", "", "chat, trades, token stats and narration"),
        Scene(
            BE_RIGHT_BACK,
            "BE RIGHT BACK",
            "Short break. The chat stays open.",
            "a break card; chat and trades stay on screen",
        ),
        Scene(
            ENDING,
            "THANKS FOR WATCHING",
            "That's the end of the stream. See you next time!",
            "the closing card",
        ),
    )
}
"""Every scene by name, in the order a show runs through them."""

_PHASE_SCENES = {
    "live": LIVE,
    "recovering": LIVE,
    "stopping": ENDING,
}
"""The scene shown for a phase while no scene is set; any other phase shows STARTING."""


def effective_scene(scene: str | None, phase: str | None) -> Scene:
    """Return the scene to draw: the one set, or the one that fits the phase when none is.

    An unknown scene name (set by a newer client) is drawn as LIVE, so the
    stream keeps its content on screen rather than a card that does not fit.
    """
    if scene is None:
        return SCENES[_PHASE_SCENES.get(phase or "", STARTING)]
    return SCENES.get(scene, SCENES[LIVE])
