"""The stage preview: the latest thumbnail, drawn with half blocks (two pixels per cell)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from cockpit.ui.png import RgbImage, scale_for_half_blocks
from cockpit.ui.widgets.colours import colour

UPPER_HALF_BLOCK = "▀"


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


class StagePreview(Widget, can_focus=True):
    """The last thumbnail scaled to the pane, or a sentence saying why there is none."""

    ALLOW_MAXIMIZE = True
    DEFAULT_CSS = """
    StagePreview {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._image: RgbImage | None = None
        self._note = "No thumbnail yet; one is taken when the stream goes live."
        self._cells: list[list[tuple[tuple[int, int, int], tuple[int, int, int]]]] = []
        self._cells_size: tuple[int, int] | None = None

    @property
    def has_image(self) -> bool:
        return self._image is not None

    def show_image(self, image: RgbImage) -> None:
        self._image = image
        self._cells_size = None
        self.refresh()

    def show_note(self, note: str) -> None:
        """Show ``note`` instead of an image."""
        self._image = None
        self._note = note
        self.refresh()

    def _scaled(self) -> list[list[tuple[tuple[int, int, int], tuple[int, int, int]]]]:
        size = (self.size.width, self.size.height)
        if self._image is not None and self._cells_size != size:
            self._cells = scale_for_half_blocks(self._image, *size)
            self._cells_size = size
        return self._cells

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._image is None:
            return self._note_line(y, width)
        cells = self._scaled()
        top = (self.size.height - len(cells)) // 2
        row = y - top
        if row < 0 or row >= len(cells):
            return Strip.blank(width, self.rich_style)
        line = cells[row]
        left = (width - len(line)) // 2
        segments = [Segment(" " * left, self.rich_style)] if left > 0 else []
        segments += [
            Segment(UPPER_HALF_BLOCK, Style(color=_hex(upper), bgcolor=_hex(lower)))
            for upper, lower in line
        ]
        return Strip(segments).extend_cell_length(width, self.rich_style)

    def _note_line(self, y: int, width: int) -> Strip:
        lines = Text(
            self._note, style=Style(color=colour(self.app, "cockpit-dim")), justify="center"
        ).wrap(self.app.console, max(1, width))
        top = (self.size.height - len(lines)) // 2
        index = y - top
        if index < 0 or index >= len(lines):
            return Strip.blank(width, self.rich_style)
        return (
            Strip(list(lines[index].render(self.app.console)))
            .apply_style(self.rich_style)
            .extend_cell_length(width, self.rich_style)
            .crop(0, width)
        )
