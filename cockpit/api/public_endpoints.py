"""Methods for the platform's public endpoints (no auth): users, sessions, tokens, trades and chat.

`RetakeClient` inherits them. They send GET requests that never carry the
access token and are retried after a 5xx status or a lost connection.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from urllib.parse import quote

from cockpit.api._base import ModelT, parse_response
from cockpit.api.http_core import QueryParams
from cockpit.api.models import (
    ActiveSession,
    ChatPage,
    LiveUser,
    LiveUserList,
    ScheduledSession,
    ScheduledSessionList,
    Session,
    SessionJoin,
    SessionList,
    Streamer,
    Tipper,
    TipperList,
    TokenActivityRanking,
    TokenStats,
    TopToken,
    TopTokenList,
    TradePage,
    TrendingToken,
    TrendingTokenList,
    UserList,
    UserMetadata,
    UserSummary,
)


def _segment(value: str) -> str:
    """Quote ``value`` as one path segment, so that ``/`` or ``?`` in it cannot change the path."""
    return quote(value, safe="")


class PublicEndpoints(ABC):
    """The public endpoints, built on one abstract GET."""

    @abstractmethod
    async def _get(self, path: str, params: QueryParams | None = None) -> bytes:
        """Send an idempotent GET to ``path`` under the API URL and return the body."""

    async def _get_model(
        self, model: type[ModelT], path: str, params: QueryParams | None = None
    ) -> ModelT:
        body = await self._get(path, params)
        return parse_response(model, body, f"GET {path}")

    # Users

    async def search_users(self, query: str, *, limit: int | None = None) -> list[UserSummary]:
        """Find users by name. The ``user_id`` of each is their userDbId."""
        path = f"/users/search/{_segment(query)}"
        return (await self._get_model(UserList, path, {"limit": limit})).root

    async def live_users(self, *, limit: int | None = None) -> list[LiveUser]:
        """List the streamers who are live now."""
        return (await self._get_model(LiveUserList, "/users/live/", {"limit": limit})).root

    async def newest_users(self, *, limit: int | None = None) -> list[UserSummary]:
        """List the most recently registered users."""
        return (await self._get_model(UserList, "/users/newest/", {"limit": limit})).root

    async def user_metadata(self, user_id: str) -> UserMetadata:
        """Fetch a user's profile: username, bio, wallet, social links and picture."""
        return await self._get_model(UserMetadata, f"/users/metadata/{_segment(user_id)}")

    async def streamer(self, identifier: str) -> Streamer:
        """Fetch a streamer by username or UUID, with the active session if live."""
        return await self._get_model(Streamer, f"/users/streamer/{_segment(identifier)}")

    # Sessions

    async def active_sessions(self, *, limit: int | None = None) -> list[Session]:
        """List the live sessions of all streamers."""
        return (await self._get_model(SessionList, "/sessions/active/", {"limit": limit})).root

    async def active_session(self, streamer_id: str) -> Session | None:
        """Fetch the active session of one streamer, or None when they are not live."""
        path = f"/sessions/active/{_segment(streamer_id)}/"
        return (await self._get_model(ActiveSession, path)).session

    async def recorded_sessions(
        self, streamer_id: str | None = None, *, limit: int | None = None
    ) -> list[Session]:
        """List past sessions with their recordings, of everyone or of one streamer."""
        path = "/sessions/recorded/"
        if streamer_id is not None:
            path += f"{_segment(streamer_id)}/"
        return (await self._get_model(SessionList, path, {"limit": limit})).root

    async def scheduled_sessions(
        self, streamer_id: str | None = None, *, limit: int | None = None
    ) -> list[ScheduledSession]:
        """List upcoming scheduled sessions, of everyone or of one streamer."""
        path = "/sessions/scheduled/"
        if streamer_id is not None:
            path += f"{_segment(streamer_id)}/"
        return (await self._get_model(ScheduledSessionList, path, {"limit": limit})).root

    async def join_session(self, session_id: str) -> SessionJoin:
        """Fetch a LiveKit viewer token for a session."""
        return await self._get_model(SessionJoin, f"/sessions/{_segment(session_id)}/join/")

    # Tokens

    async def top_tokens(self, *, limit: int | None = None) -> list[TopToken]:
        """List tokens by market cap, largest first."""
        return (await self._get_model(TopTokenList, "/tokens/top/", {"limit": limit})).root

    async def trending_tokens(self, *, limit: int | None = None) -> list[TrendingToken]:
        """List the tokens with the highest growth over 24 hours."""
        params = {"limit": limit}
        return (await self._get_model(TrendingTokenList, "/tokens/trending/", params)).root

    async def token_stats(self, token_address: str) -> TokenStats:
        """Fetch price, market cap, growth, volume and earnings of one token."""
        return await self._get_model(TokenStats, f"/tokens/{_segment(token_address)}/stats")

    # Trades

    async def recent_trades(
        self,
        token_address: str | None = None,
        *,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> TradePage:
        """List trades newest first, of all tokens or of one.

        ``limit`` is at most 100, and ``cursor`` (a previous page's ``next_cursor``)
        returns trades older than it.
        """
        path = "/trades/recent/"
        if token_address is not None:
            path += f"{_segment(token_address)}/"
        return await self._get_model(TradePage, path, {"limit": limit, "cursor": cursor})

    async def top_volume(
        self, *, limit: int | None = None, window: str | None = None
    ) -> TokenActivityRanking:
        """Rank tokens by trade volume over ``window`` (the platform's default is 24h)."""
        params = {"limit": limit, "window": window}
        return await self._get_model(TokenActivityRanking, "/trades/top-volume/", params)

    async def top_count(
        self, *, limit: int | None = None, window: str | None = None
    ) -> TokenActivityRanking:
        """Rank tokens by number of trades over ``window`` (the platform's default is 24h)."""
        params = {"limit": limit, "window": window}
        return await self._get_model(TokenActivityRanking, "/trades/top-count/", params)

    # Chat

    async def chat_history(
        self,
        *,
        streamer_id: str | None = None,
        session_id: str | None = None,
        limit: int | None = None,
        before_chat_event_id: str | None = None,
    ) -> ChatPage:
        """Fetch a stream's public chat newest first, by streamer or by session.

        Raises:
            ValueError: both or neither of ``streamer_id`` and ``session_id`` were given.
        """
        if (streamer_id is None) == (session_id is None):
            raise ValueError(
                "Give exactly one of streamer_id and session_id to fetch chat history."
            )
        params = {
            "streamer_id": streamer_id,
            "session_id": session_id,
            "limit": limit,
            "before_chat_event_id": before_chat_event_id,
        }
        return await self._get_model(ChatPage, "/chat/", params)

    async def top_tippers(self, streamer_id: str, *, limit: int | None = None) -> list[Tipper]:
        """List a streamer's top tippers."""
        params = {"streamer_id": streamer_id, "limit": limit}
        return (await self._get_model(TipperList, "/chat/top-tippers", params)).root
