"""A real HQ process for tests: ``python3 -m hq serve`` (uvicorn) on 127.0.0.1, a free port,
its own data directory; killed at the end.

Use the fixture by re-exporting it from your package's conftest.py::

    from tests.support.hq_server import hq_server
    __all__ = ["hq_server"]

and in a test module::

    from tests.support.hq_server import RunningHQ

    def test_something(hq_server: RunningHQ) -> None:
        code = hq_server.enrol_code()            # "<code_id>-<secret>"
        ... talk to hq_server.url ...
        hq_server.restart()                      # SIGKILL, then start again on the same data
        assert hq_server.admin("gaps").returncode == 0

API (kept small on purpose):

- `hq_server` (fixture): a started `RunningHQ` in ``tmp_path / "hq"``; stopped at teardown,
  where the test fails if the server logged a traceback (an unhandled error in HQ). It runs
  on the embedded lane (SQLite and blobs in the data directory) unless parametrized: a
  conftest whose tests run on both lanes calls `parametrize_hq_lanes` from its
  ``pytest_generate_tests`` (and re-exports `pg_cluster` and `seaweedfs`), and each such test
  runs as ``[sqlite]`` and ``[postgresql]``: a fresh database of `tests.support.postgres`'
  server and a fresh bucket prefix of `tests.support.seaweedfs`' S3 server per test, the
  deployment at scale (decisions 29, 30). A test
  marked ``@pytest.mark.embedded_only`` runs on the embedded lane alone (a slow fault test
  that exercises no part of the database).
- `start_hq(data_dir, env=None, db_url=None)`: start one yourself (for settings through the
  environment, e.g. ``{"HQ_UPLOAD_EXPIRY_S": "1"}``, see `hq.config`); call ``.stop()`` when
  done. Two `RunningHQ` on one data directory and one ``db_url`` are two HQ processes
  sharing their database (decision 29).
- `RunningHQ`: ``url`` (``http://127.0.0.1:<port>``), ``port``, ``data_dir``, ``pid``,
  ``db_url`` (None on the embedded lane), ``database()`` (HQ's database, opened by the test);
  ``restart(env=None)`` SIGKILLs the process (if it runs) and starts HQ again on the same
  data directory and port (with ``env`` merged into its environment), waiting until it
  answers; ``kill()`` SIGKILLs it without restarting;
  ``stop()`` ends it (SIGKILL: HQ must survive that anyway); ``admin(*args)`` runs the admin
  CLI on the same data directory and returns the `CompletedProcess` (text, not checked);
  ``blobs()`` is HQ's blob store (folder or bucket) under HQ's key;
  ``open_state()`` opens HQ's whole state (database and blobs) as the process has it;
  ``enrol_code()`` issues a one-time code; ``info()`` is ``GET /v1/hq`` (HQ's id and receipt
  key, as JSON); ``log()`` is the server's output so far.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from hq.blobs import BlobStore, FilesystemBlobStore
from hq.config import HQConfig
from hq.db import Database, open_database
from hq.keys import load_master_key
from hq.state import HQState, open_hq
from tests.support.postgres import PostgresServer, postgres_available

__all__ = ["LANES", "RunningHQ", "hq_server", "parametrize_hq_lanes", "start_hq"]

LANES = ("sqlite", "postgresql")

_ROOT = Path(__file__).resolve().parents[2]
_START_TIMEOUT_S = 30.0
# The janitor's line in either log format, its pass done, skipped or failed (hq.janitor).
_JANITOR_LINE = re.compile(r'(?m)^\S+ [A-Z]+ janitor\b|"event":"janitor')


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RunningHQ:
    """One HQ server process on loopback (see the module docstring)."""

    def __init__(self, data_dir: Path, env: Mapping[str, str] | None = None,
                 db_url: str | None = None) -> None:
        self.data_dir = data_dir
        self.db_url = db_url
        self.port = _free_port()
        self._env = {**os.environ, **(env or {}), "HQ_DB_URL": db_url or "",
                     "PYTHONPATH": os.pathsep.join(filter(None, (
                         str(_ROOT), os.environ.get("PYTHONPATH"))))}
        self._log_path = data_dir.parent / f"{data_dir.name}-server.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self._process is not None, "HQ is not running"
        return self._process.pid

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "hq", "--data", str(self.data_dir), *args]

    def start(self) -> None:
        """Start the server and wait until ``GET /v1/hq`` answers and the janitor's pass at
        start has ended: it runs beside the first requests, and a test that plants expired
        rows must not race it."""
        passes = len(_JANITOR_LINE.findall(self.log()))
        for attempt in range(3):
            with self._log_path.open("ab") as log:
                self._process = subprocess.Popen(
                    self._command("serve", "--host", "127.0.0.1", "--port", str(self.port)),
                    cwd=_ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT)
            if self._wait_ready() and self._wait_janitor(passes):
                return
            self.kill()
            if attempt < 2 and "address already in use" in self.log().lower():
                self.port = _free_port()  # someone took the port between probe and bind
                continue
            break
        raise RuntimeError(f"HQ did not start:\n{self.log()[-4000:]}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                return False
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/v1/hq")
                if connection.getresponse().status == 200:
                    return True
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.05)
        return False

    def _wait_janitor(self, passes_before: int) -> bool:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if len(_JANITOR_LINE.findall(self.log())) > passes_before:
                return True
            assert self._process is not None
            if self._process.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def kill(self) -> None:
        """SIGKILL the server (no clean shutdown) and reap it."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=30)
        self._process = None

    def restart(self, env: Mapping[str, str] | None = None) -> None:
        """SIGKILL, then start HQ again on the same data directory and port; ``env`` adds or
        replaces environment variables of the new process ("" unsets one for HQ)."""
        self.kill()
        self._env.update(env or {})
        self.start()

    def stop(self) -> None:
        self.kill()

    def admin(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``statement-room-hq --data DIR <args>`` (the admin CLI; on this HQ's lane)."""
        return subprocess.run(self._command(*args), cwd=_ROOT, env=self._env, input=stdin,
                              capture_output=True, text=True, timeout=60, check=False)

    def open_state(self) -> HQState:
        """HQ's state as this process has it (database and blob store on its lane), opened
        by the test; close it after."""
        config = HQConfig(self.data_dir, db_url=self.db_url, blobs=self._env.get("HQ_BLOBS"))
        return open_hq(config, self._env)

    def blobs(self) -> BlobStore:
        """HQ's blob store as this process keeps it (its folder, or its bucket on the
        PostgreSQL lane), opened by the test with HQ's own master key."""
        key = load_master_key(self.data_dir)
        url = self._env.get("HQ_BLOBS")
        if not url:
            return FilesystemBlobStore(self.data_dir, key)
        from hq.blobs_s3 import S3BlobStore, S3Location

        return S3BlobStore(S3Location.parse(url), key, self._env)

    def enrol_code(self) -> str:
        done = self.admin("enrol-code")
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def info(self) -> dict[str, object]:
        """``GET /v1/hq``: HQ's id, receipt key and its key id."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", "/v1/hq")
            answer: dict[str, object] = json.loads(connection.getresponse().read())
            return answer
        finally:
            connection.close()

    def database(self) -> Database:
        """HQ's database as the server opens it (the test closes it)."""
        return open_database(self.db_url or self.data_dir / "hq.db")

    def log(self) -> str:
        with contextlib.suppress(FileNotFoundError):
            return self._log_path.read_text(errors="replace")
        return ""


def start_hq(data_dir: Path, env: Mapping[str, str] | None = None,
             db_url: str | None = None) -> RunningHQ:
    """A started HQ on ``data_dir`` (created if absent) and, if given, the PostgreSQL
    database ``db_url``; the caller stops it."""
    server = RunningHQ(data_dir, env, db_url)
    server.start()
    return server


def parametrize_hq_lanes(metafunc: pytest.Metafunc) -> None:
    """Run each test of ``metafunc`` that uses `hq_server` on both lanes (the PostgreSQL
    one where PostgreSQL is available), or on the embedded one if marked ``embedded_only``."""
    if "hq_server" not in metafunc.fixturenames:
        return
    embedded_only = metafunc.definition.get_closest_marker("embedded_only") is not None
    lanes = [lane for lane in LANES if lane == "sqlite" or (
        not embedded_only and (postgres_available() or os.environ.get("CI")))]
    metafunc.parametrize("hq_server", lanes, indirect=True)


@pytest.fixture
def hq_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningHQ]:
    db_url, env = None, None
    if getattr(request, "param", "sqlite") == "postgresql":
        cluster: PostgresServer | None = request.getfixturevalue("pg_cluster")
        assert cluster is not None, "PostgreSQL vanished after collection"
        db_url = cluster.create_database()
        # ... and the media in SeaweedFS's S3 (decision 30): a fresh bucket prefix per test.
        store = request.getfixturevalue("seaweedfs")
        env = store.hq_env(store.new_place())
    server = start_hq(tmp_path / "hq", env=env, db_url=db_url)
    try:
        yield server
    finally:
        server.stop()
    # Whatever a test did to it, HQ answers in its own words and never crashes in a handler.
    assert "Traceback" not in server.log(), server.log()
