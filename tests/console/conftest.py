"""Fixtures of the console tests: the console's test modules import their helpers by name."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
