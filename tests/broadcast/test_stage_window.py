"""The stage window and thumbnails with the real Xvfb, openbox, xterm and scrot."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from pipeline_helpers import RgbImage, hex_colour, needs_programs, read_rgb, wait_until

from cockpit.broadcast.display import VirtualDisplay
from cockpit.broadcast.processes import ProcessSupervisor
from cockpit.broadcast.stage_window import (
    StageWindow,
    StageWindowError,
    build_xterm_args,
    placeholder_stage_command,
)
from cockpit.broadcast.thumbnail import ThumbnailError, capture_thumbnail, read_png_size
from cockpit.settings import DisplaySettings
from cockpit.ui.stage import BACKGROUND_COLOUR, MARKER_COLOUR

PIPELINE_PROGRAMS = needs_programs("Xvfb", "openbox", "xterm", "scrot", "ffmpeg")

MARKER_RGB = hex_colour(MARKER_COLOUR)
BACKGROUND_RGB = hex_colour(BACKGROUND_COLOUR)

MARKER_MIN_PIXELS = 50_000
"""The marker box is 60x9 cells, about 720x216 px at font size 14: far more than this."""


@pytest.fixture(scope="module")
def placeholder_stage(
    module_supervisor: ProcessSupervisor,
    shared_display: VirtualDisplay,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[StageWindow]:
    command = placeholder_stage_command("Test Agent")
    log_dir = tmp_path_factory.mktemp("stage-logs")
    window = StageWindow(
        module_supervisor, shared_display.display, DisplaySettings(), command, log_dir
    )
    window.start()
    try:
        yield window
    finally:
        window.stop()


@pytest.fixture(scope="module")
def stage_frame(
    module_supervisor: ProcessSupervisor,
    shared_display: VirtualDisplay,
    placeholder_stage: StageWindow,
    tmp_path_factory: pytest.TempPathFactory,
) -> RgbImage:
    """The first captured frame in which the placeholder stage has drawn its marker."""
    path = tmp_path_factory.mktemp("frames") / "stage.png"
    frames: list[RgbImage] = []

    def marker_drawn() -> bool:
        capture_thumbnail(module_supervisor, shared_display.display, path)
        frames.append(read_rgb(module_supervisor, path, read_png_size(path)))
        return frames[-1].count(MARKER_RGB) >= MARKER_MIN_PIXELS

    assert wait_until(marker_drawn, timeout=30, interval=0.3), "the marker never appeared"
    return frames[-1]


@pytest.mark.pipeline
@PIPELINE_PROGRAMS
def test_stage_shows_marker_in_true_colour(stage_frame: RgbImage) -> None:
    # The marker colour is not in xterm's 256-colour palette: finding it exactly
    # means COLORTERM reached the stage app through xterm.
    assert (stage_frame.width, stage_frame.height) == (1280, 720)
    assert stage_frame.count(MARKER_RGB) >= MARKER_MIN_PIXELS


@pytest.mark.pipeline
@PIPELINE_PROGRAMS
def test_stage_window_covers_top_left(stage_frame: RgbImage) -> None:
    # A title bar or an offset window would put other colours along the top and left edges.
    # xterm's 2 px inner border is black, so rows and columns from 2 px inward are checked.
    top_share = stage_frame.row_share(4, BACKGROUND_RGB, range(4, 1200))
    assert top_share > 0.99
    left_column = [stage_frame.pixel(4, y) for y in range(4, 680)]
    assert left_column.count(BACKGROUND_RGB) / len(left_column) > 0.99


@pytest.mark.pipeline
@PIPELINE_PROGRAMS
def test_stage_child_running(placeholder_stage: StageWindow, stage_frame: RgbImage) -> None:
    assert placeholder_stage.running
    assert placeholder_stage.child is not None
    stage_processes = psutil.Process(placeholder_stage.child.pid).children()
    assert len(stage_processes) == 1
    stage_app = stage_processes[0]
    # env replaced itself with the stage app, leaving the variables it set.
    assert stage_app.cmdline()[-3:] == ["cockpit.ui.stage", "--name", "Test Agent"]
    environment = stage_app.environ()
    assert environment["COLORTERM"] == "truecolor"
    assert environment["TERM"] == "xterm-256color"


@pytest.mark.pipeline
@PIPELINE_PROGRAMS
def test_thumbnail_replaces_existing_file(
    module_supervisor: ProcessSupervisor, shared_display: VirtualDisplay, tmp_path: Path
) -> None:
    path = tmp_path / "thumbnail.png"
    path.write_bytes(b"old")

    assert capture_thumbnail(module_supervisor, shared_display.display, path) == path

    assert read_png_size(path) == (1280, 720)
    assert [entry.name for entry in tmp_path.iterdir()] == ["thumbnail.png"]


@pytest.mark.pipeline
@PIPELINE_PROGRAMS
def test_thumbnail_wrong_size_keeps_old_file(
    module_supervisor: ProcessSupervisor, shared_display: VirtualDisplay, tmp_path: Path
) -> None:
    path = tmp_path / "thumbnail.png"
    path.write_bytes(b"old")

    with pytest.raises(ThumbnailError, match="is 1280x720, expected 640x360"):
        capture_thumbnail(module_supervisor, shared_display.display, path, (640, 360))

    assert path.read_bytes() == b"old"
    assert [entry.name for entry in tmp_path.iterdir()] == ["thumbnail.png"]


@pytest.mark.pipeline
@needs_programs("scrot")
def test_thumbnail_of_missing_display(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    path = tmp_path / "thumbnail.png"
    with pytest.raises(ThumbnailError, match="scrot failed"):
        capture_thumbnail(supervisor, ":65000", path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.pipeline
@PIPELINE_PROGRAMS
def test_stop_ends_stage_app(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    # A display of its own, so this window does not cover the module's stage.
    with VirtualDisplay(supervisor, DisplaySettings(), tmp_path / "display") as display:
        window = StageWindow(
            supervisor, display.display, DisplaySettings(), log_dir=tmp_path / "stage"
        )
        child = window.start()
        assert wait_until(lambda: len(psutil.Process(child.pid).children()) == 1, timeout=10)
        stage_app = psutil.Process(child.pid).children()[0]

        window.stop()

        assert not psutil.pid_exists(child.pid)
        assert not stage_app.is_running()
        assert window.child is None
        assert not window.running


@pytest.mark.pipeline
@PIPELINE_PROGRAMS
def test_stage_app_exit_ends_window(supervisor: ProcessSupervisor, tmp_path: Path) -> None:
    # ffmpeg would go on streaming an empty desktop, so the window's state must show the exit.
    command = [sys.executable, "-c", "import sys; sys.stdin.readline()"]
    with VirtualDisplay(supervisor, DisplaySettings(), tmp_path / "display") as display:
        window = StageWindow(supervisor, display.display, DisplaySettings(), command, tmp_path)
        child = window.start()
        assert wait_until(lambda: len(psutil.Process(child.pid).children()) == 1, timeout=10)
        stage_app = psutil.Process(child.pid).children()[0]

        stage_app.terminate()

        assert wait_until(lambda: not window.running, timeout=10)
        assert child.returncode is not None
        window.stop()


def test_png_size_rejects_other_files(tmp_path: Path) -> None:
    text = tmp_path / "note.png"
    text.write_text("not an image")
    with pytest.raises(ThumbnailError, match="not a PNG"):
        read_png_size(text)
    with pytest.raises(ThumbnailError, match="Could not read"):
        read_png_size(tmp_path / "missing.png")


def test_xterm_args_full_screen_true_colour() -> None:
    settings = DisplaySettings(font="DejaVu Sans Mono", font_size=12)
    argv = build_xterm_args(settings, ["/usr/bin/stage", "--name", "A B"])

    assert argv[0] == "xterm"
    assert "-fullscreen" in argv
    assert argv[argv.index("-fa") + 1] == "DejaVu Sans Mono"
    assert argv[argv.index("-fs") + 1] == "12"
    assert argv[argv.index("-tn") + 1] == "xterm-256color"
    assert "+sb" in argv
    assert argv[argv.index("-e") :] == [
        "-e", "env", "COLORTERM=truecolor", "/usr/bin/stage", "--name", "A B",
    ]  # fmt: skip


def test_xterm_args_reject_bad_command() -> None:
    with pytest.raises(StageWindowError, match="empty"):
        build_xterm_args(DisplaySettings(), [])
    with pytest.raises(StageWindowError, match="contains '='"):
        build_xterm_args(DisplaySettings(), ["A=B", "run"])


def test_placeholder_command_uses_this_interpreter() -> None:
    assert placeholder_stage_command("Zed", "HELLO") == [
        sys.executable, "-m", "cockpit.ui.stage", "--name", "Zed", "--marker", "HELLO",
    ]  # fmt: skip
