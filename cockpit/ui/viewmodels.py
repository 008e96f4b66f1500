"""Plain records of the view model that `cockpit.ui.viewstate.ViewState` keeps. No Textual here.

Every text that came from the platform or its users is already display-safe
here (passed through `display_safe`), so views draw it as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

StepStateName = Literal["pending", "running", "done", "failed"]
LogLevel = Literal["info", "success", "warning", "error"]
ConnectionState = Literal["connecting", "connected", "reconnecting", "lost"]


@dataclass(frozen=True, slots=True)
class StepView:
    """One go-live step: its state, the error of a failure and the seconds it took."""

    name: str
    state: StepStateName = "pending"
    error: str = ""
    seconds: float | None = None


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One chat message, tip or trade notice, ready to draw.

    ``author_key`` identifies the viewer the way the studio's viewer records do:
    ``user:ID``, ``wallet:ADDRESS`` or ``name:NAME``, or an empty string for
    the agent's own messages. ``filtered`` marks a match of the word filter.
    """

    id: str
    kind: str
    text: str
    author: str
    author_key: str
    at: float
    streamer_id: str
    wallet: str | None = None
    user_id: str | None = None
    amount_usd: float | None = None
    own: bool = False
    returning: bool = False
    filtered: bool = False
    revision: int = 0


@dataclass(frozen=True, slots=True)
class TradeLine:
    """One buy or sell of a token; ``large`` is at or above the big-trade threshold."""

    id: str
    is_buy: bool
    amount_usd: float
    at: float
    ticker: str
    wallet: str | None
    tx_hash: str | None
    large: bool


@dataclass(frozen=True, slots=True)
class StatsView:
    """The token's latest stats: prices and amounts in USD, growth in percent."""

    at: float
    token_address: str
    ticker: str = ""
    price: float | None = None
    market_cap: float | None = None
    all_time_high: float | None = None
    growth_1h: float | None = None
    growth_6h: float | None = None
    growth_24h: float | None = None
    volume_total: float | None = None
    volume_24h: float | None = None
    earnings_total: float | None = None
    earnings_24h: float | None = None


@dataclass(frozen=True, slots=True)
class ProcessView:
    """One process of the studio or its pipeline."""

    name: str
    pid: int | None
    state: str
    cpu_percent: float | None
    memory_bytes: int | None
    uptime_seconds: float | None
    restarts: int
    returncode: int | None = None


@dataclass(frozen=True, slots=True)
class EncoderView:
    """ffmpeg's latest progress; ``target_fps`` is the configured frame rate."""

    running: bool
    target_fps: float | None
    fps: float | None = None
    bitrate_kbps: float | None = None
    speed: float | None = None
    frames: int = 0
    dropped: int = 0
    stalled: bool = False

    @property
    def dropped_percent(self) -> float | None:
        """Dropped frames as a percentage of the frames encoded, or None before any frame."""
        if self.frames <= 0:
            return None
        return 100.0 * self.dropped / self.frames

    @property
    def fps_ratio(self) -> float | None:
        """``fps`` as a share of ``target_fps`` (1.0 is on target), or None when unknown."""
        if self.fps is None or not self.target_fps:
            return None
        return self.fps / self.target_fps


@dataclass(frozen=True, slots=True)
class HostView:
    """The host's load: CPU and memory in percent, free disk in bytes."""

    cpu_percent: float | None
    memory_percent: float | None
    disk_free_bytes: int | None
    source: Literal["studio", "console"] = "console"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the event log; ``number`` grows by one per entry, for appending views."""

    number: int
    at: float
    level: LogLevel
    source: str
    text: str


@dataclass(frozen=True, slots=True)
class AlertView:
    """An operator alert from the studio or its feeds."""

    kind: str
    severity: str
    message: str
    at: float
    source: str = ""


@dataclass(frozen=True, slots=True)
class SendView:
    """The latest state of one of the operator's own chat messages."""

    message_id: str
    text: str
    state: str
    at: float
    reason: str = ""
    warning: str = ""


@dataclass(frozen=True, slots=True)
class FeedHealthView:
    """The feeds' connections: Socket.IO (None when not used) and each poll's failures."""

    socket_connected: bool | None
    at: float
    failures: dict[str, int] = field(default_factory=dict)
    last_poll_ok_at: dict[str, float] = field(default_factory=dict)
    last_error: str = ""

    @property
    def polling_ok(self) -> bool:
        """Whether every poll feed's last request succeeded."""
        return not any(self.failures.values())


@dataclass(frozen=True, slots=True)
class StreamStatusView:
    """The platform's stream status: live, viewers and uptime as of ``checked_at``."""

    is_live: bool
    viewers: int
    uptime_seconds: float | None
    checked_at: float


@dataclass(frozen=True, slots=True)
class StopView:
    """The stats that stopping the stream returned."""

    stopped: bool
    duration_seconds: float | None
    viewers: int | None
    at: float


@dataclass(frozen=True, slots=True)
class Identity:
    """The studio's identity: profile, agent, token and the path of its log."""

    profile: str = ""
    agent_name: str = ""
    api_url: str = ""
    user_db_id: str = ""
    token_address: str = ""
    token_ticker: str = ""
    pid: int | None = None
    log: str = ""


@dataclass(frozen=True, slots=True)
class ViewerSummary:
    """A summary of one viewer from the chat and trades the console keeps."""

    key: str
    names: tuple[str, ...]
    wallet: str | None
    user_id: str | None
    message_count: int
    recent_messages: tuple[tuple[float, str], ...]
    tips_usd: float
    buys: int
    sells: int
    bought_usd: float
    sold_usd: float
    first_seen: float | None
    last_seen: float | None
    returning: bool
    muted: bool
