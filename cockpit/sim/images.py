"""Image checks for uploaded thumbnails, and small generated avatars."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"

# JPEG start-of-frame markers carry the image size; C4, C8 and CC are other segment kinds.
_JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class ImageInfo:
    """Type and size of an uploaded image."""

    content_type: str
    extension: str
    width: int | None
    height: int | None


def inspect_image(data: bytes) -> ImageInfo | None:
    """Identify a JPEG or PNG by its magic bytes and read its size; None for anything else."""
    if data.startswith(PNG_SIGNATURE):
        width, height = _png_size(data)
        return ImageInfo("image/png", "png", width, height)
    if data.startswith(JPEG_SIGNATURE):
        width, height = _jpeg_size(data)
        return ImageInfo("image/jpeg", "jpg", width, height)
    return None


def _png_size(data: bytes) -> tuple[int | None, int | None]:
    # The IHDR chunk comes first: 4-byte length, b"IHDR", then width and height.
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None, None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None, None
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _JPEG_SOF_MARKERS and position + 9 <= len(data):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None, None


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """Return a valid PNG of one colour, used for avatars and test uploads."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, body: bytes) -> bytes:
        checksum = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# A minimal FLV file: the 9-byte header (audio and video flags set) and PreviousTagSize0.
EMPTY_FLV = b"FLV\x01\x05\x00\x00\x00\x09" + b"\x00\x00\x00\x00"
