"""Reference data from the real HQ (protocol §7): the manifest verified with the pinned key,
only newer datasets fetched and checked, rollbacks and foreign keys refused."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.client.refdata import dataset_problem, fetch_reference
from sync.protocol.refdata import DatasetVersion
from tests.support.hq_server import RunningHQ
from tests.sync_client.e2e import device


def publish(hq: RunningHQ, tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / f"{name}.bin"
    path.write_bytes(data)
    done = hq.admin("publish", name, str(path))
    assert done.returncode == 0, done.stderr


def test_newer_datasets_arrive_once_and_verified(hq_server: RunningHQ, tmp_path: Path) -> None:
    source = device(hq_server)
    assert source.enrolled is not None
    empty = fetch_reference(source.enrolled, source.key, {})
    assert empty.refused is None and empty.manifest is not None and empty.datasets == []
    publish(hq_server, tmp_path, "roster", b"officer-1\nofficer-2\n")
    publish(hq_server, tmp_path, "templates", b"template one")
    first = fetch_reference(source.enrolled, source.key, {})
    assert first.refused is None and not first.expired and first.failed == {}
    assert [(d.name, d.version, d.data) for d in first.datasets] == [
        ("roster", 1, b"officer-1\nofficer-2\n"), ("templates", 1, b"template one")]
    held = {d.name: d.version for d in first.datasets}
    assert fetch_reference(source.enrolled, source.key, held).datasets == []
    publish(hq_server, tmp_path, "roster", b"officer-1\nofficer-2\nofficer-3\n")
    second = fetch_reference(source.enrolled, source.key, held)
    assert [(d.name, d.version) for d in second.datasets] == [("roster", 2)]


def test_a_rollback_is_refused_and_nothing_taken(hq_server: RunningHQ, tmp_path: Path) -> None:
    source = device(hq_server)
    assert source.enrolled is not None
    publish(hq_server, tmp_path, "roster", b"v1")
    # The device has seen version 3 (from this HQ before a restore of HQ to an old copy).
    update = fetch_reference(source.enrolled, source.key, {"roster": 3})
    assert update.refused == "rollback" and "version 1" in update.message
    assert update.manifest is None and update.datasets == []


def test_a_manifest_under_another_key_is_refused(hq_server: RunningHQ, tmp_path: Path) -> None:
    source = device(hq_server)
    assert source.enrolled is not None
    publish(hq_server, tmp_path, "roster", b"v1")
    pinned_other = dataclasses.replace(
        source.enrolled, receipt_key=Ed25519PrivateKey.generate().public_key())
    update = fetch_reference(pinned_other, source.key, {})
    assert update.refused == "bad_signature"
    assert update.manifest is None and update.datasets == []


def test_expiry_is_judged_in_hq_time_not_the_device_clock(hq_server: RunningHQ) -> None:
    # HQ's manifests are valid 7 days; a device clock 10 days ahead must not call it expired.
    source = device(hq_server)
    assert source.enrolled is not None
    ten_days = 10 * 24 * 3600 * 1000
    ahead = fetch_reference(source.enrolled, source.key, {},
                            clock_ms=lambda: time.time_ns() // 1_000_000 + ten_days)
    assert ahead.refused is None and not ahead.expired


def test_hq_out_of_reach_changes_nothing(hq_server: RunningHQ) -> None:
    source = device(hq_server)
    assert source.enrolled is not None
    hq_server.kill()
    update = fetch_reference(source.enrolled, source.key, {"roster": 1}, connect_timeout=2)
    assert update.offline and update.manifest is None and update.datasets == []
    hq_server.start()


def test_bytes_other_than_announced_are_not_taken() -> None:
    announced = DatasetVersion(1, "ab" * 32, 3)
    assert dataset_problem(announced, b"abc") is not None
    good = DatasetVersion(1, hashlib.sha256(b"abc").hexdigest(), 3)
    assert dataset_problem(good, b"abc") is None
    assert dataset_problem(good, b"abd") is not None
