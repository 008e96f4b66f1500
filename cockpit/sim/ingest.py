"""The simulator's RTMP ingest: nginx with the rtmp module, rtmps in front, and recordings.

One nginx process listens on three free loopback ports: RTMP, RTMPS (nginx's
stream module terminates TLS with a throwaway self-signed certificate and
forwards to the RTMP port) and HTTP for the ``rtmp_stat`` status page. nginx posts
each publish to the simulator's callback routes (see ``ingest_routes``), which
accept or reject it and rename an accepted stream from its key to
``stream_name_for(key, clientid)``. nginx records every accepted stream as FLV.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import shutil
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

from cockpit.broadcast.processes import ChildProcess, ProcessSpec, ProcessSupervisor
from cockpit.sim.ingest_routes import (
    ON_PUBLISH_DONE_PATH,
    ON_PUBLISH_PATH,
    ON_RECORD_DONE_PATH,
    key_digest,
)

logger = logging.getLogger(__name__)

APPLICATION = "live"
NGINX_MODULES_DIR = Path("/usr/lib/nginx/modules")
BIND_ATTEMPTS = 3
"""nginx starts this many times with fresh ports when another process took a port first."""

IDLE_PUBLISHER_SECONDS = 10
"""nginx drops a publisher that sent no audio or video for this long."""

_PORT_NAMES = ("rtmp", "rtmps", "http")
_UNSAFE_PATH_CHARACTERS = re.compile(r'["\\$;{}\s]')
_RECORDING_STEM = re.compile(r"[A-Za-z0-9_-]{1,80}")
_LOG_TAIL_LINES = 15


class IngestError(Exception):
    """Raised when the ingest cannot start, is not running, or cannot report its status."""


@dataclass(frozen=True)
class StreamStats:
    """One stream on the status page of the ingest."""

    name: str
    """The stream name that ``on_publish`` gave in place of the key."""
    publishing: bool
    bytes_in: int
    bandwidth_in: int
    """Incoming bits per second, as nginx-rtmp measures it."""
    clients: int
    video_codec: str | None = None
    width: int | None = None
    height: int | None = None
    audio_codec: str | None = None


@dataclass(frozen=True)
class IngestStats:
    """Totals of the ingest and its streams, from nginx-rtmp's ``rtmp_stat`` page."""

    bytes_in: int
    streams: dict[str, StreamStats]
    """Streams of the ``live`` application by stream name."""

    @property
    def publishing(self) -> set[str]:
        """Names of the streams that have a publisher."""
        return {name for name, stream in self.streams.items() if stream.publishing}

    def stream_for_key(self, key: str) -> StreamStats | None:
        """Return the publishing stream that was accepted with ``key``, or None."""
        prefix = f"{key_digest(key)}-"
        for name, stream in self.streams.items():
            if stream.publishing and name.startswith(prefix):
                return stream
        return None


class Ingest:
    """nginx-rtmp on loopback with rtmps, HTTP publish callbacks and recordings.

    nginx runs as one process (``master_process off``) started through the
    supervisor, so stopping the supervisor or killing its owner leaves no nginx.
    """

    def __init__(
        self,
        supervisor: ProcessSupervisor,
        work_dir: Path,
        callback_base_url: str,
        *,
        nginx_path: str | None = None,
        modules_dir: Path = NGINX_MODULES_DIR,
    ) -> None:
        self._supervisor = supervisor
        self._callback_base_url = _validated_callback_base_url(callback_base_url)
        self._nginx_path = nginx_path or shutil.which("nginx") or "/usr/sbin/nginx"
        self._modules_dir = modules_dir

        work_dir.mkdir(parents=True, exist_ok=True)
        _check_config_safe(work_dir.resolve())
        # mkdtemp creates the directory with mode 0700, so the TLS key and the logs stay private.
        self._private_dir = Path(tempfile.mkdtemp(prefix="ingest-", dir=work_dir)).resolve()
        self._record_dir = self._private_dir / "recordings"
        self._record_dir.mkdir(mode=0o700)
        (self._private_dir / "temp").mkdir(mode=0o700)
        self._child: ChildProcess | None = None
        self._ports: dict[str, int] | None = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def __enter__(self) -> Ingest:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def child(self) -> ChildProcess | None:
        """The nginx process while the ingest runs, else None."""
        return self._child

    @property
    def running(self) -> bool:
        return self._child is not None and self._child.running

    @property
    def record_dir(self) -> Path:
        """Directory where nginx writes one FLV file per accepted publish."""
        return self._record_dir

    @property
    def rtmp_url(self) -> str:
        """Plain RTMP publish URL without the key, such as ``rtmp://127.0.0.1:PORT/live``."""
        return f"rtmp://127.0.0.1:{self._port('rtmp')}/{APPLICATION}"

    @property
    def rtmps_url(self) -> str:
        """RTMP over TLS publish URL without the key; the certificate is self-signed."""
        return f"rtmps://127.0.0.1:{self._port('rtmps')}/{APPLICATION}"

    @property
    def stat_url(self) -> str:
        """URL of nginx-rtmp's XML status page."""
        return f"http://127.0.0.1:{self._port('http')}/stat"

    @property
    def certificate_path(self) -> Path:
        return self._private_dir / "certificate.pem"

    @property
    def error_log_path(self) -> Path:
        return self._private_dir / "error.log"

    def start(self, timeout: float = 15.0) -> None:
        """Start nginx and return once it accepts TCP connections on all three ports.

        Raises IngestError, with the last lines of nginx's error log, if nginx
        exits or does not listen within ``timeout`` seconds.
        """
        if self._child is not None:
            raise IngestError(
                "The ingest is already running; call stop() before starting it again."
            )
        self._check_modules()
        self._write_certificate()

        deadline = time.monotonic() + timeout
        for attempt in range(1, BIND_ATTEMPTS + 1):
            ports = dict(zip(_PORT_NAMES, reserve_loopback_ports(len(_PORT_NAMES)), strict=True))
            log_offsets = {path: _file_size(path) for path in self._log_paths}
            child = self._start_nginx(self._write_config(ports))
            if _wait_until_listening(child, ports.values(), deadline):
                self._child, self._ports = child, ports
                logger.info("ingest started: nginx pid=%d ports %s", child.pid, ports)
                return

            self._supervisor.stop(child, grace=2.0)
            tails = [_read_tail(path, offset) for path, offset in log_offsets.items()]
            log_tail = next((tail for tail in tails if tail), "")
            if "Address already in use" in log_tail and attempt < BIND_ATTEMPTS:
                logger.warning(
                    "nginx could not bind ports %s (attempt %d); retrying", ports, attempt
                )
                continue
            raise IngestError(_start_failure_message(child, timeout, log_tail))

    def stop(self) -> None:
        """Stop nginx through the supervisor; safe to call when it is not running."""
        child, self._child, self._ports = self._child, None, None
        if child is None:
            return
        returncode = self._supervisor.stop(child)
        logger.info("ingest stopped: nginx pid=%d returncode=%s", child.pid, returncode)

    def stats(self, timeout: float = 5.0) -> IngestStats:
        """Fetch and parse the ``rtmp_stat`` page; raise IngestError if it cannot be read."""
        url = self.stat_url
        try:
            with self._opener.open(url, timeout=timeout) as response:
                body = response.read()
        except (urllib.error.URLError, OSError) as error:
            raise IngestError(
                f"Could not read the ingest status page {url}: {error}. "
                "Check that nginx is still running (Ingest.running)."
            ) from None
        return parse_stats(body)

    def drop_publisher(self, key: str, timeout: float = 5.0) -> bool:
        """Disconnect the publisher accepted with ``key``; return False if none is publishing.

        nginx closes the publisher's connection, then reports ``publish_done``
        and ``record_done`` as for any publisher that stops.
        """
        stream = self.stats(timeout).stream_for_key(key)
        if stream is None:
            return False
        query = urllib.parse.urlencode({"app": APPLICATION, "name": stream.name})
        url = f"http://127.0.0.1:{self._port('http')}/control/drop/publisher?{query}"
        try:
            with self._opener.open(url, timeout=timeout) as response:
                dropped = response.read().strip()
        except (urllib.error.URLError, OSError) as error:
            raise IngestError(
                f"Could not drop the publisher of stream {stream.name}: {error}. "
                "Check that nginx is still running (Ingest.running)."
            ) from None
        logger.info(
            "dropped the publisher of stream %s (%s)", stream.name, dropped.decode(errors="replace")
        )
        return dropped not in (b"", b"0")

    def rename_recording(self, path: str | Path, stem: str) -> Path | None:
        """Rename a finished recording to ``STEM.flv`` and return the new path.

        nginx names recordings after the stream name and the second the publish
        started, which means nothing to a viewer of the recordings list. Returns
        None, and changes nothing, for a path outside the record directory or a
        missing file. An empty file (a publisher that sent no media) is deleted
        and None is returned. Raises ValueError for an unsafe stem.
        """
        if not _RECORDING_STEM.fullmatch(stem):
            raise ValueError(
                f"Recording name {stem!r} is invalid; use 1 to 80 letters, digits, '-' or '_'."
            )
        source = Path(path).resolve()
        if source.parent != self._record_dir or source.suffix != ".flv" or not source.is_file():
            logger.warning("ignored a recording outside %s or not a file", self._record_dir)
            return None
        if source.stat().st_size == 0:
            source.unlink()
            logger.info("deleted an empty recording meant for %s", stem)
            return None

        target = self._record_dir / f"{stem}.flv"
        number = 1
        while target.exists():
            number += 1
            target = self._record_dir / f"{stem}-{number}.flv"
        source.rename(target)
        logger.info("recording kept as %s", target.name)
        return target

    def _port(self, name: str) -> int:
        if self._ports is None:
            raise IngestError("The ingest is not running; call start() first.")
        return self._ports[name]

    @property
    def _log_paths(self) -> tuple[Path, Path]:
        # nginx writes errors found before it opens the error log only to stderr, kept in nginx.out.
        return self.error_log_path, self._private_dir / "nginx.out"

    def _start_nginx(self, config_path: Path) -> ChildProcess:
        argv = [self._nginx_path, "-p", str(self._private_dir), "-e", str(self.error_log_path)]
        argv += ["-c", str(config_path)]
        spec = ProcessSpec("nginx", argv, stdout=self._log_paths[1], grace=5.0)
        return self._supervisor.start(spec)

    def _check_modules(self) -> None:
        for module in ("ngx_rtmp_module.so", "ngx_stream_module.so"):
            if not (self._modules_dir / module).is_file():
                raise IngestError(
                    f"The nginx module {self._modules_dir / module} is missing. "
                    "Install the libnginx-mod-rtmp and libnginx-mod-stream packages."
                )

    def _write_certificate(self) -> None:
        key_path = self._private_dir / "key.pem"
        if key_path.exists() and self.certificate_path.exists():
            return
        argv = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key_path), "-out", str(self.certificate_path), "-days", "30",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ]  # fmt: skip
        result = self._supervisor.run(ProcessSpec("openssl", argv), timeout=30.0)
        if result.returncode != 0:
            detail = result.stderr.decode(errors="replace").strip()
            raise IngestError(
                "openssl could not create the ingest certificate "
                f"(exit status {result.returncode}): {detail}. "
                "Run `cockpit doctor` to check the system tools."
            )
        key_path.chmod(0o600)

    def _write_config(self, ports: dict[str, int]) -> Path:
        config_path = self._private_dir / "nginx.conf"
        config_path.write_text(
            render_config(
                private_dir=self._private_dir,
                record_dir=self._record_dir,
                modules_dir=self._modules_dir,
                callback_base_url=self._callback_base_url,
                rtmp_port=ports["rtmp"],
                rtmps_port=ports["rtmps"],
                http_port=ports["http"],
            )
        )
        return config_path


def render_config(
    *,
    private_dir: Path,
    record_dir: Path,
    modules_dir: Path,
    callback_base_url: str,
    rtmp_port: int,
    rtmps_port: int,
    http_port: int,
) -> str:
    """Return the nginx configuration of the ingest."""
    temp_dir = private_dir / "temp"
    return f"""\
# With daemon and master_process off, nginx runs as one process that never forks.
# That process is the supervisor's direct child and receives its parent-death signal,
# so no nginx worker can outlive the owner. In this mode nginx 1.22 also keeps the
# owner's user instead of switching to "nobody", so it can write to the private
# record directory.
daemon off;
master_process off;
pid "{private_dir / "nginx.pid"}";
error_log "{private_dir / "error.log"}" warn;

load_module "{modules_dir / "ngx_rtmp_module.so"}";
load_module "{modules_dir / "ngx_stream_module.so"}";

events {{
    worker_connections 256;
}}

rtmp {{
    # The rtmp access log would contain stream keys.
    access_log off;

    server {{
        listen 127.0.0.1:{rtmp_port};

        application {APPLICATION} {{
            live on;
            # NOTE: nginx-rtmp 1.2 arms this timer at the first audio or video packet, so a
            # publisher that freezes before sending one stays until drop_publisher() is called.
            # RTMP ping does not help either, because nginx-rtmp counts sending a ping as activity.
            drop_idle_publisher {IDLE_PUBLISHER_SECONDS}s;

            record all;
            record_path "{record_dir}";
            record_unique on;

            notify_method post;
            on_publish {callback_base_url}{ON_PUBLISH_PATH};
            on_publish_done {callback_base_url}{ON_PUBLISH_DONE_PATH};
            on_record_done {callback_base_url}{ON_RECORD_DONE_PATH};
        }}
    }}
}}

stream {{
    server {{
        listen 127.0.0.1:{rtmps_port} ssl;
        ssl_certificate "{private_dir / "certificate.pem"}";
        ssl_certificate_key "{private_dir / "key.pem"}";
        proxy_pass 127.0.0.1:{rtmp_port};
    }}
}}

http {{
    access_log off;
    client_body_temp_path "{temp_dir / "body"}";
    proxy_temp_path "{temp_dir / "proxy"}";
    fastcgi_temp_path "{temp_dir / "fastcgi"}";
    uwsgi_temp_path "{temp_dir / "uwsgi"}";
    scgi_temp_path "{temp_dir / "scgi"}";

    server {{
        listen 127.0.0.1:{http_port};

        location = /stat {{
            rtmp_stat all;
        }}

        location /control {{
            rtmp_control all;
        }}
    }}
}}
"""


def parse_stats(document: bytes) -> IngestStats:
    """Parse nginx-rtmp's ``rtmp_stat`` XML; raise IngestError if it is not that document."""
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise IngestError(f"The ingest status page is not valid XML: {error}.") from None
    if root.tag != "rtmp":
        raise IngestError(f"The ingest status page has root element {root.tag!r}, expected 'rtmp'.")

    streams: dict[str, StreamStats] = {}
    for application in root.iterfind("server/application"):
        if application.findtext("name") != APPLICATION:
            continue
        for stream in application.iterfind("live/stream"):
            parsed = _parse_stream(stream)
            streams[parsed.name] = parsed
    return IngestStats(bytes_in=_int(root.findtext("bytes_in")), streams=streams)


def _parse_stream(stream: ElementTree.Element) -> StreamStats:
    return StreamStats(
        name=stream.findtext("name", ""),
        publishing=stream.find("publishing") is not None,
        bytes_in=_int(stream.findtext("bytes_in")),
        bandwidth_in=_int(stream.findtext("bw_in")),
        clients=_int(stream.findtext("nclients")),
        video_codec=stream.findtext("meta/video/codec"),
        width=_optional_int(stream.findtext("meta/video/width")),
        height=_optional_int(stream.findtext("meta/video/height")),
        audio_codec=stream.findtext("meta/audio/codec"),
    )


def _int(text: str | None) -> int:
    return _optional_int(text) or 0


def _optional_int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def reserve_loopback_ports(count: int) -> list[int]:
    """Return ``count`` distinct TCP ports that were free on 127.0.0.1 a moment ago.

    The ports are released before returning, so another process may take one
    before nginx binds it; ``Ingest.start`` retries with fresh ports when that happens.
    """
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _validated_callback_base_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    try:
        loopback = (
            parts.scheme == "http" and ipaddress.IPv4Address(parts.hostname or "").is_loopback
        )
    except ValueError:
        loopback = False
    if not loopback or parts.port is None or parts.query or parts.fragment:
        raise ValueError(
            f"Callback base URL {url!r} is invalid; "
            "use http://127.0.0.1:PORT with an optional path."
        )
    return url.rstrip("/")


def _check_config_safe(path: Path) -> None:
    # Paths go into the nginx configuration inside double quotes.
    if _UNSAFE_PATH_CHARACTERS.search(str(path)):
        raise ValueError(
            f'Work directory {str(path)!r} contains whitespace or one of " \\ $ ; {{ }}, '
            "which the nginx configuration cannot hold; choose another directory."
        )


def _wait_until_listening(child: ChildProcess, ports: Iterable[int], deadline: float) -> bool:
    # A port counts only once nginx itself listens on it, because another process that took
    # the port would also accept connections while nginx retries its bind.
    pending = set(ports)
    while time.monotonic() < deadline and child.running:
        pending -= {port for port in _listening_ports(child.pid) if _accepts_connections(port)}
        if not pending:
            return True
        time.sleep(0.05)
    return False


def _listening_ports(pid: int) -> set[int]:
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return set()
    return {
        connection.laddr.port
        for connection in connections
        if connection.status == psutil.CONN_LISTEN
    }


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _read_tail(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-_LOG_TAIL_LINES:])


def _start_failure_message(child: ChildProcess, timeout: float, log_tail: str) -> str:
    if child.returncode is not None and child.returncode >= 0:
        what = f"nginx exited with status {child.returncode}"
    else:
        what = f"nginx did not listen on its ports within {timeout:g} s"
    config_path = Path(child.spec.argv[-1])
    tail = log_tail or "(the error log is empty)"
    return (
        f"The ingest could not start: {what}. Check the error below and the configuration "
        f"{config_path}. Last lines of nginx's error log:\n{tail}"
    )
