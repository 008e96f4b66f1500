"""Base58, identifiers and random values in the formats the platform uses.

Identifiers that tests compare across runs (user ids, addresses, transaction
hashes) come from a seeded ``random.Random``; secrets (access tokens, RTMP keys)
always come from ``secrets``.
"""

from __future__ import annotations

import os
import random
import secrets
import struct
import time
import uuid

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {character: index for index, character in enumerate(BASE58_ALPHABET)}


def b58encode(data: bytes) -> str:
    """Encode bytes as Bitcoin-alphabet base58, as Solana prints keys and signatures."""
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = BASE58_ALPHABET[remainder] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + encoded


def b58decode(text: str) -> bytes:
    """Decode Bitcoin-alphabet base58; raise ValueError on a character outside the alphabet."""
    number = 0
    for character in text:
        index = _BASE58_INDEX.get(character)
        if index is None:
            raise ValueError(f"{character!r} is not a base58 character.")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading_zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * leading_zeros + body


def is_solana_address(text: str) -> bool:
    """Return whether ``text`` is base58 that decodes to exactly 32 bytes (a Solana public key)."""
    if not text or len(text) > 44:
        return False
    try:
        return len(b58decode(text)) == 32
    except ValueError:
        return False


def random_address(rng: random.Random) -> str:
    """Return a Solana-style address: 32 random bytes in base58."""
    return b58encode(rng.randbytes(32))


def random_signature(rng: random.Random) -> str:
    """Return a Solana-style transaction signature: 64 random bytes in base58."""
    return b58encode(rng.randbytes(64))


def random_uuid(rng: random.Random) -> str:
    """Return a version-4 UUID drawn from ``rng``."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def new_access_token() -> str:
    """Return a fresh agent access token (``rtk_`` and 32 random bytes, URL-safe)."""
    return "rtk_" + secrets.token_urlsafe(32)


def new_rtmp_key() -> str:
    """Return a fresh RTMP stream key (``sk_`` and 24 random bytes, URL-safe)."""
    return "sk_" + secrets.token_urlsafe(24)


class ObjectIdFactory:
    """Factory of 24-hex-digit ids in the layout of MongoDB ObjectIds, which sort by time.

    Layout: 4-byte seconds since the epoch, 5 bytes fixed per factory, 3-byte counter.
    """

    def __init__(self) -> None:
        self._process_bytes = os.urandom(5)
        self._counter = int.from_bytes(os.urandom(3), "big")

    def new(self, at: float | None = None) -> str:
        """Return a new id stamped with ``at`` (seconds since the epoch, default now)."""
        seconds = int(time.time() if at is None else at)
        self._counter = (self._counter + 1) % 0x1000000
        return (
            struct.pack(">I", seconds & 0xFFFFFFFF)
            + self._process_bytes
            + self._counter.to_bytes(3, "big")
        ).hex()
