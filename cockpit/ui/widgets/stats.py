"""Token stats: price, market cap, all-time high, growth, volume, earnings and sparklines."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from cockpit.ui import format as fmt
from cockpit.ui.viewmodels import StatsView
from cockpit.ui.widgets.colours import colour

LABEL_WIDTH = 5


@dataclass(frozen=True)
class StatsFigures:
    """The pane's figures: the latest stats and the three sparkline series."""

    stats: StatsView | None
    market_caps: list[float]
    viewers: list[float]
    chat_rate: list[float]
    ticker: str = ""


class TokenStats(Widget, can_focus=True):
    """The token's figures and their trends."""

    ALLOW_MAXIMIZE = True
    DEFAULT_CSS = """
    TokenStats {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._figures = StatsFigures(None, [], [], [])

    def set_figures(self, figures: StatsFigures) -> None:
        self._figures = figures
        self.refresh()

    def render(self) -> Group:
        return Group(self._price_line(), self._figures_table(), self._sparklines())

    def _price_line(self) -> Text:
        stats = self._figures.stats
        text = Text("price".ljust(LABEL_WIDTH + 1), Style(color=colour(self.app, "cockpit-dim")))
        text.append(
            fmt.usd(stats.price, precise=True) if stats is not None else "—", Style(bold=True)
        )
        if stats is not None and stats.ticker:
            text.append(f"  {stats.ticker}", Style(color=colour(self.app, "accent"), bold=True))
        return text

    def _figures_table(self) -> Table:
        app = self.app
        dim = Style(color=colour(app, "cockpit-dim"))
        stats = self._figures.stats
        grid = Table.grid(expand=True, padding=(0, 1, 0, 0))
        grid.add_column(no_wrap=True, width=LABEL_WIDTH, style=dim)
        grid.add_column(no_wrap=True, ratio=1)
        grid.add_column(no_wrap=True, width=4, style=dim)
        grid.add_column(no_wrap=True, ratio=1)
        if stats is None:
            grid.add_row("mcap", "—", "ATH", "—")
            return grid
        bold = Style(bold=True)
        volume = stats.volume_24h if stats.volume_24h is not None else stats.volume_total
        grid.add_row(
            "mcap",
            Text(fmt.usd(stats.market_cap), bold),
            "ATH",
            fmt.usd(stats.all_time_high, precise=True),
        )
        grid.add_row("1h", self._growth(stats.growth_1h), "6h", self._growth(stats.growth_6h))
        grid.add_row("24h", self._growth(stats.growth_24h), "vol", fmt.usd(volume))
        grid.add_row("earn", fmt.usd(stats.earnings_total), "24h", fmt.usd(stats.earnings_24h))
        return grid

    def _growth(self, value: float | None) -> Text:
        if value is None:
            return Text("—")
        name = "cockpit-buy" if value >= 0 else "cockpit-sell"
        return Text(fmt.percent(value), Style(color=colour(self.app, name)))

    def _sparklines(self) -> Table:
        app = self.app
        dim = Style(color=colour(app, "cockpit-dim"))
        figures = self._figures
        width = max(4, self.size.width - LABEL_WIDTH - 8)
        grid = Table.grid(expand=True, padding=(0, 1, 0, 0))
        grid.add_column(no_wrap=True, width=LABEL_WIDTH, style=dim)
        grid.add_column(no_wrap=True, ratio=1)
        grid.add_column(no_wrap=True, justify="right", width=6)
        rows = (
            ("mcap", figures.market_caps, "primary", fmt.usd),
            ("view", figures.viewers, "secondary", fmt.count),
            ("chat", figures.chat_rate, "accent", lambda value: f"{value:.0f}/m"),
        )
        for label, series, colour_name, describe in rows:
            line = fmt.sparkline(series, width)
            latest = describe(series[-1]) if series else "—"
            grid.add_row(
                label, Text(line or "·", Style(color=colour(app, colour_name))), Text(latest, dim)
            )
        return grid
