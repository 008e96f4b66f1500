"""Large letters for the stage: a 5x5 pixel font drawn with half blocks, three cells tall.

A terminal cell at the stage's size (DejaVu Sans Mono 14 in a 1280x720 xterm)
is about 12x25 px, so a half block is close to a square pixel. A glyph is five
such pixels wide and five high, and a line of big text takes three rows. The
font covers A-Z, 0-9 and common punctuation, and `fits` checks whether a text
can be drawn with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

GLYPH_HEIGHT = 5
ROWS = 3
"""Terminal rows a line of big text takes: five pixel rows, two per cell."""

UPPER_HALF = "\u2580"

_FONT_SOURCE: dict[str, str] = {
    "A": ".###. #...# ##### #...# #...#",
    "B": "####. #...# ####. #...# ####.",
    "C": ".#### #.... #.... #.... .####",
    "D": "####. #...# #...# #...# ####.",
    "E": "##### #.... ####. #.... #####",
    "F": "##### #.... ####. #.... #....",
    "G": ".#### #.... #.### #...# .####",
    "H": "#...# #...# ##### #...# #...#",
    "I": "### .#. .#. .#. ###",
    "J": "..### ...#. ...#. #..#. .##..",
    "K": "#...# #..#. ###.. #..#. #...#",
    "L": "#.... #.... #.... #.... #####",
    "M": "#...# ##.## #.#.# #...# #...#",
    "N": "#...# ##..# #.#.# #..## #...#",
    "O": ".###. #...# #...# #...# .###.",
    "P": "####. #...# ####. #.... #....",
    "Q": ".###. #...# #.#.# #..#. .##.#",
    "R": "####. #...# ####. #..#. #...#",
    "S": ".#### #.... .###. ....# ####.",
    "T": "##### ..#.. ..#.. ..#.. ..#..",
    "U": "#...# #...# #...# #...# .###.",
    "V": "#...# #...# #...# .#.#. ..#..",
    "W": "#...# #...# #.#.# ##.## #...#",
    "X": "#...# .#.#. ..#.. .#.#. #...#",
    "Y": "#...# .#.#. ..#.. ..#.. ..#..",
    "Z": "##### ...#. ..#.. .#... #####",
    "0": ".###. #..## #.#.# ##..# .###.",
    "1": ".#. ##. .#. .#. ###",
    "2": "####. ....# .###. #.... #####",
    "3": "####. ....# .###. ....# ####.",
    "4": "#...# #...# ##### ....# ....#",
    "5": "##### #.... ####. ....# ####.",
    "6": ".###. #.... ####. #...# .###.",
    "7": "##### ....# ...#. ..#.. ..#..",
    "8": ".###. #...# .###. #...# .###.",
    "9": ".###. #...# .#### ....# .###.",
    " ": "... ... ... ... ...",
    ".": ". . . . #",
    ",": ".. .. .. .# #.",
    "!": "# # # . #",
    "?": "###. ...# .##. .... .#..",
    "-": "... ... ### ... ...",
    "+": "... .#. ### .#. ...",
    ":": ". # . # .",
    "'": "# # . . .",
    "/": "....# ...#. ..#.. .#... #....",
    "$": ".#### #.#.. .###. ..#.# ####.",
    "%": "##..# ##.#. ..#.. .#.## #..##",
    "&": ".##.. #..#. .##.# #..#. .##.#",
    "#": ".#.#. ##### .#.#. ##### .#.#.",
    "(": ".# #. #. #. .#",
    ")": "#. .# .# .# #.",
    "_": "... ... ... ... ###",
    "=": "... ### ... ### ...",
}

FONT: dict[str, tuple[str, ...]] = {
    character: tuple(source.split()) for character, source in _FONT_SOURCE.items()
}
"""Each glyph as five rows of ``#`` (ink) and ``.`` (paper)."""


def fits(text: str) -> bool:
    """Return whether every character of ``text`` (upper-cased) has a glyph."""
    return all(character in FONT for character in text.upper())


def width(text: str) -> int:
    """Return the cells ``text`` takes in big letters: each glyph plus one cell between."""
    glyphs = [FONT[character] for character in text.upper() if character in FONT]
    if not glyphs:
        return 0
    return sum(len(glyph[0]) for glyph in glyphs) + len(glyphs) - 1


def pixel_rows(text: str) -> list[str]:
    """Return ``text`` in the font as six rows of ``#`` and ``.``, the last one blank.

    Characters without a glyph are left out; call `fits` first to avoid that.
    The blank sixth row makes the height even, so the rows pair up into cells.
    """
    glyphs = [FONT[character] for character in text.upper() if character in FONT]
    rows = ["" for _ in range(GLYPH_HEIGHT)]
    for index, glyph in enumerate(glyphs):
        gap = "." if index < len(glyphs) - 1 else ""
        for row in range(GLYPH_HEIGHT):
            rows[row] += glyph[row] + gap
    rows.append("." * len(rows[0]))
    return rows


def half_blocks(pixels: Sequence[str], ink: str, paper: str) -> Text:
    """Return pixel rows (``#`` ink, anything else paper) as cells of two pixels each.

    Every cell is an upper half block, its foreground the upper pixel and its
    background the lower one. In xterm 379, DejaVu Sans Mono's full and lower
    block glyphs stop about a pixel short of the cell's bottom, which leaves a
    thin line between rows. A background colour fills the whole cell, so an
    upper half block over one leaves no line.
    """
    text = Text(end="", no_wrap=True)
    colours = {True: ink, False: paper}
    for pair in range(0, len(pixels) - 1, 2):
        if pair:
            text.append("\n")
        upper, lower = pixels[pair], pixels[pair + 1]
        cells = [(top == "#", bottom == "#") for top, bottom in zip(upper, lower, strict=True)]
        run_start = 0
        for column in range(1, len(cells) + 1):
            if column < len(cells) and cells[column] == cells[run_start]:
                continue
            top, bottom = cells[run_start]
            style = Style(color=colours[top], bgcolor=colours[bottom])
            text.append(UPPER_HALF * (column - run_start), style)
            run_start = column
    return text


def big_text(text: str, ink: str, paper: str) -> Text:
    """Return ``text`` in big letters: three lines of a Rich `Text`, ``ink`` on ``paper``."""
    return half_blocks(pixel_rows(text), ink, paper)


def wrap_words(text: str, max_width: int) -> list[str]:
    """Split ``text`` into lines whose big-letter width is at most ``max_width`` cells.

    A word wider than ``max_width`` gets a line of its own and is cut by the caller's crop.
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and width(candidate) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
