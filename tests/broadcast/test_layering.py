"""The broadcast modules and the redaction module load without Textual."""

from __future__ import annotations

import sys

from cockpit.broadcast.processes import ProcessSpec, ProcessSupervisor

MODULES = (
    "cockpit.broadcast.display",
    "cockpit.broadcast.stage_window",
    "cockpit.broadcast.encoder",
    "cockpit.broadcast.thumbnail",
    "cockpit.redaction",
    "cockpit.commands.stage",
)


def test_pipeline_modules_skip_textual(supervisor: ProcessSupervisor) -> None:
    # A fresh interpreter, because this test process may have imported Textual already.
    script = (
        f"import sys\nfor name in {MODULES!r}: __import__(name)\nprint('textual' in sys.modules)"
    )
    result = supervisor.run(ProcessSpec("python", [sys.executable, "-c", script]), timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.strip() == b"False"
