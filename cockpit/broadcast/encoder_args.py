"""ffmpeg's argument list: capture the display, add an audio track, push FLV to the ingest.

The recipe follows the platform's: libx264 with ``-tune zerolatency``,
``yuv420p`` for browser playback, and an AAC track because the web player does
not render a stream without audio.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from urllib.parse import urlsplit

from cockpit.redaction import Redactor, redact_url
from cockpit.settings import DisplaySettings, EncoderSettings

AUDIO_SAMPLE_RATE = 44100
"""Hz of the audio track; the pulse input defaults to 48 kHz, so it is set on both ends."""

THREAD_QUEUE_SIZE = 512
"""Packets queued per live input; smaller queues drop x11grab frames while the encoder is busy."""

_INGEST_SCHEMES = frozenset({"rtmp", "rtmps"})


class EncoderArgumentError(ValueError):
    """Raised when the ingest URL or key cannot form an ffmpeg output."""


def ingest_target(url: str, key: str) -> str:
    """Return ``URL/KEY``, the FLV output the platform expects.

    Raises ``EncoderArgumentError`` for a URL that is not rtmp or rtmps, or an
    empty key or one with characters that would change the URL; the message
    never contains the key.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme not in _INGEST_SCHEMES:
        raise EncoderArgumentError(
            f"The ingest URL scheme {scheme or '(none)'!r} is not rtmp or rtmps; "
            "use the URL the platform returned for the stream."
        )
    if not key:
        raise EncoderArgumentError("The stream key is empty; fetch fresh ingest credentials.")
    if any(character in key for character in "/?# ") or not key.isprintable():
        raise EncoderArgumentError(
            "The stream key contains '/', '?', '#', a space or a control character; "
            "fetch fresh ingest credentials."
        )
    return f"{url.rstrip('/')}/{key}"


def audio_input_args(audio_source: str | None) -> list[str]:
    """Return the audio input: silence, or a PulseAudio source such as ``SINK.monitor``."""
    if audio_source is None:
        silence = f"anullsrc=channel_layout=stereo:sample_rate={AUDIO_SAMPLE_RATE}"
        return ["-f", "lavfi", "-i", silence]
    return [
        "-thread_queue_size", str(THREAD_QUEUE_SIZE),
        "-f", "pulse",
        "-sample_rate", str(AUDIO_SAMPLE_RATE),
        "-channels", "2",
        "-i", audio_source,
    ]  # fmt: skip


def build_ffmpeg_args(
    display: str,
    encoder: EncoderSettings,
    display_settings: DisplaySettings,
    url: str,
    key: str,
    audio_source: str | None = None,
) -> list[str]:
    """Return ffmpeg's argument list for streaming ``display`` to ``url/key``.

    The key appears only in the last argument. ``-nostdin`` is left out on
    purpose, because ``q`` on stdin is how ffmpeg is stopped cleanly.
    ``-rw_timeout`` (microseconds) reaches the TCP connection under rtmp and
    rtmps, so a write blocked for that long fails the stream. A write blocks
    only once the socket buffers are full, so ``-send_buffer_size`` keeps
    ffmpeg's side of them small.
    """
    target = ingest_target(url, key)
    video_size = f"{display_settings.width}x{display_settings.height}"
    framerate = encoder.framerate
    gop = max(1, round(framerate * encoder.keyframe_interval))
    video_input = [
        "-thread_queue_size", str(THREAD_QUEUE_SIZE),
        "-f", "x11grab", "-draw_mouse", "0",
        "-video_size", video_size, "-framerate", str(framerate),
        "-i", display,
    ]  # fmt: skip
    if audio_source is None:
        inputs = [*video_input, *audio_input_args(None), "-map", "0:v:0", "-map", "1:a:0"]
    else:
        # ffmpeg opens its inputs in order and reads none until all are open. A PulseAudio
        # source delivers its first data up to 2 s late (module-null-sink starts with 2 s
        # blocks), so opened after x11grab it froze the picture that long at the start
        # (ffmpeg 5.1.9, PulseAudio 16.1, measured). Opened first, it delays nothing.
        inputs = [*audio_input_args(audio_source), *video_input, "-map", "1:v:0", "-map", "0:a:0"]
    return [
        "ffmpeg",
        "-hide_banner", "-loglevel", "error",
        "-progress", "pipe:1", "-nostats",
        *inputs,
        "-c:v", "libx264", "-preset", encoder.preset, "-tune", "zerolatency",
        "-b:v", f"{encoder.video_bitrate}k",
        "-maxrate", f"{encoder.video_bitrate}k",
        "-bufsize", f"{2 * encoder.video_bitrate}k",
        "-pix_fmt", "yuv420p",
        "-g", str(gop),
        "-c:a", "aac", "-b:a", f"{encoder.audio_bitrate}k", "-ar", str(AUDIO_SAMPLE_RATE),
        "-rw_timeout", str(round(encoder.io_timeout * 1_000_000)),
        "-send_buffer_size", str(encoder.send_buffer_size),
        "-f", "flv", target,
    ]  # fmt: skip


def displayed_command(argv: Sequence[str], redactor: Redactor) -> str:
    """Return ``argv`` as a shell-quoted line for logs and the operator, without secrets.

    Each argument is redacted before quoting, since quoting could split a secret
    that contains a quote. The last path segment of an rtmp or rtmps URL is hidden
    even when the redactor does not know the key.
    """
    return shlex.join(redact_url(redactor.redact(argument)) for argument in argv)
