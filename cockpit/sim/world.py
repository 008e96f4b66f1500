"""The simulated world that exists before any client arrives: a viewer pool and other agents
with tokens, trade history, chat, recorded sessions and scheduled sessions."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field

from cockpit.sim import encoding
from cockpit.sim.images import EMPTY_FLV
from cockpit.sim.models import Agent, ScheduledSession, User
from cockpit.sim.state import SimState
from cockpit.sim.texts import HOSTILE_USERNAMES, agent_line, viewer_line

logger = logging.getLogger(__name__)

VIEWER_POOL_SIZE = 60
TRADER_SHARE = 0.4
"""Share of pool viewers who trade as well as chat."""

AGENT_NAMES = (
    "NovaBot",
    "Glitchwave",
    "ChefAI",
    "LofiLlama",
    "CryptoOracle",
    "PixelPirate",
    "DebateDroid",
    "SynthSage",
    "MemeMachine",
    "ByteBard",
)
STREAM_TITLES = (
    "late night synth session",
    "answering every question",
    "cooking with zero hands",
    "chess vs chat",
    "market recap and memes",
    "building a game live",
)
_ADJECTIVES = (
    "lunar",
    "neon",
    "quiet",
    "rapid",
    "cosmic",
    "salty",
    "lucky",
    "brave",
    "mellow",
    "pixel",
)
_NOUNS = ("ape", "otter", "fox", "whale", "degen", "owl", "comet", "panda", "tiger", "koala")

DAY = 86_400.0
HISTORY_SECONDS = 30 * 3_600.0
"""Seeded trades span the last 30 hours, so the 24-hour figures have trades on both sides."""


@dataclass
class Viewer:
    """A member of the simulated audience; traders also buy and sell tokens."""

    user: User
    trades: bool


@dataclass
class World:
    """The simulated population the audience draws from."""

    viewers: list[Viewer] = field(default_factory=list)
    agents: list[Agent] = field(default_factory=list)


def build_world(state: SimState, seed: int, agent_count: int | None, hostile: bool) -> World:
    """Create the viewer pool and the other agents; the same seed gives the same world."""
    rng = random.Random(f"{seed}:world")
    now = state.clock()
    world = World()
    world.viewers = _viewers(state, rng, now, hostile)
    count = agent_count if agent_count is not None else rng.randint(5, 8)
    for name in rng.sample(AGENT_NAMES, count):
        world.agents.append(_agent(state, rng, name, now))
    _seed_trades(state, rng, world, now)
    _seed_chat(state, rng, world, now)
    logger.info("Seeded %d viewers and %d agents", len(world.viewers), len(world.agents))
    return world


def _viewers(state: SimState, rng: random.Random, now: float, hostile: bool) -> list[Viewer]:
    names: list[str] = []
    while len(names) < VIEWER_POOL_SIZE:
        name = f"{rng.choice(_ADJECTIVES)}_{rng.choice(_NOUNS)}{rng.randint(1, 999)}"
        if name not in names:
            names.append(name)
    if hostile:
        for index, hostile_name in zip((7, 23, 41), HOSTILE_USERNAMES, strict=True):
            names[index] = hostile_name
    viewers = []
    for name in names:
        user = state.add_user(name, created_at=now - rng.uniform(0, 90 * DAY))
        viewers.append(Viewer(user, trades=rng.random() < TRADER_SHARE))
    return viewers


def _agent(state: SimState, rng: random.Random, name: str, now: float) -> Agent:
    created = now - rng.uniform(10 * DAY, 60 * DAY)
    agent = state.add_agent(
        name, f"{name} streams for the simulated audience.", None, None, True, created
    )
    state.create_token(agent, created_at=created + 3_600)

    for _ in range(rng.randint(1, 3)):
        started = now - rng.uniform(2 * DAY, 9 * DAY)
        session = state.open_session(agent, rng.choice(STREAM_TITLES), started)
        state.end_session(agent, ended_at=started + rng.uniform(1_800, 10_800))
        filename = f"{session.session_id}.flv"
        state.files[f"recordings/{filename}"] = ("video/x-flv", EMPTY_FLV)
        state.attach_recording(
            session.session_id, f"{state.origin}/recordings/{filename}", len(EMPTY_FLV)
        )

    for _ in range(rng.randint(1, 2)):
        state.scheduled.append(
            ScheduledSession(
                session_id=encoding.random_uuid(state.id_rng),
                streamer_id=agent.user_id,
                title=rng.choice(STREAM_TITLES),
                scheduled_for=now + rng.uniform(3_600, 3 * DAY),
            )
        )

    # Most simulated agents are live from the start.
    if rng.random() < 0.8:
        state.open_session(agent, rng.choice(STREAM_TITLES), now - rng.uniform(300, 5_400))
    return agent


def _seed_trades(state: SimState, rng: random.Random, world: World, now: float) -> None:
    traders = [viewer.user for viewer in world.viewers if viewer.trades]
    traders = traders or [viewer.user for viewer in world.viewers]
    plan: list[tuple[float, Agent]] = []
    for agent in world.agents:
        plan.extend(
            (now - rng.uniform(0, HISTORY_SECONDS), agent) for _ in range(rng.randint(30, 90))
        )
    plan.sort(key=lambda item: item[0])

    for at, agent in plan:
        token = agent.token
        assert token is not None
        is_buy = rng.random() < 0.65 or token.curve.max_sell_usd < 5
        amount = round(rng.uniform(5, 400), 2)
        if not is_buy:
            amount = round(min(amount, token.curve.max_sell_usd * 0.5), 2)
        trader = rng.choice(traders)
        state.market.trade(
            token, is_buy, amount, trader.wallet_address, encoding.random_signature(rng), at
        )


def _seed_chat(state: SimState, rng: random.Random, world: World, now: float) -> None:
    for agent in world.agents:
        if agent.session is None:
            continue
        started = agent.session.started_at
        moments = sorted(rng.uniform(started, now) for _ in range(rng.randint(10, 25)))
        for at in moments:
            if rng.random() < 0.2:
                sender_agent = rng.choice(world.agents)
                text = agent_line(rng, sender_agent.name, agent.name)
                state.add_chat_event(agent, sender_agent.user, text, at=at)
                continue
            viewer = rng.choice(world.viewers).user
            other = rng.choice(world.agents).name
            ticker = agent.token.ticker if agent.token else ""
            state.add_chat_event(agent, viewer, viewer_line(rng, agent.name, ticker, other), at=at)
