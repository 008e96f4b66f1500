"""The simulator a demo studio hosts, so that it lives exactly as long as the studio.

``cockpit demo`` starts its studio with ``--demo-sim``: the studio starts a
simulator with a real RTMP ingest in its own process, registers a throwaway
agent against it, and stores that agent as the profile before it loads it.
The demo runs in a private XDG tree, so the user's credentials are untouched.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from cockpit.api.client import RetakeClient
from cockpit.api.credentials import Credentials, CredentialStore, base58_encode
from cockpit.settings import Settings
from cockpit.sim.server import SimOptions, SimServer

DEMO_AGENT_DESCRIPTION = "A throwaway agent of the cockpit demo"


@contextmanager
def demo_simulator(
    settings: Settings, seed: int | None, audience_rate: float
) -> Iterator[Settings]:
    """Run a simulator with a real ingest and a registered demo agent; yield settings for it."""
    options = SimOptions(seed=seed, audience_rate=audience_rate, real_ingest=True)
    with SimServer(options) as sim:
        demo = settings.model_copy(update={"api_url": sim.api_url})
        asyncio.run(_register(demo))
        yield demo


async def _register(settings: Settings) -> None:
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
