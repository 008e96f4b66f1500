"""The console's parts without Textual's event loop: PNG, clipboard, themes, prefs, formatting."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import pyperclip
import pytest

from cockpit import paths
from cockpit.ui import format as fmt
from cockpit.ui.bindings import CONSOLE_BINDINGS, help_rows, unknown_binding_ids
from cockpit.ui.clipboard import MAX_OSC52_BYTES, Clipboard, osc52
from cockpit.ui.crash import ConsoleCrash, describe_error
from cockpit.ui.png import PngError, decode_png, fit, read_png, scale_for_half_blocks
from cockpit.ui.prefs import ConsolePrefs, load_prefs, prefs_path, save_prefs
from cockpit.ui.themes import THEME_ORDER, load_themes, next_theme, parse_theme

# PNG


def png(width: int, height: int, colour: int, rows: list[bytes], palette: bytes = b"") -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    body = chunk(b"IHDR", header)
    if palette:
        body += chunk(b"PLTE", palette)
    data = zlib.compress(b"".join(rows))
    # Split the data in two IDAT chunks, as encoders do for large images.
    body += chunk(b"IDAT", data[:5]) + chunk(b"IDAT", data[5:])
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def filtered(kind: int, row: bytes, previous: bytes, bpp: int) -> bytes:
    """Apply PNG filter ``kind`` to ``row``, as an encoder does."""
    out = bytearray()
    for index, value in enumerate(row):
        left = row[index - bpp] if index >= bpp else 0
        up = previous[index]
        upper_left = previous[index - bpp] if index >= bpp else 0
        if kind == 0:
            predictor = 0
        elif kind == 1:
            predictor = left
        elif kind == 2:
            predictor = up
        elif kind == 3:
            predictor = (left + up) // 2
        else:
            estimate = left + up - upper_left
            options = [
                (abs(estimate - left), 0, left),
                (abs(estimate - up), 1, up),
                (abs(estimate - upper_left), 2, upper_left),
            ]
            predictor = min(options)[2]
        out.append((value - predictor) & 0xFF)
    return bytes([kind]) + bytes(out)


def gradient(width: int, height: int, bpp: int) -> list[bytes]:
    return [
        bytes(
            (x * 7 + y * 13 + channel * 50) & 0xFF for x in range(width) for channel in range(bpp)
        )
        for y in range(height)
    ]


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("colour,bpp", [(2, 3), (6, 4)])
def test_png_filters_decode(kind: int, colour: int, bpp: int) -> None:
    pixels = gradient(9, 5, bpp)
    previous = bytes(9 * bpp)
    rows = []
    for row in pixels:
        rows.append(filtered(kind, row, previous, bpp))
        previous = row
    image = decode_png(png(9, 5, colour, rows))
    for y, row in enumerate(pixels):
        for x in range(9):
            assert image.pixel(x, y) == tuple(row[x * bpp : x * bpp + 3])


def test_png_grey_and_palette() -> None:
    grey = decode_png(png(2, 1, 0, [b"\x00" + bytes([10, 200])]))
    assert grey.pixel(1, 0) == (200, 200, 200)
    palette = bytes([255, 0, 0, 0, 0, 255])
    indexed = decode_png(png(2, 1, 3, [b"\x00" + bytes([1, 0])], palette))
    assert indexed.pixel(0, 0) == (0, 0, 255)
    assert indexed.pixel(1, 0) == (255, 0, 0)


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"GIF89a", "not a PNG"),
        (b"\x89PNG\r\n\x1a\n", "no IHDR"),
        (png(2, 2, 2, [b"\x00" + bytes(6)]), "shorter than its size"),
        (png(1, 1, 2, [b"\x07" + bytes(3)]), "unknown filter type 7"),
    ],
)
def test_png_errors(data: bytes, reason: str) -> None:
    with pytest.raises(PngError, match=reason):
        decode_png(data)


def test_png_unsupported_depth() -> None:
    data = bytearray(png(1, 1, 2, [b"\x00" + bytes(3)]))
    data[24] = 16  # bit depth byte of IHDR
    with pytest.raises(PngError, match="bit depth 16"):
        decode_png(bytes(data))


def test_read_png_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PngError, match="Could not read the image"):
        read_png(tmp_path / "absent.png")


def test_half_block_scaling_keeps_shape() -> None:
    image = decode_png(
        png(4, 2, 2, [b"\x00" + bytes([255, 0, 0] * 4), b"\x00" + bytes([0, 0, 255] * 4)])
    )
    cells = scale_for_half_blocks(image, 8, 1)
    assert len(cells) == 1
    assert len(cells[0]) == 4  # 4x2 pixels fit 8x2 as 4x2
    assert cells[0][0] == ((255, 0, 0), (0, 0, 255))
    assert fit(1280, 720, 40, 40) == (40, 22)
    assert scale_for_half_blocks(image, 0, 5) == []


# Clipboard


def test_osc52_plain_and_tmux() -> None:
    encoded = base64.b64encode(b"https://retake.tv/Nova").decode()
    assert osc52("https://retake.tv/Nova") == f"\x1b]52;c;{encoded}\x07"
    wrapped = osc52("https://retake.tv/Nova", tmux=True)
    assert wrapped == f"\x1bPtmux;\x1b\x1b]52;c;{encoded}\x07\x1b\\"


def test_clipboard_writes_terminal_and_local() -> None:
    written: list[str] = []
    copied: list[str] = []
    clipboard = Clipboard(
        written.append, environment={"TMUX": "/tmp/tmux-0/default,1,0"}, local_copy=copied.append
    )
    result = clipboard.copy("abc")
    assert result.terminal
    assert result.local
    assert written == [osc52("abc", tmux=True)]
    assert copied == ["abc"]


def test_clipboard_missing_mechanisms_are_reported() -> None:
    def no_clipboard(text: str) -> None:
        raise pyperclip.PyperclipException("no copy program")

    result = Clipboard(None, environment={}, local_copy=no_clipboard).copy("abc")
    assert not result.copied
    assert "no terminal is attached for OSC 52" in result.problems
    assert any("no clipboard program" in problem for problem in result.problems)


def test_clipboard_long_text_skips_osc52() -> None:
    written: list[str] = []
    result = Clipboard(written.append, environment={}, local_copy=None).copy(
        "x" * (MAX_OSC52_BYTES + 1)
    )
    assert not result.terminal
    assert written == []


# Themes


def test_shipped_themes_load() -> None:
    found = load_themes()
    assert found.problems == []
    assert set(THEME_ORDER) <= set(found.themes)
    assert found.themes["cockpit-light"].dark is False
    assert found.themes["cockpit-dark"].variables["cockpit-live"].startswith("#")


def test_broken_user_theme_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text('name = "mine"\nprimary = "#123456"\n')
    (tmp_path / "bad-colour.toml").write_text('name = "bad"\nprimary = "not-a-colour"\n')
    (tmp_path / "bad-toml.toml").write_text("name = \n")
    (tmp_path / "unknown.toml").write_text('name = "x"\nprimary = "#000000"\nglitter = true\n')
    found = load_themes(tmp_path)
    assert "mine" in found.themes
    assert "bad" not in found.themes
    assert len(found.problems) == 3
    assert any(
        "not-a-colour" in problem and "bad-colour.toml" in problem for problem in found.problems
    )
    assert any("not valid TOML" in problem for problem in found.problems)
    assert any("glitter" in problem for problem in found.problems)


def test_theme_defaults_console_variables() -> None:
    theme = parse_theme('name = "plain"\nprimary = "#336699"\n', "plain.toml")
    assert "cockpit-tip" in theme.variables


def test_next_theme_cycles() -> None:
    available = ["cockpit-contrast", "cockpit-dark", "cockpit-light", "mine"]
    assert next_theme("cockpit-dark", available) == "cockpit-light"
    assert next_theme("cockpit-contrast", available) == "mine"
    assert next_theme("mine", available) == "cockpit-dark"
    assert next_theme("textual-dark", available) == "cockpit-dark"


# Preferences


def test_prefs_round_trip() -> None:
    assert load_prefs("default") == ConsolePrefs()
    path = save_prefs("default", ConsolePrefs(theme="cockpit-light"))
    assert path == paths.state_dir("default") / "console.json"
    assert json.loads(path.read_text()) == {"theme": "cockpit-light"}
    assert load_prefs("default").theme == "cockpit-light"
    assert [item.name for item in path.parent.iterdir()] == ["console.json"]


def test_prefs_unreadable_gives_defaults() -> None:
    path = prefs_path("default")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert load_prefs("default") == ConsolePrefs()


# Formatting, crash report and bindings


@pytest.mark.parametrize(
    "amount,precise,expected",
    [
        (None, False, "—"),
        (0, False, "$0.00"),
        (4.5, False, "$4.50"),
        (12_345, False, "$12.3K"),
        (999_700, False, "$1000K"),
        (2_500_000, False, "$2.5M"),
        (0.00007051, True, "$0.00007051"),
        (-20, False, "-$20.00"),
    ],
)
def test_usd(amount: float | None, precise: bool, expected: str) -> None:
    assert fmt.usd(amount, precise=precise) == expected


def test_durations_sizes_and_sparkline() -> None:
    assert fmt.duration(3725) == "1:02:05"
    assert fmt.duration(59) == "0:59"
    assert fmt.short_duration(7200) == "2h"
    assert fmt.size(47 * 1024 * 1024) == "47M"
    assert fmt.size(1536) == "1.5K"
    assert fmt.sparkline([1, 2, 3], 10) == "▁▅█"
    assert fmt.sparkline([5, 5], 4) == "▁▁"
    assert fmt.sparkline([1, 2, 3, 4], 2) == "▁█"


def test_crash_report_has_no_locals(tmp_path: Path) -> None:
    secret = "token-value-123"

    def fail() -> None:
        access_token = secret  # a local that Textual's report would print
        raise ValueError(f"bad value {len(access_token)}")

    try:
        fail()
    except ValueError as error:
        crash = ConsoleCrash(error, tmp_path / "console.log")
    report = crash.report()
    assert "ValueError: bad value 15" in report
    assert str(tmp_path / "console.log") in report
    assert secret not in report
    assert describe_error(RuntimeError("\x1b[31mred")) == "RuntimeError: red"


def test_bindings_have_ids_and_descriptions() -> None:
    ids = [binding.id for binding in CONSOLE_BINDINGS]
    assert all(ids)
    assert len(ids) == len(set(ids))
    assert all(binding.description for binding in CONSOLE_BINDINGS)
    assert not any(binding.key == "escape" for binding in CONSOLE_BINDINGS)
    rows = dict((row[0], row[1]) for row in help_rows({"go_live": "f5"}))
    assert rows["go_live"] == "f5"
    assert rows["stop"] == "s"
    assert unknown_binding_ids({"go_live": "f5", "fly": "x"}) == ["fly"]
