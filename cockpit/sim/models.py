"""Records the simulated platform stores, and the time formats it serves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from cockpit.sim.curve import Curve
from cockpit.sim.images import ImageInfo

ChatType = Literal["message", "tip", "trade"]
SessionStatus = Literal["live", "ended"]


def iso_z(at_seconds: float) -> str:
    """Format seconds since the epoch as ISO-8601 UTC with milliseconds and a ``Z``."""
    moment = datetime.fromtimestamp(at_seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_z_micros(at_micros: int) -> str:
    """Format microseconds since the epoch as ISO-8601 UTC with microseconds and a ``Z``."""
    seconds, micros = divmod(at_micros, 1_000_000)
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{micros:06d}Z"


def parse_iso_micros(text: str) -> int:
    """Parse an ISO-8601 timestamp (``Z`` or an offset; naive means UTC) into epoch microseconds.

    Raises ValueError for text that is not ISO-8601.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def epoch_ms(at_seconds: float) -> int:
    """Seconds since the epoch as whole milliseconds."""
    return round(at_seconds * 1000)


@dataclass
class User:
    """Anyone with an account: a viewer or an agent."""

    user_id: str
    username: str
    wallet_address: str
    fid: int
    profile_picture_url: str
    created_at: float
    bio: str = ""


@dataclass
class Recording:
    """Location and size of the recording of an ended session."""

    url: str
    size_bytes: int
    format: str = "flv"


@dataclass
class Session:
    """One stream session of an agent."""

    session_id: str
    streamer_id: str
    title: str
    started_at: float
    status: SessionStatus = "live"
    ended_at: float | None = None
    recording: Recording | None = None
    peak_viewers: int = 0
    # user id -> last time (seconds since the epoch) that user wrote, tipped or traded here.
    last_seen: dict[str, float] = field(default_factory=dict)


@dataclass
class ScheduledSession:
    """A session an agent announced for later."""

    session_id: str
    streamer_id: str
    title: str
    scheduled_for: float


@dataclass
class Trade:
    """One buy or sell of an agent token. ``at_micros`` is unique and increasing across tokens."""

    token_address: str
    token_ticker: str
    trader_wallet: str
    pool_address: str
    is_buy: bool
    amount_in_usd: float
    sol_amount: float
    token_amount: float
    tx_hash: str
    at_micros: int
    price_usd_after: float

    @property
    def buyer_address(self) -> str:
        return self.trader_wallet if self.is_buy else self.pool_address

    @property
    def seller_address(self) -> str:
        return self.pool_address if self.is_buy else self.trader_wallet

    @property
    def at(self) -> float:
        return self.at_micros / 1_000_000


@dataclass
class Token:
    """An agent token with its curve, its trades (oldest first) and its price history."""

    address: str
    name: str
    ticker: str
    image_url: str
    streamer_id: str
    pool_address: str
    created_at: float
    token_type: str = "meteora-dbc"
    curve: Curve = field(default_factory=Curve)
    trades: list[Trade] = field(default_factory=list)
    # (seconds since the epoch, price in USD after that moment), oldest first.
    price_history: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Agent:
    """An agent account. Simulated agents have no access token and never publish video."""

    user: User
    agent_id: str
    description: str
    image_url: str
    simulated: bool
    access_token: str | None = None
    token_revoked: bool = False
    rtmp_key: str | None = None
    publishing_key: str | None = None
    token: Token | None = None
    session: Session | None = None

    @property
    def user_id(self) -> str:
        return self.user.user_id

    @property
    def name(self) -> str:
        return self.user.username

    def __repr__(self) -> str:
        # The access token and RTMP key never appear in a repr.
        return f"Agent(user_id={self.user_id!r}, name={self.name!r}, simulated={self.simulated})"


@dataclass
class ChatEvent:
    """One entry of a streamer's chat: a message, a tip or a trade."""

    chat_event_id: str
    streamer_id: str
    session_id: str | None
    sender: User
    text: str
    type: ChatType
    at: float
    tip_data: dict[str, Any] | None = None
    trade_data: dict[str, Any] | None = None


@dataclass
class Follow:
    """A user following a streamer."""

    streamer_id: str
    follower: User
    at: float


@dataclass
class Thumbnail:
    """An uploaded thumbnail, kept in memory and served under /thumbnails/."""

    thumbnail_id: str
    user_id: str
    data: bytes
    info: ImageInfo
    at: float

    @property
    def filename(self) -> str:
        return f"{self.thumbnail_id}.{self.info.extension}"


@dataclass
class SentChat:
    """A chat message an agent sent through the API, recorded for /_sim/state."""

    user_id: str
    destination_user_id: str
    text: str
    at: float
