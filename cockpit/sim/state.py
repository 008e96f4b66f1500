"""The simulated platform's state: accounts, sessions, chat, tokens and uploads, all in memory.

Only the simulator's own event loop touches a ``SimState``; nothing here is
thread-safe. Methods that the platform would refuse raise ``SimError`` with the
status the reference gives (400, 401, 404, 409).
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from cockpit.sim import encoding
from cockpit.sim.chatlog import ChatLog
from cockpit.sim.errors import SimError, bad_request, conflict, not_found
from cockpit.sim.images import inspect_image, solid_png
from cockpit.sim.market import Market
from cockpit.sim.models import (
    Agent,
    ChatEvent,
    ChatType,
    Follow,
    Recording,
    ScheduledSession,
    SentChat,
    Session,
    Thumbnail,
    Token,
    User,
)

logger = logging.getLogger(__name__)

AGENT_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
TICKER_MAX_LENGTH = 10
MAX_THUMBNAIL_BYTES = 10 * 1024 * 1024
VIEWER_WINDOW_SECONDS = 600.0
"""A user who wrote, tipped or traded in a session within this window counts as a viewer."""


class SimState:
    """Everything the simulated platform stores."""

    def __init__(
        self,
        origin: str,
        seed: int,
        live_follows_publish: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.origin = origin
        self.seed = seed
        self.live_follows_publish = live_follows_publish
        self.stalled_keys: set[str] = set()
        """Keys of accepted publishes whose data stopped reaching the ingest."""
        self.clock = clock
        # Ids come from a seeded generator so that the same seed and requests give the same ids.
        self.id_rng = random.Random(f"{seed}:ids")
        self.object_ids = encoding.ObjectIdFactory()

        self.users: dict[str, User] = {}
        self.agents: dict[str, Agent] = {}
        self.sessions: dict[str, Session] = {}
        self.scheduled: list[ScheduledSession] = []
        self.follows: list[Follow] = []
        self.thumbnails: dict[str, Thumbnail] = {}
        self.chat_sent: list[SentChat] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        self.chat = ChatLog(clock)
        self.market = Market(clock)
        self.request_count = 0
        # Every key a publish was accepted with -> the agent's user id, for recordings.
        self._publishers: dict[str, str] = {}

    # Users and agents

    def add_user(
        self, username: str, wallet_address: str | None = None, created_at: float | None = None
    ) -> User:
        """Create a user account (a viewer) with generated id, wallet, fid and avatar."""
        user_id = encoding.random_uuid(self.id_rng)
        user = User(
            user_id=user_id,
            username=username,
            wallet_address=wallet_address or encoding.random_address(self.id_rng),
            fid=self.id_rng.randint(1_000, 999_999),
            profile_picture_url=self.avatar_url(user_id),
            created_at=self.clock() if created_at is None else created_at,
        )
        self.users[user_id] = user
        return user

    def avatar_url(self, user_id: str) -> str:
        """URL of a generated avatar, served by the simulator, for ``user_id``."""
        return f"{self.origin}/avatars/{user_id}.png"

    def avatar_png(self, user_id: str) -> bytes | None:
        """Return a 64x64 PNG in a colour derived from the user id, or None for an unknown user."""
        if user_id not in self.users:
            return None
        colour = random.Random(user_id).randbytes(3)
        return solid_png(64, 64, (colour[0], colour[1], colour[2]))

    def register_agent(
        self, name: object, description: object, image_url: object, wallet_address: object
    ) -> Agent:
        """Validate a registration and create the agent with a fresh access token."""
        name = _require_text(name, "agent_name")
        description = (
            ""
            if description is None
            else _require_text(description, "agent_description", empty=True)
        )
        image_url = _require_text(image_url, "image_url")
        wallet_address = _require_text(wallet_address, "wallet_address")
        _check_agent_name(name)
        if self.find_user_by_name(name) is not None:
            raise bad_request(f"The agent name {name!r} is already taken; choose another name.")
        _check_image_url(image_url)
        if not encoding.is_solana_address(wallet_address):
            raise bad_request(
                f"The wallet_address {wallet_address!r} is not a Solana public key "
                "(base58 that decodes to 32 bytes); pass the wallet's public key."
            )

        agent = self.add_agent(name, description, image_url, wallet_address, simulated=False)
        agent.access_token = encoding.new_access_token()
        logger.info("Registered agent %s (%s)", agent.name, agent.user_id)
        return agent

    def add_agent(
        self,
        name: str,
        description: str,
        image_url: str | None,
        wallet_address: str | None,
        simulated: bool,
        created_at: float | None = None,
    ) -> Agent:
        """Create an agent account without validation (registration validates first)."""
        user = self.add_user(name, wallet_address, created_at)
        user.bio = description
        if image_url is not None:
            user.profile_picture_url = image_url
        agent = Agent(
            user=user,
            agent_id="agent_" + self.id_rng.randbytes(8).hex(),
            description=description,
            image_url=user.profile_picture_url,
            simulated=simulated,
        )
        self.agents[user.user_id] = agent
        return agent

    def find_user_by_name(self, name: str) -> User | None:
        """Return the user with this username, compared without case."""
        folded = name.casefold()
        return next((u for u in self.users.values() if u.username.casefold() == folded), None)

    def authenticate(self, access_token: str | None) -> Agent:
        """Return the agent owning ``access_token``.

        Raises SimError(401) when the token is missing, unknown or revoked.
        """
        if not access_token:
            raise SimError(
                401,
                "The request has no access token; send 'Authorization: Bearer <access_token>' "
                "or 'access_token' in the JSON body.",
            )
        agent = next((a for a in self.agents.values() if a.access_token == access_token), None)
        if agent is None:
            raise SimError(401, "The access token is not valid; check the stored credentials.")
        if agent.token_revoked:
            raise SimError(401, "The access token was revoked; register again for a new one.")
        return agent

    def agent(self, user_id: str) -> Agent:
        """Return the agent with this userDbId; raise SimError(404) if there is none."""
        agent = self.agents.get(user_id)
        if agent is None:
            raise not_found(f"No agent has the id {user_id!r}; check the userDbId.")
        return agent

    def find_streamer(self, identifier: str) -> Agent | None:
        """Return the agent whose userDbId or name (compared without case) is ``identifier``."""
        if identifier in self.agents:
            return self.agents[identifier]
        user = self.find_user_by_name(identifier)
        return self.agents.get(user.user_id) if user is not None else None

    def revoke_token(self, user_id: str) -> None:
        """Make the agent's access token fail with 401 from now on."""
        self.agent(user_id).token_revoked = True
        logger.info("Revoked the access token of %s", user_id)

    # RTMP keys and the ingest's publish hooks

    def issue_rtmp_key(self, agent: Agent) -> str:
        """Give the agent a fresh RTMP key; the previous one stops being accepted."""
        agent.rtmp_key = encoding.new_rtmp_key()
        return agent.rtmp_key

    def rotate_key(self, user_id: str) -> None:
        """Replace the agent's RTMP key with one that no client received, and tell no one."""
        agent = self.agent(user_id)
        agent.rtmp_key = encoding.new_rtmp_key()
        logger.info("Rotated the RTMP key of %s", user_id)

    def publish_started(self, key: str) -> bool:
        """Accept a publish if ``key`` is an agent's current RTMP key; return False to reject it."""
        agent = next((a for a in self.agents.values() if a.rtmp_key and a.rtmp_key == key), None)
        if agent is None:
            logger.info("Rejected a publish with a key that is not current")
            return False
        agent.publishing_key = key
        self.stalled_keys.discard(key)
        self._publishers[key] = agent.user_id
        logger.info("Publish started for %s", agent.user_id)
        return True

    def set_publish_stalled(self, key: str, stalled: bool) -> None:
        """Record whether the ingest stopped receiving data for the publish with ``key``."""
        if stalled and key not in self.stalled_keys:
            logger.info("Publish stalled: no data reaches the ingest")
            self.stalled_keys.add(key)
        elif not stalled and key in self.stalled_keys:
            logger.info("Publish flowing again")
            self.stalled_keys.discard(key)

    def publish_done(self, key: str) -> None:
        """Record the end of a publish; with ``live_follows_publish`` it also ends the session."""
        for agent in self.agents.values():
            if agent.publishing_key is None or agent.publishing_key != key:
                continue
            agent.publishing_key = None
            self.stalled_keys.discard(key)
            logger.info("Publish ended for %s", agent.user_id)
            if self.live_follows_publish and agent.session is not None:
                self.end_session(agent)

    # Sessions

    def is_live(self, agent: Agent) -> bool:
        """Return whether the agent is live.

        That takes an open session and, with ``live_follows_publish``, an accepted publish
        whose data still reaches the ingest.
        """
        if agent.session is None:
            return False
        if self.live_follows_publish and not agent.simulated:
            key = agent.publishing_key
            return key is not None and key not in self.stalled_keys
        return True

    def start_stream(self, agent: Agent) -> tuple[Session, bool]:
        """Open a session (or keep the open one) and create the token on the first call.

        Returns the session and whether it was opened by this call.
        """
        if agent.token is None:
            self.create_token(agent)
        if agent.session is not None:
            return agent.session, False
        session = self.open_session(agent, f"{agent.name} is live", self.clock())
        logger.info("Stream started for %s (session %s)", agent.user_id, session.session_id)
        return session, True

    def create_token(self, agent: Agent, created_at: float | None = None) -> Token:
        """Create the agent's token on a fresh curve."""
        token = Token(
            address=encoding.random_address(self.id_rng),
            name=agent.name,
            ticker=agent.name.upper()[:TICKER_MAX_LENGTH],
            image_url=agent.image_url,
            streamer_id=agent.user_id,
            pool_address=encoding.random_address(self.id_rng),
            created_at=self.clock() if created_at is None else created_at,
        )
        self.market.add_token(token)
        agent.token = token
        return token

    def open_session(self, agent: Agent, title: str, started_at: float) -> Session:
        """Open a live session for the agent."""
        session = Session(
            session_id=encoding.random_uuid(self.id_rng),
            streamer_id=agent.user_id,
            title=title,
            started_at=started_at,
        )
        self.sessions[session.session_id] = session
        agent.session = session
        return session

    def stop_stream(self, agent: Agent) -> tuple[Session, int]:
        """End the open session; return it and its duration. Raises SimError(409) without one."""
        if agent.session is None:
            raise conflict("The agent has no active session; call /agent/stream/start first.")
        session = self.end_session(agent)
        duration = int((session.ended_at or session.started_at) - session.started_at)
        logger.info("Stream stopped for %s after %d s", agent.user_id, duration)
        return session, duration

    def end_session(self, agent: Agent, ended_at: float | None = None) -> Session:
        """Close the agent's open session."""
        session = agent.session
        assert session is not None
        session.status = "ended"
        session.ended_at = self.clock() if ended_at is None else ended_at
        agent.session = None
        return session

    def attach_recording(self, session_id: str, url: str, size_bytes: int) -> None:
        """Record where the recording of an ended session is (called by an ingest that records)."""
        session = self.sessions.get(session_id)
        if session is None:
            raise not_found(f"No session has the id {session_id!r}.")
        session.recording = Recording(url=url, size_bytes=size_bytes)

    def recording_finished(self, key: str, url: str, size_bytes: int) -> bool:
        """Attach a recording to the latest session of the agent who published with ``key``.

        Returns False when no publish was ever accepted with ``key`` or that agent has no session.
        """
        user_id = self._publishers.get(key)
        if user_id is None:
            return False
        sessions = [s for s in self.sessions.values() if s.streamer_id == user_id]
        if not sessions:
            return False
        latest = max(sessions, key=lambda session: session.started_at)
        latest.recording = Recording(url=url, size_bytes=size_bytes)
        logger.info("Recording of session %s: %d bytes", latest.session_id, size_bytes)
        return True

    def uptime_seconds(self, agent: Agent) -> int:
        """Seconds since the open session started, or 0 when not live."""
        if agent.session is None or not self.is_live(agent):
            return 0
        return max(0, int(self.clock() - agent.session.started_at))

    def viewers(self, agent: Agent) -> int:
        """Users seen in the open session within the viewer window (0 when not live)."""
        if agent.session is None or not self.is_live(agent):
            return 0
        return _count_recent(agent.session, self.clock())

    def note_viewer(self, session: Session, user_id: str, at: float) -> None:
        """Count ``user_id`` as present in the session at ``at`` and update the peak."""
        session.last_seen[user_id] = at
        session.peak_viewers = max(session.peak_viewers, _count_recent(session, at))

    def live_agents(self) -> list[Agent]:
        """Agents that are live now."""
        return [agent for agent in self.agents.values() if self.is_live(agent)]

    # Chat

    def add_chat_event(
        self,
        streamer: Agent,
        sender: User,
        text: str,
        chat_type: ChatType = "message",
        tip_data: dict[str, Any] | None = None,
        trade_data: dict[str, Any] | None = None,
        at: float | None = None,
    ) -> ChatEvent:
        """Store a chat event in the streamer's chat, tied to the open session if there is one."""
        moment = self.clock() if at is None else at
        session = streamer.session if self.is_live(streamer) else None
        event = ChatEvent(
            chat_event_id=self.object_ids.new(moment),
            streamer_id=streamer.user_id,
            session_id=session.session_id if session is not None else None,
            sender=sender,
            text=text,
            type=chat_type,
            at=moment,
            tip_data=tip_data,
            trade_data=trade_data,
        )
        self.chat.append(event)
        if session is not None and sender.user_id != streamer.user_id:
            self.note_viewer(session, sender.user_id, moment)
        return event

    def record_sent_chat(self, agent: Agent, destination: str, text: str) -> None:
        """Remember a message an agent sent through the API."""
        self.chat_sent.append(SentChat(agent.user_id, destination, text, self.clock()))

    def follow(self, streamer: Agent, follower: User) -> Follow:
        """Store a follow."""
        follow = Follow(streamer.user_id, follower, self.clock())
        self.follows.append(follow)
        return follow

    # Thumbnails

    def add_thumbnail(self, agent: Agent, data: bytes) -> Thumbnail:
        """Store an uploaded thumbnail; raise SimError(400) unless it is a JPEG or PNG."""
        if not data:
            raise bad_request("The 'image' field is empty; attach a JPEG or PNG file.")
        if len(data) > MAX_THUMBNAIL_BYTES:
            raise bad_request(
                f"The image has {len(data)} bytes, over the {MAX_THUMBNAIL_BYTES} allowed; "
                "send a smaller JPEG or PNG."
            )
        info = inspect_image(data)
        if info is None:
            raise bad_request(
                "The 'image' field is neither a JPEG nor a PNG (checked by its first bytes); "
                "send a JPEG or PNG file."
            )
        thumbnail = Thumbnail(
            thumbnail_id=self.id_rng.randbytes(12).hex(),
            user_id=agent.user_id,
            data=data,
            info=info,
            at=self.clock(),
        )
        self.thumbnails[thumbnail.filename] = thumbnail
        return thumbnail


def _count_recent(session: Session, now: float) -> int:
    since = now - VIEWER_WINDOW_SECONDS
    return sum(1 for seen in session.last_seen.values() if seen >= since)


def _require_text(value: object, field: str, empty: bool = False) -> str:
    if value is None:
        raise bad_request(f"The field {field!r} is missing; add it to the JSON body.")
    if not isinstance(value, str):
        raise bad_request(f"The field {field!r} must be a string, not {type(value).__name__}.")
    if not empty and not value.strip():
        raise bad_request(f"The field {field!r} is empty; give it a value.")
    return value


def _check_agent_name(name: str) -> None:
    if not AGENT_NAME_PATTERN.match(name):
        raise bad_request(
            f"The agent name {name!r} is invalid; use 1 to 32 letters, digits, '_' or '-'."
        )


def _check_image_url(image_url: str) -> None:
    parts = urlsplit(image_url)
    if parts.scheme != "https" or not parts.hostname:
        raise bad_request(
            f"The image_url {image_url!r} is not an https URL; use a public https URL."
        )
    if not parts.path.lower().endswith((".jpg", ".jpeg", ".png")):
        raise bad_request(
            f"The image_url {image_url!r} does not end in .jpg, .jpeg or .png; "
            "link a square JPEG or PNG image."
        )
