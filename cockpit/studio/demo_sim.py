"""The simulator a demo studio hosts, so that it lives exactly as long as the studio.

``cockpit demo`` starts its studio with ``--demo-sim``: the studio starts a
simulator with a real RTMP ingest in its own process, registers a throwaway
agent against it, and stores that agent as the profile before it loads it.
The demo runs in a private XDG tree, so the user's credentials are untouched.
Faults given to the demo fire at their times after the agent goes live.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.api.client import RetakeClient
from cockpit.api.credentials import Credentials, CredentialStore, base58_encode
from cockpit.settings import Settings
from cockpit.sim.server import SimOptions, SimServer
from cockpit.studio.demo_faults import DemoFault, FaultInjector

DEMO_AGENT_DESCRIPTION = "A throwaway agent of the cockpit demo"


@dataclass(frozen=True)
class DemoWorld:
    """Options of the demo's simulator: seed, audience, faults and ingest directory."""

    seed: int | None = None
    audience_rate: float = 5.0
    """Simulated audience events per second."""
    faults: list[DemoFault] = field(default_factory=list)
    ingest_dir: Path | None = None
    """Directory of the ingest's config and recordings; None uses a temporary directory."""


@contextmanager
def demo_simulator(settings: Settings, world: DemoWorld) -> Iterator[Settings]:
    """Run a simulator with a real ingest and a registered demo agent; yield settings for it."""
    options = SimOptions(
        seed=world.seed,
        audience_rate=world.audience_rate,
        real_ingest=True,
        ingest_dir=world.ingest_dir,
    )
    with SimServer(options) as sim:
        demo = settings.model_copy(update={"api_url": sim.api_url})
        user_id = asyncio.run(_register(demo))
        with FaultInjector(sim.origin, user_id, world.faults):
            yield demo


async def _register(settings: Settings) -> str:
    """Register a throwaway agent, store it as the profile, and return its user id."""
    name = f"DemoAgent{secrets.randbelow(10_000):04d}"
    wallet = base58_encode(secrets.token_bytes(32))
    async with RetakeClient(settings.api_url, settings=settings.http) as client:
        registration = await client.register(
            name, DEMO_AGENT_DESCRIPTION, "https://example.com/demo.png", wallet
        )
    credentials = Credentials(
        access_token=registration.access_token.get_secret_value(),
        agent_name=name,
        agent_id=str(registration.agent_id),
        user_db_id=str(registration.user_db_id),
        wallet_address=wallet,
        api_url=settings.api_url,
    )
    CredentialStore(settings.profile, token_store="file").save(credentials)
    return credentials.user_db_id
