"""The studio's log: a rotating file in the profile's state directory, scrubbed of secrets."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from cockpit import paths
from cockpit.redaction import RedactingFilter, Redactor

MAX_LOG_BYTES = 5 * 1024 * 1024
"""Size at which ``studio.log`` is rotated."""

BACKUP_COUNT = 3
"""Rotated files kept: ``studio.log.1`` to ``studio.log.3``."""

_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


def configure_studio_logging(path: Path, redactor: Redactor) -> logging.Handler:
    """Send INFO and above to a rotating ``path``, and scrub every handler with ``redactor``.

    Handlers already on the root logger (the terminal's, from the command line)
    keep the level they had, and get the redacting filter too.
    """
    # Logs quote chat text and process details, so only the owner may read them.
    paths.ensure_private_dir(path.parent)
    root = logging.getLogger()
    previous_level = root.level
    redacting = RedactingFilter(redactor)
    for handler in root.handlers:
        if handler.level == logging.NOTSET:
            handler.setLevel(previous_level)
        handler.addFilter(redacting)

    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_LOG_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    path.chmod(0o600)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(redacting)
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    root.setLevel(min(previous_level, logging.INFO))
    return handler


def remove_studio_logging(handler: logging.Handler) -> None:
    """Detach and close the handler `configure_studio_logging` added."""
    logging.getLogger().removeHandler(handler)
    handler.close()
