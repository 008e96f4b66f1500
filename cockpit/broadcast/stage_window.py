"""The stage window: a full-screen xterm on the virtual display running the stage app.

Under openbox, ``xterm -fullscreen`` is an undecorated window covering the
whole screen at (0, 0). With DejaVu Sans Mono on a 1280x720 screen, font size
14 gives a grid of 106x29 cells, 12 gives 127x35 and 10 gives 159x42
(xterm 379, measured).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import psutil

from cockpit.broadcast.processes import ChildProcess, ProcessSpec, ProcessSupervisor
from cockpit.settings import DisplaySettings

logger = logging.getLogger(__name__)

WINDOW_TITLE = "retake-cockpit stage"

_CURSOR_COLOUR = "#010101"
"""Text cursor colour: invisible on the black background. xterm 379 swaps in the foreground
colour when the cursor colour equals the background exactly, so it cannot be plain black."""


class StageWindowError(Exception):
    """Raised when the stage window cannot be started."""


def placeholder_stage_command(
    agent_name: str = "agent", marker: str | None = None, profile: str | None = None
) -> list[str]:
    """Return the command that runs the stage app with this interpreter.

    The stage follows the studio of ``profile`` (the settings' profile when
    None) and shows ``agent_name`` until that studio sends the agent's name.
    """
    command = [sys.executable, "-m", "cockpit.ui.stage"]
    if profile is not None:
        command += ["--profile", profile]
    command += ["--name", agent_name]
    if marker is not None:
        command += ["--marker", marker]
    return command


def build_xterm_args(settings: DisplaySettings, command: Sequence[str]) -> list[str]:
    """Return xterm's argument list for a full-screen window that runs ``command``.

    xterm does not pass ``COLORTERM`` on to its child, so ``env`` sets it, and
    Rich and Textual then use 24-bit colour instead of 16 colours.
    """
    if not command:
        raise StageWindowError("The stage command is empty; give the program to run in xterm.")
    if "=" in command[0]:
        raise StageWindowError(
            f"The stage program {command[0]!r} contains '=', which env would take for a "
            "variable; give the program's path without '='."
        )
    return [
        "xterm",
        "-fullscreen",
        "-fa", settings.font,
        "-fs", str(settings.font_size),
        "-bg", "black",
        "-fg", "white",
        "-cr", _CURSOR_COLOUR,
        "+sb",
        "-u8",
        "-tn", "xterm-256color",
        "-title", WINDOW_TITLE,
        "-e", "env", "COLORTERM=truecolor", *command,
    ]  # fmt: skip


class StageWindow:
    """The xterm that shows the stage; ``child`` is the xterm process for health checks."""

    def __init__(
        self,
        supervisor: ProcessSupervisor,
        display: str,
        settings: DisplaySettings,
        command: Sequence[str] | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self._supervisor = supervisor
        self._display = display
        self._settings = settings
        self._command = list(command) if command is not None else placeholder_stage_command()
        self._log_dir = log_dir
        self.child: ChildProcess | None = None
        """The xterm process, once started. The stage app is its child and exits with it."""

    def __enter__(self) -> StageWindow:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether xterm is running; it exits when the stage app exits."""
        return self.child is not None and self.child.running

    def start(self) -> ChildProcess:
        """Start xterm on the display and return the child."""
        if self.child is not None:
            raise StageWindowError(f"The stage window on {self._display} is already started.")
        log = self._log_dir / "xterm.log" if self._log_dir is not None else None
        self.child = self._supervisor.start(
            ProcessSpec(
                "xterm",
                build_xterm_args(self._settings, self._command),
                environment={"DISPLAY": self._display},
                stdout=log,
            )
        )
        logger.info("stage window started on %s", self._display)
        return self.child

    def stop(self, exit_timeout: float = 5.0) -> int | None:
        """Stop xterm, wait for the stage app to exit too, and return xterm's exit status.

        The stage app runs in the session of xterm's terminal, which a signal to
        xterm's process group does not reach. It exits when xterm closes the
        terminal (Textual in about 1 s); one still running after ``exit_timeout``
        seconds is logged with its PID.
        """
        if self.child is None:
            return None
        stage_processes = _descendants(self.child.pid)
        returncode = self._supervisor.stop(self.child)
        self.child = None

        _, alive = psutil.wait_procs(stage_processes, timeout=exit_timeout)
        for process in alive:
            logger.warning(
                "stage process pid=%d still runs %g s after its xterm stopped",
                process.pid,
                exit_timeout,
            )
        return returncode


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
