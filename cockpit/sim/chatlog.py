"""Every streamer's chat, oldest first, with paging and the figures derived from it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from cockpit.sim.errors import not_found
from cockpit.sim.models import ChatEvent


@dataclass(frozen=True)
class TipperRow:
    """One line of a streamer's top tippers."""

    user_id: str
    username: str
    total_amount: float
    tip_count: int


class ChatLog:
    """Chat events per streamer, oldest first, and an index from id to event."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._by_streamer: dict[str, list[ChatEvent]] = defaultdict(list)
        self._positions: dict[str, tuple[str, int]] = {}

    def append(self, event: ChatEvent) -> None:
        """Store an event at the end of its streamer's chat."""
        events = self._by_streamer[event.streamer_id]
        self._positions[event.chat_event_id] = (event.streamer_id, len(events))
        events.append(event)

    def events(self, streamer_id: str) -> list[ChatEvent]:
        """Return the streamer's chat, oldest first. It is the stored list, so do not change it."""
        return self._by_streamer.get(streamer_id, [])

    def page(
        self,
        streamer_id: str,
        limit: int,
        before_id: str | None,
        accept: Callable[[ChatEvent], bool] | None = None,
    ) -> tuple[list[ChatEvent], bool]:
        """Return up to ``limit`` accepted events older than ``before_id``, newest first.

        The second value is whether older accepted events remain. Raises
        SimError(404) when ``before_id`` is not an event of this streamer.
        """
        events = self.events(streamer_id)
        end = len(events)
        if before_id is not None:
            position = self._positions.get(before_id)
            if position is None or position[0] != streamer_id:
                raise not_found(
                    f"No chat event {before_id!r} in the chat of {streamer_id!r}; "
                    "pass an id from a previous page."
                )
            end = position[1]

        page: list[ChatEvent] = []
        index = end - 1
        while index >= 0 and len(page) < limit:
            if accept is None or accept(events[index]):
                page.append(events[index])
            index -= 1
        has_more = any(accept is None or accept(events[i]) for i in range(index, -1, -1))
        return page, has_more

    def top_tippers(self, streamer_id: str) -> list[TipperRow]:
        """Tippers of the streamer by total amount, largest first."""
        totals: dict[str, list[float]] = {}
        names: dict[str, str] = {}
        for event in self.events(streamer_id):
            if event.type != "tip" or event.tip_data is None:
                continue
            row = totals.setdefault(event.sender.user_id, [0.0, 0])
            row[0] += float(event.tip_data["amount"])
            row[1] += 1
            names[event.sender.user_id] = event.sender.username
        ordered = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
        return [
            TipperRow(user_id, names[user_id], total, int(count))
            for user_id, (total, count) in ordered
        ]
