"""Building the studio's feeds: the Socket.IO client, the chat store and the feed hub."""

from __future__ import annotations

from cockpit.api.client import RetakeClient
from cockpit.api.credentials import Credentials
from cockpit.api.realtime import RealtimeClient
from cockpit.feeds.convert import AgentIdentity
from cockpit.feeds.hub import FeedHub
from cockpit.feeds.store import FeedStore
from cockpit.settings import Settings
from cockpit.studio.feedport import FeedPublisher
from cockpit.studio.service import FeedsFactory


def build_feeds(settings: Settings) -> FeedsFactory:
    """Return the factory of the feeds of ``settings.profile``, for `Studio`."""

    def create(client: RetakeClient, credentials: Credentials, publish: FeedPublisher) -> FeedHub:
        identity = AgentIdentity(
            user_db_id=credentials.user_db_id,
            agent_name=credentials.agent_name,
            token_address=credentials.token_address,
            token_ticker=credentials.token_ticker,
            wallet_address=credentials.wallet_address,
        )
        # The hub connects the realtime client in start() and closes it in stop().
        realtime = RealtimeClient.for_api_url(client.api_url, settings=settings.http)
        store = FeedStore.for_profile(settings.profile, settings.feeds)
        return FeedHub(client, realtime, settings.feeds, identity, store, publish)

    return create
