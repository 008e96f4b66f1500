"""Events the broadcast reports while going live, streaming, recovering and stopping.

A UI shows them as a checklist and an event log; the studio forwards them to
its clients. Event text never contains a secret: RTMP URLs are shown with the
key removed.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Step(StrEnum):
    """The go-live steps, in the platform's mandatory order."""

    PREPARE = "prepare display and stage"
    SKILL_CHECK = "check platform skill version"
    RTMP = "fetch fresh RTMP keys"
    STREAM_START = "start stream session"
    ENCODER = "start encoder"
    CONFIRM_LIVE = "confirm live"
    THUMBNAIL = "upload first thumbnail"


GO_LIVE_STEPS: tuple[Step, ...] = tuple(Step)


class StepState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Phase(StrEnum):
    """Stage of the broadcast as a whole."""

    OFFLINE = "offline"
    GOING_LIVE = "going live"
    LIVE = "live"
    RECOVERING = "recovering"
    STOPPING = "stopping"


@dataclass(frozen=True)
class BroadcastEvent:
    """One thing that happened, with a human-readable ``message``."""

    kind: str
    """``step``, ``phase``, ``thumbnail``, ``recovery``, ``warning`` or ``error``."""
    message: str
    step: Step | None = None
    state: StepState | None = None
    phase: Phase | None = None
    data: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        """Return the event as plain JSON types."""
        return {
            key: (str(value) if isinstance(value, StrEnum) else value)
            for key, value in asdict(self).items()
        }
