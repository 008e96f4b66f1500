"""The operator's send queue: own chat messages, sent one at a time in order.

Every message ends in exactly one state:

- ``sent`` when the platform accepted it, or when a message of unknown outcome
  was found in the chat afterwards;
- ``failed`` with a reason: rejected before sending (empty, too long), an
  error from the platform, or an unknown outcome that was not found in the
  chat within ``send_unknown_timeout`` seconds. ``retry(message_id)`` queues
  a failed message again;
- ``unknown`` after `SendOutcomeUnknown`, while the chat is read back. Such a
  message is never sent again automatically.

A message identical or nearly identical to one sent in the last
``repeat_window`` seconds (one hour by default) is still sent, with a
``warning``, because the platform's guide advises streamers never to repeat a phrase.
"Nearly identical" means a ``difflib.SequenceMatcher`` ratio of at least
``repeat_similarity`` (0.9) between the texts after case folding and
whitespace collapsing, compared with messages to any destination.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from cockpit.api.client import RetakeClient
from cockpit.api.errors import ApiError, SendOutcomeUnknown
from cockpit.feeds.convert import new_local_id
from cockpit.feeds.events import ChatItem, SendState, SendUpdate
from cockpit.feeds.identity import AgentIdentity
from cockpit.feeds.merge import normalise_text
from cockpit.feeds.store import FeedStore
from cockpit.settings import FeedSettings

logger = logging.getLogger(__name__)

ChatReader = Callable[[str], Awaitable[list[ChatItem]]]
"""Reads the newest chat items of a streamer, for resolving messages of unknown outcome."""

CLOCK_SKEW = 10.0
"""Seconds by which the platform's time of an own message may precede the local send time."""

_HISTORY_MAX = 1000
_FINAL_STATES = frozenset({"sent", "failed"})


@dataclass
class _Message:
    update: SendUpdate
    normalised: str
    submitted_at: float
    attempt_at: float = 0.0


class SendQueue:
    """Own chat messages, validated, sent in order and tracked to a final state.

    ``publish`` receives every state change as a `SendUpdate`. Call `start`
    before the first message is due and `stop` at the end.
    """

    def __init__(
        self,
        client: RetakeClient,
        identity: AgentIdentity,
        settings: FeedSettings,
        publish: Callable[[SendUpdate], None],
        *,
        store: FeedStore | None = None,
        read_back: ChatReader | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.identity = identity
        self._client = client
        self._settings = settings
        self._publish = publish
        self._store = store
        self._read_back = read_back
        self._clock = clock
        self._messages: dict[str, _Message] = {}
        self._history: deque[_Message] = deque(maxlen=_HISTORY_MAX)
        self._queue: asyncio.Queue[_Message] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._resolvers: dict[str, asyncio.Task[None]] = {}
        self._resolved_by: set[str] = set()

    # Lifecycle

    async def start(self) -> None:
        """Load the last hour's messages for the repeat check, and start sending."""
        if self._store is not None:
            await self._load_history()
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(
                self._send_in_order(), name="feed-send-queue"
            )

    async def stop(self) -> None:
        """Stop sending. Queued messages stay queued; those of unknown outcome stay unknown."""
        tasks = [task for task in (self._worker, *self._resolvers.values()) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._worker = None
        self._resolvers.clear()

    async def _load_history(self) -> None:
        assert self._store is not None
        since = self._clock() - self._settings.repeat_window
        for update in await self._store.sent(since):
            if update.state not in _FINAL_STATES:
                # The previous run ended before this message was confirmed.
                update = replace(
                    update,
                    state="failed",
                    reason="The feeds stopped before the message was confirmed; check the chat "
                    "before sending it again.",
                    at=self._clock(),
                )
                self._store.save_sent(update)
            message = _Message(update, normalise_text(update.text), update.at, update.at)
            self._remember(message)
            if update.state == "sent":
                self._history.append(message)

    # Public interface

    def submit(self, text: str, destination_user_id: str | None = None) -> SendUpdate:
        """Queue ``text`` for the chat of ``destination_user_id`` (None: the agent's own stream).

        Returns the first state: ``queued``, or ``failed`` with the reason when
        the text is empty or longer than ``max_message_length``.
        """
        destination = destination_user_id or self.identity.user_db_id
        text = text.strip()
        now = self._clock()
        update = SendUpdate(
            message_id=new_local_id("m"), text=text, destination=destination, state="queued", at=now
        )
        message = _Message(update, normalise_text(text), now)
        self._remember(message)

        problem = self._validate(text)
        if problem:
            return self._change(message, "failed", reason=problem)
        warning = self._repeat_warning(message)
        message.update = replace(update, warning=warning)
        self._history.append(message)
        self._queue.put_nowait(message)
        return self._change(message, "queued")

    def retry(self, message_id: str) -> SendUpdate:
        """Queue a failed message again, under the same id.

        Raises:
            KeyError: no message has this id.
            ValueError: the message has not failed.
        """
        message = self._messages.get(message_id)
        if message is None:
            raise KeyError(f"No message has the id {message_id!r}; take one from a SendUpdate.")
        if message.update.state != "failed":
            raise ValueError(
                f"The message {message_id!r} is {message.update.state}, not failed, so it is "
                "not sent again."
            )
        problem = self._validate(message.update.text)
        if problem:
            return self._change(message, "failed", reason=problem)
        if message not in self._history:
            self._history.append(message)
        self._queue.put_nowait(message)
        return self._change(message, "queued", reason="")

    def messages(self) -> list[SendUpdate]:
        """Return the latest state of every message known, oldest first."""
        return [message.update for message in self._messages.values()]

    def get(self, message_id: str) -> SendUpdate | None:
        """Return the latest state of one message, or None."""
        message = self._messages.get(message_id)
        return message.update if message is not None else None

    def matches_sent(self, item: ChatItem) -> bool:
        """Return whether ``item`` has the text of a message this queue sent to its stream."""
        normalised = normalise_text(item.text)
        return any(
            message.normalised == normalised
            and message.update.destination == item.streamer_id
            and message.update.state in ("sending", "sent", "unknown")
            and item.at >= message.attempt_at - CLOCK_SKEW
            for message in self._history
        )

    def observe(self, item: ChatItem) -> None:
        """Resolve a message of unknown outcome when its text appears as an own chat item."""
        if not item.own:
            return
        for message in list(self._messages.values()):
            if message.update.state == "unknown" and self._confirms(message, item):
                self._resolve(message, item)
                return

    def _remember(self, message: _Message) -> None:
        self._messages[message.update.message_id] = message
        if len(self._messages) <= _HISTORY_MAX:
            return
        # Forget the oldest message in a final state; one still in flight is kept.
        for message_id, known in self._messages.items():
            if known.update.state in _FINAL_STATES:
                del self._messages[message_id]
                return

    # Sending

    def _validate(self, text: str) -> str:
        if not text:
            return "The message is empty; type some text."
        limit = self._settings.max_message_length
        if len(text) > limit:
            return (
                f"The message has {len(text)} characters, over the limit of {limit} "
                "(feeds.max_message_length); shorten it."
            )
        return ""

    def _repeat_warning(self, candidate: _Message) -> str:
        horizon = self._clock() - self._settings.repeat_window
        threshold = self._settings.repeat_similarity
        for earlier in reversed(self._history):
            if earlier.submitted_at < horizon or earlier.update.state == "failed":
                continue
            matcher = difflib.SequenceMatcher(None, earlier.normalised, candidate.normalised)
            if (
                matcher.real_quick_ratio() >= threshold
                and matcher.quick_ratio() >= threshold
                and matcher.ratio() >= threshold
            ):
                return (
                    f"This repeats a message sent {_ago(self._clock() - earlier.submitted_at)}. "
                    "The platform asks streamers never to repeat a phrase."
                )
        return ""

    async def _send_in_order(self) -> None:
        while True:
            message = await self._queue.get()
            await self._send(message)

    async def _send(self, message: _Message) -> None:
        message.attempt_at = self._clock()
        self._change(message, "sending")
        try:
            await self._client.chat_send(message.update.text, message.update.destination)
        except SendOutcomeUnknown as error:
            logger.warning("Send %s has an unknown outcome: %s", message.update.message_id, error)
            self._change(message, "unknown", reason=str(error))
            self._start_resolver(message)
        except ApiError as error:
            logger.info("Send %s failed: %s", message.update.message_id, error)
            self._change(message, "failed", reason=str(error))
        else:
            self._change(message, "sent", reason="")

    def _change(
        self, message: _Message, state: SendState, *, reason: str | None = None
    ) -> SendUpdate:
        changes: dict[str, object] = {"state": state, "at": self._clock()}
        if reason is not None:
            changes["reason"] = reason
        message.update = replace(message.update, **changes)  # type: ignore[arg-type]
        if self._store is not None:
            self._store.save_sent(message.update)
        self._publish(message.update)
        return message.update

    # Resolving unknown outcomes

    def _start_resolver(self, message: _Message) -> None:
        task = asyncio.get_running_loop().create_task(
            self._read_back_until_found(message),
            name=f"feed-send-resolve-{message.update.message_id}",
        )
        self._resolvers[message.update.message_id] = task
        task.add_done_callback(lambda _: self._resolvers.pop(message.update.message_id, None))

    async def _read_back_until_found(self, message: _Message) -> None:
        # Counted from now, not from the attempt: the attempt itself may have used up
        # the whole HTTP deadline before its outcome became unknown.
        deadline = self._clock() + self._settings.send_unknown_timeout
        while message.update.state == "unknown" and self._clock() < deadline:
            if self._read_back is not None:
                for item in await self._read_chat(message.update.destination):
                    if item.own and self._confirms(message, item):
                        self._resolve(message, item)
                        return
            await asyncio.sleep(self._settings.send_readback_interval)
        if message.update.state == "unknown":
            self._change(
                message,
                "failed",
                reason=(
                    f"The message was not found in chat within "
                    f"{self._settings.send_unknown_timeout:g} s after its outcome became unknown; "
                    "retry it if it should still be posted."
                ),
            )

    async def _read_chat(self, destination: str) -> list[ChatItem]:
        assert self._read_back is not None
        try:
            return await self._read_back(destination)
        except ApiError as error:
            logger.info("Reading back the chat of %s failed: %s", destination, error)
            return []

    def _confirms(self, message: _Message, item: ChatItem) -> bool:
        item_key = item.platform_id or item.id
        return (
            item_key not in self._resolved_by
            and item.streamer_id == message.update.destination
            and normalise_text(item.text) == message.normalised
            and item.at >= message.attempt_at - CLOCK_SKEW
        )

    def _resolve(self, message: _Message, item: ChatItem) -> None:
        self._resolved_by.add(item.platform_id or item.id)
        logger.info("Send %s was found in chat, so it was sent", message.update.message_id)
        self._change(message, "sent", reason="")


def _ago(seconds: float) -> str:
    """Return ``seconds`` in the past as words, such as ``40 s ago`` or ``about 3 min ago``."""
    if seconds < 60:
        return f"{max(1, round(seconds))} s ago"
    return f"about {round(seconds / 60)} min ago"
