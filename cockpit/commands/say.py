"""``cockpit say TEXT`` or ``cockpit say --file AUDIO``: speak or play audio on the stream.

The studio plays it into the audio server of its pipeline (``say`` and
``play_audio`` commands). A studio without those commands gets it played from
here, into the same server (see `cockpit.broadcast.voice`). Either way the
encoder keeps running: the audio joins the stream as it plays.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.broadcast.voice import (
    DEFAULT_VOICE,
    DEFAULT_WORDS_PER_MINUTE,
    MAX_SPEECH_LENGTH,
    SOCKET_NAME,
    Speech,
    VoiceError,
    missing_programs,
    server_address,
    voice_dir,
)
from cockpit.settings import Settings
from cockpit.studio.cli_support import (
    EXIT_USAGE,
    Outcome,
    add_json_option,
    failure,
    run_with_studio,
)
from cockpit.studio.client import StudioClient, StudioCommandError

NAME = "say"
HELP = "speak a line, or play an audio file, on the live stream (needs PulseAudio)"

_PLAY_TIMEOUT = 900.0
"""Seconds to wait for the studio to finish playing; speech is at most a few minutes long."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the words to speak, ``--file``, ``--voice``, ``--speed`` and ``--json``."""
    parser.add_argument("text", metavar="TEXT", nargs="*", help="the words to speak")
    parser.add_argument(
        "--file", type=Path, default=None, help="play this audio file (WAV, FLAC, OGG) instead"
    )
    parser.add_argument(
        "--voice", default=DEFAULT_VOICE, help=f"espeak-ng voice (default: {DEFAULT_VOICE})"
    )
    parser.add_argument(
        "--speed",
        type=int,
        default=DEFAULT_WORDS_PER_MINUTE,
        help=f"words per minute (default: {DEFAULT_WORDS_PER_MINUTE})",
    )
    add_json_option(parser)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Speak or play; 0 when it was played, 1 when not, 2 for a usage error."""
    text = " ".join(args.text).strip()
    if text and args.file is not None:
        print("cockpit say: give either words to speak or --file, not both.", file=sys.stderr)
        return EXIT_USAGE
    if not text and args.file is None:
        print(
            "cockpit say: nothing to play; give words to speak, such as `cockpit say hello`, "
            "or an audio file with --file PATH.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if len(text) > MAX_SPEECH_LENGTH:
        print(
            f"cockpit say: the text has {len(text)} characters; the maximum is "
            f"{MAX_SPEECH_LENGTH}. Split it into shorter parts.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.file is not None:
        request: dict[str, Any] = {"path": str(args.file.expanduser().resolve())}
        name = "play_audio"
    else:
        request = {"text": text, "voice": args.voice, "words_per_minute": args.speed}
        name = "say"
    return run_with_studio(
        "say",
        settings,
        bool(args.json),
        lambda client: _play(client, name, request, settings.profile),
    )


async def _play(client: StudioClient, name: str, request: dict[str, Any], profile: str) -> Outcome:
    try:
        result = await client.command(name, timeout=_PLAY_TIMEOUT, **request)
    except StudioCommandError as error:
        if error.code != "unknown_command":
            return failure(error.code, str(error))
        # This studio predates the voice commands: play into its audio server from here.
        try:
            seconds = await asyncio.to_thread(play_here, profile, name, request)
        except VoiceError as error:
            return failure("voice_unavailable", str(error))
        result = {"seconds": seconds, "played_by": "cli"}
    return Outcome(True, result, [f"Played {float(result.get('seconds') or 0):.1f} s of audio."])


def play_here(profile: str, name: str, request: dict[str, Any]) -> float:
    """Play into the profile's audio server from this process; return the seconds played.

    Raises:
        VoiceError: the server is not running, a voice tool is missing, or playing failed.
    """
    directory = voice_dir(profile)
    if not (directory / SOCKET_NAME).exists():
        raise VoiceError(
            "The stream's audio server is not running. It runs while the stream is live "
            "where PulseAudio is installed; go live first, and see `cockpit doctor`."
        )
    missing = missing_programs(("espeak-ng", "paplay") if name == "say" else ("paplay",))
    if missing:
        raise VoiceError(f"Not installed: {', '.join(missing)}. Run `cockpit doctor`.")
    with ProcessSupervisor("say") as supervisor:
        speech = Speech(
            supervisor,
            server_address(directory),
            str(request.get("voice") or DEFAULT_VOICE),
            int(request.get("words_per_minute") or DEFAULT_WORDS_PER_MINUTE),
        )
        if name == "say":
            return speech.say(str(request["text"]))
        return speech.play(Path(str(request["path"])))
