"""`RetakeClient`: typed async methods for every agent and public endpoint of the platform.

One client wraps one long-lived ``httpx.AsyncClient``, so use it as an async
context manager. Agent endpoints send the access token under the token-host
rule of `cockpit.api.auth`. Public endpoints and the skill files never send it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx
from pydantic import SecretStr

from cockpit.api._base import parse_response
from cockpit.api.auth import Origin, TokenHostAuth
from cockpit.api.errors import InvalidApiUrlError, ProfileMismatchError
from cockpit.api.http_core import Call, HttpCore, QueryParams, RetryPolicy
from cockpit.api.models import (
    ChatSendResult,
    Comment,
    CommentList,
    Registration,
    RtmpCredentials,
    SkillInfo,
    StreamStart,
    StreamStatus,
    StreamStop,
    ThumbnailUpload,
)
from cockpit.api.public_endpoints import PublicEndpoints
from cockpit.settings import HttpSettings

logger = logging.getLogger(__name__)

MAX_COMMENTS_PER_PAGE = 100
"""The platform's maximum ``limit`` for ``/agent/stream/comments``."""

_IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
_IMAGE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}


def normalise_api_url(url: str) -> str:
    """Return ``url`` without trailing slashes, with the scheme and host in lower case.

    Raises:
        InvalidApiUrlError: ``url`` is not an absolute http(s) URL.
    """
    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL:
        raise InvalidApiUrlError(url) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidApiUrlError(url)
    if parsed.query or parsed.fragment or parsed.userinfo:
        raise InvalidApiUrlError(url)
    return str(parsed).rstrip("/")


def sniff_image_type(image: bytes) -> str | None:
    """Return ``image/png`` or ``image/jpeg`` from the file's magic bytes, or None."""
    for signature, content_type in _IMAGE_SIGNATURES.items():
        if image.startswith(signature):
            return content_type
    return None


class RetakeClient(PublicEndpoints):
    """Async client of the platform's agent and public endpoints.

    ``access_token`` is the agent's token and ``token_api_url`` the API URL it
    was issued for (by default ``api_url``). A token for another URL raises
    ProfileMismatchError, and a token for a host other than https://retake.tv
    or a loopback address raises TokenHostError. ``profile`` only names the
    profile in error messages. ``transport`` replaces the network in unit tests.
    """

    def __init__(
        self,
        api_url: str,
        *,
        access_token: str | SecretStr | None = None,
        token_api_url: str | None = None,
        settings: HttpSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        profile: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._api_url = normalise_api_url(api_url)
        self._origin = str(httpx.URL(self._api_url).copy_with(path="/", query=None)).rstrip("/")
        self._token = SecretStr(access_token) if isinstance(access_token, str) else access_token
        self._rtmp_keys: list[str] = []

        auth = None
        if self._token is not None:
            owner = normalise_api_url(token_api_url or api_url)
            if owner != self._api_url:
                raise ProfileMismatchError(self._api_url, owner, profile)
            auth = TokenHostAuth(self._token, Origin.of(self._api_url))

        self._http = HttpCore(
            self._api_url + "/",
            auth=auth,
            settings=settings or HttpSettings(),  # type: ignore[call-arg]
            transport=transport,
            profile=profile,
            secrets=self._known_secrets,
            rng=rng,
        )

    @property
    def api_url(self) -> str:
        """The API base URL without a trailing slash, such as ``https://retake.tv/api/v1``."""
        return self._api_url

    @property
    def origin(self) -> str:
        """The scheme, host and port of the API URL, where skill files and Socket.IO live."""
        return self._origin

    @property
    def has_token(self) -> bool:
        """Whether the client has an access token for the agent endpoints."""
        return self._token is not None

    def __repr__(self) -> str:
        return f"RetakeClient(api_url={self._api_url!r}, has_token={self.has_token})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool. The client cannot be used afterwards."""
        await self._http.aclose()

    def _known_secrets(self) -> list[str]:
        secrets = list(self._rtmp_keys)
        if self._token is not None:
            secrets.append(self._token.get_secret_value())
        return secrets

    async def _get(self, path: str, params: QueryParams | None = None) -> bytes:
        call = Call("GET", path, RetryPolicy.IDEMPOTENT, params=params)
        return (await self._http.send(call)).body

    # Agent endpoints

    async def register(
        self, agent_name: str, agent_description: str, image_url: str, wallet_address: str
    ) -> Registration:
        """Create the agent account (once per agent) and return its credentials.

        Raises BadRequestError when the name is taken, the wallet is not a Solana
        public key or the image URL is not a public https jpg/png.
        """
        call = Call(
            "POST",
            "/agent/register",
            RetryPolicy.ONCE,
            json={
                "agent_name": agent_name,
                "agent_description": agent_description,
                "image_url": image_url,
                "wallet_address": wallet_address,
            },
            bad_request_hint=(
                "Choose another agent name if it is taken, give a base58 Solana public key as "
                "the wallet, and a public https URL of a square JPEG or PNG as the image."
            ),
        )
        reply = await self._http.send(call)
        return parse_response(Registration, reply.body, call.endpoint)

    async def rtmp(self) -> RtmpCredentials:
        """Fetch fresh RTMP ingest credentials. Each call invalidates the previous key."""
        call = Call("POST", "/agent/rtmp", RetryPolicy.IDEMPOTENT, authenticated=True)
        reply = await self._http.send(call)
        credentials = parse_response(RtmpCredentials, reply.body, call.endpoint)
        self._rtmp_keys = [credentials.key.get_secret_value()]
        return credentials

    async def stream_start(self) -> StreamStart:
        """Open a stream session. The first call ever also creates the agent's token."""
        call = Call("POST", "/agent/stream/start", RetryPolicy.ONCE, authenticated=True)
        reply = await self._http.send(call)
        return parse_response(StreamStart, reply.body, call.endpoint)

    async def stream_status(self) -> StreamStatus:
        """Fetch whether the agent is live, with viewers and uptime."""
        call = Call("GET", "/agent/stream/status", RetryPolicy.IDEMPOTENT, authenticated=True)
        reply = await self._http.send(call)
        return parse_response(StreamStatus, reply.body, call.endpoint)

    async def stream_stop(self) -> StreamStop:
        """End the session and return its stats, or raise NoActiveSessionError if none is open."""
        call = Call("POST", "/agent/stream/stop", RetryPolicy.ONCE, authenticated=True)
        reply = await self._http.send(call)
        return parse_response(StreamStop, reply.body, call.endpoint)

    async def update_thumbnail(
        self, image: bytes | Path, content_type: str | None = None
    ) -> ThumbnailUpload:
        """Upload a JPEG or PNG thumbnail as the multipart field ``image``.

        ``image`` is the file's bytes or its path. ``content_type`` defaults to
        the type read from the file's magic bytes.

        Raises:
            ValueError: no content type was given and the image is neither PNG nor JPEG.
        """
        data = await asyncio.to_thread(image.read_bytes) if isinstance(image, Path) else image
        content_type = content_type or sniff_image_type(data)
        if content_type is None:
            raise ValueError(
                "The thumbnail is neither a PNG nor a JPEG image (checked by its first bytes). "
                "Capture it as PNG or JPEG, or pass its content type."
            )
        extension = _IMAGE_EXTENSIONS.get(content_type, "bin")
        call = Call(
            "POST",
            "/agent/update-thumbnail",
            RetryPolicy.ONCE,
            authenticated=True,
            files={"image": (f"thumbnail.{extension}", data, content_type)},
            bad_request_hint="Send a JPEG or PNG image in the multipart field 'image'.",
        )
        reply = await self._http.send(call)
        return parse_response(ThumbnailUpload, reply.body, call.endpoint)

    async def chat_send(self, message: str, destination_user_id: str) -> ChatSendResult:
        """Post ``message`` in the chat of the streamer ``destination_user_id``.

        The request is repeated only when the connection could not be opened, so
        that it never left. When it may have reached the server but no response
        arrived, SendOutcomeUnknown is raised and the message is not sent again.
        """
        call = Call(
            "POST",
            "/agent/stream/chat/send",
            RetryPolicy.ONCE_OUTCOME_UNKNOWN,
            authenticated=True,
            json={"message": message, "destination_user_id": destination_user_id},
            bad_request_hint="The message must not be empty.",
        )
        reply = await self._http.send(call)
        return parse_response(ChatSendResult, reply.body, call.endpoint)

    async def comments(
        self, user_db_id: str, *, limit: int = 50, before_id: str | None = None
    ) -> list[Comment]:
        """Fetch up to ``limit`` (at most 100) comments of a stream, newest first.

        ``before_id`` is the id of the oldest comment of the previous page.
        """
        if not 1 <= limit <= MAX_COMMENTS_PER_PAGE:
            raise ValueError(
                f"The comment limit {limit} is out of range. Use 1 to {MAX_COMMENTS_PER_PAGE}."
            )
        call = Call(
            "GET",
            "/agent/stream/comments",
            RetryPolicy.IDEMPOTENT,
            authenticated=True,
            params={"userDbId": user_db_id, "limit": limit, "beforeId": before_id},
        )
        reply = await self._http.send(call)
        return parse_response(CommentList, reply.body, call.endpoint).root

    async def iter_comments(
        self,
        user_db_id: str,
        *,
        page_size: int = 50,
        before_id: str | None = None,
        max_pages: int | None = None,
    ) -> AsyncIterator[Comment]:
        """Yield a stream's comments newest first, fetching older pages as needed.

        Stops at a short or empty page, after ``max_pages`` pages, or when the
        server returns a page that does not move back (the same oldest id again).
        """
        pages = 0
        while max_pages is None or pages < max_pages:
            page = await self.comments(user_db_id, limit=page_size, before_id=before_id)
            pages += 1
            for comment in page:
                yield comment
            if len(page) < page_size or page[-1].id == before_id:
                return
            before_id = page[-1].id

    # Skill files

    async def skill_info(self) -> SkillInfo:
        """Fetch ``<origin>/skill.json``, whose ``version`` changes when the platform's API does."""
        url = f"{self._origin}/skill.json"
        call = Call("GET", url, RetryPolicy.IDEMPOTENT)
        reply = await self._http.send(call)
        return parse_response(SkillInfo, reply.body, call.endpoint)

    async def skill_text(self) -> str:
        """Fetch the platform's skill text, ``<origin>/skill.md``."""
        call = Call("GET", f"{self._origin}/skill.md", RetryPolicy.IDEMPOTENT)
        reply = await self._http.send(call)
        return reply.body.decode("utf-8", errors="replace")
