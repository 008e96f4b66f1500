"""Alert rules: what in the feeds the operator should hear about at once.

Each rule takes one observation and returns an `Alert` or None. Thresholds
come from `AlertSettings`. The rules keep only the state they need to raise
each alert once per occurrence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from cockpit.feeds.events import Alert, ChatItem, FollowItem, StatsItem, StatusItem, TradeItem
from cockpit.feeds.textsafe import display_safe
from cockpit.settings import AlertSettings

NAME_LENGTH = 40
"""Characters of a viewer's name quoted in an alert message."""


def crossed_milestones(
    previous: float | None, current: float | None, milestones: Iterable[float]
) -> list[float]:
    """Return the milestones above ``previous`` and at most ``current``, lowest first."""
    if previous is None or current is None:
        return []
    return sorted(milestone for milestone in milestones if previous < milestone <= current)


def _usd(amount: float) -> str:
    return f"${amount:,.2f}"


class AlertRules:
    """The alert rules of one feed hub."""

    def __init__(self, settings: AlertSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._clock = clock
        self.milestone_reached: float | None = None
        """The highest market-cap milestone reached (a baseline without alert at first)."""
        self._stream_drop_raised = False
        self._dead_air_raised = False

    def _alert(self, kind: str, severity: str, message: str, **data: object) -> Alert:
        return Alert(
            kind=kind,
            severity=severity,  # type: ignore[arg-type]
            message=message,
            at=self._clock(),
            data=dict(data),
        )

    def chat(self, item: ChatItem) -> Alert | None:
        """Raise ``big_tip`` for a new tip of at least ``big_tip_usd``."""
        if item.kind != "tip" or item.amount_usd is None or item.own:
            return None
        if item.amount_usd < self.settings.big_tip_usd:
            return None
        name = display_safe(item.author_name or "someone", NAME_LENGTH)
        return self._alert(
            "big_tip",
            "info",
            f"{name} tipped {_usd(item.amount_usd)}.",
            amount_usd=item.amount_usd,
            author_name=item.author_name,
            author_user_id=item.author_user_id,
            streamer_id=item.streamer_id,
        )

    def trade(self, item: TradeItem) -> Alert | None:
        """Raise ``big_trade`` for a new trade of the agent's token of ``big_trade_usd`` or more."""
        if item.amount_usd < self.settings.big_trade_usd:
            return None
        side = "bought" if item.is_buy else "sold"
        ticker = display_safe(item.ticker or "the token", NAME_LENGTH)
        return self._alert(
            "big_trade",
            "info" if item.is_buy else "warning",
            f"Someone {side} {_usd(item.amount_usd)} of {ticker}.",
            amount_usd=item.amount_usd,
            is_buy=item.is_buy,
            token_address=item.token_address,
            wallet=item.wallet,
            tx_hash=item.tx_hash,
        )

    def follow(self, item: FollowItem) -> Alert | None:
        """Raise ``follow`` for every new follower, unless follows alerts are off."""
        if not self.settings.follows:
            return None
        name = display_safe(item.follower_username or "Someone", NAME_LENGTH)
        return self._alert(
            "follow",
            "info",
            f"{name} followed the stream.",
            follower_id=item.follower_id,
            follower_username=item.follower_username,
        )

    def stats(self, item: StatsItem) -> list[Alert]:
        """Raise ``milestone`` for every market-cap milestone crossed upward for the first time.

        The first market cap observed sets the baseline without alerts, and a
        milestone reached before does not alert again after a fall.
        """
        if item.market_cap is None:
            return []
        if self.milestone_reached is None:
            reached = [m for m in self.settings.market_cap_milestones if m <= item.market_cap]
            self.milestone_reached = max(reached, default=0.0)
            return []
        crossed = crossed_milestones(
            self.milestone_reached, item.market_cap, self.settings.market_cap_milestones
        )
        if not crossed:
            return []
        self.milestone_reached = crossed[-1]
        return [self.milestone(milestone, item.market_cap) for milestone in crossed]

    def milestone(self, milestone: float, market_cap: float) -> Alert:
        """Return the ``milestone`` alert for one crossed market cap."""
        return self._alert(
            "milestone",
            "info",
            f"The token's market cap passed {_usd(milestone)} (now {_usd(market_cap)}).",
            milestone=milestone,
            market_cap=market_cap,
        )

    def status(self, item: StatusItem, expected_live: bool, was_live: bool) -> Alert | None:
        """Raise ``stream_dropped`` when the platform reports not live while the stream should be.

        ``was_live`` is whether the previous status was live, so that a stream
        still starting up does not count as dropped.
        """
        if item.is_live or not expected_live:
            self._stream_drop_raised = False
            return None
        if self._stream_drop_raised or not was_live:
            return None
        self._stream_drop_raised = True
        return self.stream_dropped()

    def stream_dropped(self) -> Alert:
        """Return the ``stream_dropped`` alert."""
        return self._alert(
            "stream_dropped",
            "critical",
            "The platform reports the stream offline although it should be live; viewers see "
            "it offline. Check the encoder, or restart the stream.",
        )

    def requests_failed(self, feed: str, failures: int, error: str) -> Alert | None:
        """Raise ``requests_failing`` when a feed's run of failures reaches ``failed_requests``."""
        if failures != self.settings.failed_requests:
            return None
        return self._alert(
            "requests_failing",
            "warning",
            f"The last {failures} requests of the {feed} feed failed; the latest error: {error}",
            feed=feed,
            failures=failures,
            error=error,
        )

    def dead_air(self, is_live: bool, quiet_since: float | None) -> Alert | None:
        """Raise ``dead_air`` once when a live stream had no chat and no own message for long.

        ``quiet_since`` is the time of the latest chat item or own message, or
        of going live when there was none since.
        """
        now = self._clock()
        if not is_live or quiet_since is None or now - quiet_since < self.settings.dead_air:
            self._dead_air_raised = False
            return None
        if self._dead_air_raised:
            return None
        self._dead_air_raised = True
        return self.dead_air_alert(now - quiet_since)

    def dead_air_alert(self, quiet_seconds: float) -> Alert:
        """Return the ``dead_air`` alert for a stream quiet for ``quiet_seconds``."""
        return self._alert(
            "dead_air",
            "warning",
            f"No chat and no own message for {quiet_seconds:.0f} s while live; say something "
            "so the stream has no dead air.",
            quiet_seconds=round(quiet_seconds, 1),
        )
