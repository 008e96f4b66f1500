"""Decoding PNG thumbnails in pure Python (zlib and struct), and scaling them for half-blocks.

Supported: bit depth 8, no interlacing, colour types 0 (grey), 2 (RGB), 3
(palette), 4 (grey and alpha) and 6 (RGBA), which covers what scrot writes
(8-bit RGB). Alpha is dropped: thumbnails are opaque captures of a display.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

MAX_PIXELS = 4096 * 4096
"""Largest image decoded; a 1280x720 thumbnail has under a million pixels."""

MAX_FILE_BYTES = 64 * 1024 * 1024

_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}

RGB = tuple[int, int, int]


class PngError(Exception):
    """Raised when a file is not a PNG this decoder reads; the message names the file."""


@dataclass(frozen=True)
class RgbImage:
    """An image as rows of packed RGB bytes, three per pixel."""

    width: int
    height: int
    rows: tuple[bytes, ...]

    def pixel(self, x: int, y: int) -> RGB:
        row = self.rows[y]
        offset = 3 * x
        return row[offset], row[offset + 1], row[offset + 2]


def read_png(path: Path) -> RgbImage:
    """Read and decode the PNG file at ``path``.

    Raises:
        PngError: the file cannot be read, is not a PNG, or uses an unsupported format.
    """
    try:
        with path.open("rb") as image:
            data = image.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise PngError(f"Could not read the image {path}: {error.strerror}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise PngError(f"The image {path} is larger than {MAX_FILE_BYTES} bytes.")
    try:
        return decode_png(data)
    except PngError as error:
        raise PngError(f"The image {path} cannot be shown: {error}") from None


def decode_png(data: bytes) -> RgbImage:
    """Decode PNG ``data`` into RGB rows.

    Raises:
        PngError: the data is not a PNG this decoder reads.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise PngError("it is not a PNG file.")
    header, palette, compressed = _read_chunks(data)
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in _CHANNELS:
        raise PngError(
            f"bit depth {depth} with colour type {colour} is not supported; "
            "only 8-bit grey, RGB, palette and RGBA images are."
        )
    if interlace:
        raise PngError("interlaced images are not supported.")
    if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
        raise PngError(f"its size {width}x{height} is empty or too large.")
    if colour == 3 and not palette:
        raise PngError("the palette image has no PLTE chunk.")

    try:
        raw = zlib.decompress(compressed)
    except zlib.error as error:
        raise PngError(f"its image data is corrupt ({error}).") from None
    bpp = _CHANNELS[colour]
    stride = width * bpp
    if len(raw) < height * (stride + 1):
        raise PngError("its image data is shorter than its size requires.")
    rows = _unfilter(raw, height, stride, bpp)
    return RgbImage(width, height, tuple(_to_rgb(row, colour, palette) for row in rows))


def _read_chunks(data: bytes) -> tuple[tuple[int, ...], bytes, bytes]:
    position = len(PNG_SIGNATURE)
    header: tuple[int, ...] | None = None
    palette = b""
    idat: list[bytes] = []
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if len(body) < length:
            raise PngError("it ends in the middle of a chunk.")
        position += 12 + length  # length, type, body and CRC
        if kind == b"IHDR":
            if length != 13:
                raise PngError("its IHDR chunk has the wrong length.")
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise PngError("it has no IHDR chunk.")
    if not idat:
        raise PngError("it has no image data.")
    return header, palette, b"".join(idat)


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> list[bytes]:
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = raw[start + 1 : start + 1 + stride]
        if kind == 0:
            current = line
        elif kind == 1:
            current = _unfilter_sub(line, bpp)
        elif kind == 2:
            current = bytes((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            current = _unfilter_average(line, previous, bpp)
        elif kind == 4:
            current = _unfilter_paeth(line, previous, bpp)
        else:
            raise PngError(f"row {y} has the unknown filter type {kind}.")
        rows.append(current)
        previous = current
    return rows


def _unfilter_sub(line: bytes, bpp: int) -> bytes:
    # Each channel is a running sum modulo 256 of its own bytes; accumulate runs it in C.
    result = bytearray(len(line))
    for channel in range(bpp):
        sums: list[int] = list(accumulate(line[channel::bpp], _add_bytes))
        result[channel::bpp] = bytes(sums)
    return bytes(result)


def _add_bytes(left: int, value: int) -> int:
    return (left + value) & 0xFF


def _unfilter_average(line: bytes, previous: bytes, bpp: int) -> bytes:
    result = bytearray(line)
    for index in range(len(result)):
        left = result[index - bpp] if index >= bpp else 0
        result[index] = (result[index] + ((left + previous[index]) >> 1)) & 0xFF
    return bytes(result)


def _unfilter_paeth(line: bytes, previous: bytes, bpp: int) -> bytes:
    result = bytearray(line)
    for index in range(len(result)):
        up = previous[index]
        if index >= bpp:
            left = result[index - bpp]
            upper_left = previous[index - bpp]
        else:
            left = upper_left = 0
        estimate = left + up - upper_left
        distance_left = abs(estimate - left)
        distance_up = abs(estimate - up)
        distance_upper_left = abs(estimate - upper_left)
        if distance_left <= distance_up and distance_left <= distance_upper_left:
            predictor = left
        elif distance_up <= distance_upper_left:
            predictor = up
        else:
            predictor = upper_left
        result[index] = (result[index] + predictor) & 0xFF
    return bytes(result)


def _to_rgb(row: bytes, colour: int, palette: bytes) -> bytes:
    if colour == 2:
        return row
    if colour == 6:
        result = bytearray(len(row) // 4 * 3)
        for channel in range(3):
            result[channel::3] = row[channel::4]
        return bytes(result)
    if colour == 3:
        colours = [palette[3 * index : 3 * index + 3] or b"\0\0\0" for index in range(256)]
        return b"".join(colours[index] for index in row)
    grey = row if colour == 0 else row[::2]
    result = bytearray(len(grey) * 3)
    for channel in range(3):
        result[channel::3] = grey
    return bytes(result)


def scale_for_half_blocks(image: RgbImage, columns: int, rows: int) -> list[list[tuple[RGB, RGB]]]:
    """Scale ``image`` to fit ``columns`` x ``rows`` cells of two pixels each, keeping its shape.

    Each cell is (upper colour, lower colour), drawn as ``▀`` with those
    foreground and background colours. Pixels are sampled at each target
    pixel's centre (nearest neighbour), which is enough for a preview.
    """
    if columns <= 0 or rows <= 0:
        return []
    target_width, target_height = fit(image.width, image.height, columns, rows * 2)
    sampled: list[list[RGB]] = []
    for y in range(target_height):
        source_y = min(image.height - 1, int((y + 0.5) * image.height / target_height))
        sampled.append(
            [
                image.pixel(
                    min(image.width - 1, int((x + 0.5) * image.width / target_width)), source_y
                )
                for x in range(target_width)
            ]
        )
    if len(sampled) % 2:
        sampled.append(sampled[-1])
    return [list(zip(sampled[y], sampled[y + 1], strict=True)) for y in range(0, len(sampled), 2)]


def fit(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """Return the largest size within ``max_width`` x ``max_height`` with the image's shape."""
    scale = min(max_width / width, max_height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))
