"""The go-live checklist: each step pending, running, done or failed with its error."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.ui.viewmodels import StepView
from cockpit.ui.widgets.colours import colour

_MARKS = {"pending": "○", "running": "◐", "done": "✓", "failed": "✗"}
_COLOURS = {"pending": "cockpit-dim", "running": "primary", "done": "success", "failed": "error"}


class GoLiveScreen(ModalScreen[None]):
    """Shows the go-live steps as they run; retry after a failure, or close."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry", id="checklist.retry"),
        Binding("c,escape,enter", "close", "Close", id="checklist.close"),
    ]
    DEFAULT_CSS = """
    GoLiveScreen {
        align: center middle;
    }
    GoLiveScreen #checklist {
        width: 72;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    GoLiveScreen #checklist-title {
        text-style: bold;
        margin-bottom: 1;
    }
    GoLiveScreen #checklist-hint {
        margin-top: 1;
        color: $text-muted;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._steps: list[StepView] = []
        self._phase = "offline"
        self._last_error = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="checklist") as box:
            box.border_title = "Go live"
            yield Static("", id="checklist-title", markup=False)
            yield Static("", id="checklist-steps")
            yield Static("", id="checklist-hint", markup=False)

    def on_mount(self) -> None:
        self._redraw()

    def show_steps(self, steps: Iterable[StepView], phase: str, last_error: str) -> None:
        """Show the steps' states and the phase they led to."""
        self._steps = list(steps)
        self._phase = phase
        self._last_error = last_error
        if self.is_mounted:
            self._redraw()

    @property
    def failed(self) -> bool:
        return any(step.state == "failed" for step in self._steps)

    def _redraw(self) -> None:
        self.query_one("#checklist-title", Static).update(self._title())
        self.query_one("#checklist-steps", Static).update(self._table())
        hint = (
            "r retry · c close"
            if self.failed
            else "c close (going live continues in the background)"
        )
        if self._phase == "live":
            hint = "c close"
        self.query_one("#checklist-hint", Static).update(hint)

    def _title(self) -> Text:
        app = self.app
        if self._phase == "live":
            return Text("● The stream is live.", Style(color=colour(app, "success"), bold=True))
        if self.failed:
            return Text(
                "✗ Going live failed; everything it started was stopped.",
                Style(color=colour(app, "error"), bold=True),
            )
        return Text(f"Going live… ({self._phase})", Style(color=colour(app, "primary"), bold=True))

    def _table(self) -> Table:
        app = self.app
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        table.add_column(justify="right", no_wrap=True)
        for step in self._steps:
            style = Style(
                color=colour(app, _COLOURS.get(step.state, "cockpit-dim")),
                bold=step.state != "pending",
            )
            name = Text(step.name[:1].upper() + step.name[1:], style)
            if step.state == "failed":
                name.append("\n")
                name.append(
                    step.error or self._last_error or "failed", Style(color=colour(app, "error"))
                )
            seconds = f"{step.seconds:.1f} s" if step.seconds is not None else step.state
            table.add_row(
                Text(_MARKS.get(step.state, "?"), style),
                name,
                Text(seconds, Style(color=colour(app, "cockpit-dim"))),
            )
        return table

    async def action_retry(self) -> None:
        if not self.failed:
            self.notify("Nothing failed, so there is nothing to retry.", severity="warning")
            return
        await self.app.run_action("go_live")

    def action_close(self) -> None:
        self.dismiss(None)
