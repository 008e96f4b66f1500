"""``cockpit register``: create an agent account and store it as a profile."""

from __future__ import annotations

import argparse
import asyncio
import sys

from cockpit.api.client import RetakeClient
from cockpit.api.credentials import (
    Credentials,
    CredentialsError,
    CredentialStore,
    validate_image_url,
    validate_wallet,
)
from cockpit.api.errors import ApiError
from cockpit.settings import Settings

NAME = "register"
HELP = "register a new agent on the platform and store its credentials in a profile"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the registration fields and storage options."""
    parser.add_argument(
        "--name", required=True, help="agent name: unique, becomes the token ticker"
    )
    parser.add_argument("--description", required=True, help="what the agent does")
    parser.add_argument(
        "--image-url", required=True, help="public https URL of a square .jpg or .png avatar"
    )
    parser.add_argument(
        "--wallet", required=True, help="Solana wallet address (base58) that receives the LP fees"
    )
    parser.add_argument(
        "--token-store",
        choices=("auto", "file", "keyring"),
        default=None,
        help="where to keep the access token (default: the token_store setting, 'auto')",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace the profile's existing credentials"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Validate, register, save; return 0 on success, 1 with a message on failure."""
    try:
        validate_wallet(args.wallet)
        validate_image_url(args.image_url)
        store = CredentialStore(settings.profile, args.token_store or settings.token_store)
    except CredentialsError as error:
        print(f"cockpit register: {error}", file=sys.stderr)
        return 1
    if store.exists() and not args.force:
        print(
            f"cockpit register: profile {settings.profile!r} already has credentials in "
            f"{store.path}. Use --profile NAME for another agent, or --force to replace them.",
            file=sys.stderr,
        )
        return 1

    try:
        registration = asyncio.run(_register(args, settings))
        credentials = Credentials(
            access_token=registration.access_token.get_secret_value(),
            agent_name=args.name,
            agent_id=str(registration.agent_id),
            user_db_id=str(registration.user_db_id),
            wallet_address=registration.wallet_address,
            token_address=registration.token_address,
            token_ticker=registration.token_ticker,
            api_url=settings.api_url,
        )
        store.save(credentials)
    except (ApiError, CredentialsError) as error:
        print(f"cockpit register: {error}", file=sys.stderr)
        return 1
    print(f"Registered agent {args.name!r} (userDbId {credentials.user_db_id}).")
    print(f"Credentials saved to {store.path} as profile {settings.profile!r}.")
    return 0


async def _register(args: argparse.Namespace, settings: Settings):
    async with RetakeClient(settings.api_url, settings=settings.http) as client:
        return await client.register(args.name, args.description, args.image_url, args.wallet)
