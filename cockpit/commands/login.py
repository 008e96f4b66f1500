"""``cockpit login``: store an existing access token for a profile after checking it."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from cockpit.api.client import RetakeClient
from cockpit.api.credentials import (
    TOKEN_ENVIRONMENT_VARIABLE,
    Credentials,
    CredentialsError,
    CredentialStore,
)
from cockpit.api.errors import ApiError
from cockpit.settings import Settings

NAME = "login"
HELP = "store an existing agent access token in a profile, after checking it with the platform"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the token source and the account fields the platform cannot tell us."""
    parser.add_argument(
        "--token-stdin",
        action="store_true",
        help=f"read the token from standard input (default: ${TOKEN_ENVIRONMENT_VARIABLE}, "
        "else a hidden prompt on a terminal, else standard input)",
    )
    parser.add_argument("--name", default="", help="the agent's name, for display")
    parser.add_argument("--wallet", default="", help="the agent's wallet address, for display")
    parser.add_argument(
        "--token-store",
        choices=("auto", "file", "keyring"),
        default=None,
        help="where to keep the access token (default: the token_store setting, 'auto')",
    )


def _read_token(args: argparse.Namespace) -> str:
    from_environment = os.environ.get(TOKEN_ENVIRONMENT_VARIABLE, "").strip()
    if from_environment and not args.token_stdin:
        return from_environment
    if args.token_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    try:
        return getpass.getpass("Access token (input hidden): ").strip()
    except EOFError:
        return ""


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Check the token against the status endpoint and save the profile; 0 on success."""
    token = _read_token(args)
    if not token:
        print(
            "cockpit login: no access token given; paste the agent's rtk_... token.",
            file=sys.stderr,
        )
        return 1
    try:
        store = CredentialStore(settings.profile, args.token_store or settings.token_store)
        status = asyncio.run(_check(token, settings))
        previous = store.load() if store.exists() else None
        credentials = Credentials(
            access_token=token,
            agent_name=args.name or (previous.agent_name if previous else ""),
            agent_id=previous.agent_id if previous else "",
            user_db_id=str(status.user_db_id or (previous.user_db_id if previous else "")),
            wallet_address=args.wallet or (previous.wallet_address if previous else ""),
            token_address=status.token_address or (previous.token_address if previous else ""),
            token_ticker=previous.token_ticker if previous else "",
            api_url=settings.api_url,
        )
        store.save(credentials)
    except (ApiError, CredentialsError) as error:
        print(f"cockpit login: {error}", file=sys.stderr)
        return 1
    state = "live" if status.is_live else "offline"
    print(f"Token accepted by {settings.api_url} (agent is {state}).")
    print(f"Credentials saved to {store.path} as profile {settings.profile!r}.")
    return 0


async def _check(token: str, settings: Settings):
    async with RetakeClient(
        settings.api_url, access_token=token, settings=settings.http, profile=settings.profile
    ) as client:
        return await client.stream_status()
