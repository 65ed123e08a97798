"""A real HQ process: reference data the administrator publishes reaches a device as a
manifest signed with the key it pinned, and bytes that match it (docs/protocols/sync.md §7)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from sync.protocol.refdata import RefManifest
from sync.protocol.signing import Signed
from tests.hq.client import Device, enrolled
from tests.hq.test_records import assert_nothing_in_clear
from tests.support.hq_server import RunningHQ

ROSTER = json.dumps({"officers": [{"number": "110105", "name": "王警官"}]},
                    ensure_ascii=False).encode()


def publish(hq: RunningHQ, tmp_path: Path, name: str, data: bytes) -> str:
    source = tmp_path / f"{name}-{hashlib.sha256(data).hexdigest()[:8]}.json"
    source.write_bytes(data)
    done = hq.admin("publish", name, str(source))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def manifest(device: Device) -> Signed[RefManifest]:
    reply = device.call("GET", "/v1/ref/manifest")
    assert reply.status == 200, reply.body
    return Signed.from_json(reply.json(), RefManifest)


def test_published_data_reaches_the_device_signed(hq_server: RunningHQ, tmp_path: Path) -> None:
    device = enrolled(hq_server)
    assert device.pinned is not None
    empty = manifest(device)
    assert empty.verify(device.pinned) and empty.body.datasets == {}

    assert publish(hq_server, tmp_path, "roster", ROSTER) == "roster version 1 published"
    assert publish(hq_server, tmp_path, "roster", ROSTER) == (
        "roster version 1 unchanged: the same bytes are already published")
    revocations = b'{"certificates":[]}'
    publish(hq_server, tmp_path, "revocations", revocations)
    newer = ROSTER.replace(b"110105", b"110106")
    assert publish(hq_server, tmp_path, "roster", newer) == "roster version 2 published"

    signed = manifest(device)
    body = signed.body
    assert signed.verify(device.pinned) and body.hq == hq_server.info()["hq"]
    assert {name: d.version for name, d in body.datasets.items()} == {
        "roster": 2, "revocations": 1}
    assert body.issued_ms > empty.body.issued_ms
    assert not body.expired(time.time_ns() // 1_000_000)
    for name, wanted in (("roster", newer), ("revocations", revocations)):
        offered = body.datasets[name]
        data = device.call("GET", f"/v1/ref/{name}/{offered.version}").body
        assert data == wanted
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (offered.sha256, offered.size)
    assert device.call("GET", "/v1/ref/roster/1").body == ROSTER  # older versions stay
    missing = device.call("GET", "/v1/ref/roster/9")
    assert (missing.status, missing.error) == (404, "unknown_dataset")
    # Nothing published since: the manifest is not newer (a device keeps its trusted state).
    assert manifest(device).body.issued_ms == body.issued_ms
    listed = hq_server.admin("datasets").stdout
    assert "roster version 2" in listed and "revocations version 1" in listed
    if hq_server.db_url is None:  # the folder's files; a bucket's objects: test_blobstores.py
        assert_nothing_in_clear(hq_server.data_dir, "王警官".encode(),
                                hashlib.sha256(ROSTER).hexdigest())


def test_reference_data_is_for_enrolled_devices_only(hq_server: RunningHQ,
                                                     tmp_path: Path) -> None:
    publish(hq_server, tmp_path, "roster", ROSTER)
    stranger = Device(hq_server).call("GET", "/v1/ref/roster/1")
    assert (stranger.status, stranger.error) == (401, "not_enrolled")
    source = tmp_path / "bad.json"
    source.write_bytes(b"{}")
    bad_name = hq_server.admin("publish", "Roster!", str(source))
    assert bad_name.returncode == 2 and "not a dataset name" in bad_name.stderr
    no_file = hq_server.admin("publish", "roster", str(tmp_path / "absent.json"))
    assert no_file.returncode == 2
