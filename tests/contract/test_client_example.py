"""The client example in docs/client.md runs against the simulator."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from cockpit.sim.server import SimServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "client.md"


def test_client_example_runs(sim: SimServer, tmp_path: Path) -> None:
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert code is not None
    script = tmp_path / "example.py"
    script.write_text(code.group(1), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), sim.api_url], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "ingest URL: rtmps://" in result.stdout
    assert "latest comment: Hello chat!" in result.stdout
    assert "stopped after" in result.stdout
    assert "sk_" not in result.stdout
