"""Reference data at a real HQ process (docs/protocols/sync.md §7): the administrator
publishes datasets by name, each the next version; an enrolled device gets a manifest signed
with the key it pinned, naming the latest version of each, and fetches the bytes of any
version published; an unknown name is refused at publication, an unenrolled or revoked device
gets nothing, and the bytes are sealed at rest like every record."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sync.protocol.refdata import RefManifest
from sync.protocol.signing import Signed
from tests.hq.client import Device, enrolled
from tests.support.hq_server import RunningHQ, start_hq

DAY_MS = 86_400_000
ROSTER_1 = '{"officers": [{"name": "王伟", "certificate": "11010001"}]}'.encode()
ROSTER_2 = '{"officers": [{"name": "王伟", "certificate": "11010001"}, ' \
           '{"name": "李娜", "certificate": "11010002"}]}'.encode()


def publish(hq: RunningHQ, tmp_path: Path, name: str, data: bytes) -> str:
    source = tmp_path / f"{name}-{hashlib.sha256(data).hexdigest()[:8]}.json"
    source.write_bytes(data)
    done = hq.admin("publish", name, str(source))
    assert done.returncode == 0, done.stderr
    return done.stdout


def manifest(device: Device) -> Signed[RefManifest]:
    reply = device.call("GET", "/v1/ref/manifest")
    assert reply.status == 200, reply.body
    return Signed.from_json(reply.json(), RefManifest)


def test_published_datasets_come_down_under_a_manifest_signed_with_the_pinned_key(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    device = enrolled(hq_server)
    assert device.pinned is not None
    empty = manifest(device)
    assert empty.verify(device.pinned) and empty.body.datasets == {}
    assert hq_server.admin("datasets").stdout.strip() == "no reference data published"

    assert "published roster version 1" in publish(hq_server, tmp_path, "roster", ROSTER_1)
    publish(hq_server, tmp_path, "revocations", b'{"certificates": []}')
    assert "published roster version 2" in publish(hq_server, tmp_path, "roster", ROSTER_2)

    signed = manifest(device)
    body = signed.body
    assert signed.verify(device.pinned) and body.hq == device.hq_id
    assert {name: d.version for name, d in body.datasets.items()} == {
        "roster": 2, "revocations": 1}
    roster = body.datasets["roster"]
    assert (roster.sha256, roster.size) == (hashlib.sha256(ROSTER_2).hexdigest(), len(ROSTER_2))
    assert body.expires_ms - body.issued_ms == 7 * DAY_MS
    assert body.issued_ms >= empty.body.issued_ms

    assert device.call("GET", "/v1/ref/roster/2").body == ROSTER_2
    assert device.call("GET", "/v1/ref/roster/1").body == ROSTER_1  # older ones stay served
    for missing in ("/v1/ref/roster/3", "/v1/ref/laws/1", "/v1/ref/roster/x"):
        reply = device.call("GET", missing)
        assert (reply.status, reply.error) == (404, "unknown_dataset"), missing

    listed = hq_server.admin("datasets").stdout
    assert "roster  version 1" in listed and "roster  version 2" in listed
    assert "revocations  version 1" in listed
    # Officers' names are not in clear anywhere under HQ's data directory.
    for path in hq_server.data_dir.rglob("*"):
        if path.is_file():
            assert "王伟".encode() not in path.read_bytes(), path


def test_an_unknown_name_or_unreadable_file_publishes_nothing(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    source = tmp_path / "x.json"
    source.write_bytes(b"{}")
    typo = hq_server.admin("publish", "rooster", str(source))
    assert typo.returncode == 2 and "'rooster' is not a reference dataset" in typo.stderr
    assert "roster, templates, revocations, laws, discretion" in typo.stderr
    absent = hq_server.admin("publish", "roster", str(tmp_path / "absent.json"))
    assert absent.returncode == 2 and "cannot read" in absent.stderr
    assert hq_server.admin("datasets").stdout.strip() == "no reference data published"


def test_only_an_enrolled_device_that_is_not_revoked_gets_reference_data(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    publish(hq_server, tmp_path, "roster", ROSTER_1)
    stranger = Device(hq_server)
    for target in ("/v1/ref/manifest", "/v1/ref/roster/1"):
        reply = stranger.call("GET", target)
        assert (reply.status, reply.error) == (401, "not_enrolled")
        assert b"\xe7\x8e\x8b" not in reply.body  # not a byte of the roster
    unsigned = stranger.raw("GET", "/v1/ref/roster/1")
    assert unsigned.status == 401
    device = enrolled(hq_server)
    forged = device.call("GET", "/v1/ref/manifest", headers={"SR-Signature": "00" * 64})
    assert (forged.status, forged.error) == (401, "bad_signature")
    assert hq_server.admin("revoke-device", device.id).returncode == 0
    revoked = device.call("GET", "/v1/ref/roster/1")
    assert (revoked.status, revoked.error) == (403, "device_revoked")


def test_the_manifest_expires_after_the_days_configured(tmp_path: Path) -> None:
    hq = start_hq(tmp_path / "hq", {"HQ_REF_EXPIRY_DAYS": "2"})
    try:
        body = manifest(enrolled(hq)).body
        assert body.expires_ms - body.issued_ms == 2 * DAY_MS
    finally:
        hq.stop()
