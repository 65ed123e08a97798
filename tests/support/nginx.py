"""Debian's nginx as the load balancer in front of several HQ processes, for tests and
benchmarks: started by us with its own configuration, pid file, logs and temporary folders
under a folder of ours, on 127.0.0.1 and a free port; stopped by its pid.

    from tests.support.nginx import RunningNginx

    balancer = RunningNginx(tmp_path / "nginx", [first.port, second.port])
    balancer.start()                # nginx in the foreground, our child process
    ... talk to balancer.url ...
    balancer.upstream_counts()      # requests each HQ process answered (its access log)
    balancer.status_counts()        # requests per HTTP status
    balancer.stop()                 # SIGQUIT (graceful), then SIGKILL, by its pid

Round robin over the upstreams (nginx's default; ``least_conn`` on request), per request:
the PATCHes of one upload land on both processes in turn. What HQ's wire protocol needs
from a proxy is set here:

- ``client_max_body_size 0``: a tus PATCH carries up to the device's chunk (8 MiB) and a
  tree head's record its audit leaves; nginx's default of 1 MiB would answer 413;
- ``proxy_request_buffering off``: a PATCH streams to HQ as it arrives (HQ hashes and seals
  it on the way, and a cut connection leaves HQ the bytes it got, to resume from) instead of
  being spooled to nginx's disk first, and the body of no request touches nginx's disk;
- ``proxy_buffering off``: answers (receipts, media downloads) stream back likewise;
- HTTP/1.1 to the upstreams with ``keepalive`` (and an empty ``Connection``), so each
  request does not open a TCP connection to HQ; idle ones closed after `UPSTREAM_IDLE_S`,
  before uvicorn closes them (its keep-alive is 5 s), else a request sent on a connection
  HQ is closing fails with 502;
- ``X-Forwarded-For`` / ``X-Real-IP``: uvicorn takes the client's address from them when the
  proxy is 127.0.0.1 (its ``--forwarded-allow-ips`` default);
- ``proxy_next_upstream error timeout`` (the default) and nothing more: a POST or PATCH is
  never sent to the other process by nginx once sent (HQ's idempotency makes the device's
  own retry safe; nginx re-sending a half-streamed body could not be).

nginx refuses nothing as a non-root user; as root its workers run as ``nobody`` (the
``user`` directive), so the folders they may write are given to that user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

__all__ = ["BALANCE_METHODS", "NGINX_PATHS", "UPSTREAM_IDLE_S", "RunningNginx",
           "nginx_binary"]

NGINX_PATHS = ("/usr/sbin/nginx",)
BALANCE_METHODS = ("round_robin", "least_conn")
UPSTREAM_IDLE_S = 4  # idle upstream connections closed by nginx first (uvicorn: 5 s)
_START_TIMEOUT_S = 20.0
_STOP_GRACE_S = 5.0
_WORKER_USER = "nobody"
_TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_binary() -> Path | None:
    """Debian's nginx (package ``nginx-light`` or ``nginx``), or None when not installed."""
    found = shutil.which("nginx") or next((p for p in NGINX_PATHS if os.access(p, os.X_OK)),
                                          None)
    return Path(found) if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RunningNginx:
    """One nginx balancing over HQ processes on 127.0.0.1 (see the module docstring)."""

    def __init__(self, folder: Path, upstream_ports: Sequence[int], *,
                 workers: int = 1, keepalive: int = 64, balance: str = "round_robin"
                 ) -> None:
        """``balance``: ``round_robin`` (nginx's default) or ``least_conn`` (the upstream
        with the fewest requests in flight: a process busy with a long upload gets none)."""
        if balance not in BALANCE_METHODS:
            raise ValueError(f"balance must be one of {BALANCE_METHODS}")
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx-light)")
        self.binary = binary
        self.folder = folder
        self.upstream_ports = list(upstream_ports)
        self.workers = workers
        self.keepalive = keepalive
        self.balance = balance
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The master process's pid (our child; its workers are its children)."""
        assert self._process is not None, "nginx is not running"
        return self._process.pid

    @property
    def config_path(self) -> Path:
        return self.folder / "nginx.conf"

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def config(self) -> str:
        """The whole configuration nginx runs with (nothing from /etc/nginx)."""
        root = self.folder
        as_root = os.geteuid() == 0
        servers = "".join(f"        server 127.0.0.1:{port};\n" for port in self.upstream_ports)
        temp = "".join(f"    {name}_temp_path {root / 'temp' / name};\n" for name in _TEMP_DIRS)
        return (
            ("user nobody nogroup;\n" if as_root else "")
            + f"worker_processes {self.workers};\n"
            "daemon off;\n"  # our child: stopped by its pid, its output in our log
            f"pid {root / 'nginx.pid'};\n"
            f"error_log {root / 'error.log'} warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "    log_format upstream '$status|$request_method|$request_length|$request_time|"
            "$upstream_response_time|$upstream_addr';\n"
            f"    access_log {self.access_log} upstream;\n"
            + temp
            + "    upstream hq {\n"
            + ("        least_conn;\n" if self.balance == "least_conn" else "") + servers
            + f"        keepalive {self.keepalive};\n"
            # Below uvicorn's keep-alive (5 s): nginx must never send a request on an idle
            # connection HQ is closing; a POST or PATCH lost that way is a 502 nginx cannot
            # retry (measured: 2 of 3000 requests in hq_load_bench before this line).
            + f"        keepalive_timeout {UPSTREAM_IDLE_S}s;\n"
            "    }\n"
            "    server {\n"
            f"        listen 127.0.0.1:{self.port};\n"
            "        client_max_body_size 0;\n"
            "        location / {\n"
            "            proxy_pass http://hq;\n"
            "            proxy_http_version 1.1;\n"
            '            proxy_set_header Connection "";\n'
            "            proxy_set_header Host $http_host;\n"
            "            proxy_set_header X-Real-IP $remote_addr;\n"
            "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
            "            proxy_set_header X-Forwarded-Proto $scheme;\n"
            "            proxy_request_buffering off;\n"
            "            proxy_buffering off;\n"
            "            proxy_read_timeout 300s;\n"
            "            proxy_send_timeout 300s;\n"
            "        }\n"
            "    }\n"
            "}\n")

    def _prepare(self) -> None:
        (self.folder / "temp").mkdir(parents=True, exist_ok=True)
        for name in _TEMP_DIRS:
            (self.folder / "temp" / name).mkdir(exist_ok=True)
        if os.geteuid() == 0:  # the workers (nobody) traverse our folder, write only temp/*
            worker = pwd.getpwnam(_WORKER_USER)
            self.folder.chmod(0o711)
            for name in _TEMP_DIRS:
                os.chown(self.folder / "temp" / name, worker.pw_uid, worker.pw_gid)
            (self.folder / "temp").chmod(0o711)
        self.config_path.write_text(self.config())

    def start(self) -> None:
        """Start nginx (after checking its configuration) and wait until it accepts."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._prepare()
        checked = subprocess.run([str(self.binary), "-t", "-q", "-p", str(self.folder),
                                  "-c", str(self.config_path)],
                                 capture_output=True, text=True, timeout=30, check=False)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused its configuration:\n{checked.stderr}")
        with (self.folder / "nginx.out").open("ab") as out:
            self._process = subprocess.Popen(
                [str(self.binary), "-p", str(self.folder), "-c", str(self.config_path)],
                stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not start:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        """SIGQUIT (finish the requests in flight, then exit), SIGKILL after a grace."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGQUIT)
            try:
                self._process.wait(timeout=_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self._process.send_signal(signal.SIGKILL)
                self._process.wait(timeout=30)
        self._process = None

    def log(self) -> str:
        """nginx's error log and output so far."""
        parts = []
        for name in ("error.log", "nginx.out"):
            with contextlib.suppress(FileNotFoundError):
                parts.append((self.folder / name).read_text(errors="replace"))
        return "\n".join(parts)

    def status_counts(self) -> Counter[str]:
        """Requests per HTTP status nginx answered (its access log)."""
        return Counter(fields[0] for fields in self._access())

    def _access(self) -> list[list[str]]:
        """The access log's lines as fields: status, method, request length, request time,
        upstream response time(s), upstream address(es) ("a, b" when nginx tried two)."""
        with contextlib.suppress(FileNotFoundError):
            return [line.split("|") for line in self.access_log.read_text().splitlines()
                    if line.count("|") == 5]
        return []

    def upstream_counts(self, method: str | None = None) -> Counter[str]:
        """Requests per upstream (``127.0.0.1:port``) in the access log, of ``method`` if
        given; a request nginx passed to a second upstream after an error counts for both."""
        counts: Counter[str] = Counter()
        for fields in self._access():
            if method is None or fields[1] == method:
                counts.update(fields[5].split(", "))
        return counts
