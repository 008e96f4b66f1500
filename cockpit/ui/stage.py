"""The stage: the screen viewers watch, drawn in the xterm that the encoder captures.

The layout fills 106x29 cells (DejaVu Sans Mono 14 in a 1280x720 xterm)
inside a one-cell margin of the background colour:

- a header with the agent's name in big letters, the token's ticker, the
  stream's address and a clock;
- chat and token stats, or a scene's title card beside the chat;
- the agent's narration;
- a ticker of the newest trades.

It is a client of the studio and draws the studio's snapshot and events. Events
are folded into `StageModel` as they arrive, and the screen is redrawn at
most `REDRAW_INTERVAL` apart, whatever the rate of events. The stage draws no
control: no footer, no input, no scrollbar, no cursor. Viewer text is drawn
as plain text, never as markup.

Run it with ``python -m cockpit.ui.stage`` (or ``cockpit stage``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from cockpit.settings import Settings, SettingsError, load_settings
from cockpit.studio.locations import pipeline_log_dir, socket_path
from cockpit.ui.stage_model import (
    AUDIENCE,
    CHAT,
    CONNECTION,
    IDENTITY,
    NARRATION,
    SCENE,
    STATS,
    TRADES,
    StageModel,
)
from cockpit.ui.stage_options import (
    DEFAULT_MARKER,
    StageOptions,
    add_stage_arguments,
    stage_options,
)
from cockpit.ui.stage_scenes import LIVE
from cockpit.ui.stage_widgets import (
    BACKGROUND,
    BORDER,
    BRAND,
    INK,
    PANEL,
    SOFT,
    WHITE,
    BigName,
    ChatPanel,
    NarrationPanel,
    SceneCard,
    TokenPanel,
    TradeTicker,
)

__all__ = [
    "BACKGROUND_COLOUR",
    "DEFAULT_MARKER",
    "MARKER_COLOUR",
    "StageApp",
    "build_parser",
    "main",
]

logger = logging.getLogger(__name__)

BACKGROUND_COLOUR = BACKGROUND
"""Screen background; its RGB value lets a test find where the stage starts in a frame."""

MARKER_COLOUR = BRAND
"""The header's background. None of its channels (216, 27, 96) is a level of the
256-colour cube, so it appears exactly only when the terminal draws 24-bit colour."""

PANEL_COLOUR = PANEL
BORDER_COLOUR = BORDER

REDRAW_INTERVAL = 0.25
"""Seconds between redraws at most: four a second keep chat lively and cost little CPU."""

CHAT_LINES = 40
"""Chat lines handed to the chat panel; more than its rows can hold after wrapping."""

Source = Callable[[], Awaitable[None]]
"""A coroutine function that feeds the model until cancelled, such as `StudioLink.run`."""


def local_now() -> datetime:
    """Return the current local time."""
    return datetime.now().astimezone()


class StageApp(App[None]):
    """The stage: header, chat, token stats, narration and trade ticker, or a scene's card."""

    TITLE = "retake-cockpit stage"
    ENABLE_COMMAND_PALETTE = False
    CSS = f"""
    Screen {{
        background: {BACKGROUND_COLOUR};
        padding: 1 1;
        overflow: hidden hidden;
        layers: base;
    }}
    #header {{
        height: 3;
        background: {MARKER_COLOUR};
    }}
    #agent-name {{
        width: 1fr;
        height: 3;
        padding: 0 2;
        color: {WHITE};
    }}
    #header-info {{
        width: 44;
        height: 3;
        padding-right: 1;
    }}
    #status-row {{
        height: 1;
    }}
    #badge {{
        width: auto;
    }}
    #viewers {{
        width: 1fr;
        padding-left: 2;
        color: {WHITE};
        text-style: bold;
    }}
    #clock {{
        width: 8;
        color: {WHITE};
        text-style: bold;
    }}
    #identity-line, #marker, #viewers {{
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }}
    #marker {{
        color: #ffd6e4;
    }}
    #body {{
        height: 1fr;
        margin-top: 1;
    }}
    #scene-card {{
        display: none;
        width: 60;
        height: 100%;
        background: {MARKER_COLOUR};
        padding: 1 2;
        content-align: center middle;
        text-align: center;
    }}
    #chat {{
        width: 60;
        height: 100%;
        background: {PANEL_COLOUR};
        border: round {BORDER_COLOUR};
        border-title-color: {WHITE};
        border-title-style: bold;
        padding: 0 1;
    }}
    #token {{
        width: 1fr;
        height: 100%;
        margin-left: 1;
        background: {PANEL_COLOUR};
        border: round {BORDER_COLOUR};
        border-title-color: {WHITE};
        border-title-style: bold;
        padding: 0 1;
    }}
    #body.card #scene-card {{
        display: block;
    }}
    #body.card #chat {{
        width: 1fr;
        margin-left: 1;
    }}
    #body.card #token {{
        display: none;
    }}
    #narration {{
        height: 4;
        margin-top: 1;
        background: {PANEL_COLOUR};
        border-left: thick {MARKER_COLOUR};
        padding: 0 1;
    }}
    #ticker-row {{
        height: 1;
        margin-top: 1;
    }}
    #trades {{
        width: 1fr;
    }}
    #connection {{
        width: auto;
        color: {SOFT};
    }}
    """

    def __init__(
        self,
        agent_name: str = "agent",
        marker: str = DEFAULT_MARKER,
        clock: Callable[[], datetime] = local_now,
        *,
        model: StageModel | None = None,
        sources: Sequence[Source] = (),
    ) -> None:
        super().__init__()
        self.model = model if model is not None else StageModel(agent_name)
        self.marker = marker
        self._clock = clock
        self._sources = list(sources)
        self.redraws = 0
        """Redraws that found a change, for tests and measurements."""

    # Layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="header"):
            yield BigName(self.model.agent_name, id="agent-name", markup=False)
            with Vertical(id="header-info"):
                with Horizontal(id="status-row"):
                    yield Static("", id="badge", markup=False)
                    yield Static("", id="viewers", markup=False)
                    yield Static(self._clock_text(), id="clock", markup=False)
                yield Static("", id="identity-line", markup=False)
                yield Static(self.marker, id="marker", markup=False)
        with Horizontal(id="body"):
            yield SceneCard(id="scene-card")
            yield ChatPanel(id="chat")
            yield TokenPanel(id="token")
        yield NarrationPanel(id="narration")
        with Horizontal(id="ticker-row"):
            yield TradeTicker(id="trades")
            yield Static("", id="connection", markup=False)

    def on_mount(self) -> None:
        self.query_one("#chat").border_title = "CHAT"
        self._redraw()
        self.set_interval(REDRAW_INTERVAL, self._redraw)
        self.set_interval(1.0, self._tick)
        for source in self._sources:
            # A failed source is logged and leaves the last picture on screen, rather than
            # closing the stage, which would leave the stream showing an empty desktop.
            self.run_worker(
                source(), group="sources", description=_describe(source), exit_on_error=False
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            logger.error("%s failed: %r", event.worker.description, event.worker.error)

    # Drawing

    def _tick(self) -> None:
        self.query_one("#clock", Static).update(self._clock_text(), layout=False)

    def _clock_text(self) -> str:
        return self._clock().strftime("%H:%M:%S")

    def _redraw(self) -> None:
        changed = self.model.take_changes()
        if not changed:
            return
        self.redraws += 1
        model = self.model
        if IDENTITY in changed:
            self._draw_identity()
        if changed & {SCENE, IDENTITY}:
            self._draw_scene()
        if changed & {SCENE, AUDIENCE}:
            self._draw_status()
        if CHAT in changed:
            self.query_one("#chat", ChatPanel).show(model.chat_lines(CHAT_LINES))
        if changed & {TRADES, IDENTITY}:
            self.query_one("#trades", TradeTicker).show(model.trades(), model.ticker)
        if changed & {STATS, IDENTITY}:
            token = self.query_one("#token", TokenPanel)
            token.border_title = f"${model.ticker}" if model.ticker else "TOKEN"
            token.show(model.stats, model.market_caps)
        if changed & {NARRATION, IDENTITY}:
            narration = self.query_one("#narration", NarrationPanel)
            narration.show(model.agent_name, list(model.narration))
        if CONNECTION in changed:
            mark = "" if model.connected else "◌ reconnecting"
            self.query_one("#connection", Static).update(mark)

    def _draw_identity(self) -> None:
        model = self.model
        self.query_one("#agent-name", BigName).update(model.agent_name, layout=False)
        line = Text(end="")
        if model.ticker:
            line.append(f"${model.ticker}", Style(color=WHITE, bold=True))
            line.append("  ")
        if model.stream_url:
            line.append(model.stream_url, Style(color="#ffd6e4"))
        self.query_one("#identity-line", Static).update(line, layout=False)

    def _draw_scene(self) -> None:
        scene = self.model.scene
        body = self.query_one("#body")
        body.set_class(scene.name != LIVE, "card")
        self.query_one("#scene-card", SceneCard).show(scene, self.model.stream_url or "")

    def _draw_status(self) -> None:
        model = self.model
        if model.phase in ("live", "recovering"):
            badge = Text(" ● LIVE ", Style(color=BRAND, bgcolor=WHITE, bold=True))
        else:
            label = {"starting": "○ SOON", "ending": "■ ENDED"}.get(model.scene.name, "○ OFF AIR")
            badge = Text(f" {label} ", Style(color=INK, bgcolor="#ffd6e4", bold=True))
        self.query_one("#badge", Static).update(badge)
        viewers = "" if model.viewers is None else f"◉ {model.viewers:,} watching"
        self.query_one("#viewers", Static).update(viewers, layout=False)


def _describe(source: Source) -> str:
    owner = getattr(source, "__self__", None)
    return f"stage source {type(owner).__name__ if owner is not None else source!r}"


def build_stage(options: StageOptions) -> StageApp:
    """Return the stage wired to the studio, the narration file and the speaker of ``options``."""
    # Imported here: the studio link and the speaker are not needed by tests that build the app.
    from cockpit.ui.stage_link import StudioLink
    from cockpit.ui.stage_narration import NarrationFile
    from cockpit.ui.stage_speech import NarrationSpeaker

    model = StageModel(options.agent_name, options.word_filter)
    sources: list[Source] = []
    link: StudioLink | None = None
    speaker: NarrationSpeaker | None = None

    def narrated(text: str) -> None:
        if speaker is not None:
            speaker.submit(text)

    if options.socket_path is not None:
        link = StudioLink(options.socket_path, model, on_narration=narrated)
        sources.append(link.run)
    if options.speak_narration:
        speaker = NarrationSpeaker(
            link.command if link is not None else None,
            options.profile,
            options.voice,
            options.words_per_minute,
        )
        sources.append(speaker.run)
    if options.narration_file is not None:

        def narration_line(text: str, new: bool) -> None:
            model.add_narration(text, at=datetime.now().timestamp())
            if new:
                narrated(text)

        sources.append(NarrationFile(options.narration_file, narration_line).run)
    return StageApp(options.agent_name, options.marker, model=model, sources=sources)


def build_parser() -> argparse.ArgumentParser:
    """Build the parser of ``python -m cockpit.ui.stage``."""
    parser = argparse.ArgumentParser(
        prog="python -m cockpit.ui.stage", description="Draw the stage viewers see."
    )
    add_stage_arguments(parser)
    parser.add_argument(
        "--profile", default=None, help="profile whose studio the stage follows (default: default)"
    )
    return parser


def run_stage(args: argparse.Namespace, settings: Settings) -> int:
    """Build the stage from ``settings`` and ``args`` and run it until closed; return 0."""
    _log_to_file(pipeline_log_dir(settings.profile) / "stage.log")
    socket = None if args.no_studio else (args.socket or socket_path(settings.profile))
    options = stage_options(
        settings,
        agent_name=args.name,
        marker=args.marker,
        socket_path=socket,
        narration_file=args.narration_file,
        speak_narration=args.speak_narration,
    )
    build_stage(options).run()
    return 0


def _log_to_file(path: Path) -> None:
    # The terminal is the stage itself, so the stage's log goes to a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the stage until it is closed; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(profile=args.profile)
    except SettingsError as error:
        print(f"cockpit stage: {error}", file=sys.stderr)
        return 2
    return run_stage(args, settings)


if __name__ == "__main__":
    raise SystemExit(main())
