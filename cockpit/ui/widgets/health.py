"""Process health: the studio's processes, the encoder against its targets, and the host."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from cockpit.ui import format as fmt
from cockpit.ui.viewmodels import EncoderView, HostView, ProcessView
from cockpit.ui.widgets.colours import colour

FPS_WARNING = 0.95
"""Below this share of the target frame rate the fps figure turns the warning colour."""
FPS_ERROR = 0.80
DROPPED_WARNING = 1.0
"""Dropped frames, in percent of the frames encoded, above which the figure is a warning."""
DROPPED_ERROR = 5.0
WIDE_COLUMNS = 46
"""From this width on the table also shows uptime and restarts in columns of their own."""

_RUNNING_STATES = {"running", "sleeping", "disk-sleep", "idle"}


@dataclass(frozen=True)
class HealthFigures:
    """The pane's figures."""

    processes: list[ProcessView]
    encoder: EncoderView | None
    host: HostView | None
    watchdog_paused: bool = False


def fps_level(encoder: EncoderView) -> str:
    """Return ``success``, ``warning`` or ``error`` for the encoder's fps against its target."""
    ratio = encoder.fps_ratio
    if ratio is None:
        return "success"
    if ratio < FPS_ERROR:
        return "error"
    if ratio < FPS_WARNING:
        return "warning"
    return "success"


def dropped_level(encoder: EncoderView) -> str:
    """Return ``success``, ``warning`` or ``error`` for the share of dropped frames."""
    share = encoder.dropped_percent
    if share is None or share <= DROPPED_WARNING:
        return "success"
    if share <= DROPPED_ERROR:
        return "warning"
    return "error"


class ProcessHealth(Widget, can_focus=True):
    """Processes, encoder figures and host load."""

    ALLOW_MAXIMIZE = True
    DEFAULT_CSS = """
    ProcessHealth {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._figures = HealthFigures([], None, None)

    def set_figures(self, figures: HealthFigures) -> None:
        self._figures = figures
        self.refresh()

    def render(self) -> Group:
        parts: list[Table | Text] = []
        figures = self._figures
        if figures.processes:
            parts.append(self._process_table(figures.processes))
        else:
            parts.append(Text("No stream processes.", Style(color=colour(self.app, "cockpit-dim"))))
        if figures.encoder is not None:
            parts.append(self._encoder_line(figures.encoder))
        parts.append(self._host_line(figures.host))
        if figures.watchdog_paused:
            parts.append(
                Text("watchdog paused", Style(color=colour(self.app, "warning"), bold=True))
            )
        return Group(*parts)

    def _process_table(self, processes: list[ProcessView]) -> Table:
        app = self.app
        dim = Style(color=colour(app, "cockpit-dim"))
        wide = self.size.width >= WIDE_COLUMNS
        table = Table(
            box=None,
            show_header=wide,
            header_style=dim,
            pad_edge=False,
            expand=True,
            padding=(0, 1, 0, 0),
        )
        table.add_column("process", no_wrap=True, overflow="ellipsis", ratio=1, min_width=7)
        table.add_column("pid", justify="right", no_wrap=True, style=dim)
        table.add_column("cpu", justify="right", no_wrap=True, width=4)
        table.add_column("mem", justify="right", no_wrap=True, width=4)
        if wide:
            table.add_column("state", no_wrap=True, style=dim, width=9)
            table.add_column("up", justify="right", no_wrap=True, width=4)
            table.add_column("restarts", justify="right", no_wrap=True, width=8)
        for process in processes:
            table.add_row(*self._process_cells(process, wide))
        return table

    def _process_cells(self, process: ProcessView, wide: bool) -> list[Text | str]:
        app = self.app
        running = process.state in _RUNNING_STATES
        name = Text(process.name, Style(color=colour(app, "success" if running else "error")))
        if not running:
            name.append(" ✗", Style(color=colour(app, "error"), bold=True))
        if process.restarts and not wide:
            name.append(f" ↻{process.restarts}", Style(color=colour(app, "warning")))
        cpu = "—" if process.cpu_percent is None else f"{process.cpu_percent:.0f}%"
        cells: list[Text | str] = [
            name,
            str(process.pid or "—"),
            cpu,
            fmt.size(process.memory_bytes),
        ]
        if wide:
            restarts_style = Style(color=colour(app, "warning")) if process.restarts else Style()
            cells += [
                process.state,
                fmt.short_duration(process.uptime_seconds),
                Text(str(process.restarts), restarts_style),
            ]
        return cells

    def _encoder_line(self, encoder: EncoderView) -> Text:
        app = self.app
        dim = Style(color=colour(app, "cockpit-dim"))
        text = Text(no_wrap=False)
        fps = "—" if encoder.fps is None else f"{encoder.fps:.1f}"
        target = "" if not encoder.target_fps else f"/{encoder.target_fps:g}"
        text.append("fps ", dim)
        text.append(f"{fps}{target}", Style(color=colour(app, fps_level(encoder)), bold=True))
        bitrate = "—" if encoder.bitrate_kbps is None else f"{encoder.bitrate_kbps:.0f}k"
        speed = "—" if encoder.speed is None else f"{encoder.speed:.2f}x"
        text.append(f"  {bitrate}  {speed}", Style())
        share = encoder.dropped_percent
        text.append("  drop ", dim)
        text.append(
            "—" if share is None else f"{share:.1f}%",
            Style(color=colour(app, dropped_level(encoder))),
        )
        if encoder.stalled:
            text.append("  stalled", Style(color=colour(app, "error"), bold=True))
        elif not encoder.running:
            text.append("  stopped", dim)
        return text

    def _host_line(self, host: HostView | None) -> Text:
        app = self.app
        dim = Style(color=colour(app, "cockpit-dim"))
        if host is None:
            return Text("host —", dim)
        text = Text("cpu ", dim)
        text.append(
            "—" if host.cpu_percent is None else f"{host.cpu_percent:.0f}%",
            self._load_style(host.cpu_percent),
        )
        text.append(" mem ", dim)
        text.append(
            "—" if host.memory_percent is None else f"{host.memory_percent:.0f}%",
            self._load_style(host.memory_percent),
        )
        text.append(f" {fmt.size(host.disk_free_bytes)}", Style())
        text.append(" free", dim)
        return text

    def _load_style(self, percent: float | None) -> Style:
        if percent is None:
            return Style()
        name = "success"
        if percent >= 90:
            name = "error"
        elif percent >= 75:
            name = "warning"
        return Style(color=colour(self.app, name))
