"""The one exception the simulator's state raises; routes turn it into a JSON error."""

from __future__ import annotations


class SimError(Exception):
    """A request the platform would refuse, with its HTTP status and a full-sentence message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> SimError:
    return SimError(400, message)


def not_found(message: str) -> SimError:
    return SimError(404, message)


def conflict(message: str) -> SimError:
    return SimError(409, message)
