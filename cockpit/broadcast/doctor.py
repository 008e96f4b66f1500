"""Checks of the system tools the pipeline needs, with the Debian package that provides each.

Every check runs the real program (through the process supervisor) or looks
for the real file, so a check passes only where the pipeline would work.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cockpit.broadcast.processes import ProcessError, ProcessSpec, ProcessSupervisor

NGINX_MODULES_DIR = Path("/usr/lib/nginx/modules")


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check: ``ok``, or a ``problem`` fixed by installing ``package``."""

    name: str
    ok: bool
    package: str
    problem: str = ""
    required: bool = True
    """False for the voice tools, without which the stream uses a silent audio track."""


@dataclass(frozen=True)
class Check:
    name: str
    package: str
    run: Callable[[ProcessSupervisor], str]
    """Returns an empty string when the tool works, else what is wrong."""
    required: bool = True


def _program(name: str) -> Callable[[ProcessSupervisor], str]:
    def check(supervisor: ProcessSupervisor) -> str:
        return "" if shutil.which(name) else f"`{name}` is not on PATH"

    return check


def _output_of(supervisor: ProcessSupervisor, argv: list[str]) -> str:
    if not shutil.which(argv[0]):
        return ""
    try:
        result = supervisor.run(ProcessSpec(argv[0], argv), timeout=20)
    except ProcessError:
        return ""
    return (result.stdout + result.stderr).decode("utf-8", "replace")


def _ffmpeg_feature(flag: str, needle: str, what: str) -> Callable[[ProcessSupervisor], str]:
    def check(supervisor: ProcessSupervisor) -> str:
        if not shutil.which("ffmpeg"):
            return "`ffmpeg` is not on PATH"
        output = _output_of(supervisor, ["ffmpeg", "-hide_banner", flag])
        words = {word for line in output.splitlines() for word in line.split()}
        return "" if needle in words else f"ffmpeg lacks {what}"

    return check


def _font(family: str) -> Callable[[ProcessSupervisor], str]:
    def check(supervisor: ProcessSupervisor) -> str:
        output = _output_of(supervisor, ["fc-list", ":", "family"])
        return "" if family.lower() in output.lower() else f"font {family!r} is not installed"

    return check


def _nginx_module(filename: str) -> Callable[[ProcessSupervisor], str]:
    def check(supervisor: ProcessSupervisor) -> str:
        path = NGINX_MODULES_DIR / filename
        return "" if path.exists() else f"{path} is missing"

    return check


CHECKS: tuple[Check, ...] = (
    Check("Xvfb (virtual display)", "xvfb", _program("Xvfb")),
    Check("openbox (window manager)", "openbox", _program("openbox")),
    Check("xterm (stage window)", "xterm", _program("xterm")),
    Check("scrot (thumbnails)", "scrot", _program("scrot")),
    Check("ffmpeg", "ffmpeg", _program("ffmpeg")),
    Check("ffmpeg libx264 encoder", "ffmpeg", _ffmpeg_feature("-encoders", "libx264", "libx264")),
    Check("ffmpeg AAC encoder", "ffmpeg", _ffmpeg_feature("-encoders", "aac", "the aac encoder")),
    Check("ffmpeg x11grab input", "ffmpeg", _ffmpeg_feature("-devices", "x11grab", "x11grab")),
    Check("ffmpeg rtmp protocol", "ffmpeg", _ffmpeg_feature("-protocols", "rtmp", "rtmp")),
    Check("ffmpeg rtmps protocol", "ffmpeg", _ffmpeg_feature("-protocols", "rtmps", "rtmps")),
    Check("DejaVu Sans Mono font", "fonts-dejavu-core", _font("DejaVu Sans Mono")),
    Check("Symbola font (media symbols)", "fonts-symbola", _font("Symbola")),
    Check("nginx (simulator ingest)", "nginx", _program("nginx")),
    Check("nginx rtmp module", "libnginx-mod-rtmp", _nginx_module("ngx_rtmp_module.so")),
    Check(
        "nginx stream module (rtmps)", "libnginx-mod-stream", _nginx_module("ngx_stream_module.so")
    ),
    Check("openssl (ingest certificate)", "openssl", _program("openssl")),
    Check("PulseAudio (voice)", "pulseaudio", _program("pulseaudio"), required=False),
    Check("pactl (voice)", "pulseaudio-utils", _program("pactl"), required=False),
    Check("espeak-ng (speech)", "espeak-ng", _program("espeak-ng"), required=False),
)


def run_checks(supervisor: ProcessSupervisor) -> list[CheckResult]:
    """Run every check and return the results in ``CHECKS`` order."""
    results = []
    for check in CHECKS:
        problem = check.run(supervisor)
        results.append(CheckResult(check.name, not problem, check.package, problem, check.required))
    return results


def missing_packages(results: list[CheckResult]) -> list[str]:
    """Return the Debian packages that would fix the failed checks, each once, in order."""
    packages: list[str] = []
    for result in results:
        if not result.ok and result.package not in packages:
            packages.append(result.package)
    return packages


def install_command(packages: list[str]) -> list[str]:
    """Return the apt-get command line that installs ``packages``."""
    return ["apt-get", "install", "-y", "--no-install-recommends", *packages]


def install_packages(supervisor: ProcessSupervisor, packages: list[str]) -> None:
    """Install ``packages`` with apt-get; only root may. Raises ``ProcessError`` on failure."""
    if os.geteuid() != 0:
        raise ProcessError(
            "Installing packages needs root. Run as root: " + " ".join(install_command(packages))
        )
    environment = {"DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], install_command(packages)):
        result = supervisor.run(ProcessSpec("apt-get", argv, environment=environment), timeout=900)
        if result.returncode != 0:
            tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ProcessError(f"`{' '.join(argv)}` failed: {' '.join(tail)}")
