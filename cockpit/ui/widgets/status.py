"""The status bar: on air or not, viewers, uptime, stream URL, and the health of each link."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from cockpit.ui import format as fmt
from cockpit.ui.viewmodels import FeedHealthView
from cockpit.ui.widgets.colours import colour

SEPARATOR = "  "


@dataclass(frozen=True)
class StatusFigures:
    """The bar's figures."""

    phase: str
    live: bool
    connection: str
    viewers: int | None = None
    uptime: float | None = None
    agent_name: str = ""
    url: str = ""
    feed_health: FeedHealthView | None = None
    watchdog_paused: bool = False
    orphaned: bool = False
    scene: str | None = None


class StatusBar(Widget):
    """One line at the top of the console."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._figures = StatusFigures(phase="offline", live=False, connection="connecting")

    def set_figures(self, figures: StatusFigures) -> None:
        if figures != self._figures:
            self._figures = figures
            self.refresh()

    def render(self) -> Text:
        # Parts in order of importance: the least important are left out first when narrow.
        parts = [part for part in self._parts() if part is not None]
        width = self.size.width
        while (
            len(parts) > 1
            and sum(part.cell_len for part in parts) + len(SEPARATOR) * (len(parts) - 1) > width
        ):
            parts.pop()
        line = Text(no_wrap=True, overflow="ellipsis")
        for number, part in enumerate(parts):
            if number:
                line.append(SEPARATOR)
            line.append_text(part)
        return line

    def _parts(self) -> list[Text | None]:
        figures = self._figures
        return [
            self._badge(),
            self._connection(),
            self._viewers() if figures.live else None,
            self._text(figures.agent_name, bold=True) if figures.agent_name else None,
            self._text(figures.url, colour_name="primary") if figures.url else None,
            self._feeds(),
            self._text(f"scene {figures.scene}", colour_name="cockpit-dim")
            if figures.scene
            else None,
            self._text("watchdog paused", colour_name="warning", bold=True)
            if figures.watchdog_paused
            else None,
        ]

    def _text(self, value: str, *, colour_name: str | None = None, bold: bool = False) -> Text:
        style = Style(bold=bold, color=colour(self.app, colour_name) if colour_name else None)
        return Text(value, style)

    def _badge(self) -> Text:
        figures = self._figures
        app = self.app
        if figures.live:
            badge = Text(
                " ● LIVE ", Style(bgcolor=colour(app, "cockpit-live"), color="#ffffff", bold=True)
            )
            if figures.phase == "recovering":
                badge.append(" recovering", Style(color=colour(app, "warning"), bold=True))
            badge.append(f" {fmt.duration(figures.uptime)}", Style(bold=True))
            return badge
        if figures.orphaned:
            return Text(
                " ● ORPHANED ", Style(bgcolor=colour(app, "warning"), color="#000000", bold=True)
            )
        label = {"going live": " ◐ GOING LIVE ", "stopping": " ◑ STOPPING "}.get(
            figures.phase, " ○ OFFLINE "
        )
        return Text(
            label,
            Style(
                bgcolor=colour(app, "panel-lighten-2"), color=colour(app, "foreground"), bold=True
            ),
        )

    def _viewers(self) -> Text:
        viewers = self._figures.viewers
        text = Text(fmt.count(viewers) if viewers is not None else "—", Style(bold=True))
        text.append(" viewers", Style(color=colour(self.app, "cockpit-dim")))
        return text

    def _connection(self) -> Text | None:
        state = self._figures.connection
        if state == "connected":
            return None
        name = "warning" if state in ("connecting", "reconnecting") else "error"
        labels = {
            "connecting": "connecting to the studio…",
            "reconnecting": "reconnecting…",
            "lost": "studio unreachable",
        }
        return self._text(labels.get(state, state), colour_name=name, bold=True)

    def _feeds(self) -> Text | None:
        health = self._figures.feed_health
        if health is None:
            return None
        app = self.app
        dim = Style(color=colour(app, "cockpit-dim"))
        text = Text("socket ", dim)
        if health.socket_connected is None:
            text.append("off", dim)
        else:
            text.append(
                "●", Style(color=colour(app, "success" if health.socket_connected else "error"))
            )
        text.append(" poll ", dim)
        if health.polling_ok:
            text.append("●", Style(color=colour(app, "success")))
        else:
            failing = ",".join(name for name, count in health.failures.items() if count)
            text.append(f"● {failing}", Style(color=colour(app, "error")))
        return text
