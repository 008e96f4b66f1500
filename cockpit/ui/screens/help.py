"""The help screen: every binding with its id, its keys and what it does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.ui.widgets.colours import colour


class HelpScreen(ModalScreen[None]):
    """Lists the bindings; their keys change with the ``console.keymap`` setting."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close", id="help.close")
    ]
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen #help {
        width: 84;
        max-width: 95%;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen #help-hint {
        color: $text-muted;
    }
    """

    def __init__(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """``rows`` are (binding id, keys, description)."""
        super().__init__()
        self._rows = list(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="help") as box:
            box.border_title = "Keys"
            with VerticalScroll():
                yield Static(self._table())
            yield Static(
                "Close this list with Escape, F1 or q. Change keys with [console.keymap] in the "
                'settings file, e.g. go_live = "f5". Every action is also in the command '
                "palette (ctrl+p).",
                id="help-hint",
                markup=False,
            )

    def _table(self) -> Table:
        dim = Style(color=colour(self.app, "cockpit-dim"))
        table = Table(box=None, show_header=True, header_style=dim, expand=True, pad_edge=False)
        table.add_column(
            "keys", no_wrap=True, style=Style(color=colour(self.app, "accent"), bold=True)
        )
        table.add_column("action")
        table.add_column("binding id", style=dim, no_wrap=True)
        for binding_id, keys, description in self._rows:
            table.add_row(Text(keys), Text(description), Text(binding_id))
        return table

    def action_close(self) -> None:
        self.dismiss(None)
