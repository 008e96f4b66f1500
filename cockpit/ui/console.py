"""The operator console: the Textual app an operator works in during a stream.

The app is a client of the profile's studio. A worker reads the studio's
events and folds each into a `ViewState` at once. A timer redraws the panes
whose parts changed, at most ten times a second, so a chat flood costs one
redraw per tick rather than one per message. Commands go to the studio from
workers too, and their failures become notifications.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import Any, ClassVar

import pyperclip
from textual import work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Footer, Input
from textual.worker import WorkerFailed

from cockpit.settings import Settings
from cockpit.studio.client import (
    StudioCommandError,
    StudioConnectionError,
    StudioError,
    StudioRefusedError,
)
from cockpit.ui import viewstate as parts
from cockpit.ui.bindings import CONSOLE_BINDINGS, help_rows, unknown_binding_ids
from cockpit.ui.clipboard import Clipboard
from cockpit.ui.console_actions import ConsoleActions
from cockpit.ui.crash import ConsoleCrash
from cockpit.ui.link import Connector, StudioLink, measure_host, studio_connector
from cockpit.ui.palette import ConsoleCommands
from cockpit.ui.png import PngError, read_png
from cockpit.ui.prefs import ConsolePrefs, load_prefs, save_prefs
from cockpit.ui.screens.golive import GoLiveScreen
from cockpit.ui.themes import DEFAULT_THEME, DEFAULT_VARIABLES, load_themes
from cockpit.ui.viewmodels import AlertView, HostView
from cockpit.ui.viewstate import ViewState
from cockpit.ui.widgets.chat import ChatRow, ChatView
from cockpit.ui.widgets.composer import ChatComposer
from cockpit.ui.widgets.eventlog import EventLogView
from cockpit.ui.widgets.health import HealthFigures, ProcessHealth
from cockpit.ui.widgets.preview import StagePreview
from cockpit.ui.widgets.stats import StatsFigures, TokenStats
from cockpit.ui.widgets.status import StatusBar, StatusFigures
from cockpit.ui.widgets.trades import TradeTicker

logger = logging.getLogger(__name__)

REFRESH_INTERVAL = 0.1
"""Seconds between redraws of the panes whose data changed: at most ten a second."""
CLOCK_INTERVAL = 1.0
"""Seconds between redraws of what changes with time alone (uptime, chat rate)."""
HOST_INTERVAL = 2.0
"""Seconds between measurements of the host's load."""
ALERT_TOAST_GAP = 5.0
"""Minimum seconds between two toasts of alerts that are not critical, and their duration."""
"""Alerts shown as separate notifications per redraw; more are summed up in one."""
RECONNECT_INITIAL = 0.5
RECONNECT_MAX = 5.0

_SEVERITIES: dict[str, SeverityLevel] = {
    "info": "information",
    "warning": "warning",
    "critical": "error",
}

HostProbe = Callable[[], HostView | None]


class ConsoleApp(ConsoleActions, App[None]):
    """The operator's cockpit: chat, trades, token stats, processes, stage preview and log."""

    TITLE = "retake-cockpit"
    BINDINGS: ClassVar[list[BindingType]] = list(CONSOLE_BINDINGS)
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]  # noqa: RUF012
    CSS = """
    #body {
        height: 1fr;
    }
    #left {
        width: 42%;
        min-width: 36;
    }
    #right {
        width: 1fr;
    }
    #top-row {
        height: 10;
    }
    #mid-row {
        height: 1fr;
    }
    #log {
        height: 7;
    }
    Screen.-tall #top-row {
        height: 16;
    }
    Screen.-tall #log {
        height: 10;
    }
    Screen #log.-maximized {
        height: 1fr;
    }
    Screen.-wide #left {
        width: 38%;
    }
    .pane {
        border: round $foreground 25%;
        border-title-color: $text-muted;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
        width: 1fr;
    }
    .pane:focus {
        border: round $primary;
        border-title-color: $primary;
    }
    #chat {
        height: 1fr;
    }
    StagePreview.pane {
        padding: 0;
    }
    Footer {
        background: $panel;
    }
    """

    def __init__(
        self,
        settings: Settings,
        socket_path: Path | None = None,
        *,
        connect: Connector | None = None,
        clock: Callable[[], float] = time.time,
        host_probe: HostProbe = measure_host,
        local_copy: Callable[[str], None] | None = pyperclip.copy,
        tz: tzinfo | None = None,
        cursor_blink: bool = True,
        log_path: Path | None = None,
        detachable: bool = True,
        user_theme_dir: Path | None = None,
    ) -> None:
        super().__init__()
        if connect is None:
            if socket_path is None:
                raise ValueError("ConsoleApp needs the studio's socket_path or a connect function.")
            connect = studio_connector(socket_path)
        self.settings = settings
        self.clock = clock
        self._last_alert_toast = -ALERT_TOAST_GAP
        self._held_alerts = 0
        self.tz = tz
        self.log_path = log_path
        self.detachable = detachable
        """Whether the stream may go on after the console quits (not in the demo)."""
        self.link: StudioLink | None = None
        """The connection to the studio, or None while (re)connecting."""
        self.view = ViewState(
            word_filter=settings.console.word_filter,
            large_trade_usd=settings.feeds.alerts.big_trade_usd,
            target_fps=float(settings.encoder.framerate),
            clock=clock,
        )
        self.copier = Clipboard(self._write_to_terminal, local_copy=local_copy)
        self._connect = connect
        self._host_probe = host_probe
        self._cursor_blink = cursor_blink
        self._user_theme_dir = user_theme_dir
        self._dirty: set[str] = set(parts.ALL_PARTS)
        self._shown_thumbnail: tuple[str | None, float | None] = (None, None)
        self._prefs = ConsolePrefs()

    # Layout

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield self._pane(ChatView(tz=self.tz, id="chat"), "Chat")
                yield ChatComposer(
                    cursor_blink=self._cursor_blink,
                    max_length=self.settings.feeds.max_message_length,
                    id="composer",
                )
            with Vertical(id="right"):
                with Horizontal(id="top-row"):
                    yield self._pane(StagePreview(id="preview"), "Stage")
                    yield self._pane(TokenStats(id="stats"), "Token")
                with Horizontal(id="mid-row"):
                    yield self._pane(TradeTicker(tz=self.tz, id="trades"), "Trades")
                    yield self._pane(ProcessHealth(id="health"), "Processes")
                yield self._pane(EventLogView(tz=self.tz, id="log"), "Events")
        yield Footer(compact=True)

    @property
    def main_screen(self) -> Screen[Any]:
        """The console's own screen, under any dialog; `App.query_one` searches the top one."""
        return self.screen_stack[0]

    @staticmethod
    def _pane(widget: Any, title: str) -> Any:
        widget.add_class("pane")
        widget.border_title = title
        return widget

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Textual's own themes lack the console's colours; these keep the CSS valid with them.
        return {**super().get_theme_variable_defaults(), **DEFAULT_VARIABLES}

    # Start

    def on_mount(self) -> None:
        self._apply_themes()
        self._apply_keymap()
        self.main_screen.query_one(ChatView).focus()
        self.set_interval(REFRESH_INTERVAL, self.refresh_panes)
        self.set_interval(CLOCK_INTERVAL, self._tick)
        self.set_interval(HOST_INTERVAL, self._measure_host)
        self._measure_host()
        self._follow_studio()
        self.theme_changed_signal.subscribe(self, self._on_theme_changed)

    def _apply_themes(self) -> None:
        found = load_themes(self._user_theme_dir)
        for theme in found.themes.values():
            self.register_theme(theme)
        for problem in found.problems:
            self.notify(problem, title="Theme skipped", severity="warning", timeout=15)
        self._prefs = load_prefs(self.settings.profile)
        requested = self.settings.console.theme or self._prefs.theme or DEFAULT_THEME
        if requested not in self.available_themes:
            self.notify(
                f"The theme {requested!r} does not exist, so {DEFAULT_THEME!r} is used; "
                f"available: {', '.join(sorted(found.themes))}.",
                title="Theme",
                severity="warning",
            )
            requested = DEFAULT_THEME
        self.theme = requested

    def _apply_keymap(self) -> None:
        keymap = dict(self.settings.console.keymap)
        unknown = unknown_binding_ids(keymap)
        if unknown:
            self.notify(
                f"The keymap names unknown binding ids {', '.join(unknown)}; "
                "the help screen (F1) lists the ids.",
                title="Keymap",
                severity="warning",
                timeout=15,
            )
        self.set_keymap(keymap)

    def keymap_rows(self) -> list[tuple[str, str, str]]:
        """Return the help screen's rows: binding id, keys and description."""
        return help_rows(self.settings.console.keymap)

    def _on_theme_changed(self, theme: Theme) -> None:
        self.main_screen.query_one(ChatView).theme_changed()
        self.main_screen.query_one(EventLogView).redraw(self.view.log)
        self._dirty |= set(parts.ALL_PARTS)
        if theme.name == self._prefs.theme:
            return
        self._prefs = ConsolePrefs(theme=theme.name)
        try:
            save_prefs(self.settings.profile, self._prefs)
        except OSError as error:
            self.notify(f"The theme choice was not saved: {error}.", severity="warning")

    # The studio

    @work(exclusive=True, group="studio", description="Follow the studio's events")
    async def _follow_studio(self) -> None:
        delay = RECONNECT_INITIAL
        while True:
            try:
                link = await self._connect()
            except StudioRefusedError as error:
                self._mark(self.view.set_connection("lost", str(error)))
                self.notify(
                    str(error), title="The studio refused the console", severity="error", timeout=30
                )
                return
            except StudioConnectionError as error:
                logger.info("connecting to the studio failed: %s", error)
                self._mark(self.view.set_connection("lost", str(error)))
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX)
                continue
            delay = RECONNECT_INITIAL
            await self._read_events(link)

    async def _read_events(self, link: StudioLink) -> None:
        self.link = link
        self._mark(self.view.set_identity(link.studio))
        if link.snapshot is not None:
            self._mark(
                self.view.apply({"type": "snapshot", "seq": link.last_seq, "state": link.snapshot})
            )
        try:
            async for message in link.events():
                self._mark(self.view.apply(message))
        except StudioError as error:
            logger.warning("lost the studio: %s", error)
            self._mark(self.view.note(f"Lost the studio: {error}", "warning"))
        finally:
            self.link = None
            self._mark(self.view.set_connection("connecting"))
            await link.close()

    def _mark(self, changed: set[str]) -> None:
        self._dirty |= changed

    async def studio_command(
        self,
        name: str,
        *,
        label: str,
        timeout: float | None = 30.0,
        quiet: tuple[str, ...] = (),
        **args: Any,
    ) -> dict[str, Any] | None:
        """Send a command; return its result, or None after a notification saying why it failed.

        Error codes in ``quiet`` return None without a notification.
        """
        link = self.link
        if link is None:
            self.notify(
                f"{label} was not sent because the console is not connected to the studio.",
                title=label,
                severity="error",
            )
            return None
        try:
            return await link.command(name, timeout=timeout, **args)
        except StudioCommandError as error:
            if error.code not in quiet:
                self.notify(str(error), title=f"{label} failed", severity="error", timeout=10)
                self._mark(self.view.note(f"{label} failed: {error}", "error"))
        except StudioConnectionError as error:
            self.notify(str(error), title=f"{label} failed", severity="error")
        except TimeoutError:
            self.notify(
                f"The studio did not answer within {timeout:g} s; it may still be working on it.",
                title=label,
                severity="warning",
            )
        return None

    # Redrawing

    def _tick(self) -> None:
        self._dirty |= {parts.STATUS, parts.STATS}

    def refresh_panes(self) -> None:
        """Redraw the panes whose data changed since the last redraw, and show new alerts."""
        dirty, self._dirty = self._dirty, set()
        view = self.view
        if parts.STATUS in dirty:
            self.main_screen.query_one(StatusBar).set_figures(self._status_figures())
        if dirty & {parts.CHAT, parts.STAGE}:
            self.main_screen.query_one(ChatView).set_rows(self._chat_rows())
        if parts.SENDS in dirty:
            self.main_screen.query_one(ChatComposer).show_sends(list(view.sends.values()))
        if parts.TRADES in dirty:
            self.main_screen.query_one(TradeTicker).set_trades(list(view.trades.values()))
        if parts.STATS in dirty:
            self.main_screen.query_one(TokenStats).set_figures(self._stats_figures())
        if parts.HEALTH in dirty or parts.STATUS in dirty:
            self.main_screen.query_one(ProcessHealth).set_figures(
                HealthFigures(view.processes, view.encoder, view.host, view.watchdog_paused)
            )
        if parts.LOG in dirty:
            self.main_screen.query_one(EventLogView).show_entries(view.log, view.log.generation)
        if parts.PREVIEW in dirty:
            self._show_thumbnail()
        if parts.STEPS in dirty:
            for screen in self.screen_stack:
                if isinstance(screen, GoLiveScreen):
                    screen.show_steps(view.steps.values(), view.phase, view.last_error)
        self._show_alerts(view.take_new_alerts())

    def _status_figures(self) -> StatusFigures:
        view = self.view
        return StatusFigures(
            phase=view.phase,
            live=view.live,
            connection=view.connection,
            viewers=view.viewers,
            uptime=view.uptime(self.clock()),
            agent_name=view.identity.agent_name,
            url=view.stream_url,
            feed_health=view.feed_health,
            watchdog_paused=view.watchdog_paused,
            orphaned=view.orphaned_live,
            scene=view.scene,
        )

    def _chat_rows(self) -> list[ChatRow]:
        view = self.view
        own = view.identity.user_db_id
        return [
            ChatRow(
                line=line,
                hidden=line.id in view.hidden_messages,
                muted=bool(line.author_key) and line.author_key in view.muted_viewers,
                other_room=bool(own) and bool(line.streamer_id) and line.streamer_id != own,
            )
            for line in view.chat.values()
        ]

    def _stats_figures(self) -> StatsFigures:
        view = self.view
        return StatsFigures(
            stats=view.stats,
            market_caps=[value for _, value in view.market_cap_history],
            viewers=[value for _, value in view.viewer_history],
            chat_rate=view.chat_rate_series(self.clock()),
        )

    def _show_alerts(self, alerts: list[AlertView]) -> None:
        """Show alerts as toasts: critical ones always, others at most one per ``ALERT_TOAST_GAP``.

        A lively chat raises many small alerts (tips, trades, follows); the ones held back
        stay in the event log, and the next toast counts them.
        """
        now = self.clock()
        for alert in alerts:
            urgent = alert.severity == "critical"
            if not urgent and now - self._last_alert_toast < ALERT_TOAST_GAP:
                self._held_alerts += 1
                continue
            title = alert.kind.replace("_", " ")
            if not urgent:
                self._last_alert_toast = now
                if self._held_alerts:
                    title += f" (+{self._held_alerts} more in the event log)"
                    self._held_alerts = 0
            self.notify(
                alert.message,
                title=title,
                severity=_SEVERITIES.get(alert.severity, "information"),
                timeout=15 if urgent else ALERT_TOAST_GAP,
                markup=False,
            )
        if any(alert.severity == "critical" for alert in alerts):
            self.bell()

    def _show_thumbnail(self) -> None:
        latest = (self.view.thumbnail_path, self.view.thumbnail_at)
        if latest == self._shown_thumbnail:
            return
        self._shown_thumbnail = latest
        if latest[0] is not None:
            self._load_thumbnail(latest[0], self.main_screen.query_one(StagePreview))

    @work(thread=True, exclusive=True, group="preview", description="Decode the latest thumbnail")
    def _load_thumbnail(self, path: str, preview: StagePreview) -> None:
        try:
            image = read_png(Path(path))
        except PngError as error:
            self.call_from_thread(preview.show_note, str(error))
            return
        self.call_from_thread(preview.show_image, image)

    @work(thread=True, exclusive=True, group="host", description="Measure the host's load")
    def _measure_host(self) -> None:
        host = self._host_probe()
        if host is not None:
            self.call_from_thread(self._set_host, host)

    def _set_host(self, host: HostView) -> None:
        self._mark(self.view.set_host(host))

    # Chat input

    def on_chat_composer_submitted(self, event: ChatComposer.Submitted) -> None:
        self._send_chat(event.text)

    @work(group="commands", description="Send a chat message")
    async def _send_chat(self, text: str) -> None:
        await self.studio_command("send_chat", label="Sending the message", text=text)

    def focus_chat_input(self) -> None:
        self.main_screen.query_one("#chat-input", Input).focus()

    # Terminal output and crashes

    def _write_to_terminal(self, data: str) -> None:
        # NOTE: Textual 8 has no public call for raw terminal output; its own
        # copy_to_clipboard writes OSC 52 through the driver in the same way.
        driver = self._driver
        if driver is None:
            raise OSError("no terminal is attached")
        driver.write(data)

    def _handle_exception(self, error: Exception) -> None:
        # Textual's report prints a traceback with local variables, which may hold secrets:
        # log the traceback without them and hand Textual a short report to print instead.
        if not isinstance(error, ConsoleCrash):
            original = error.error if isinstance(error, WorkerFailed) else error
            logger.error("the console stopped on an unexpected error", exc_info=original)
            error = ConsoleCrash(original, self.log_path)
        super()._handle_exception(error)
