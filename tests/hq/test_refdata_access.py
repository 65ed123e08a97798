"""Reference data at a real HQ process, beyond publishing (tests/hq/test_refdata.py): a name
HQ does not publish under is refused with the list of names, a revoked device or a forged
signature gets nothing, and the manifest's validity is HQ's setting."""

from __future__ import annotations

from pathlib import Path

from tests.hq.client import Device, enrolled
from tests.hq.test_refdata import ROSTER, manifest, publish
from tests.support.hq_server import RunningHQ, start_hq


def test_a_name_hq_does_not_publish_under_is_refused_with_the_names(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    source = tmp_path / "roster.json"
    source.write_bytes(ROSTER)
    typo = hq_server.admin("publish", "rooster", str(source))
    assert typo.returncode == 2
    assert "'rooster' is not a dataset name HQ publishes; the datasets are roster, templates, " \
           "revocations, laws, discretion" in typo.stderr
    assert hq_server.admin("datasets").stdout.strip() == ""
    assert manifest(enrolled(hq_server)).body.datasets == {}


def test_a_revoked_device_or_a_forged_signature_gets_no_reference_data(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    publish(hq_server, tmp_path, "roster", ROSTER)
    device = enrolled(hq_server)
    forged = device.call("GET", "/v1/ref/manifest", headers={"SR-Signature": "00" * 64})
    assert (forged.status, forged.error) == (401, "bad_signature")
    unsigned = Device(hq_server).raw("GET", "/v1/ref/roster/1")
    assert unsigned.status == 401 and ROSTER not in unsigned.body
    assert hq_server.admin("revoke-device", device.id).returncode == 0
    for target in ("/v1/ref/manifest", "/v1/ref/roster/1"):
        revoked = device.call("GET", target)
        assert (revoked.status, revoked.error) == (403, "device_revoked"), target


def test_the_manifest_is_valid_for_the_time_hq_is_set_to(tmp_path: Path) -> None:
    hq = start_hq(tmp_path / "hq", {"HQ_REF_VALIDITY_S": str(2 * 86_400)})
    try:
        body = manifest(enrolled(hq)).body
        assert 2 * 86_400_000 <= body.expires_ms - body.issued_ms < 2 * 86_400_000 + 60_000
    finally:
        hq.stop()
