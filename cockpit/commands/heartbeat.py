"""``cockpit heartbeat``: the platform's periodic check, once, for cron or a human.

Reports whether the agent is live, the comments since the last heartbeat and
the token's stats with their change, and prints the alerts they raise. It shows
no prompt and prints no colour, so it is safe to run from cron. It exits 0 on
success and 1 with a message on standard error on failure (with ``--json``, also
an object with ``ok`` false on standard output).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

from cockpit.api.client import RetakeClient
from cockpit.api.credentials import CredentialsError, CredentialStore
from cockpit.api.errors import ApiError
from cockpit.feeds.heartbeat import HeartbeatReport, run_heartbeat
from cockpit.feeds.identity import AgentIdentity
from cockpit.feeds.store import FeedStore, StoreError
from cockpit.feeds.textsafe import display_safe
from cockpit.settings import Settings
from cockpit.studio.client import StudioClient, StudioError
from cockpit.studio.launcher import StudioStartError, check_api_url, probe_studio
from cockpit.studio.locations import socket_path
from cockpit.wording import counted

NAME = "heartbeat"
HELP = "check once whether the agent is live, what chat said and how the token moved"

COMMENT_LENGTH = 120
"""Characters of a comment shown in the text summary."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the output format."""
    parser.add_argument(
        "--json", action="store_true", help="print the report as one JSON object, for scripts"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one heartbeat for the profile; 0 on success, 1 with a message on failure.

    When the profile's studio runs, the heartbeat goes through it, because the studio
    alone talks to the platform for the profile while it runs.
    """
    try:
        report = asyncio.run(_through_studio(settings)) or asyncio.run(_heartbeat(settings))
    except (ApiError, CredentialsError, StoreError, StudioError, StudioStartError) as error:
        if args.json:
            failure = {"ok": False, "error": {"code": type(error).__name__, "message": str(error)}}
            print(json.dumps(failure, ensure_ascii=True))
        print(f"cockpit heartbeat: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"ok": True, **report.to_json()}, ensure_ascii=True))
    else:
        print(format_report(report))
    return 0


async def _through_studio(settings: Settings) -> HeartbeatReport | None:
    path = socket_path(settings.profile)
    welcome = probe_studio(path)
    if welcome is None:
        return None
    check_api_url(welcome, settings)
    client = await StudioClient.connect(path, "cli", subscribe=False)
    try:
        result = await client.command("heartbeat", timeout=settings.http.deadline * 3)
    finally:
        await client.close()
    return HeartbeatReport.from_json(result)


async def _heartbeat(settings: Settings) -> HeartbeatReport:
    credentials = CredentialStore(settings.profile).load()
    identity = AgentIdentity(
        user_db_id=credentials.user_db_id,
        agent_name=credentials.agent_name,
        token_address=credentials.token_address,
        token_ticker=credentials.token_ticker,
        wallet_address=credentials.wallet_address,
    )
    store = FeedStore.for_profile(settings.profile, settings.feeds)
    async with RetakeClient(
        settings.api_url,
        access_token=credentials.access_token,
        token_api_url=credentials.api_url,
        settings=settings.http,
        profile=settings.profile,
    ) as client:
        try:
            return await run_heartbeat(client, store, identity, settings.feeds.alerts)
        finally:
            await store.close()


def _usd(amount: float | None) -> str:
    return "unknown" if amount is None else f"${amount:,.2f}"


def _price(amount: float | None) -> str:
    # Token prices are often far below a cent, so they keep four significant digits.
    return "unknown" if amount is None else f"${amount:.4g}"


def _signed_percent(value: float | None) -> str:
    return "" if value is None else f" ({value:+.1f}%)"


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_report(report: HeartbeatReport) -> str:
    """Return the report as plain lines of text, with every platform text made display-safe."""
    lines = [f"Heartbeat at {_when(report.at)}"]
    if report.first:
        lines.append("First heartbeat of this profile: the next one reports changes since now.")
    else:
        assert report.previous_at is not None
        lines.append(f"Previous heartbeat: {_when(report.previous_at)}")

    if report.is_live:
        lines.append(
            f"Live: yes, {counted(report.viewers, 'viewer')}, up {report.uptime_seconds // 60} min"
        )
    else:
        lines.append("Live: no")

    count = f"{report.new_comments}{'+' if report.more_comments else ''}"
    lines.append(f"New comments: {count}")
    for item in report.latest_comments:
        name = display_safe(item.author_name or "unknown", 32)
        lines.append(f"  {name}: {display_safe(item.text, COMMENT_LENGTH)}")

    stats = report.stats
    if stats is None:
        lines.append("Token: none yet (it is created on the first stream start)")
    else:
        ticker = display_safe(stats.ticker or "token", 16)
        change = _signed_percent(report.changes.get("market_cap_percent"))
        lines.append(f"Token {ticker}: market cap {_usd(stats.market_cap)}{change}")
        lines.append(
            f"  price {_price(stats.price)}{_signed_percent(report.changes.get('price_percent'))}, "
            f"24 h volume {_usd(stats.volume_24h)}, earnings {_usd(stats.earnings_total)}"
        )

    if report.alerts:
        lines.append("Alerts:")
        for alert in report.alerts:
            lines.append(f"  [{alert.severity}] {display_safe(alert.message)}")
    else:
        lines.append("Alerts: none")
    return "\n".join(lines)
