"""Base58, address checks and image inspection used by the simulator."""

from __future__ import annotations

import pytest
from simkit import jpeg, png

from cockpit.sim.encoding import b58decode, b58encode, is_solana_address
from cockpit.sim.images import EMPTY_FLV, inspect_image


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (b"", ""),
        (b"\x00", "1"),
        (b"\x00\x00\x01", "112"),
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (bytes(32), "1" * 32),
    ],
)
def test_base58_known_values(raw: bytes, encoded: str) -> None:
    assert b58encode(raw) == encoded
    assert b58decode(encoded) == raw


def test_base58_rejects_outside_alphabet() -> None:
    with pytest.raises(ValueError, match="base58"):
        b58decode("0OIl")


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("So11111111111111111111111111111111111111112", True),
        ("11111111111111111111111111111111", True),
        ("1111111111111111111111111111111", False),  # 31 zero bytes
        ("So1111111111111111111111111111111111111111", False),  # 31 bytes
        ("So11111111111111111111111111111111111111112X", False),  # 33 bytes
        ("0" * 44, False),
        ("", False),
    ],
)
def test_solana_address_check(text: str, valid: bool) -> None:
    assert is_solana_address(text) is valid


def test_inspect_png_and_jpeg() -> None:
    png_info = inspect_image(png(20, 10))
    jpeg_info = inspect_image(jpeg(640, 360))

    assert png_info is not None
    assert (png_info.content_type, png_info.width, png_info.height) == ("image/png", 20, 10)
    assert jpeg_info is not None
    assert (jpeg_info.content_type, jpeg_info.width, jpeg_info.height) == ("image/jpeg", 640, 360)


@pytest.mark.parametrize("data", [b"", b"GIF89a", EMPTY_FLV, b"\xff\xd8"])
def test_inspect_rejects_other_data(data: bytes) -> None:
    assert inspect_image(data) is None
