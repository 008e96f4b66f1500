"""The event log pane: go-live steps, recoveries, alerts and errors, newest at the bottom."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import tzinfo

from rich.style import Style
from rich.text import Text
from textual.widgets import RichLog

from cockpit.ui import format as fmt
from cockpit.ui.viewmodels import LogEntry
from cockpit.ui.widgets.colours import colour, level_colour

MAX_LINES = 1000

_MARKS = {"info": "·", "success": "✓", "warning": "!", "error": "✗"}


class EventLogView(RichLog):
    """Appends the view model's new log entries; starts over when the log was rebuilt."""

    ALLOW_MAXIMIZE = True

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(max_lines=MAX_LINES, wrap=True, markup=False, id=id)
        self._tz = tz
        self._shown_number = 0
        self._generation = -1

    def show_entries(self, entries: Iterable[LogEntry], generation: int) -> None:
        """Write the entries not shown yet; a new ``generation`` clears the pane first."""
        if generation != self._generation:
            self.clear()
            self._generation = generation
            self._shown_number = 0
        for entry in entries:
            if entry.number <= self._shown_number:
                continue
            self.write(self._line(entry))
            self._shown_number = entry.number

    def redraw(self, entries: Iterable[LogEntry]) -> None:
        """Write every entry again, in the current theme's colours."""
        self.clear()
        self._shown_number = 0
        self.show_entries(entries, self._generation)

    def _line(self, entry: LogEntry) -> Text:
        app = self.app
        text = Text()
        text.append(fmt.clock(entry.at, self._tz) + " ", Style(color=colour(app, "cockpit-dim")))
        level = Style(color=level_colour(app, entry.level), bold=entry.level == "error")
        text.append(_MARKS.get(entry.level, "·") + " ", level)
        text.append(entry.text, level if entry.level != "info" else None)
        return text
