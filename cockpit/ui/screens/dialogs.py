"""Small modal dialogs: confirm stop, quit while live, stop stats, narration and scene."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from cockpit.ui import format as fmt
from cockpit.ui.stage_scenes import AUTO, BE_RIGHT_BACK, ENDING, LIVE, STARTING
from cockpit.ui.viewmodels import StopView

SCENES = (
    (AUTO, "Auto (follows the stream)"),
    (STARTING, "Starting soon"),
    (LIVE, "Live"),
    (BE_RIGHT_BACK, "Be right back"),
    (ENDING, "Ending"),
)
"""Scene names of the stage, with the words the picker shows; ``auto`` clears the scene."""

DIALOG_CSS = """
{name} {{
    align: center middle;
}}
{name} > Vertical {{
    width: 64;
    max-width: 95%;
    height: auto;
    border: thick $primary;
    background: $surface;
    padding: 1 2;
}}
{name} .question {{
    margin-bottom: 1;
}}
{name} Horizontal {{
    height: auto;
    align-horizontal: right;
}}
{name} Button {{
    margin-left: 1;
}}
"""


class ConfirmStopScreen(ModalScreen[bool]):
    """Asks before the stream is stopped; Escape and n cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Stop the stream", id="confirm_stop.yes"),
        Binding("n,escape", "answer(False)", "Keep streaming", id="confirm_stop.no"),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmStopScreen")

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Stop the stream?"
            yield Static(
                "Stopping ends the session on the platform, then the encoder and the stage. "
                "Viewers see the stream end.",
                classes="question",
            )
            with Horizontal():
                yield Button("Keep streaming (n)", id="no")
                yield Button("Stop (y)", id="yes", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


QuitChoice = Literal["detach", "stop", "cancel"]


class QuitWhileLiveScreen(ModalScreen[QuitChoice]):
    """Asks whether quitting leaves the stream running in the studio or stops it first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "choose('detach')", "Keep streaming", id="quit.detach"),
        Binding("s", "choose('stop')", "Stop and quit", id="quit.stop"),
        Binding("escape,c", "choose('cancel')", "Cancel", id="quit.cancel"),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="QuitWhileLiveScreen")

    def __init__(self, detachable: bool = True) -> None:
        """``detachable`` is False where the studio ends with the console, as in the demo."""
        super().__init__()
        self._detachable = detachable

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "The stream is live"
            if self._detachable:
                question = (
                    "Quit the console and keep streaming in the background (the studio keeps "
                    "the stream; run cockpit again to come back), or stop the stream first?"
                )
            else:
                question = "Quitting the demo ends its stream. Stop the stream and quit?"
            yield Static(question, classes="question")
            with Horizontal():
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Stop and quit (s)", id="stop", variant="error")
                if self._detachable:
                    yield Button("Keep streaming (d)", id="detach", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)  # type: ignore[arg-type]

    def action_choose(self, choice: QuitChoice) -> None:
        if choice == "detach" and not self._detachable:
            return
        self.dismiss(choice)


class StoppedScreen(ModalScreen[None]):
    """Shows the stats the platform returned when the stream stopped."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,c", "close", "Close", id="stopped.close")
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="StoppedScreen")

    def __init__(self, stop: StopView) -> None:
        super().__init__()
        self._stop = stop

    def compose(self) -> ComposeResult:
        stop = self._stop
        if stop.stopped:
            lines = [
                f"Duration   {fmt.duration(stop.duration_seconds)}",
                f"Viewers    {fmt.count(stop.viewers)}",
            ]
            title = "Stream stopped"
        else:
            lines = ["The platform had no live session to stop."]
            title = "Nothing to stop"
        with Vertical() as box:
            box.border_title = title
            yield Static("\n".join(lines), classes="question", markup=False)
            with Horizontal():
                yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class NarrationScreen(ModalScreen[str | None]):
    """Asks for a narration prompt for the stage."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="narration.cancel")
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="NarrationScreen")

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self._current = current or ""

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Narration"
            yield Static(
                "What should the stage narrate? Enter sets it, Escape cancels.", classes="question"
            )
            yield Input(
                value=self._current,
                placeholder="A prompt for the narration",
                max_length=4000,
                select_on_focus=False,
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SceneScreen(ModalScreen[str | None]):
    """Lets the operator pick the stage's scene."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="scene.cancel")
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="SceneScreen")

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self._current = current or AUTO

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Stage scene"
            options = [
                Option(name + ("  (now)" if scene == self._current else ""), id=scene)
                for scene, name in SCENES
            ]
            yield OptionList(*options)
            yield Static("Enter switches, Escape cancels.", classes="question", markup=False)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [scene for scene, _ in SCENES]
        options.highlighted = ids.index(self._current) if self._current in ids else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
