"""The simulated audience: one task that turns a rate (events per second) into chat, trades,
tips and follows, all through the same actions as /_sim.

Events come from ``random.Random`` seeded with the simulator's seed, so the same
seed and the same set of agents give the same sequence of events. Viewers write
in the rooms of registered agents whether or not they are live, and trade their
tokens once those exist.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from cockpit.sim.actions import Actions
from cockpit.sim.errors import SimError
from cockpit.sim.models import Agent
from cockpit.sim.state import SimState
from cockpit.sim.texts import agent_line, hostile_line, viewer_line
from cockpit.sim.world import World

logger = logging.getLogger(__name__)

MAX_TICK_SECONDS = 0.05
"""At rates above 20 events/s, events go out in batches every 50 ms."""
MAX_BATCH = 2_000
"""Events made up in one tick at most, so a stalled loop does not burst without bound."""
REGISTERED_SHARE = 0.7
"""Share of events aimed at registered agents while any exist."""

EVENT_WEIGHTS = (("chat", 55), ("agent_chat", 12), ("trade", 18), ("tip", 7), ("follow", 8))


class Audience:
    """The simulated audience, producing ``rate`` events per second."""

    def __init__(
        self,
        state: SimState,
        actions: Actions,
        world: World,
        seed: int,
        rate: float = 0.0,
        hostile_share: float = 0.05,
    ) -> None:
        self.state = state
        self.actions = actions
        self.world = world
        self.rng = random.Random(f"{seed}:audience")
        self.rate = rate
        self.hostile_share = hostile_share
        self.produced = 0
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def set_rate(self, rate: float) -> None:
        """Change the rate; 0 silences the audience."""
        self.rate = rate
        self._changed.set()
        logger.info("Audience rate set to %.2f events/s", rate)

    def start(self) -> None:
        """Start the audience task in the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sim-audience")

    async def stop(self) -> None:
        """Cancel the audience task and wait for it."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        due = 0.0
        while True:
            if self.rate <= 0:
                await self._changed.wait()
                self._changed.clear()
                last, due = loop.time(), 0.0
                continue

            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(1.0 / self.rate, MAX_TICK_SECONDS))
            self._changed.clear()

            now = loop.time()
            due = min(due + (now - last) * self.rate, MAX_BATCH)
            last = now
            count = int(due)
            due -= count
            for _ in range(count):
                await self.step()

    async def step(self) -> None:
        """Produce one audience event."""
        kind = self.rng.choices(
            [name for name, _ in EVENT_WEIGHTS], [weight for _, weight in EVENT_WEIGHTS]
        )[0]
        target = self._target()
        try:
            if kind == "chat":
                await self._chat(target)
            elif kind == "agent_chat":
                await self._agent_chat(target)
            elif kind == "trade":
                await self._trade(target)
            elif kind == "tip":
                viewer = self.rng.choice(self.world.viewers).user
                amount = round(
                    self.rng.choice((1, 2, 5, 5, 10, 20, 50, 100)) * self.rng.uniform(0.9, 1.1), 2
                )
                await self.actions.tip(target, viewer, amount)
            else:
                await self.actions.follow(target, self.rng.choice(self.world.viewers).user)
        except SimError as error:
            logger.warning("An audience %s event was rejected: %s", kind, error.message)
        except Exception:
            # A failing event must not end the audience task; the next tick tries again.
            logger.exception("An audience %s event for %s failed", kind, target.user_id)
        self.produced += 1

    def _target(self) -> Agent:
        registered = [agent for agent in self.state.agents.values() if not agent.simulated]
        if registered and self.rng.random() < REGISTERED_SHARE:
            return self.rng.choice(registered)
        return self.rng.choice(self.world.agents)

    def _text(self, ordinary: str) -> str:
        if self.hostile_share > 0 and self.rng.random() < self.hostile_share:
            return hostile_line(self.rng)
        return ordinary

    async def _chat(self, target: Agent) -> None:
        viewer = self.rng.choice(self.world.viewers).user
        other = self.rng.choice(self.world.agents).name
        ticker = target.token.ticker if target.token else ""
        await self.actions.chat(
            target, viewer, self._text(viewer_line(self.rng, target.name, ticker, other))
        )

    async def _agent_chat(self, target: Agent) -> None:
        sender = self.rng.choice(self.world.agents)
        await self.actions.chat(
            target, sender.user, self._text(agent_line(self.rng, sender.name, target.name))
        )

    async def _trade(self, target: Agent) -> None:
        token = target.token
        if token is None:
            traded = self.rng.choice(self.world.agents).token
            assert traded is not None
            token = traded
        traders = [viewer.user for viewer in self.world.viewers if viewer.trades]
        trader = self.rng.choice(traders or [viewer.user for viewer in self.world.viewers])
        amount = round(self.rng.uniform(2, 300), 2)
        is_buy = self.rng.random() < 0.6 or token.curve.max_sell_usd < 5
        if not is_buy:
            amount = round(min(amount, token.curve.max_sell_usd * 0.5), 2)
        await self.actions.trade(token, is_buy, amount, trader)
