"""The console's report of an unexpected error: its type, its message and the log, no locals.

Textual's own report prints a traceback with local variables, which may hold
secrets. The console logs the traceback (without locals) to its log file and
shows this short report instead.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from cockpit.feeds.textsafe import display_safe

MAX_MESSAGE_LENGTH = 500


def describe_error(error: BaseException) -> str:
    """Return ``Type: message`` of ``error``, display-safe and cut to a readable length."""
    message = display_safe(str(error), MAX_MESSAGE_LENGTH)
    name = type(error).__qualname__
    return f"{name}: {message}" if message else name


class ConsoleCrash(Exception):
    """An unexpected error of the console, shown as a short report."""

    def __init__(self, error: BaseException, log_path: Path | None) -> None:
        super().__init__(describe_error(error))
        self.error = error
        self.log_path = log_path

    def report(self) -> str:
        """Return the report printed when the console exits."""
        lines = [
            "The console stopped because of an unexpected error:",
            f"  {describe_error(self.error)}",
        ]
        if self.log_path is not None:
            lines.append(f"The traceback is in {self.log_path}.")
        lines.append(
            "A stream in progress keeps running in the studio; run cockpit again to return to it."
        )
        return "\n".join(lines)

    def __rich__(self) -> Text:
        return Text(self.report())
