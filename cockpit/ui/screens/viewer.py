"""The viewer card: what is known of one viewer, with keys to reply, mute or copy the wallet."""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.ui import format as fmt
from cockpit.ui.viewmodels import ViewerSummary
from cockpit.ui.widgets.colours import colour


class ViewerScreen(ModalScreen[str | None]):
    """Shows a `ViewerSummary`; dismisses with the action chosen (reply, mute, copy) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "choose('reply')", "Reply", id="viewer.reply"),
        Binding("m", "choose('mute')", "Mute or unmute", id="viewer.mute"),
        Binding("y", "choose('copy_wallet')", "Copy wallet", id="viewer.copy_wallet"),
        Binding("escape,c", "choose(None)", "Close", id="viewer.close"),
    ]
    DEFAULT_CSS = """
    ViewerScreen {
        align: center middle;
    }
    ViewerScreen #card {
        width: 76;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $secondary;
        background: $surface;
        padding: 0 1;
    }
    ViewerScreen #card-body {
        height: auto;
        max-height: 24;
    }
    ViewerScreen #card-hint {
        color: $text-muted;
        margin-top: 1;
    }
    """

    def __init__(self, summary: ViewerSummary, source: str, *, tz: tzinfo | None = None) -> None:
        super().__init__()
        self._summary = summary
        self._source = source
        self._tz = tz

    def compose(self) -> ComposeResult:
        summary = self._summary
        with Vertical(id="card") as card:
            card.border_title = summary.names[-1] if summary.names else summary.key
            card.border_subtitle = self._source
            with VerticalScroll(id="card-body"):
                yield Static(self._details())
            yield Static(
                "r reply · m mute/unmute · y copy wallet · esc close", id="card-hint", markup=False
            )

    def _details(self) -> Group:
        app = self.app
        summary = self._summary
        tz = self._tz
        dim = Style(color=colour(app, "cockpit-dim"))
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style=dim, no_wrap=True)
        facts.add_column()
        facts.add_row("names", Text(", ".join(summary.names) or "—"))
        facts.add_row("wallet", Text(summary.wallet or "—"))
        facts.add_row("user id", Text(summary.user_id or "—"))
        status = Text("returning viewer" if summary.returning else "new this stream")
        if summary.muted:
            status.append("  muted on stage", Style(color=colour(app, "warning"), bold=True))
        facts.add_row("status", status)
        facts.add_row(
            "seen",
            Text(f"{fmt.clock(summary.first_seen, tz)} to {fmt.clock(summary.last_seen, tz)}"),
        )
        facts.add_row("messages", Text(fmt.count(summary.message_count)))
        facts.add_row(
            "tips", Text(fmt.usd(summary.tips_usd), Style(color=colour(app, "cockpit-tip")))
        )
        trades = Text()
        trades.append(
            f"{summary.buys} buys {fmt.usd(summary.bought_usd)}",
            Style(color=colour(app, "cockpit-buy")),
        )
        trades.append(" · ")
        trades.append(
            f"{summary.sells} sells {fmt.usd(summary.sold_usd)}",
            Style(color=colour(app, "cockpit-sell")),
        )
        facts.add_row("trades", trades)
        recent = Text()
        for at, message in summary.recent_messages[-10:]:
            recent.append(f"\n{fmt.short_clock(at, self._tz)}  ", dim)
            recent.append(message)
        heading = Text("\nRecent messages", Style(bold=True))
        return Group(facts, heading, recent if summary.recent_messages else Text("none", dim))

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
