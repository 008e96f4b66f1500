"""Copying text: OSC 52 to the terminal, so it works over SSH, and the local clipboard if any.

OSC 52 asks the terminal emulator on the operator's machine to set its
clipboard, so a copy made in a console running on a remote host lands where
the operator pastes. Inside tmux the sequence is wrapped in tmux's DCS
passthrough (tmux needs ``set -g allow-passthrough on`` for it, or
``set -g set-clipboard on``, which makes tmux handle the plain sequence).
pyperclip also sets the clipboard of the host the console runs on, where one
exists (a desktop session, or xclip/xsel/wl-copy installed).
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyperclip

logger = logging.getLogger(__name__)

MAX_OSC52_BYTES = 74_994
"""Maximum UTF-8 bytes sent by OSC 52; their base64 stays under 100,000 bytes.

NOTE: terminals differ in the longest OSC 52 sequence they accept, and this
limit is an estimate; a stream URL, a token address or a wallet is far shorter.
"""


def osc52(text: str, *, tmux: bool = False) -> str:
    """Return the OSC 52 sequence that sets the clipboard to ``text``, wrapped for tmux if asked.

    The sequence ends with BEL, which ends an OSC sequence as ST does. For tmux,
    every ESC inside is doubled and the whole is put in ``ESC P tmux; … ESC \\``.
    """
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    sequence = f"\x1b]52;c;{encoded}\x07"
    if tmux:
        return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence


@dataclass(frozen=True)
class CopyResult:
    """The outcome of a copy: which mechanisms took the text, and why the others did not."""

    terminal: bool
    local: bool
    problems: tuple[str, ...] = ()

    @property
    def copied(self) -> bool:
        return self.terminal or self.local


class Clipboard:
    """Copies text through the terminal (OSC 52) and the local clipboard.

    ``write_terminal`` writes raw text to the terminal, in order with the
    screen output; None means no terminal is attached. ``local_copy`` sets the
    host's clipboard (pyperclip's ``copy`` by default).
    """

    def __init__(
        self,
        write_terminal: Callable[[str], None] | None,
        *,
        environment: Mapping[str, str] | None = None,
        local_copy: Callable[[str], None] | None = pyperclip.copy,
    ) -> None:
        self._write_terminal = write_terminal
        self._environment = os.environ if environment is None else environment
        self._local_copy = local_copy

    @property
    def in_tmux(self) -> bool:
        return bool(self._environment.get("TMUX"))

    def copy(self, text: str) -> CopyResult:
        """Copy ``text`` by every mechanism available; a missing one is listed in ``problems``."""
        problems: list[str] = []
        terminal = self._copy_to_terminal(text, problems)
        local = self._copy_locally(text, problems)
        return CopyResult(terminal, local, tuple(problems))

    def _copy_to_terminal(self, text: str, problems: list[str]) -> bool:
        if self._write_terminal is None:
            problems.append("no terminal is attached for OSC 52")
            return False
        if len(text.encode("utf-8")) > MAX_OSC52_BYTES:
            problems.append(f"the text is longer than {MAX_OSC52_BYTES} bytes for OSC 52")
            return False
        try:
            self._write_terminal(osc52(text, tmux=self.in_tmux))
        except OSError as error:
            problems.append(f"writing OSC 52 to the terminal failed: {error}")
            return False
        return True

    def _copy_locally(self, text: str, problems: list[str]) -> bool:
        if self._local_copy is None:
            return False
        try:
            self._local_copy(text)
        except pyperclip.PyperclipException as error:
            logger.debug("no local clipboard: %s", error)
            problems.append("this host has no clipboard program (xclip, xsel or wl-copy)")
            return False
        return True
