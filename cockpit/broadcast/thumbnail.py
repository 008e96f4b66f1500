"""Thumbnails: a PNG capture of the virtual display with scrot.

scrot writes to a temporary file next to the destination. The file's PNG
signature and the size in its IHDR header are checked before it is renamed
over the destination, so a reader never sees a half-written or wrong image.
"""

from __future__ import annotations

import logging
import os
import struct
import tempfile
from pathlib import Path

from cockpit.broadcast.processes import ProcessError, ProcessSpec, ProcessSupervisor

logger = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_HEADER_LENGTH = 24
"""Signature (8 bytes), IHDR length and type (8), width and height (4 each)."""


class ThumbnailError(Exception):
    """Raised when a thumbnail cannot be captured or is not the expected image."""


def read_png_size(path: Path) -> tuple[int, int]:
    """Return the (width, height) a PNG file declares in its IHDR header.

    Raises ``ThumbnailError`` when the file is missing, too short, or not a PNG.
    """
    try:
        with path.open("rb") as image:
            header = image.read(_HEADER_LENGTH)
    except OSError as error:
        raise ThumbnailError(f"Could not read the image {path}: {error.strerror}.") from None
    if len(header) < _HEADER_LENGTH or not header.startswith(PNG_SIGNATURE):
        raise ThumbnailError(f"The image {path} is not a PNG file.")
    if header[12:16] != b"IHDR":
        raise ThumbnailError(f"The PNG file {path} does not start with an IHDR chunk.")
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def capture_thumbnail(
    supervisor: ProcessSupervisor,
    display: str,
    path: Path,
    expected_size: tuple[int, int] = (1280, 720),
    timeout: float = 10.0,
) -> Path:
    """Capture ``display`` as a PNG and move it atomically to ``path``; return ``path``.

    Raises ``ThumbnailError`` when scrot fails or times out, or when the image
    is not a PNG of ``expected_size``; ``path`` is then left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # scrot picks the format from the extension, so the temporary name ends in .png.
    handle, temporary_name = tempfile.mkstemp(
        prefix=f".{path.stem}-", suffix=".png", dir=path.parent
    )
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        _run_scrot(supervisor, display, temporary, timeout)
        size = read_png_size(temporary)
        if size != expected_size:
            raise ThumbnailError(
                f"The capture of display {display} is {size[0]}x{size[1]}, "
                f"expected {expected_size[0]}x{expected_size[1]}; "
                "check the display size settings."
            )
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    logger.debug("thumbnail of %s saved to %s", display, path)
    return path


def _run_scrot(supervisor: ProcessSupervisor, display: str, target: Path, timeout: float) -> None:
    spec = ProcessSpec("scrot", ["scrot", "--overwrite", str(target)], {"DISPLAY": display})
    try:
        result = supervisor.run(spec, timeout)
    except ProcessError as error:
        raise ThumbnailError(f"Could not capture display {display}: {error}") from None
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip() or "no error output"
        raise ThumbnailError(
            f"scrot failed with status {result.returncode} on display {display}: {reason}. "
            "Check that the virtual display is running."
        )
