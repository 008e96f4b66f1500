"""Command-line entry: ``cockpit [COMMAND] [OPTIONS]``.

Each command lives in a module of ``cockpit.commands`` that provides ``NAME``,
``HELP``, ``configure(parser)`` and ``run(args, settings) -> int``. The
settings are read once here and passed to the command.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from cockpit import __version__
from cockpit.api.credentials import CredentialsError, CredentialStore
from cockpit.settings import Settings, SettingsError, load_settings

COMMAND_MODULES = (
    "console",
    "demo",
    "live",
    "chat",
    "thumbnail",
    "studio",
    "heartbeat",
    "register",
    "login",
    "sim",
    "stage",
    "scene",
    "narrate",
    "say",
    "doctor",
)
"""Modules of ``cockpit.commands``, in the order ``cockpit --help`` lists them."""

DEFAULT_COMMAND = "console"


def common_options() -> argparse.ArgumentParser:
    """Return a parent parser with the options every command takes."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("common options")
    group.add_argument(
        "--api-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="base URL of the platform's API (default: https://retake.tv/api/v1)",
    )
    group.add_argument(
        "--profile",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="which stored agent credentials to use (default: default)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="log more; repeat for debug",
    )
    return common


def _load_commands() -> dict[str, ModuleType]:
    return {
        module.NAME: module
        for module in (
            importlib.import_module(f"cockpit.commands.{name}") for name in COMMAND_MODULES
        )
    }


def build_parser(commands: dict[str, ModuleType]) -> argparse.ArgumentParser:
    """Build the parser with one subcommand per command module."""
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="cockpit",
        description="A terminal cockpit for AI-agent livestreams on retake.tv. "
        "With no command, opens the console.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, module in commands.items():
        sub = subparsers.add_parser(
            name, help=module.HELP, description=module.HELP, parents=[common]
        )
        module.configure(sub)
    return parser


def _configure_logging(verbosity: int) -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _with_profile_api_url(settings: Settings) -> Settings:
    """Use the API URL the profile was created against when none was given.

    A profile's token is only ever sent to its own API, so a profile made against a
    simulator works without repeating ``--api-url`` on every command.
    """
    if "api_url" in settings.model_fields_set:
        return settings
    try:
        stored = CredentialStore(settings.profile).load().api_url
    except CredentialsError:
        return settings
    return settings.model_copy(update={"api_url": stored})


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, read the settings and run the chosen command; return its exit status."""
    commands = _load_commands()
    parser = build_parser(commands)
    args = parser.parse_args(argv)
    _configure_logging(getattr(args, "verbose", 0))

    try:
        settings: Settings = load_settings(
            api_url=getattr(args, "api_url", None), profile=getattr(args, "profile", None)
        )
    except SettingsError as error:
        print(f"cockpit: {error}", file=sys.stderr)
        return 2

    settings = _with_profile_api_url(settings)
    if args.command is None:
        # Parse again as the default command so that it gets its own defaults.
        args = parser.parse_args([DEFAULT_COMMAND, *(argv if argv is not None else sys.argv[1:])])
    command = commands[args.command]
    try:
        return int(command.run(args, settings))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of the output went away (``cockpit chat tail | head``), so stop quietly.
        # Standard output is pointed at /dev/null, so the interpreter's final flush succeeds.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
