"""The console's actions: what each binding and palette command does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget

from cockpit.feeds.textsafe import display_safe
from cockpit.settings import Settings
from cockpit.ui.clipboard import Clipboard
from cockpit.ui.screens.dialogs import (
    SCENES,
    ConfirmStopScreen,
    NarrationScreen,
    QuitChoice,
    QuitWhileLiveScreen,
    SceneScreen,
    StoppedScreen,
)
from cockpit.ui.screens.golive import GoLiveScreen
from cockpit.ui.screens.help import HelpScreen
from cockpit.ui.stage_scenes import AUTO
from cockpit.ui.screens.viewer import ViewerScreen
from cockpit.ui.themes import next_theme
from cockpit.ui.viewmodels import ChatLine, ViewerSummary
from cockpit.ui.viewstate import ViewState
from cockpit.ui.widgets.chat import ChatView
from cockpit.ui.widgets.composer import ChatComposer

if TYPE_CHECKING:
    Base = App[None]
else:
    Base = object

STOP_MARGIN = 30.0
"""Seconds a waited stop may take beyond the studio's own ``stop_timeout``."""
THUMBNAIL_TIMEOUT = 60.0

SCENE_NAMES = dict(SCENES)


class ConsoleActions(Base):
    """Actions of `cockpit.ui.console.ConsoleApp`, kept apart from its layout and redrawing."""

    settings: Settings
    view: ViewState
    detachable: bool
    copier: Clipboard
    clock: Callable[[], float]
    tz: tzinfo | None

    if TYPE_CHECKING:
        # Provided by ConsoleApp.

        @property
        def main_screen(self) -> Screen[Any]: ...

        async def studio_command(
            self,
            name: str,
            *,
            label: str,
            timeout: float | None = 30.0,
            quiet: tuple[str, ...] = (),
            **args: Any,
        ) -> dict[str, Any] | None: ...

        def focus_chat_input(self) -> None: ...

        def keymap_rows(self) -> list[tuple[str, str, str]]: ...

        def _mark(self, changed: set[str]) -> None: ...

    # Selection

    def _selected(self, purpose: str) -> ChatLine | None:
        line = self.main_screen.query_one(ChatView).selected
        if line is None:
            self.notify(
                f"Select a message first (↑ and ↓ in the chat) to {purpose}.", severity="warning"
            )
        return line

    # Stream

    def action_go_live(self) -> None:
        view = self.view
        if view.live:
            self.notify("The stream is already live.")
            return
        self.action_checklist()
        self._go_live()

    @work(group="commands", description="Go live")
    async def _go_live(self) -> None:
        result = await self.studio_command("go_live", label="Going live")
        if result is not None and result.get("already_live"):
            self.notify("The stream is already live.")

    def action_checklist(self) -> None:
        if isinstance(self.screen, GoLiveScreen):
            return
        screen = GoLiveScreen()
        screen.show_steps(self.view.steps.values(), self.view.phase, self.view.last_error)
        self.push_screen(screen)

    def action_stop(self) -> None:
        view = self.view
        if not (view.live or view.operation or view.orphaned_live or view.phase != "offline"):
            self.notify("The stream is offline, so there is nothing to stop.")
            return
        self.push_screen(ConfirmStopScreen(), self._on_stop_answer)

    def _on_stop_answer(self, confirmed: bool | None) -> None:
        if confirmed:
            self._stop_stream()

    @work(group="commands", exclusive=True, description="Stop the stream")
    async def _stop_stream(self, then_exit: bool = False) -> None:
        self.notify("Stopping the stream…")
        timeout = self.settings.studio.stop_timeout + STOP_MARGIN
        result = await self.studio_command("stop", label="Stopping", timeout=timeout, wait=True)
        if result is None:
            return
        self._mark(self.view.record_stop(result, self.clock()))
        if then_exit:
            self.exit()
            return
        if self.view.last_stop is not None:
            self.push_screen(StoppedScreen(self.view.last_stop))

    def action_thumbnail(self) -> None:
        self._thumbnail()

    @work(group="commands", exclusive=True, description="Take a thumbnail")
    async def _thumbnail(self) -> None:
        result = await self.studio_command(
            "thumbnail", label="Thumbnail", timeout=THUMBNAIL_TIMEOUT
        )
        if result is not None:
            self.notify("Thumbnail taken and uploaded.", title="Thumbnail")

    def action_toggle_watchdog(self) -> None:
        self._set_watchdog(not self.view.watchdog_paused)

    @work(group="commands", description="Pause or resume the watchdog")
    async def _set_watchdog(self, paused: bool) -> None:
        result = await self.studio_command("watchdog", label="Watchdog", paused=paused)
        if result is not None:
            self.notify("The watchdog is paused." if paused else "The watchdog is watching again.")

    # Chat

    def action_focus_chat(self) -> None:
        self.focus_chat_input()

    def action_reply(self) -> None:
        line = self._selected("reply")
        if line is None:
            return
        name = line.author if not line.own else ""
        self.main_screen.query_one(ChatComposer).prefill(f"@{name} " if name else "")

    def action_retry_send(self) -> None:
        failed = [send for send in self.view.sends.values() if send.state == "failed"]
        if not failed:
            self.notify("No message failed, so there is nothing to send again.")
            return
        self._retry_send(failed[-1].message_id)

    @work(group="commands", description="Send a failed message again")
    async def _retry_send(self, message_id: str) -> None:
        await self.studio_command("retry_chat", label="Sending again", id=message_id)

    def action_viewer_card(self) -> None:
        line = self._selected("see the viewer's card")
        if line is None:
            return
        if not line.author_key:
            self.notify("That message is the agent's own.")
            return
        self._show_viewer(line.author_key)

    @work(group="commands", exclusive=True, description="Show a viewer's card")
    async def _show_viewer(self, key: str) -> None:
        summary = self.view.viewer(key)
        source = "from the chat this console holds"
        record = await self.studio_command(
            "viewer", label="Viewer record", key=key, quiet=("unknown_command",)
        )
        if record is not None:
            summary = _summary_from_record(key, record, summary, key in self.view.muted_viewers)
            source = "from the studio's viewer records"
        if summary is None:
            self.notify("Nothing is known about that viewer yet.")
            return
        self.push_screen(
            ViewerScreen(summary, source, tz=self.tz),
            lambda choice: self._on_viewer_choice(choice, summary),
        )

    def _on_viewer_choice(self, choice: str | None, summary: ViewerSummary) -> None:
        if choice == "reply":
            name = summary.names[-1] if summary.names else ""
            self.main_screen.query_one(ChatComposer).prefill(f"@{name} " if name else "")
        elif choice == "mute":
            self._moderate("unmute_viewer" if summary.muted else "mute_viewer", key=summary.key)
        elif choice == "copy_wallet":
            self._copy(summary.wallet, "wallet")

    # Moderation

    def action_hide_message(self) -> None:
        line = self._selected("hide it from the stage")
        if line is None:
            return
        hidden = line.id in self.view.hidden_messages
        self._moderate("unhide_message" if hidden else "hide_message", id=line.id)

    def action_mute_viewer(self) -> None:
        line = self._selected("mute its author on the stage")
        if line is None:
            return
        if not line.author_key:
            self.notify("The agent's own messages cannot be muted.")
            return
        muted = line.author_key in self.view.muted_viewers
        self._moderate("unmute_viewer" if muted else "mute_viewer", key=line.author_key)

    @work(group="commands", description="Moderate the stage's chat")
    async def _moderate(self, name: str, **args: Any) -> None:
        label = {
            "hide_message": "Hiding the message",
            "unhide_message": "Showing the message again",
            "mute_viewer": "Muting the viewer",
            "unmute_viewer": "Unmuting the viewer",
        }[name]
        result = await self.studio_command(name, label=label, **args)
        if result is None:
            return
        self._mark(self.view.set_moderation(result))
        self.notify(f"{label}: done.")

    # Stage

    def action_scene(self) -> None:
        self.push_screen(SceneScreen(self.view.scene), self._on_scene)

    def _on_scene(self, scene: str | None) -> None:
        if scene is not None:
            self._set_scene(scene)

    @work(group="commands", description="Switch the stage scene")
    async def _set_scene(self, scene: str) -> None:
        chosen = None if scene == AUTO else scene
        result = await self.studio_command("set_scene", label="Scene", scene=chosen)
        if result is not None:
            self.notify(f"Scene: {SCENE_NAMES.get(scene, scene)}.")

    def action_narrate(self) -> None:
        self.push_screen(NarrationScreen(self.view.narration), self._on_narration)

    def _on_narration(self, text: str | None) -> None:
        if text:
            self._narrate(text)

    @work(group="commands", description="Set the narration")
    async def _narrate(self, text: str) -> None:
        result = await self.studio_command("narrate", label="Narration", text=text)
        if result is not None:
            self.notify("Narration set.")

    # Clipboard

    def action_copy_url(self) -> None:
        self._copy(self.view.stream_url, "stream URL")

    def action_copy_token(self) -> None:
        stats = self.view.stats
        address = self.view.identity.token_address or (stats.token_address if stats else "")
        self._copy(address, "token address")

    def action_copy_wallet(self) -> None:
        line = self._selected("copy its author's wallet")
        if line is not None:
            self._copy(line.wallet, "wallet")

    def _copy(self, text: str | None, what: str) -> None:
        if not text:
            self.notify(f"The {what} is not known yet, so nothing was copied.", severity="warning")
            return
        result = self.copier.copy(text)
        if not result.copied:
            self.notify(
                f"The {what} could not be copied: {'; '.join(result.problems)}.", severity="warning"
            )
            return
        where = "terminal clipboard (OSC 52)" if result.terminal else "clipboard"
        if result.terminal and result.local:
            where = "terminal and local clipboards"
        self.notify(f"Copied the {what} to the {where}: {text}", markup=False)

    # View

    def action_zoom(self) -> None:
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
            return
        focused = self.focused
        target: Widget | None = (
            focused if focused is not None and focused.has_class("pane") else None
        )
        if target is None and focused is not None:
            target = next(
                (
                    node
                    for node in focused.ancestors
                    if isinstance(node, Widget) and node.has_class("pane")
                ),
                None,
            )
        if target is None:
            target = self.main_screen.query_one(ChatView)
        screen.maximize(target, container=False)

    def action_next_theme(self) -> None:
        self.theme = next_theme(self.theme, list(self.available_themes))
        self.notify(f"Theme: {self.theme}")

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.keymap_rows()))

    async def action_quit(self) -> None:
        view = self.view
        if view.live or view.operation:
            self.push_screen(QuitWhileLiveScreen(self.detachable), self._on_quit_choice)
            return
        self.exit()

    def _on_quit_choice(self, choice: QuitChoice | None) -> None:
        if choice == "detach":
            self.exit()
        elif choice == "stop":
            self._stop_stream(then_exit=True)


def _summary_from_record(
    key: str, record: dict[str, Any], local: ViewerSummary | None, muted: bool
) -> ViewerSummary:
    """Build a summary from the studio's viewer record (the JSON of the feeds' `ViewerRecord`)."""
    recent = tuple(
        (_number(item[0]), display_safe(str(item[1])))
        for item in record.get("recent_messages") or []
        if isinstance(item, list | tuple) and len(item) == 2
    )
    names = tuple(display_safe(str(name), 40) for name in record.get("names") or [])
    wallet = record.get("wallet")
    user_id = record.get("user_id")
    return ViewerSummary(
        key=key,
        names=names or (local.names if local else ()),
        wallet=display_safe(wallet) if isinstance(wallet, str) and wallet else None,
        user_id=user_id if isinstance(user_id, str) and user_id else None,
        message_count=int(_number(record.get("message_count"))),
        recent_messages=recent,
        tips_usd=_number(record.get("tips_total_usd")),
        buys=int(_number(record.get("buys"))),
        sells=int(_number(record.get("sells"))),
        bought_usd=_number(record.get("bought_usd")),
        sold_usd=_number(record.get("sold_usd")),
        first_seen=_number(record.get("first_seen")) or None,
        last_seen=_number(record.get("last_seen")) or None,
        returning=bool(record.get("returning")),
        muted=muted,
    )


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
