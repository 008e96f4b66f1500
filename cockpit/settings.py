"""The cockpit's settings: one typed model, read once at start and passed down.

Sources, later ones winning: defaults, the TOML file (``paths.config_file()``),
environment variables with the prefix ``RETAKE_COCKPIT_`` (nested fields use
``__``, for example ``RETAKE_COCKPIT_ENCODER__FRAMERATE=15``), then
command-line flags.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from cockpit import paths

DEFAULT_API_URL = "https://retake.tv/api/v1"


class SettingsError(Exception):
    """Raised when the settings file, an environment variable or a flag contains an invalid value."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class HttpSettings(_Section):
    """Timeouts and retries of the API client."""

    connect_timeout: float = Field(5.0, gt=0, description="Seconds to open a connection.")
    read_timeout: float = Field(10.0, gt=0, description="Seconds to wait for each read.")
    deadline: float = Field(
        30.0, gt=0, description="Seconds one request may take in all, retries included."
    )
    retries: int = Field(
        3,
        ge=0,
        le=10,
        description="Retries of an idempotent request after a 5xx or lost connection.",
    )
    backoff_initial: float = Field(0.5, gt=0, description="Seconds before the first retry.")
    backoff_max: float = Field(8.0, gt=0, description="Upper bound in seconds of one retry wait.")


class EncoderSettings(_Section):
    """ffmpeg's output. Defaults follow the platform's encoder recipe."""

    framerate: int = Field(30, ge=1, le=60, description="Frames per second captured and sent.")
    preset: str = Field("veryfast", description="libx264 preset.")
    video_bitrate: int = Field(1500, ge=100, description="Video bitrate in kbit/s.")
    keyframe_interval: float = Field(2.0, gt=0, description="Seconds between keyframes.")
    audio_bitrate: int = Field(128, ge=32, description="AAC bitrate in kbit/s.")
    io_timeout: float = Field(
        5.0, gt=0, description="Seconds ffmpeg waits on a blocked ingest before giving up."
    )
    stall_after: float = Field(
        8.0,
        gt=0,
        description="Seconds without encoder progress before the stream counts as stalled.",
    )
    send_buffer_size: int = Field(
        262144,
        ge=4096,
        description="Bytes of ffmpeg's TCP send buffer toward the ingest. A small buffer makes a "
        "blocked ingest stop the encoder's progress sooner; the kernel doubles the value.",
    )


class DisplaySettings(_Section):
    """The virtual display and the stage's xterm."""

    width: int = Field(1280, ge=320, description="Display width in pixels.")
    height: int = Field(720, ge=240, description="Display height in pixels.")
    font: str = Field("DejaVu Sans Mono", description="xterm font family.")
    font_size: int = Field(14, ge=6, le=48, description="xterm font size in points.")


class StreamSettings(_Section):
    """Go-live, thumbnails and recovery."""

    thumbnail_interval: float = Field(
        180.0,
        gt=0,
        description="Seconds between thumbnail uploads while live (platform asks 120-300).",
    )
    live_timeout: float = Field(
        60.0, gt=0, description="Seconds to wait for the platform to report the stream live."
    )
    status_poll_interval: float = Field(
        1.0, gt=0, description="Seconds between status checks while waiting to go live."
    )
    status_check_interval: float = Field(
        5.0,
        gt=0,
        description="Seconds between checks, while live, that the platform still shows the stream.",
    )
    skill_version_policy: Literal["warn", "require"] = Field(
        "warn",
        description="On a new platform skill version: 'warn' and go on, or 'require' the known one.",
    )
    restart_backoff_initial: float = Field(
        2.0, gt=0, description="Seconds before the first automatic restart after a failure."
    )
    restart_backoff_max: float = Field(
        120.0, gt=0, description="Upper bound in seconds of the wait between automatic restarts."
    )


def _split_command(value: object) -> object:
    """Read a command given as one string: a JSON list, or words split with shell quoting rules."""
    if not isinstance(value, str):
        return value
    stripped = value.strip()
    if stripped.startswith("["):
        return json.loads(stripped)
    return shlex.split(stripped)


class StudioSettings(_Section):
    """The studio: the background process that owns the stream and serves the views."""

    idle_exit: float = Field(
        300.0,
        gt=0,
        description="Seconds the studio keeps running with no stream and no attached client.",
    )
    start_timeout: float = Field(
        30.0, gt=0, description="Seconds a client waits for a studio it started to respond."
    )
    stop_timeout: float = Field(
        90.0,
        gt=0,
        description="Seconds `cockpit studio stop` waits for the studio to end the stream "
        "and exit.",
    )
    event_buffer: int = Field(
        5000,
        ge=100,
        description="Events kept for clients that reconnect; older ones need a fresh snapshot.",
    )
    client_queue: int = Field(
        2000,
        ge=10,
        description="Messages queued for one client; a client that falls further behind is "
        "told to resynchronise.",
    )
    client_write_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds a client may leave a message unread before it is disconnected.",
    )
    health_interval: float = Field(
        2.0, gt=0, description="Seconds between process and encoder reports while streaming."
    )
    status_interval: float = Field(
        15.0, gt=0, description="Seconds between stream status checks with the platform."
    )
    alert_command: Annotated[list[str], NoDecode, BeforeValidator(_split_command)] = Field(
        default_factory=list,
        description="Command run for every alert, with the alert as JSON on stdin: a list of "
        "arguments, or one string split with shell quoting rules. Empty runs nothing.",
    )
    alert_timeout: float = Field(
        10.0, gt=0, description="Seconds an alert command may run before it is stopped."
    )


class AlertSettings(_Section):
    """Thresholds of the alerts the live feeds raise for the operator."""

    big_tip_usd: float = Field(
        10.0, ge=0, description="A tip of at least this many USD raises an alert."
    )
    big_trade_usd: float = Field(
        100.0,
        ge=0,
        description="A trade of the agent's token of at least this many USD raises an alert.",
    )
    follows: bool = Field(True, description="Raise an alert for every new follower.")
    market_cap_milestones: list[float] = Field(
        default_factory=lambda: [
            10_000.0,
            25_000.0,
            50_000.0,
            100_000.0,
            250_000.0,
            500_000.0,
            1_000_000.0,
            5_000_000.0,
            10_000_000.0,
        ],
        description="Market caps in USD; crossing one upward raises an alert once.",
    )
    failed_requests: int = Field(
        5, ge=1, description="A run of this many failed requests of one feed raises an alert."
    )
    dead_air: float = Field(
        120.0,
        gt=0,
        description="Seconds without chat and without an own message, while live, before an alert.",
    )


class FeedSettings(_Section):
    """The live feeds: polling cadences, merge tolerance, memory windows and the send queue."""

    chat_interval_active: float = Field(
        2.5,
        gt=0,
        description="Seconds between comment polls while live and chat is active (the platform "
        "asks 2-3).",
    )
    chat_interval_quiet: float = Field(
        7.5,
        gt=0,
        description="Seconds between comment polls while live and chat is quiet (the platform "
        "asks 5-10).",
    )
    chat_interval_offline: float = Field(
        20.0, gt=0, description="Seconds between comment polls while not live."
    )
    chat_active_window: float = Field(
        30.0,
        gt=0,
        description="Seconds after a viewer's message during which chat counts as active.",
    )
    tips_interval: float = Field(
        5.0,
        gt=0,
        description="Seconds between polls of the public chat for tips and trades while live.",
    )
    trades_interval: float = Field(
        5.0, gt=0, description="Seconds between polls of the token's recent trades while live."
    )
    stats_interval: float = Field(
        15.0, gt=0, description="Seconds between polls of the token's stats while live."
    )
    status_interval: float = Field(
        10.0, gt=0, description="Seconds between polls of the stream status while live."
    )
    offline_slowdown: float = Field(
        4.0,
        ge=1,
        description="Factor applied to the tips, trades, stats and status intervals while "
        "not live.",
    )
    socket_slowdown: float = Field(
        2.0,
        ge=1,
        description="Factor applied to every poll interval while the Socket.IO connection is up.",
    )
    poll_tips: bool = Field(
        True,
        description="Poll the public chat for tips and trades, which the comment endpoint leaves "
        "out, so that none is lost while the socket is down.",
    )
    global_trades: bool = Field(
        False,
        description="Join the global 'trades' room and report every token's trades (the agent's "
        "own still feed its trade window).",
    )
    page_size: int = Field(
        100,
        ge=1,
        le=100,
        description="Items requested per page when polling (the platform's maximum is 100).",
    )
    max_pages: int = Field(
        20,
        ge=1,
        description="Pages one poll reads back at most while looking for the newest item "
        "already seen.",
    )
    first_pages: int = Field(
        2,
        ge=1,
        description="Pages read on the very first poll of a feed, when no item was seen before.",
    )
    merge_tolerance: float = Field(
        10.0,
        gt=0,
        description="Seconds two reports of one chat message or trade may differ in time and "
        "still count as the same item.",
    )
    merge_retention: float = Field(
        300.0,
        gt=0,
        description="Seconds an item seen through only one path waits for its twin from the other.",
    )
    merge_pending_max: int = Field(
        20_000, ge=100, description="Items at most waiting for their twin; older ones stop waiting."
    )
    chat_window: int = Field(500, ge=10, description="Chat items kept in memory.")
    trade_window: int = Field(500, ge=10, description="Trades kept in memory.")
    stats_window: int = Field(720, ge=10, description="Token stats snapshots kept in memory.")
    max_message_length: int = Field(
        500, ge=1, description="Characters an own chat message may have at most."
    )
    repeat_similarity: float = Field(
        0.9,
        gt=0,
        le=1,
        description="Similarity (difflib ratio after case and space folding) from which a message "
        "counts as a repeat of one sent before.",
    )
    repeat_window: float = Field(
        3600.0, gt=0, description="Seconds during which a sent message counts for the repeat check."
    )
    send_unknown_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds to look for a message of unknown outcome in the chat before it "
        "counts as failed.",
    )
    send_readback_interval: float = Field(
        2.0, gt=0, description="Seconds between chat reads while a send's outcome is unknown."
    )
    socket_retry_initial: float = Field(
        1.0, gt=0, description="Seconds before the first retry of a failed first Socket.IO connect."
    )
    socket_retry_max: float = Field(
        30.0,
        gt=0,
        description="Upper bound in seconds of the wait between Socket.IO connect retries.",
    )
    store_flush_interval: float = Field(
        0.25, gt=0, description="Seconds between batched writes to the chat store."
    )
    store_backlog_max: int = Field(
        10_000,
        ge=100,
        description="Rows kept in memory for the chat store while it cannot write (a full disk); "
        "older ones are dropped.",
    )
    store_max_bytes: int | None = Field(
        None,
        ge=65_536,
        description="Upper bound in bytes of the chat store's database file; none when unset.",
    )
    alerts: AlertSettings = Field(default_factory=AlertSettings)  # type: ignore[arg-type]


class ConsoleSettings(_Section):
    """The operator console: keys, theme and the word filter."""

    keymap: dict[str, str] = Field(
        default_factory=dict,
        description="Keys of the console's bindings by binding id, replacing the defaults, for "
        'example {go_live = "f5", stop = "ctrl+x"}; several keys are separated by commas. '
        "The help screen (F1) lists every binding id.",
    )
    theme: str | None = Field(
        None,
        description="Console theme at start, such as 'cockpit-dark', 'cockpit-light' or "
        "'cockpit-contrast'. Unset uses the theme last chosen in the console.",
    )
    word_filter: list[str] = Field(
        default_factory=list,
        description="Words or phrases, matched without regard to case as whole words; chat "
        "messages containing one are marked in the console.",
    )


class StageSettings(_Section):
    """The stage: the screen viewers watch, and its voice."""

    narration_file: Path | None = Field(
        None,
        description="Text file the agent appends narration lines to; the stage shows each new "
        "line as it is appended, like `tail -f`.",
    )
    speak_narration: bool = Field(
        False,
        description="Also speak each new narration line into the stream's audio (needs "
        "PulseAudio and espeak-ng).",
    )
    voice: str = Field("en-us", description="espeak-ng voice of spoken lines.")
    words_per_minute: int = Field(
        165, ge=80, le=450, description="Speed of spoken lines in words per minute."
    )


class Settings(BaseSettings):
    """Everything the cockpit can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="RETAKE_COCKPIT_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    api_url: str = Field(DEFAULT_API_URL, description="Base URL of the platform's API.")
    profile: str = Field(
        "default",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$",
        description="Profile name: which stored agent credentials to use.",
    )
    token_store: Literal["auto", "file", "keyring"] = Field(
        "auto",
        description="Where a new access token is kept: 'auto' (keyring when a real one exists, "
        "else the 0600 file), 'file' (shared with agents that read credentials.json) or 'keyring'.",
    )
    http: HttpSettings = Field(default_factory=HttpSettings)  # type: ignore[arg-type]
    encoder: EncoderSettings = Field(default_factory=EncoderSettings)  # type: ignore[arg-type]
    display: DisplaySettings = Field(default_factory=DisplaySettings)  # type: ignore[arg-type]
    stream: StreamSettings = Field(default_factory=StreamSettings)  # type: ignore[arg-type]
    studio: StudioSettings = Field(default_factory=StudioSettings)  # type: ignore[arg-type]
    feeds: FeedSettings = Field(default_factory=FeedSettings)  # type: ignore[arg-type]
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)  # type: ignore[arg-type]
    stage: StageSettings = Field(default_factory=StageSettings)  # type: ignore[arg-type]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Flags (init) beat the environment, which beats the file.
        toml = TomlConfigSettingsSource(settings_cls, toml_file=paths.config_file())
        return (init_settings, env_settings, toml)


def load_settings(**flags: Any) -> Settings:
    """Read the settings file and environment, apply the flags that were given, and validate.

    Flags whose value is ``None`` were not given on the command line and are ignored.
    """
    given = {name: value for name, value in flags.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None
    except ValueError as error:
        # tomllib reports a malformed file as a ValueError subclass.
        raise SettingsError(
            f"Could not read the settings file {paths.config_file()}: {error}. "
            "Fix the TOML syntax or move the file away."
        ) from None


def _describe(error: ValidationError) -> str:
    lines = [f"Invalid settings (file {paths.config_file()}, RETAKE_COCKPIT_* variables or flags):"]
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"])
        lines.append(f"  {where} = {problem.get('input')!r}: {problem['msg']}")
    return "\n".join(lines)
