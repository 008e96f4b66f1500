"""`AgentIdentity`: the agent the feeds run for, and the test of whether a chat author is it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgentIdentity:
    """The agent the feeds run for.

    ``user_db_id`` names its chat rooms. ``agent_name`` and ``wallet_address``
    recognise its own messages in comments that carry no user id. The token
    fields stay empty until the first stream start creates the token.
    """

    user_db_id: str
    agent_name: str = ""
    token_address: str = ""
    token_ticker: str = ""
    wallet_address: str = ""

    def is_author(self, user_id: str | None, name: str | None, wallet: str | None) -> bool:
        """Return whether a chat author with these fields is this agent."""
        if user_id:
            return user_id == self.user_db_id
        if wallet and self.wallet_address:
            return wallet == self.wallet_address
        if name and self.agent_name:
            return name.casefold() == self.agent_name.casefold()
        return False
