"""The message input under the chat, with the state of each message the operator sent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from cockpit.ui.viewmodels import SendView
from cockpit.ui.widgets.colours import colour

MAX_MESSAGE_LENGTH = 500
"""Default maximum characters of a message: the platform's chat and the send queue's."""

SHOWN_SENDS = 2

_STATE_MARKS = {
    "queued": ("…", "cockpit-dim", "queued"),
    "sending": ("↑", "primary", "sending"),
    "sent": ("✓", "success", "sent"),
    "failed": ("✗", "error", "failed"),
    "unknown": ("?", "warning", "checking"),
}


class ChatComposer(Vertical):
    """Input for the operator's own chat messages, and the latest messages' send states."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back to the chat", show=False, id="composer.leave"),
    ]

    DEFAULT_CSS = """
    ChatComposer {
        height: auto;
    }
    ChatComposer Input {
        border: tall $foreground 25%;
        background: $surface;
    }
    ChatComposer Input:focus {
        border: tall $primary;
    }
    ChatComposer #send-states {
        height: auto;
        max-height: 2;
        padding: 0 1;
    }
    """

    class Submitted(Message):
        """The operator entered a message to send."""

        def __init__(self, composer: ChatComposer, text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

        @property
        def control(self) -> ChatComposer:
            return self.composer

    def __init__(
        self,
        *,
        cursor_blink: bool = True,
        max_length: int = MAX_MESSAGE_LENGTH,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._cursor_blink = cursor_blink
        self._max_length = max_length

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="Message the chat · Enter sends",
            select_on_focus=False,
            id="chat-input",
        )
        yield Static("", id="send-states", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = self._cursor_blink

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        if len(text) > self._max_length:
            # The text stays in the input, so the operator can shorten it.
            self.app.notify(
                f"The message has {len(text)} characters, over the limit of "
                f"{self._max_length} (feeds.max_message_length); shorten it.",
                title="Not sent",
                severity="error",
            )
            return
        event.input.clear()
        self.post_message(self.Submitted(self, text))

    async def action_leave(self) -> None:
        # The main screen's chat pane has the id "chat"; focus returns there.
        await self.app.run_action("focus('chat')")

    def prefill(self, text: str) -> None:
        """Put ``text`` in the input, with the cursor after it, and focus the input."""
        field = self.query_one(Input)
        field.value = text
        field.cursor_position = len(text)
        field.focus()

    def show_sends(self, sends: Sequence[SendView]) -> None:
        """Show the states of the newest sent messages, newest last."""
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, send in enumerate(sends[-SHOWN_SENDS:]):
            if number:
                text.append("\n")
            mark, colour_name, label = _STATE_MARKS.get(send.state, _STATE_MARKS["unknown"])
            style = Style(color=colour(self.app, colour_name))
            text.append(f"{mark} {label:<8} ", style)
            detail = send.reason if send.state == "failed" and send.reason else send.text
            text.append(detail, Style(color=colour(self.app, "cockpit-dim")))
            if send.warning:
                text.append(f"  {send.warning}", Style(color=colour(self.app, "warning")))
        self.query_one("#send-states", Static).update(text)
