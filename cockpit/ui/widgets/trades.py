"""The trade ticker: buys and sells of the agent's token, newest first, large ones highlighted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from cockpit.feeds.textsafe import short_wallet
from cockpit.ui import format as fmt
from cockpit.ui.viewmodels import TradeLine
from cockpit.ui.widgets.colours import colour

WIDE_COLUMNS = 44
"""From this width on, the ticker spells out the side and shows the token and seconds."""


class TradeTicker(Widget, can_focus=True):
    """As many of the newest trades as fit; zoom the pane to see more."""

    ALLOW_MAXIMIZE = True
    DEFAULT_CSS = """
    TradeTicker {
        height: 1fr;
    }
    """

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tz = tz
        self._trades: list[TradeLine] = []

    def set_trades(self, trades: Sequence[TradeLine]) -> None:
        """Show ``trades`` (oldest first, as the view model keeps them)."""
        self._trades = list(trades)
        self.refresh()

    def render(self) -> Table | Text:
        app = self.app
        dim = Style(color=colour(app, "cockpit-dim"))
        if not self._trades:
            return Text("No trades yet.", style=dim)
        wide = self.size.width >= WIDE_COLUMNS
        table = Table(
            box=None,
            show_header=True,
            header_style=dim,
            pad_edge=False,
            expand=True,
            padding=(0, 1, 0, 0),
        )
        table.add_column("side" if wide else "", no_wrap=True, width=7 if wide else 1)
        table.add_column("USD", justify="right", no_wrap=True, min_width=7)
        table.add_column("wallet", no_wrap=True, overflow="ellipsis", ratio=1)
        if wide:
            table.add_column("token", no_wrap=True, overflow="ellipsis", max_width=10)
        table.add_column("time", no_wrap=True, justify="right", width=8 if wide else 5)
        rows = max(1, self.size.height - 1)
        for trade in reversed(self._trades[-rows:]):
            table.add_row(*self._cells(trade, wide))
        return table

    def _cells(self, trade: TradeLine, wide: bool) -> list[Text]:
        app = self.app
        side_colour = colour(app, "cockpit-buy" if trade.is_buy else "cockpit-sell")
        arrow = "▲" if trade.is_buy else "▼"
        label = f"{arrow} {'buy' if trade.is_buy else 'sell'}" if wide else arrow
        side = Text(label, Style(color=side_colour, bold=True))
        amount = Text(fmt.usd(trade.amount_usd), Style(color=side_colour, bold=trade.large))
        if trade.large:
            amount.stylize(Style(bgcolor=colour(app, "cockpit-large"), color="#000000", bold=True))
        clock = fmt.clock if wide else fmt.short_clock
        stamp = Text(clock(trade.at, self._tz), Style(color=colour(app, "cockpit-dim")))
        cells = [side, amount, Text(short_wallet(trade.wallet) or "—")]
        if wide:
            cells.append(Text(trade.ticker or "—"))
        cells.append(stamp)
        return cells
