"""ffmpeg's argument list and the parsing of its -progress output."""

from __future__ import annotations

import pytest

from cockpit.broadcast.encoder import build_ffmpeg_args
from cockpit.broadcast.encoder_args import EncoderArgumentError, displayed_command
from cockpit.broadcast.progress import EncoderProgress, ProgressParser
from cockpit.redaction import REDACTED, Redactor
from cockpit.settings import DisplaySettings, EncoderSettings

KEY = "sk_9f8e7d6c5b4a"
URL = "rtmps://ingest.test/live"


def value_after(argv: list[str], option: str) -> str:
    assert option in argv, f"{option} missing from {argv}"
    return argv[argv.index(option) + 1]


def default_args(**encoder_fields: object) -> list[str]:
    encoder = EncoderSettings(**encoder_fields)  # type: ignore[arg-type]
    return build_ffmpeg_args(":7", encoder, DisplaySettings(), URL, KEY)


def test_key_only_in_last_argument() -> None:
    argv = default_args()
    assert argv[-1] == f"{URL}/{KEY}"
    assert not any(KEY in argument for argument in argv[:-1])
    assert argv[-3:-1] == ["-f", "flv"]


def test_capture_without_mouse_pointer() -> None:
    argv = default_args()
    assert value_after(argv, "-draw_mouse") == "0"
    assert value_after(argv, "-f") == "x11grab"
    assert value_after(argv, "-video_size") == "1280x720"
    assert value_after(argv, "-i") == ":7"
    # The queue size applies to the x11grab input, so it comes before that input's -f.
    assert argv.index("-thread_queue_size") < argv.index("x11grab")


def test_stdin_stays_open_for_quit() -> None:
    argv = default_args()
    assert "-nostdin" not in argv
    assert value_after(argv, "-progress") == "pipe:1"
    assert "-nostats" in argv
    assert value_after(argv, "-loglevel") == "error"


def test_rates_follow_settings() -> None:
    argv = default_args(framerate=15, video_bitrate=2500, audio_bitrate=96, keyframe_interval=2.0)
    assert value_after(argv, "-framerate") == "15"
    assert value_after(argv, "-b:v") == "2500k"
    assert value_after(argv, "-maxrate") == "2500k"
    assert value_after(argv, "-bufsize") == "5000k"
    assert value_after(argv, "-g") == "30"
    assert value_after(argv, "-b:a") == "96k"
    assert value_after(argv, "-ar") == "44100"


def test_platform_recipe_options() -> None:
    argv = default_args(preset="superfast")
    assert value_after(argv, "-c:v") == "libx264"
    assert value_after(argv, "-preset") == "superfast"
    assert value_after(argv, "-tune") == "zerolatency"
    assert value_after(argv, "-pix_fmt") == "yuv420p"
    assert value_after(argv, "-c:a") == "aac"


def test_io_timeout_in_microseconds() -> None:
    argv = default_args(io_timeout=2.5, send_buffer_size=65536)
    assert value_after(argv, "-rw_timeout") == "2500000"
    assert value_after(argv, "-send_buffer_size") == "65536"
    # Protocol options belong to the output: after the last input, before the URL.
    last_input = len(argv) - 1 - argv[::-1].index("-i")
    assert last_input < argv.index("-rw_timeout") < len(argv) - 1
    assert last_input < argv.index("-send_buffer_size") < len(argv) - 1


def test_silence_is_default_audio() -> None:
    argv = default_args()
    assert "anullsrc=channel_layout=stereo:sample_rate=44100" in argv
    assert value_after(argv, "-map") == "0:v:0"


def test_pulse_source_replaces_silence() -> None:
    argv = build_ffmpeg_args(
        ":7", EncoderSettings(), DisplaySettings(), URL, KEY, audio_source="voice.monitor"
    )
    assert "lavfi" not in argv
    pulse = argv.index("pulse")
    assert argv[pulse - 1] == "-f"
    assert argv[pulse + 1 : pulse + 7] == [
        "-sample_rate", "44100", "-channels", "2", "-i", "voice.monitor",
    ]  # fmt: skip


def test_url_with_trailing_slash() -> None:
    argv = build_ffmpeg_args(":1", EncoderSettings(), DisplaySettings(), URL + "/", KEY)
    assert argv[-1] == f"{URL}/{KEY}"


@pytest.mark.parametrize("url", ["https://ingest.test/live", "ingest.test/live", "file:out.flv"])
def test_non_rtmp_url_rejected(url: str) -> None:
    with pytest.raises(EncoderArgumentError, match="not rtmp or rtmps"):
        build_ffmpeg_args(":1", EncoderSettings(), DisplaySettings(), url, KEY)


@pytest.mark.parametrize("key", ["", "a/b", "k?x=1", "with space", "tab\tkey"])
def test_malformed_key_rejected_without_echo(key: str) -> None:
    with pytest.raises(EncoderArgumentError) as raised:
        build_ffmpeg_args(":1", EncoderSettings(), DisplaySettings(), URL, key)
    if key:
        assert key not in str(raised.value)


def test_displayed_command_hides_key() -> None:
    argv = default_args()
    line = displayed_command(argv, Redactor([KEY]))
    assert KEY not in line
    assert line.endswith(f"'{URL}/{REDACTED}'")  # shlex quotes the brackets
    assert line.startswith("ffmpeg -hide_banner")


def test_displayed_command_hides_unknown_key() -> None:
    line = displayed_command(default_args(), Redactor())
    assert KEY not in line


PROGRESS_BLOCK = """\
frame=152
fps=30.01
stream_0_0_q=23.0
bitrate=1523.4kbits/s
total_size=965432
out_time_us=5066667
out_time_ms=5066667
out_time=00:00:05.066667
dup_frames=1
drop_frames=3
speed=1.01x
progress=continue
"""


def feed_all(parser: ProgressParser, text: str) -> list[EncoderProgress]:
    snapshots = [parser.feed(line) for line in text.splitlines(keepends=True)]
    return [snapshot for snapshot in snapshots if snapshot is not None]


def test_progress_block_parsed() -> None:
    [snapshot] = feed_all(ProgressParser(), PROGRESS_BLOCK)
    assert snapshot == EncoderProgress(
        frame=152,
        fps=30.01,
        bitrate_kbps=1523.4,
        total_size=965432,
        out_time_seconds=pytest.approx(5.066667),  # type: ignore[arg-type]
        speed=1.01,
        dup_frames=1,
        drop_frames=3,
        progress="continue",
    )
    assert not snapshot.ended


def test_progress_not_available_values() -> None:
    block = "frame=0\nfps=0.00\nbitrate=N/A\ntotal_size=N/A\nout_time_us=N/A\nspeed=N/A\n"
    [snapshot] = feed_all(ProgressParser(), block + "progress=continue\n")
    assert snapshot.frame == 0
    assert snapshot.fps == 0.0
    assert snapshot.bitrate_kbps is None
    assert snapshot.total_size is None
    assert snapshot.out_time_seconds is None
    assert snapshot.speed is None


def test_progress_blocks_do_not_mix() -> None:
    parser = ProgressParser()
    first, second = feed_all(parser, PROGRESS_BLOCK + "frame=160\nprogress=end\n")
    assert first.frame == 152
    assert second.frame == 160
    assert second.fps is None  # fields of the previous block do not carry over
    assert second.ended


def test_progress_ignores_lines_without_equals() -> None:
    parser = ProgressParser()
    assert parser.feed("garbage\n") is None
    assert parser.feed("\n") is None
    [snapshot] = feed_all(parser, "frame=5\nprogress=continue\n")
    assert snapshot.frame == 5
