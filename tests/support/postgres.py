"""A real PostgreSQL for HQ's tests: the server named by ``HQ_TEST_PG_DSN``, or a throwaway
cluster this module starts from Debian's binaries and stops by its process id.

- `pg_cluster` (session fixture): a `PostgresServer`, or None when neither ``HQ_TEST_PG_DSN``
  is set nor Debian's ``initdb`` is installed (`postgres_available` says which before
  collection; under ``CI`` a missing PostgreSQL fails instead: `.ci/run` installs it).
- `PostgresServer.create_database()`: a fresh, empty database; its ``postgresql://`` URL.
- `PostgresServer.restart`: stops the throwaway cluster (its sessions end) and starts it again
  on the same port and data; None for a server given by ``HQ_TEST_PG_DSN`` (not ours to stop).

The throwaway cluster: ``initdb`` refuses to run as root, so as root the cluster belongs to
the ``postgres`` user Debian's package creates (``runuser``), in a temporary directory; it
listens on 127.0.0.1 on a free port with its unix socket in that directory, and runs without
fsync (the tests check HQ's logic across processes, not the disk's durability). Each pytest
worker starts its own (a second or two).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

__all__ = ["PostgresServer", "pg_cluster", "postgres_available"]

DSN_ENV = "HQ_TEST_PG_DSN"
_START_TIMEOUT_S = 60


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def postgres_available() -> bool:
    """A PostgreSQL lane can run: a server is given, or one can be started here."""
    return bool(os.environ.get(DSN_ENV)) or _bin_dir() is not None


class PostgresServer:
    """A running PostgreSQL reachable at ``dsn`` (a superuser's, to its ``postgres`` db)."""

    def __init__(self, dsn: str, restart: Callable[[], None] | None = None) -> None:
        self.dsn = dsn
        self.restart = restart

    def create_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        name = f"hq_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")  # a name we made: no injection
        params = conninfo_to_dict(self.dsn)
        params["dbname"] = name
        return _as_url(params)


def _as_url(params: Mapping[str, object]) -> str:
    """``postgresql://user@host:port/db`` from conninfo parameters (HQ takes URLs)."""
    user = params.get("user", "")
    password = f":{params['password']}" if params.get("password") else ""
    auth = f"{user}{password}@" if user else ""
    return (f"postgresql://{auth}{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}"
            f"/{params['dbname']}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Cluster:
    """A throwaway cluster in a temporary directory, owned by a non-root user."""

    def __init__(self, bin_dir: Path, *, durable: bool = False) -> None:
        self.bin_dir = bin_dir
        self.durable = durable  # fsync as a deployment would (a benchmark's comparison)
        self.root = Path(tempfile.mkdtemp(prefix="hq-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.pid: int | None = None
        self._as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: the cluster is the postgres user's
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self.root.chmod(0o700)

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self._as, *command], capture_output=True, text=True,
                              timeout=_START_TIMEOUT_S, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> str:
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "hq_test",
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._start_server()
        return f"host=127.0.0.1 port={self.port} user=hq_test dbname=postgres"

    def _start_server(self) -> None:
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                   f"-c unix_socket_directories={self.root} -c max_connections=200")
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "-t", str(_START_TIMEOUT_S),
                  "start")
        # The postmaster's pid is the first line of postmaster.pid: we stop it by that.
        self.pid = int((self.data / "postmaster.pid").read_text().split()[0])

    def restart(self) -> None:
        self._stop_server()
        self._start_server()

    def stop(self) -> None:
        self._stop_server()
        shutil.rmtree(self.root, ignore_errors=True)

    def _stop_server(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGINT)  # "fast" shutdown: ends sessions, exits
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and _alive(self.pid):
                time.sleep(0.05)
            if _alive(self.pid):
                os.kill(self.pid, signal.SIGKILL)
            self.pid = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresServer | None]:
    given = os.environ.get(DSN_ENV)
    if given:
        yield PostgresServer(given)
        return
    bin_dir = _bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: .ci/run installs Debian's postgresql")
        yield None
        return
    cluster = _Cluster(bin_dir)
    try:
        yield PostgresServer(cluster.start(), cluster.restart)
    finally:
        cluster.stop()
