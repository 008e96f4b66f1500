"""The live chat pane: messages, tips and trade notices, with a selectable message.

The pane draws with Textual's Line API: each message is wrapped once per width
and kept as strips, so a new message costs one wrap, not a redraw of all.
Viewer text arrives display-safe and is drawn as `rich.text.Text`, never as
markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cockpit.feeds.textsafe import short_wallet
from cockpit.ui import format as fmt
from cockpit.ui.viewmodels import ChatLine
from cockpit.ui.widgets.colours import author_colour, colour

TIME_WIDTH = 6
"""Cells of the time column, ``HH:MM`` and a space."""
WALLET_WIDTH = 50
"""From this pane width on, messages also show their author's short wallet."""


@dataclass(frozen=True)
class ChatRow:
    """A chat line with the marks the pane draws next to it."""

    line: ChatLine
    hidden: bool
    muted: bool
    other_room: bool


class ChatView(ScrollView, can_focus=True):
    """Chat messages, newest at the bottom; follows new messages until one is selected."""

    ALLOW_MAXIMIZE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "select_previous", "Previous message", show=False, id="chat.previous"),
        Binding("down,j", "select_next", "Next message", show=False, id="chat.next"),
        Binding("pageup", "select_page(-1)", "Page up", show=False, id="chat.page_up"),
        Binding("pagedown", "select_page(1)", "Page down", show=False, id="chat.page_down"),
        Binding("home", "select_first", "First message", show=False, id="chat.first"),
        Binding("end", "follow", "Follow new messages", show=False, id="chat.follow"),
    ]
    DEFAULT_CSS = """
    ChatView {
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
    }
    """

    class SelectionChanged(Message):
        """The selected message changed; ``line`` is None when the pane follows the chat."""

        def __init__(self, chat_view: ChatView, line: ChatLine | None) -> None:
            super().__init__()
            self.chat_view = chat_view
            self.line = line

        @property
        def control(self) -> ChatView:
            return self.chat_view

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tz = tz
        self._rows: list[ChatRow] = []
        self._index: dict[str, int] = {}
        self._strips: list[Strip] = []
        self._first_strip: list[int] = []
        self._cache: dict[tuple[object, ...], list[Strip]] = {}
        self._theme_generation = 0
        self.selected_id: str | None = None
        """The selected message's id; None while following the newest message."""

    # Data

    @property
    def selected(self) -> ChatLine | None:
        """The selected chat line, or None."""
        if self.selected_id is None or self.selected_id not in self._index:
            return None
        return self._rows[self._index[self.selected_id]].line

    def set_rows(self, rows: Sequence[ChatRow]) -> None:
        """Show ``rows`` (oldest first); keeps the selection while its message is still there."""
        self._rows = list(rows)
        self._index = {row.line.id: position for position, row in enumerate(self._rows)}
        if self.selected_id is not None and self.selected_id not in self._index:
            self._select(None)
        self._layout()

    def theme_changed(self) -> None:
        """Draw every message again in the new theme's colours."""
        self._theme_generation += 1
        self._cache.clear()
        self._layout()

    def on_resize(self) -> None:
        self._layout()

    # Drawing

    def _layout(self) -> None:
        width = max(1, self.scrollable_content_region.width)
        strips: list[Strip] = []
        first: list[int] = []
        live_keys = set()
        for row in self._rows:
            key = self._cache_key(row, width)
            live_keys.add(key)
            rendered = self._cache.get(key)
            if rendered is None:
                rendered = self._cache[key] = self._render_row(row, width)
            first.append(len(strips))
            strips.extend(rendered)
        # Forget wrapped messages that scrolled out of the model or were drawn at another width.
        for stale in [key for key in self._cache if key not in live_keys]:
            del self._cache[stale]
        self._strips, self._first_strip = strips, first
        self.virtual_size = Size(width, len(strips))
        if self.selected_id is None:
            # The new virtual size takes effect at the next refresh; scroll after it.
            self.call_after_refresh(self.scroll_end, animate=False, x_axis=False)
        self.refresh()

    def _cache_key(self, row: ChatRow, width: int) -> tuple[object, ...]:
        line = row.line
        selected = line.id == self.selected_id
        return (
            line.id,
            line.revision,
            line.filtered,
            line.returning,
            row.hidden,
            row.muted,
            width,
            selected,
            self._theme_generation,
        )

    def _render_row(self, row: ChatRow, width: int) -> list[Strip]:
        body = self._body(row, show_wallet=width >= WALLET_WIDTH)
        console = self.app.console
        lines = body.wrap(console, max(1, width - TIME_WIDTH))
        stamp = Text(
            fmt.short_clock(row.line.at, self._tz).ljust(TIME_WIDTH),
            style=Style(color=colour(self.app, "cockpit-dim")),
        )
        strips = []
        for number, wrapped in enumerate(lines):
            prefix = stamp if number == 0 else Text(" " * TIME_WIDTH)
            segments = list(prefix.render(console)) + list(wrapped.render(console))
            strip = Strip(segments).extend_cell_length(width).crop(0, width)
            strip = strip.apply_style(self.rich_style)
            strips.append(strip)
        if row.line.id == self.selected_id:
            highlight = Style(bgcolor=colour(self.app, "primary"), color="#ffffff")
            strips = [
                Strip(
                    [
                        Segment(text, (style or Style()) + highlight, control)
                        for text, style, control in strip
                    ]
                )
                for strip in strips
            ]
        return strips

    def _body(self, row: ChatRow, *, show_wallet: bool) -> Text:
        line = row.line
        app = self.app
        dim = Style(color=colour(app, "cockpit-dim"))
        body = Text()
        if line.kind == "tip":
            tip = Style(color=colour(app, "cockpit-tip"), bold=True)
            body.append("◆ ", tip)
            body.append(line.author or short_wallet(line.wallet) or "someone", tip)
            body.append(f" tipped {fmt.usd(line.amount_usd)}", tip)
            # The platform's tip messages often read "tipped $X" already, so the amount shows once.
            if line.text and not line.text.casefold().startswith("tipped"):
                body.append("  ")
                body.append(line.text)
        elif line.kind == "trade":
            trade = Style(color=colour(app, "accent"))
            body.append("⇄ ", trade)
            body.append(line.text or "trade", trade)
        else:
            self._append_author(body, line)
            body.append(line.text, Style(color=colour(app, "cockpit-own")) if line.own else None)
        if show_wallet and line.wallet and line.kind == "message" and not line.own:
            body.append(f"  {short_wallet(line.wallet)}", dim)
        self._append_marks(body, row)
        if row.hidden:
            body.stylize(Style(strike=True, dim=True))
        return body

    def _append_author(self, body: Text, line: ChatLine) -> None:
        app = self.app
        if line.own:
            body.append("▸ you ", Style(color=colour(app, "cockpit-own"), bold=True))
            return
        name = line.author or short_wallet(line.wallet) or "anonymous"
        body.append(name, Style(color=author_colour(app, line.author_key), bold=True))
        if line.returning:
            body.append(" ↺", Style(color=colour(app, "cockpit-returning"), bold=True))
        body.append(" ")

    def _append_marks(self, body: Text, row: ChatRow) -> None:
        app = self.app
        if row.line.filtered:
            body.append("  ⊘ filtered", Style(color=colour(app, "cockpit-filtered"), bold=True))
        if row.hidden:
            body.append("  hidden", Style(color=colour(app, "warning")))
        if row.muted:
            body.append("  muted", Style(color=colour(app, "warning")))
        if row.other_room:
            body.append(f"  @{row.line.streamer_id[:8]}", Style(color=colour(app, "cockpit-dim")))

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= len(self._strips):
            return Strip.blank(width, self.rich_style)
        return self._strips[index].crop_extend(scroll_x, scroll_x + width, self.rich_style)

    # Selection

    def _select(self, message_id: str | None) -> None:
        if message_id == self.selected_id:
            return
        self.selected_id = message_id
        self._layout()
        if message_id is not None:
            position = self._index[message_id]
            top = self._first_strip[position]
            bottom = (
                self._first_strip[position + 1]
                if position + 1 < len(self._first_strip)
                else len(self._strips)
            )
            self.scroll_to_region(Region(0, top, 1, bottom - top), animate=False, immediate=True)
        self.post_message(self.SelectionChanged(self, self.selected))

    def _selected_position(self) -> int | None:
        if self.selected_id is None:
            return None
        return self._index.get(self.selected_id)

    def action_select_previous(self) -> None:
        if not self._rows:
            return
        position = self._selected_position()
        target = len(self._rows) - 1 if position is None else max(0, position - 1)
        self._select(self._rows[target].line.id)

    def action_select_next(self) -> None:
        position = self._selected_position()
        if position is None:
            return
        if position + 1 >= len(self._rows):
            self._select(None)
            return
        self._select(self._rows[position + 1].line.id)

    def action_select_page(self, direction: int) -> None:
        if not self._rows:
            return
        step = max(1, self.size.height // 2)
        position = self._selected_position()
        start = len(self._rows) - 1 if position is None else position
        target = min(len(self._rows) - 1, max(0, start + direction * step))
        self._select(self._rows[target].line.id)

    def action_select_first(self) -> None:
        if self._rows:
            self._select(self._rows[0].line.id)

    def action_follow(self) -> None:
        self._select(None)
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def select(self, message_id: str | None) -> None:
        """Select the message ``message_id``, or follow the chat with None."""
        if message_id is None or message_id in self._index:
            self._select(message_id)
