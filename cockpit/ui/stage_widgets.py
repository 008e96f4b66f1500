"""The stage's widgets: header, chat, token stats, narration, trade ticker and scene card.

Each widget draws the part of `StageModel` it is given through a ``show``
method, and repaints itself only then. No widget reads the model on its own,
so a burst of events costs one repaint per widget at the app's next redraw.
Untrusted text arrives display-safe and is drawn as `rich.text.Text`, never
parsed as markup.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from cockpit.ui import stage_bigtext
from cockpit.ui.stage_model import ChatLine, NarrationLine, TokenStats, TradeLine
from cockpit.ui.stage_scenes import Scene

BACKGROUND = "#101820"
PANEL = "#17212c"
BORDER = "#34465a"
WHITE = "#ffffff"
SOFT = "#aab6c3"
"""Secondary text: labels and older lines."""
BRAND = "#d81b60"
BRAND_LIGHT = "#ff6f9f"
BUY = "#22d37a"
SELL = "#ff4d5e"
GOLD = "#ffc83d"
INK = "#0b1016"
"""Text on gold and white badges."""

NAME_COLOURS = (
    "#5cc8ff",
    "#7ee081",
    "#ffb454",
    "#c792ea",
    "#ff8fab",
    "#4dd8d0",
    "#d4e157",
    "#ffd166",
)
"""Viewer name colours, all readable on the dark panels; a name keeps its colour."""

UNKNOWN = "\u2014"
"""An em dash, drawn where a figure is not known yet."""


def name_colour(key: str) -> str:
    """Return the colour of a viewer's name; CRC-32 keeps it the same across runs."""
    return NAME_COLOURS[zlib.crc32(key.encode("utf-8")) % len(NAME_COLOURS)]


def format_usd(amount: float | None, digits: int = 2) -> str:
    """Return ``$1.23``, ``$45.6K``, ``$7.89M`` or ``$1.2B``; `UNKNOWN` when unknown."""
    if amount is None:
        return UNKNOWN
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= limit:
            return f"{sign}${value / limit:.{1 if value / limit < 100 else 0}f}{suffix}"
    return f"{sign}${value:,.{digits}f}"


def format_price(price: float | None) -> str:
    """Return a token price with four significant digits, such as ``$0.00004821``."""
    if price is None:
        return UNKNOWN
    if price >= 1:
        return f"${price:,.2f}"
    return f"${price:.4g}" if price >= 1e-4 else f"${price:.8f}".rstrip("0")


def format_growth(growth: float | None) -> Text:
    if growth is None:
        return Text(UNKNOWN, style=SOFT)
    arrow, colour = ("▲", BUY) if growth >= 0 else ("▼", SELL)
    return Text(f"{arrow} {abs(growth):.1f}%", style=Style(color=colour, bold=True))


class BigName(Static):
    """The agent's name, in big letters when it fits, else in bold.

    ``content`` stays the plain name, so the name is what the widget contains,
    and only the drawing uses the big font.
    """

    def render(self) -> RenderableType:
        name = str(self.content)
        room = self.content_size.width
        if name and stage_bigtext.fits(name) and stage_bigtext.width(name) <= room:
            return stage_bigtext.big_text(name, WHITE, BRAND)
        return Text("\n" + name, style=Style(color=WHITE, bold=True), no_wrap=True)


class ChatPanel(Widget):
    """The newest chat lines, bottom-aligned, wrapped to the panel's width."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[ChatLine] = []

    def show(self, lines: Sequence[ChatLine]) -> None:
        self._lines = list(lines)
        self.refresh()

    def render(self) -> RenderableType:
        width, height = self.content_size
        if width <= 0 or height <= 0:
            return Text()
        if not self._lines:
            return Text("Chat is quiet. Say hello!", style=SOFT)
        rows: list[Text] = []
        for line in reversed(self._lines):
            wrapped = list(chat_text(line).wrap(self.app.console, width, overflow="fold"))
            rows[:0] = wrapped
            if len(rows) >= height:
                break
        return Text("\n", end="").join(rows[-height:])


def chat_text(line: ChatLine) -> Text:
    """Return one chat line: tips in gold with a star, trades with an arrow, own lines in pink."""
    text = Text(end="")
    if line.kind == "tip":
        text.append(
            f" ★ TIP {format_usd(line.amount_usd)} ", Style(color=INK, bgcolor=GOLD, bold=True)
        )
        text.append(" ")
        text.append(line.author, Style(color=GOLD, bold=True))
        text.append(" ")
        text.append(line.text, Style(color=GOLD))
        return text
    if line.kind == "trade":
        selling = line.text.lower().startswith(("sold", "sell"))
        colour, arrow = (SELL, "▼") if selling else (BUY, "▲")
        text.append(f"{arrow} ", Style(color=colour, bold=True))
        text.append(line.author, Style(color=colour, bold=True))
        text.append(" ")
        text.append(line.text, Style(color=colour))
        return text
    if line.own:
        text.append("◆ ", Style(color=BRAND_LIGHT, bold=True))
        text.append(line.author, Style(color=BRAND_LIGHT, bold=True))
    else:
        text.append(line.author, Style(color=name_colour(line.author_key), bold=True))
    text.append("  ")
    text.append(line.text, Style(color=WHITE))
    return text


class TokenPanel(Widget):
    """Market cap in big digits, 24 h change, a market-cap sparkline, price and volume."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._stats = TokenStats()
        self._history: list[float] = []

    def show(self, stats: TokenStats, history: Sequence[float]) -> None:
        self._stats = stats
        self._history = list(history)
        self.refresh()

    def render(self) -> RenderableType:
        width, height = self.content_size
        stats = self._stats
        label = Text("MARKET CAP", style=Style(color=SOFT, bold=True))
        growth = format_growth(stats.growth_24h)
        header = Text.assemble(label, " " * max(1, width - len(label) - len(growth) - 4))
        header.append_text(Text("24h ", style=SOFT))
        header.append_text(growth)

        cap = format_usd(stats.market_cap)
        if stage_bigtext.width(cap) <= width:
            big = stage_bigtext.big_text(cap, WHITE, PANEL)
        else:
            big = Text(f"\n{cap}\n", style=Style(color=WHITE, bold=True))

        spark_height = max(1, height - 8)
        spark = sparkline(self._history, width, spark_height, PANEL)
        footer = Text.assemble(
            ("PRICE ", SOFT),
            (format_price(stats.price), Style(color=WHITE, bold=True)),
            ("   ATH ", SOFT),
            (format_price(stats.all_time_high), Style(color=WHITE, bold=True)),
        )
        volume = Text.assemble(
            ("VOL 24h ", SOFT),
            (format_usd(stats.volume_24h), Style(color=WHITE, bold=True)),
            ("   EARNED 24h ", SOFT),
            (format_usd(stats.earnings_24h), Style(color=GOLD, bold=True)),
        )
        return Text("\n", end="").join([header, big, Text(), spark, Text(), footer, volume])


def sparkline(values: Sequence[float], width: int, height: int, paper: str) -> Text:
    """Return the last ``width`` values as bars ``height`` rows tall, in half rows.

    The bars are green when the last value is at least the first shown, red otherwise.
    """
    shown = list(values)[-width:] if width > 0 else []
    if len(shown) < 2:
        waiting = Text("collecting market data…", style=SOFT)
        return Text("\n" * (height - 1), end="") + waiting if height > 1 else waiting
    low, high = min(shown), max(shown)
    steps = height * 2
    levels = [
        height if high == low else 1 + round((value - low) / (high - low) * (steps - 1))
        for value in shown
    ]
    levels = [0] * (width - len(levels)) + levels
    pixels = [
        "".join("#" if level >= steps - row else "." for level in levels) for row in range(steps)
    ]
    colour = BUY if shown[-1] >= shown[0] else SELL
    return stage_bigtext.half_blocks(pixels, colour, paper)


class NarrationPanel(Widget):
    """The agent's narration under its name: the newest line bright, the one before it dimmed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._speaker = ""
        self._lines: list[NarrationLine] = []

    def show(self, speaker: str, lines: Sequence[NarrationLine]) -> None:
        self._speaker = speaker
        self._lines = list(lines)
        self.refresh()

    def render(self) -> RenderableType:
        width, height = self.content_size
        if width <= 0 or height <= 0:
            return Text()
        label = Text(f"◆ {self._speaker.upper()}", Style(color=BRAND_LIGHT, bold=True), end="")
        label.truncate(width, overflow="ellipsis")
        if not self._lines:
            return label
        room = height - 1
        newest = Text(self._lines[-1].text, Style(color=WHITE, bold=True), end="")
        rows = list(newest.wrap(self.app.console, width))
        if len(rows) > room:
            rows = rows[:room]
            rows[-1].truncate(max(1, width - 1))
            rows[-1].append("…")
        if len(rows) < room and len(self._lines) > 1:
            older = Text(self._lines[-2].text, Style(color=SOFT), end="")
            older.truncate(width, overflow="ellipsis")
            rows.insert(0, older)
        return Text("\n", end="").join([label, *rows])


class TradeTicker(Widget):
    """One row of the newest trades, newest first: buys green with ▲, sells red with ▼."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._trades: list[TradeLine] = []
        self._ticker: str | None = None

    def show(self, trades: Sequence[TradeLine], ticker: str | None) -> None:
        self._trades = list(trades)
        self._ticker = ticker
        self.refresh()

    def render(self) -> RenderableType:
        width = self.content_size.width
        label = f" {'$' + self._ticker if self._ticker else 'TOKEN'} TRADES "
        text = Text(end="", no_wrap=True)
        text.append(label, Style(color=WHITE, bgcolor=BRAND, bold=True))
        text.append(" ")
        if not self._trades:
            text.append("No trades yet: the first buy shows here.", SOFT)
        for trade in self._trades:
            colour, arrow, side = (BUY, "▲", "BUY") if trade.is_buy else (SELL, "▼", "SELL")
            text.append(
                f"{arrow} {side} {format_usd(trade.amount_usd)}", Style(color=colour, bold=True)
            )
            if trade.wallet:
                text.append(f" {trade.wallet}", SOFT)
            text.append("   ")
            if text.cell_len > width:
                break
        text.truncate(width)
        return text


class SceneCard(Widget):
    """A scene's title card: the title in big letters, a line under it and the stream's address."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._scene: Scene | None = None
        self._address = ""

    def show(self, scene: Scene, address: str) -> None:
        self._scene = scene
        self._address = address
        self.refresh()

    def render(self) -> RenderableType:
        if self._scene is None:
            return Text()
        width, height = self.content_size
        lines = [
            stage_bigtext.big_text(line, WHITE, BRAND)
            for line in stage_bigtext.wrap_words(self._scene.title, width)
        ]
        text = Text("\n\n", end="", justify="center").join(lines)
        used = len(lines) * 4 - 1
        if self._scene.subtitle and used + 2 <= height:
            text.append("\n\n" + self._scene.subtitle, Style(color=WHITE, bold=True))
            used += 2
        if self._address and used + 2 <= height:
            text.append("\n\n" + self._address, Style(color="#ffd6e4"))
        return text
