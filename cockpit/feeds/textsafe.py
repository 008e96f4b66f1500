"""The one place that turns untrusted text into display-safe text.

Viewers' names, messages, token tickers and any other text that comes from the
platform or its users are data, never markup and never terminal control. Every
display path passes them through `display_safe`.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"

# ECMA-48 escape sequences, in the order they are tried at one position:
# 1. control strings (OSC ESC ], DCS ESC P, SOS ESC X, PM ESC ^, APC ESC _, or their C1
#    forms), up to BEL, ST (ESC \ or U+009C) or the next ESC, or to the end when unterminated;
# 2. CSI (ESC [ or U+009B) with parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F and
#    one final byte 0x40-0x7E;
# 3. any other ESC with intermediate bytes and one final byte 0x30-0x7E, or a lone ESC.
_ESCAPE_SEQUENCES = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)

# Line breaks and tabs become one space each, so that words on either side stay apart.
_SPACES = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")

# Unicode categories removed: format characters (Cf: bidirectional marks, overrides and
# isolates, zero-width characters, the BOM, tag characters) and surrogates (Cs).
_REMOVED_CATEGORIES = frozenset({"Cf", "Cs"})


def display_safe(text: str, max_length: int | None = None) -> str:
    """Return ``text`` made safe to show in a terminal, cut to ``max_length`` characters.

    The rule: viewers' names, messages and tickers are data, never markup. This
    function removes what a terminal or a renderer would act on, and the UI
    renders the result as plain text (``rich.text.Text`` or ``markup=False``),
    never as Rich or Textual markup. So square brackets and other markup
    characters are kept as literal text here.

    - ECMA-48 escape sequences (CSI, OSC, DCS, SOS, PM, APC and other ESC
      sequences, in their 7-bit and C1 forms) are removed whole, an unterminated
      control string up to the end of the text.
    - Tabs, line breaks (LF, VT, FF, CR, NEL, U+2028, U+2029) and the C0
      separators FS, GS, RS and US become one space each.
    - Every other C0 control, DEL and C1 control (U+0080 to U+009F) is removed.
    - Unicode format characters (category Cf) are removed: bidirectional marks,
      embeddings, overrides and isolates (U+200E, U+200F, U+061C, U+202A to
      U+202E, U+2066 to U+2069), zero-width characters (U+200B to U+200D,
      U+2060), the byte order mark U+FEFF and tag characters.
    - Lone surrogates are removed.

    A result longer than ``max_length`` is cut so that, with a final ``…``, it
    has exactly ``max_length`` characters. The function is idempotent:
    applying it twice with the same ``max_length`` gives the same result.
    """
    if max_length is not None and max_length < 1:
        raise ValueError(f"max_length must be at least 1, not {max_length}.")

    if not (text.isascii() and text.isprintable()):
        text = _strip_controls(_ESCAPE_SEQUENCES.sub("", text))

    if max_length is not None and len(text) > max_length:
        text = text[: max_length - 1] + ELLIPSIS
    return text


def _strip_controls(text: str) -> str:
    kept: list[str] = []
    for character in text:
        if character in _SPACES:
            kept.append(" ")
        elif character < " " or "\x7f" <= character <= "\x9f":
            continue
        elif character.isascii() or unicodedata.category(character) not in _REMOVED_CATEGORIES:
            kept.append(character)
    return "".join(kept)


def short_wallet(address: str | None) -> str:
    """Return a wallet address shortened to its first and last four characters, ``AbCd…WxYz``.

    The address is made display-safe first. Addresses of nine characters or
    fewer are returned whole, and None gives an empty string.
    """
    if not address:
        return ""
    safe = display_safe(address)
    if len(safe) <= 9:
        return safe
    return f"{safe[:4]}{ELLIPSIS}{safe[-4:]}"
