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
  where the test fails if the server logged a traceback (an unhandled error in HQ).
- `start_hq(data_dir, env=None)`: start one yourself (for settings through the environment,
  e.g. ``{"HQ_UPLOAD_EXPIRY_S": "1"}``, see `hq.config`); call ``.stop()`` when done.
- `RunningHQ`: ``url`` (``http://127.0.0.1:<port>``), ``port``, ``data_dir``, ``pid``;
  ``restart(env=None)`` SIGKILLs the process (if it runs) and starts HQ again on the same
  data directory and port (with ``env`` merged into its environment), waiting until it
  answers; ``kill()`` SIGKILLs it without restarting;
  ``stop()`` ends it (SIGKILL: HQ must survive that anyway); ``admin(*args)`` runs the admin
  CLI on the same data directory and returns the `CompletedProcess` (text, not checked);
  ``enrol_code()`` issues a one-time code; ``info()`` is ``GET /v1/hq`` (HQ's id and receipt
  key, as JSON); ``log()`` is the server's output so far.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

__all__ = ["RunningHQ", "hq_server", "start_hq"]

_ROOT = Path(__file__).resolve().parents[2]
_START_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RunningHQ:
    """One HQ server process on loopback (see the module docstring)."""

    def __init__(self, data_dir: Path, env: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self._env = {**os.environ, **(env or {}),
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
        """Start the server and wait until ``GET /v1/hq`` answers."""
        for attempt in range(3):
            with self._log_path.open("ab") as log:
                self._process = subprocess.Popen(
                    self._command("serve", "--host", "127.0.0.1", "--port", str(self.port)),
                    cwd=_ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT)
            if self._wait_ready():
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

    def admin(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``statement-room-hq --data DIR <args>`` (the admin CLI)."""
        return subprocess.run(self._command(*args), cwd=_ROOT, env=self._env,
                              capture_output=True, text=True, timeout=60, check=False)

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

    def log(self) -> str:
        with contextlib.suppress(FileNotFoundError):
            return self._log_path.read_text(errors="replace")
        return ""


def start_hq(data_dir: Path, env: Mapping[str, str] | None = None) -> RunningHQ:
    """A started HQ on ``data_dir`` (created if absent); the caller stops it."""
    server = RunningHQ(data_dir, env)
    server.start()
    return server


@pytest.fixture
def hq_server(tmp_path: Path) -> Iterator[RunningHQ]:
    server = start_hq(tmp_path / "hq")
    try:
        yield server
    finally:
        server.stop()
    # Whatever a test did to it, HQ answers in its own words and never crashes in a handler.
    assert "Traceback" not in server.log(), server.log()
