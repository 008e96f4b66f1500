"""Helpers of the contract tests: a control client for the simulator's /_sim endpoints,
valid registration inputs and a real PNG."""

from __future__ import annotations

import itertools
import os
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import httpx

from cockpit.api import RetakeClient
from cockpit.api.models import Registration

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_names = itertools.count(1)


def solana_address() -> str:
    """Return a random base58 string of 32 bytes, the form of a Solana public key."""
    data = os.urandom(32)
    number = int.from_bytes(data, "big")
    text = ""
    while number:
        number, digit = divmod(number, 58)
        text = _BASE58[digit] + text
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + text


def unique_agent_name() -> str:
    """Return an agent name no other test of this run uses."""
    return f"Contract{os.getpid() % 1000}x{next(_names)}"


def png_image(width: int = 16, height: int = 9) -> bytes:
    """Return a valid RGB PNG of the given size, all black."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        checksum = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class SimControl:
    """A client of the simulator's control endpoints (not part of the platform)."""

    def __init__(self, origin: str) -> None:
        self._client = httpx.AsyncClient(base_url=origin, timeout=10.0, trust_env=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        response = await self._client.post(f"/_sim/{path}", json=body)
        assert response.status_code == 200, (
            f"/_sim/{path} returned {response.status_code}: {response.text}"
        )
        return response.json()

    async def faults(self, **spec: Any) -> Any:
        return await self.post("faults", spec)

    async def clear_faults(self) -> None:
        response = await self._client.delete("/_sim/faults")
        assert response.status_code == 200

    async def state(self) -> Any:
        response = await self._client.get("/_sim/state")
        assert response.status_code == 200
        return response.json()

    async def raw_get(self, path: str, token: str | None = None, **params: Any) -> Any:
        """GET a platform path without the client under test, to compare raw field names."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self._client.get(f"/api/v1{path}", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()


@dataclass
class Agent:
    """A registered agent and a client holding its token."""

    registration: Registration
    client: RetakeClient

    @property
    def user_id(self) -> str:
        return self.registration.user_db_id
