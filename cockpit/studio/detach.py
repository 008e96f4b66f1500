"""Start a program detached from its starter: ``python -m cockpit.studio.detach PROGRAM ARGS...``.

This is the middle process of a double fork. It starts the program in a new
session with stdin, stdout and stderr on ``/dev/null``, prints the program's
PID, and exits at once. The program is then an orphan that init (or the
nearest subreaper) adopts and reaps, so it outlives its starter and never
becomes a zombie of a long-running client.

The studio is started this way, and only the studio: it must keep streaming
after the console that started it exits, so it cannot be a child of the
process supervisor, whose children receive SIGKILL when their owner dies. The
starter runs this module through the supervisor, and the parent-death signal
it sets does not pass to the program, because Linux clears it in every child
of a fork.
"""

from __future__ import annotations

import os
import subprocess
import sys


def main(argv: list[str]) -> int:
    """Start ``argv`` detached, print its PID, and return without waiting for it."""
    if not argv:
        print("usage: python -m cockpit.studio.detach PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    try:
        child = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as error:
        print(f"Could not start {argv[0]}: {error.strerror}.", file=sys.stderr)
        return 1
    print(child.pid, flush=True)
    # Exit without the interpreter's clean-up, which would wait for or warn about the child.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
