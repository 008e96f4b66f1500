"""The operator console. For now a screen that names the profile and the platform it targets."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from cockpit.settings import Settings


class ConsoleApp(App[None]):
    """The operator's cockpit in the terminal."""

    TITLE = "retake-cockpit"
    BINDINGS = [Binding("q", "quit", "Quit", id="quit")]

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            f"Profile {self.settings.profile!r} on {self.settings.api_url}\n\n"
            "The console's panes are not built yet. Press q to quit.",
            markup=False,
            id="placeholder",
        )
        yield Footer()
