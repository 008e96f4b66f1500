"""The console's key bindings: each has an id, so the ``console.keymap`` setting can remap it."""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

CONSOLE_BINDINGS: list[Binding] = [
    Binding("g", "go_live", "Go live", id="go_live", tooltip="Go live (shows the checklist)"),
    Binding("s", "stop", "Stop", id="stop", tooltip="Stop the stream (asks first)"),
    Binding(
        "t",
        "thumbnail",
        "Thumbnail",
        show=False,
        id="thumbnail",
        tooltip="Take and upload a thumbnail now",
    ),
    Binding("i,slash", "focus_chat", "Chat", id="focus_chat", tooltip="Write a chat message"),
    Binding("r", "reply", "Reply", id="reply", tooltip="Reply to the selected message"),
    Binding(
        "v", "viewer_card", "Viewer", id="viewer_card", tooltip="Show the selected viewer's card"
    ),
    Binding(
        "h",
        "hide_message",
        "Hide",
        id="hide_message",
        tooltip="Hide the selected message from the stage, or show it again",
    ),
    Binding(
        "m",
        "mute_viewer",
        "Mute",
        id="mute_viewer",
        tooltip="Mute the selected viewer on the stage, or unmute",
    ),
    Binding("n", "narrate", "Narrate", id="narrate", tooltip="Set the stage's narration prompt"),
    Binding("c", "scene", "Scene", show=False, id="scene", tooltip="Switch the stage scene"),
    Binding(
        "w",
        "toggle_watchdog",
        "Watchdog",
        show=False,
        id="toggle_watchdog",
        tooltip="Pause or resume the watchdog",
    ),
    Binding("u", "copy_url", "Copy URL", show=False, id="copy_url", tooltip="Copy the stream URL"),
    Binding(
        "a",
        "copy_token",
        "Copy token",
        show=False,
        id="copy_token",
        tooltip="Copy the token address",
    ),
    Binding(
        "y",
        "copy_wallet",
        "Copy wallet",
        show=False,
        id="copy_wallet",
        tooltip="Copy the selected viewer's wallet",
    ),
    Binding(
        "l",
        "checklist",
        "Checklist",
        show=False,
        id="checklist",
        tooltip="Show the go-live checklist",
    ),
    Binding(
        "ctrl+r",
        "retry_send",
        "Retry send",
        show=False,
        id="retry_send",
        tooltip="Send the last failed message again",
    ),
    Binding(
        "z", "zoom", "Zoom", id="zoom", tooltip="Zoom the focused pane to full screen, or back"
    ),
    Binding(
        "ctrl+t",
        "next_theme",
        "Theme",
        show=False,
        id="next_theme",
        tooltip="Switch to the next theme",
    ),
    Binding("f1,question_mark", "help", "Help", id="help", tooltip="Show every key"),
    Binding("q", "quit", "Quit", id="quit", tooltip="Quit the console (asks while live)"),
]
"""Bindings of the main screen. Their keys reach the app unless a focused input takes them."""


def describe(binding: Binding) -> str:
    """Return the longer description of a binding, for the palette and the help screen."""
    return binding.tooltip or binding.description


def help_rows(keymap: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Return (binding id, keys, description) for each binding, with ``keymap`` applied."""
    rows = []
    for binding in CONSOLE_BINDINGS:
        assert binding.id is not None
        keys = keymap.get(binding.id, binding.key)
        rows.append((binding.id, keys.replace(",", ", "), describe(binding)))
    return rows


def unknown_binding_ids(keymap: Mapping[str, str]) -> list[str]:
    """Return the ids of ``keymap`` that name no binding of the console."""
    known = {binding.id for binding in CONSOLE_BINDINGS}
    return sorted(binding_id for binding_id in keymap if binding_id not in known)
