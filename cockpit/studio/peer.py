"""The studio's private socket: binding it with mode 0600, and checking each peer's user id."""

from __future__ import annotations

import logging
import os
import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cockpit.studio.locations import ensure_run_dir

logger = logging.getLogger(__name__)

_UCRED = struct.Struct("3i")
"""``struct ucred`` of Linux: pid, uid and gid as C ints."""


class PeerRejectedError(Exception):
    """Raised when the process at the other end of the socket belongs to another user."""

    def __init__(self, peer: PeerCredentials, expected_uid: int) -> None:
        self.peer = peer
        super().__init__(
            f"Rejected a connection from process {peer.pid} of user id {peer.uid}: "
            f"the studio accepts only its own user id {expected_uid}."
        )


@dataclass(frozen=True)
class PeerCredentials:
    """The process, user and group at the other end of a Unix socket, as the kernel reports them."""

    pid: int
    uid: int
    gid: int


class _OptionSocket(Protocol):
    def getsockopt(self, level: int, option: int, buflen: int) -> bytes: ...


def peer_credentials(sock: _OptionSocket) -> PeerCredentials:
    """Return the peer's credentials from ``SO_PEERCRED`` (taken when the peer connected)."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    pid, uid, gid = _UCRED.unpack(raw)
    return PeerCredentials(pid, uid, gid)


def check_peer(sock: _OptionSocket, expected_uid: int | None = None) -> PeerCredentials:
    """Return the peer's credentials if its user id is ``expected_uid`` (default: ours).

    Raises:
        PeerRejectedError: the peer runs as another user, root included.
    """
    expected = os.geteuid() if expected_uid is None else expected_uid
    peer = peer_credentials(sock)
    if peer.uid != expected:
        raise PeerRejectedError(peer, expected)
    return peer


def bind_private_socket(path: Path) -> socket.socket:
    """Bind a listening Unix socket at ``path`` with mode 0600, replacing a stale socket file.

    The socket is bound under a temporary name, restricted, and only then renamed,
    so no other user can ever connect through a looser mode. The caller holds the
    profile's lock, so a socket file already at ``path`` belongs to a dead studio.
    """
    ensure_run_dir()
    temporary = path.with_name(f"{path.name}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(temporary))
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
        listener.listen(64)
    except BaseException:
        listener.close()
        temporary.unlink(missing_ok=True)
        raise
    logger.info("listening on %s", path)
    return listener


def remove_socket_file(path: Path, inode: int) -> None:
    """Remove the socket file at ``path`` if it is still the one with ``inode``."""
    try:
        if os.stat(path).st_ino == inode:
            path.unlink()
    except FileNotFoundError:
        pass
