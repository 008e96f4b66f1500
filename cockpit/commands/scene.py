"""``cockpit scene [NAME]``: switch the stage's scene, or show the current one."""

from __future__ import annotations

import argparse

from cockpit.settings import Settings
from cockpit.studio.cli_support import Outcome, add_json_option, failure, run_with_studio
from cockpit.studio.client import StudioClient, StudioCommandError
from cockpit.ui.stage_scenes import AUTO, SCENES, effective_scene

NAME = "scene"
HELP = "switch the stage's scene (starting, live, brb, ending or auto), or show the current one"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the scene name and ``--json``."""
    described = "; ".join(f"{scene.name}: {scene.description}" for scene in SCENES.values())
    parser.add_argument(
        "scene",
        metavar="NAME",
        nargs="?",
        choices=[*SCENES, AUTO],
        help=f"{described}; auto: follow the stream (starting before, live during, ending "
        "while stopping). Without NAME, print the current scene.",
    )
    add_json_option(parser)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Switch or show the scene; 0 when it worked, 1 when it failed."""
    if args.scene is None:
        return run_with_studio("scene", settings, bool(args.json), _show, subscribe=True)
    scene = None if args.scene == AUTO else args.scene
    return run_with_studio(
        "scene", settings, bool(args.json), lambda client: _switch(client, scene)
    )


async def _switch(client: StudioClient, scene: str | None) -> Outcome:
    try:
        result = await client.command("set_scene", scene=scene)
    except StudioCommandError as error:
        return failure(error.code, str(error))
    shown = "auto (follows the stream)" if scene is None else scene
    if result.get("phase", "live") == "offline" and scene is not None:
        return Outcome(
            True,
            result,
            [
                f"Set the {shown} scene. The stream is offline, so nobody sees it yet, and "
                "going live returns the stage to auto."
            ],
        )
    return Outcome(True, result, [f"The stage shows the {shown} scene."])


async def _show(client: StudioClient) -> Outcome:
    state = client.snapshot or {}
    scene = state.get("scene")
    phase = state.get("phase")
    drawn = effective_scene(scene if isinstance(scene, str) else None, str(phase or ""))
    data = {"scene": scene, "phase": phase, "drawn": drawn.name}
    if scene is None:
        return Outcome(True, data, [f"Scene: auto, now {drawn.name} (the stream is {phase})."])
    return Outcome(True, data, [f"Scene: {scene}."])
