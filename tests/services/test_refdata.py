"""Reference data from HQ on a real store: kept only when HQ's pinned key signed it, never
older than what is held, each dataset checked against the manifest; a revoked certificate
stops a signature; a sealed statement records the versions it was made under; and someone
holding the store's key who rewrites a dataset is caught by `audit verify`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.domain.errors import UserError
from desktop.domain.model import StatementState
from desktop.services import audit_trail, interview, refdata
from desktop.store import refdata as refdata_repo
from sync.protocol.refdata import DatasetVersion, RefManifest
from sync.protocol.signing import sign
from tests.conftest import World, sign_as_team
from tests.services.test_signing import all_pages_signed, ready_for_signing

HQ_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
MITM_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
HQ = "hq-city-01"
DAY_MS = 86_400_000


class Hq:
    """What HQ has published: dataset bytes by (name, version); counts the fetches."""

    def __init__(self) -> None:
        self.published: dict[tuple[str, int], bytes] = {}
        self.fetched: list[tuple[str, int]] = []

    def publish(self, name: str, version: int, data: bytes) -> DatasetVersion:
        self.published[(name, version)] = data
        return DatasetVersion(version, hashlib.sha256(data).hexdigest(), len(data))

    def fetch(self, name: str, version: int) -> bytes:
        self.fetched.append((name, version))
        return self.published[(name, version)]


def manifest(issued_ms: int, **datasets: DatasetVersion) -> RefManifest:
    return RefManifest(hq=HQ, issued_ms=issued_ms, expires_ms=issued_ms + 7 * DAY_MS,
                       datasets=datasets)


def accept(world: World, hq: Hq, signed: object) -> refdata.RefdataUpdate:
    return refdata.accept(world.store, signed, pinned_key=HQ_KEY.public_key(), hq_id=HQ,
                          fetch=hq.fetch)


def roster(version: int) -> bytes:
    return json.dumps({"officers": [{"certificate": "TEST0001", "version": version}]}).encode()


def test_a_signed_manifest_keeps_each_newer_dataset_and_only_those(world: World) -> None:
    hq = Hq()
    roster_1 = hq.publish("roster", 1, roster(1))
    templates_1 = hq.publish("templates", 1, b'{"phrases": []}')
    update = accept(world, hq, sign(manifest(1000, roster=roster_1, templates=templates_1),
                                    HQ_KEY).to_json())
    assert update.updated == {"roster": 1, "templates": 1}
    roster_2 = hq.publish("roster", 2, roster(2))
    update = accept(world, hq, sign(manifest(2000, roster=roster_2, templates=templates_1),
                                    HQ_KEY).to_json())
    assert update.updated == {"roster": 2} and update.unchanged == {"templates": 1}
    assert hq.fetched == [("roster", 1), ("templates", 1), ("roster", 2)]
    held = refdata_repo.dataset(world.store.conn, "roster")
    assert held is not None and held.version == 2 and held.data == roster(2)
    status = refdata.status(world.store, now_ms=2000)
    assert status.versions == {"roster": 2, "templates": 1} and not status.stale
    assert audit_trail.verify(world.store).ok


@pytest.mark.parametrize("attack", ["other key", "other hq", "older manifest",
                                    "rolled-back dataset", "wrong bytes", "garbled"])
def test_a_forged_replayed_or_rolled_back_manifest_keeps_nothing(world: World,
                                                                 attack: str) -> None:
    hq = Hq()
    roster_2 = hq.publish("roster", 2, roster(2))
    accept(world, hq, sign(manifest(5000, roster=roster_2), HQ_KEY).to_json())
    roster_3 = hq.publish("roster", 3, roster(3))
    offered = manifest(6000, roster=roster_3)
    key = HQ_KEY
    if attack == "other key":
        key = MITM_KEY
    elif attack == "other hq":
        offered = replace(offered, hq="hq-elsewhere")
    elif attack == "older manifest":
        offered = manifest(4000, roster=roster_3)
    elif attack == "rolled-back dataset":
        offered = manifest(6000, roster=hq.publish("roster", 1, roster(1)))
    elif attack == "wrong bytes":
        hq.published[("roster", 3)] = roster(99)
    wire: object = sign(offered, key).to_json()
    if attack == "garbled":
        wire = {"body": {"v": 1}, "key_id": "0" * 16, "signature": "0" * 128}
    with pytest.raises(refdata.RefdataRefused) as refused:
        accept(world, hq, wire)
    assert refused.value.message  # a sentence for the officer, not a traceback
    held = refdata_repo.dataset(world.store.conn, "roster")
    assert held is not None and held.version == 2 and held.data == roster(2)
    held_manifest = refdata_repo.manifest(world.store.conn)
    assert held_manifest is not None and held_manifest.issued_ms == 5000


def test_the_store_itself_refuses_a_lower_version(world: World) -> None:
    hq = Hq()
    accept(world, hq, sign(manifest(1000, roster=hq.publish("roster", 2, roster(2))),
                           HQ_KEY).to_json())
    with pytest.raises(Exception, match="only grows"):
        world.store.conn.execute("UPDATE ref_datasets SET version = 1 WHERE name = 'roster'")


def test_an_expired_manifest_is_stale_but_the_data_stays_in_use(world: World) -> None:
    hq = Hq()
    accept(world, hq, sign(manifest(1000, roster=hq.publish("roster", 1, roster(1))),
                           HQ_KEY).to_json())
    status = refdata.status(world.store, now_ms=1000 + 8 * DAY_MS)
    assert status.stale and status.versions == {"roster": 1}


def test_a_dataset_rewritten_by_a_key_holder_is_caught_by_audit_verify(world: World) -> None:
    hq = Hq()
    accept(world, hq, sign(manifest(1000, roster=hq.publish("roster", 1, roster(1))),
                           HQ_KEY).to_json())
    conn = world.store.conn
    with pytest.raises(Exception, match="only grows"):  # same version, other bytes
        conn.execute("UPDATE ref_datasets SET data = ? WHERE name = 'roster'", (roster(42),))
    conn.execute("DROP TRIGGER ref_datasets_no_rollback")  # an attacker holding the key
    conn.execute("UPDATE ref_datasets SET data = ? WHERE name = 'roster'", (roster(42),))
    report = audit_trail.verify(world.store)
    assert not report.ok
    assert "ref_datasets" in (report.first_problem() or "")


def test_a_sealed_statement_records_the_reference_versions_it_was_made_under(
        world: World, tmp_path: Path) -> None:
    hq = Hq()
    accept(world, hq, sign(manifest(1000, roster=hq.publish("roster", 3, roster(3)),
                                    templates=hq.publish("templates", 1, b"{}")),
                           HQ_KEY).to_json())
    ready_for_signing(world, tmp_path)
    sign_as_team(world, all_pages_signed(world))
    assert interview.get(world.store, world.statement.id).state is StatementState.SEALED
    assert refdata_repo.versions_used(world.store.conn, world.statement.id) == {
        "roster": 3, "templates": 1}


def test_a_certificate_on_hqs_revocation_list_cannot_sign(world: World,
                                                          tmp_path: Path) -> None:
    from cryptography import x509

    from desktop.documents.certcheck import fingerprint
    from desktop.store import signing_keys

    ready_for_signing(world, tmp_path)
    identity = signing_keys.active_identity(world.store.conn, signing_keys.OFFICER,
                                            world.second.id)
    assert identity is not None
    revoked = fingerprint(x509.load_pem_x509_certificate(identity.cert_pem))
    listed = json.dumps({"certificates": [{"sha256": revoked, "revoked_at": "2026-12-01",
                                           "reason": "keyCompromise"}]}).encode()
    hq = Hq()
    accept(world, hq, sign(manifest(1000, revocations=hq.publish("revocations", 1, listed)),
                           HQ_KEY).to_json())
    with pytest.raises(UserError, match="revoked"):
        sign_as_team(world, all_pages_signed(world))
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK
