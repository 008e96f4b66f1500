"""The studio's commands: argument checks, and the call into the studio for each name.

Every handler returns a JSON object, or raises `CommandError` with a code and
a sentence that names the next step. ``go_live``, ``stop`` and ``send_chat``
return at once with ``accepted`` unless ``wait`` is true, in which case they
return the final result; progress reaches every client as events either way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from cockpit.api.errors import ApiError
from cockpit.broadcast.events import Phase
from cockpit.broadcast.golive import GoLiveError
from cockpit.broadcast.processes import ProcessError
from cockpit.broadcast.thumbnail import ThumbnailError
from cockpit.broadcast.voice import (
    DEFAULT_VOICE,
    DEFAULT_WORDS_PER_MINUTE,
    MAX_SPEECH_LENGTH,
    VoiceError,
)
from cockpit.feeds.heartbeat import run_heartbeat
from cockpit.feeds.store import StoreError
from cockpit.studio.server import CommandError
from cockpit.studio.service import Studio
from cockpit.studio.session import ClientInfo
from cockpit.studio.stream import StreamOperationError

logger = logging.getLogger(__name__)

MAX_SCENE_LENGTH = 200
MAX_NARRATION_LENGTH = 4000
MAX_STREAMER_ID_LENGTH = 200
VIEWER_KEY_PREFIXES = ("user:", "wallet:", "name:")
SCENE_THUMBNAIL_DELAY = 1.0
"""Seconds between a scene change and its thumbnail, so the stage has redrawn."""

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class StudioCommands:
    """Runs the commands of the local protocol against one `Studio`."""

    def __init__(self, studio: Studio) -> None:
        self._studio = studio
        self._background: set[asyncio.Task[None]] = set()
        self._handlers: dict[str, Handler] = {
            "go_live": self.go_live,
            "stop": self.stop,
            "thumbnail": self.thumbnail,
            "send_chat": self.send_chat,
            "retry_chat": self.retry_chat,
            "set_scene": self.set_scene,
            "narrate": self.narrate,
            "watchdog": self.watchdog,
            "join_room": self.join_room,
            "leave_room": self.leave_room,
            "status": self.status,
            "heartbeat": self.heartbeat,
            "hide_message": self.hide_message,
            "unhide_message": self.unhide_message,
            "mute_viewer": self.mute_viewer,
            "unmute_viewer": self.unmute_viewer,
            "viewer": self.viewer,
            "say": self.say,
            "play_audio": self.play_audio,
            "shutdown": self.shutdown,
        }

    async def handle(self, name: str, args: dict[str, Any], client: ClientInfo) -> dict[str, Any]:
        """Run command ``name`` for ``client``; the server has checked that the name exists."""
        handler = self._handlers.get(name)
        if handler is None:
            raise CommandError("unknown_command", f"The studio has no handler for {name!r}.")
        logger.info("command %s from client %d (%s)", name, client.id, client.kind)
        return await handler(args)

    # Stream

    async def go_live(self, args: dict[str, Any]) -> dict[str, Any]:
        """Go live, or resume an orphaned stream; ``seq`` in a waited result is the last event's."""
        wait = _flag(args, "wait", False)
        stream = self._studio.stream
        if stream.operation is None and stream.on_air:
            return {"accepted": False, "already_live": True, "phase": str(stream.phase)}
        if self._studio.shutting_down:
            raise CommandError(
                "shutting_down",
                "The studio is shutting down, so it starts no stream. Run the command again "
                "once it has exited, and a new studio starts.",
            )
        try:
            task = stream.begin_go_live()
        except StreamOperationError as error:
            raise CommandError("busy", str(error)) from None
        if not wait:
            return {"accepted": True, "phase": str(stream.phase)}
        try:
            return {**await _wait_for(task), "seq": self._studio.last_seq}
        except GoLiveError as error:
            raise CommandError("go_live_failed", str(error)) from None
        except asyncio.CancelledError:
            if task.cancelled() and not _cancelling():
                raise CommandError(
                    "go_live_cancelled", "Going live was cancelled because the stream was stopped."
                ) from None
            raise

    async def stop(self, args: dict[str, Any]) -> dict[str, Any]:
        """End the stream, or the platform session of an orphaned one."""
        wait = _flag(args, "wait", False)
        stream = self._studio.stream
        if not stream.busy and not self._studio.state.orphaned_live:
            return {"accepted": False, "stopped": False, "already_offline": True}
        task = stream.begin_stop()
        if not wait:
            return {"accepted": True, "phase": str(stream.phase)}
        try:
            return {**await _wait_for(task), "seq": self._studio.last_seq}
        except StreamOperationError as error:
            raise CommandError("stop_failed", str(error)) from None

    async def thumbnail(self, args: dict[str, Any]) -> dict[str, Any]:
        studio = self._studio
        if studio.stream.phase is not Phase.LIVE:
            raise CommandError(
                "not_live",
                f"No thumbnail was taken because the stream is {studio.stream.phase}, not live; "
                "thumbnails are captured from the live display. Go live first.",
            )
        try:
            path = await studio.broadcast.upload_thumbnail()
        except (ApiError, ThumbnailError, ProcessError, OSError) as error:
            raise CommandError(
                "thumbnail_failed",
                f"The thumbnail upload failed: {studio.redactor.redact(str(error))}",
            ) from None
        return {
            "path": str(path),
            "uploaded_at": time.time(),
            "uploaded_total": studio.broadcast.counters.thumbnails_uploaded,
        }

    async def watchdog(self, args: dict[str, Any]) -> dict[str, Any]:
        paused = _flag(args, "paused", None)
        studio = self._studio
        studio.broadcast.watchdog_paused = paused
        studio.state.watchdog_paused = paused
        studio.publish("watchdog", {"paused": paused})
        return {"paused": paused}

    # Chat and rooms

    async def send_chat(self, args: dict[str, Any]) -> dict[str, Any]:
        text = _text(args, "text", max_length=None)
        destination = _optional_text(args, "to", MAX_STREAMER_ID_LENGTH)
        wait = _flag(args, "wait", False)
        feeds = self._require_feeds()

        update = feeds.sender.submit(text, destination)
        if update.state == "failed" or not wait:
            return update.to_json()
        final = self._studio.wait_for_send(update.message_id)
        try:
            return (await final).to_json()
        finally:
            self._studio.forget_send_waiter(update.message_id)

    async def retry_chat(self, args: dict[str, Any]) -> dict[str, Any]:
        message_id = _text(args, "id", max_length=200)
        feeds = self._require_feeds()
        try:
            return feeds.sender.retry(message_id).to_json()
        except KeyError:
            raise CommandError(
                "not_found", f"No message has the id {message_id!r}; check the send updates."
            ) from None
        except ValueError as error:
            raise CommandError("not_failed", str(error)) from None

    async def join_room(self, args: dict[str, Any]) -> dict[str, Any]:
        streamer_id = _text(args, "streamer_id", MAX_STREAMER_ID_LENGTH)
        await self._require_feeds().join_streamer(streamer_id)
        rooms = self._studio.state.rooms
        if streamer_id not in rooms:
            rooms.append(streamer_id)
        self._studio.publish("rooms", {"rooms": list(rooms)})
        return {"rooms": list(rooms)}

    async def leave_room(self, args: dict[str, Any]) -> dict[str, Any]:
        streamer_id = _text(args, "streamer_id", MAX_STREAMER_ID_LENGTH)
        await self._require_feeds().leave_streamer(streamer_id)
        rooms = self._studio.state.rooms
        if streamer_id in rooms:
            rooms.remove(streamer_id)
        self._studio.publish("rooms", {"rooms": list(rooms)})
        return {"rooms": list(rooms)}

    def _require_feeds(self) -> Any:
        if self._studio.feeds is None:
            raise CommandError(
                "feeds_unavailable",
                "The chat and market feeds are not running in this studio; see the studio log.",
            )
        return self._studio.feeds

    # Stage

    async def set_scene(self, args: dict[str, Any]) -> dict[str, Any]:
        scene = _optional_text(args, "scene", MAX_SCENE_LENGTH)
        studio = self._studio
        changed = scene != studio.state.scene
        studio.state.scene = scene
        studio.publish("scene", {"scene": scene})
        if changed and studio.stream.phase is Phase.LIVE:
            # The platform's guide requests a fresh thumbnail when the picture changes noticeably.
            self._background.add(asyncio.create_task(self._thumbnail_after_scene()))
        return {"scene": scene, "phase": str(studio.stream.phase)}

    async def _thumbnail_after_scene(self) -> None:
        await asyncio.sleep(SCENE_THUMBNAIL_DELAY)
        try:
            await self._studio.broadcast.upload_thumbnail()
        except (ApiError, ThumbnailError, ProcessError, OSError) as error:
            logger.warning(
                "thumbnail after scene change failed: %s", self._studio.redactor.redact(str(error))
            )
        finally:
            self._background = {task for task in self._background if not task.done()}

    # Voice

    async def say(self, args: dict[str, Any]) -> dict[str, Any]:
        text = _text(args, "text", MAX_SPEECH_LENGTH)
        voice = _optional_text(args, "voice", 40) or DEFAULT_VOICE
        speed = args.get("words_per_minute", DEFAULT_WORDS_PER_MINUTE)
        if not isinstance(speed, int) or isinstance(speed, bool) or not 80 <= speed <= 450:
            raise CommandError(
                "bad_arguments",
                "The argument 'words_per_minute' must be an integer from 80 to 450.",
            )
        return await self._play(lambda speech: speech.say(text), voice, speed, {"text": text})

    async def play_audio(self, args: dict[str, Any]) -> dict[str, Any]:
        path = Path(_text(args, "path", 4096))
        if not path.is_absolute():
            raise CommandError("bad_arguments", f"The audio path {str(path)!r} must be absolute.")
        return await self._play(
            lambda speech: speech.play(path),
            DEFAULT_VOICE,
            DEFAULT_WORDS_PER_MINUTE,
            {"path": str(path)},
        )

    async def _play(
        self, action: Callable[[Any], float], voice: str, speed: int, details: dict[str, Any]
    ) -> dict[str, Any]:
        pipeline = self._studio.pipeline
        speech = pipeline.speech(voice, speed)
        if speech is None:
            reason = (
                f" It failed to start: {pipeline.voice_problem}" if pipeline.voice_problem else ""
            )
            raise CommandError(
                "voice_unavailable",
                "Nothing was played because the stream's audio server is not running; it runs "
                "while the stream is live where PulseAudio is installed (see `cockpit doctor`)."
                + reason,
            )
        try:
            seconds = await asyncio.to_thread(action, speech)
        except VoiceError as error:
            raise CommandError("voice_failed", str(error)) from None
        self._studio.publish("voice", {**details, "seconds": seconds, "at": time.time()})
        return {"seconds": seconds, "played_by": "studio"}

    # Moderation: what the stage keeps off air

    async def hide_message(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._moderate(self._studio.state.hidden_messages, _text(args, "id", 200), add=True)

    async def unhide_message(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._moderate(self._studio.state.hidden_messages, _text(args, "id", 200), add=False)

    async def mute_viewer(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._moderate(self._studio.state.muted_viewers, _viewer_key(args), add=True)

    async def unmute_viewer(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._moderate(self._studio.state.muted_viewers, _viewer_key(args), add=False)

    def _moderate(self, entries: list[str], value: str, add: bool) -> dict[str, Any]:
        if add and value not in entries:
            entries.append(value)
        elif not add and value in entries:
            entries.remove(value)
        record = self._studio.state.moderation()
        self._studio.publish("moderation", record)
        return record

    async def viewer(self, args: dict[str, Any]) -> dict[str, Any]:
        key = _viewer_key(args)
        record = self._require_feeds().viewers.get(key.split(":", 1)[1])
        if record is None:
            raise CommandError("not_found", f"No viewer record matches {key!r}.")
        return record.to_json()

    async def narrate(self, args: dict[str, Any]) -> dict[str, Any]:
        text = _text(args, "text", MAX_NARRATION_LENGTH)
        narration = {"text": text, "at": time.time()}
        self._studio.state.narration = narration
        self._studio.publish("narration", narration)
        return narration

    # Studio

    async def status(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._studio.status()

    async def heartbeat(self, args: dict[str, Any]) -> dict[str, Any]:
        """Run the platform's periodic check with the studio's client and chat store."""
        feeds = self._require_feeds()
        settings = self._studio.settings.feeds
        try:
            report = await run_heartbeat(
                self._studio.client, feeds.store, feeds.identity, settings.alerts
            )
        except (ApiError, StoreError) as error:
            raise CommandError(
                "heartbeat_failed",
                f"The heartbeat failed: {self._studio.redactor.redact(str(error))}",
            ) from None
        return report.to_json()

    async def shutdown(self, args: dict[str, Any]) -> dict[str, Any]:
        stop_stream = _flag(args, "stop_stream", True)
        studio = self._studio
        if not stop_stream and studio.stream.busy:
            raise CommandError(
                "live",
                "The studio was not shut down because the stream is "
                f"{studio.stream.phase} and exiting would leave it orphaned; "
                "send shutdown with stop_stream true to end the stream first.",
            )
        studio.request_shutdown(stop_stream)
        return {"shutting_down": True, "stop_stream": stop_stream}


async def _wait_for(task: asyncio.Task[dict[str, Any]]) -> dict[str, Any]:
    # shield: a client that disconnects while waiting must not cancel the operation itself.
    return await asyncio.shield(task)


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _flag(args: dict[str, Any], name: str, default: bool | None) -> bool:
    value = args.get(name, default)
    if not isinstance(value, bool):
        needed = "is required and must" if default is None else "must"
        raise CommandError("bad_arguments", f"The argument {name!r} {needed} be true or false.")
    return value


def _text(args: dict[str, Any], name: str, max_length: int | None) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value.strip():
        raise CommandError("bad_arguments", f"The argument {name!r} must be a non-empty string.")
    if max_length is not None and len(value) > max_length:
        raise CommandError(
            "bad_arguments",
            f"The argument {name!r} has {len(value)} characters; the maximum is {max_length}.",
        )
    return value


def _optional_text(args: dict[str, Any], name: str, max_length: int) -> str | None:
    if args.get(name) is None:
        return None
    return _text(args, name, max_length)


def _viewer_key(args: dict[str, Any]) -> str:
    key = _text(args, "key", 300)
    if not key.startswith(VIEWER_KEY_PREFIXES) or key.endswith(":"):
        raise CommandError(
            "bad_arguments",
            f"The viewer key {key!r} is invalid; use user:ID, wallet:ADDRESS or name:NAME.",
        )
    return key
