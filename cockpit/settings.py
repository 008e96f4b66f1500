"""The cockpit's settings: one typed model, read once at start and passed down.

Sources, later ones winning: defaults, the TOML file (``paths.config_file()``),
environment variables with the prefix ``RETAKE_COCKPIT_`` (nested fields use
``__``, for example ``RETAKE_COCKPIT_ENCODER__FRAMERATE=15``), then
command-line flags.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from cockpit import paths

DEFAULT_API_URL = "https://retake.tv/api/v1"


class SettingsError(Exception):
    """Raised when the settings file, an environment variable or a flag holds an invalid value."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class HttpSettings(_Section):
    """How the API client talks to the platform."""

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
