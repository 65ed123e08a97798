"""The typed, versioned formats HQ checks (sync.protocol): statement content, ingest
certificates, outbox entries and receipts. For each: the canonical bytes round-trip, a changed
byte fails verification, and an unknown version is refused with a message saying so."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol.auditleaf import AuditLeaf
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.ingest import (
    DockingClock,
    IngestCertificate,
    IngestedFile,
    IngestPolicy,
    RecorderIdentity,
    SkippedEntry,
)
from sync.protocol.receipt import Durability, Receipt
from sync.protocol.records import OutboxEntry, RecordKind, parse_kind, priority_for
from sync.protocol.signing import Signature, Signed, key_id_for, sign, verify_bytes
from sync.protocol.statement import ContentTurn, StatementContent
from sync.protocol.treehead import SignedTreeHead, TreeHead, sign_tree_head
from sync.protocol.wire import UnsupportedVersion

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
SHA = hashlib.sha256(b"synthetic").hexdigest()


def statement() -> StatementContent:
    return StatementContent(
        id="0192a000-0000-7000-8000-000000000001", case="case-1", kind="inquiry",
        place="询问室一", started_at="2026-11-27T09:00:00+08:00",
        ended_at="2026-11-27T10:00:00+08:00", interviewers=("officer-1", "officer-2"),
        recorder="officer-2", interviewee="party-1", addendum_of=None,
        turns=(ContentTurn("t1", 1, "question", "identity", 1, "你的姓名？"),
               ContentTurn("t2", 2, "answer", None, 3, "张三（合成）")))


def certificate() -> IngestCertificate:
    return IngestCertificate(
        docking="docking-1", store="store-1",
        device=RecorderIdentity("SYN-1", "DSJ-SYN", "33070021001", "王五", "330700", "合成大队"),
        clock=DockingClock("2026-11-27T09:00:00+00:00", "2026-11-27 17:00:05", 5000, -2),
        case="case-1", statement=None, started_at="2026-11-27T09:00:00+00:00",
        officer="officer-1", policy=IngestPolicy(delete_originals=False, sm3=True),
        files=(IngestedFile("item-1", "stored", "A.MP4", "DCIM/A.MP4", SHA, SHA, 1024, "video",
                            True, "2026-11-27T08:59:55+00:00"),
               IngestedFile("item-2", "already_stored", "B.JPG", "DCIM/B.JPG", SHA, None, 9,
                            "photo", False, None)),
        skipped=(SkippedEntry("link", "symbolic link"),))


def entry() -> OutboxEntry:
    return OutboxEntry(op_id="op-1", device=key_id_for(KEY.public_key()), device_seq=7,
                       kind=RecordKind.DOCKING, entity_id="docking-1", sha256=SHA, size=10)


def receipt() -> Receipt:
    return Receipt(receipt_id="r-1", hq="hq-city-01", device=key_id_for(KEY.public_key()),
                   device_seq=7, op_id="op-1", kind=RecordKind.DOCKING, record_id="docking-1",
                   sha256=SHA, size=10, hq_time_ms=1_795_000_000_000,
                   durability=Durability.STORED, log_index=0)


def leaf() -> AuditLeaf:
    return AuditLeaf(idx=3, id="event-1", at="2026-11-27T09:00:00.000+08:00", actor="officer-1",
                     action="signing_key.set", subject="identity-1", outcome="ok",
                     details={"role": "officer", "certificate_sha256": SHA})


FORMATS: list[tuple[Callable[[], Any], Any]] = [
    (statement, StatementContent), (certificate, IngestCertificate), (entry, OutboxEntry),
    (receipt, Receipt), (leaf, AuditLeaf),
]


@pytest.mark.parametrize(("make", "cls"), FORMATS)
def test_canonical_bytes_round_trip(make: Callable[[], Any], cls: Any) -> None:
    value = make()
    data = value.canonical_bytes()
    assert parse_canonical(data) == value.to_json()
    assert cls.from_bytes(data) == value
    assert cls.from_bytes(data).canonical_bytes() == data


@pytest.mark.parametrize(("make", "cls"), FORMATS)
def test_signed_round_trip_and_a_changed_byte_fails(make: Callable[[], Any], cls: Any) -> None:
    signed = sign(make(), KEY)
    assert signed.verify(KEY.public_key())
    assert not signed.verify(OTHER.public_key())  # another key (and another key id)
    wire = canonical_json(signed.to_json())
    again = Signed.from_json(parse_canonical(wire), cls)
    assert again == signed and again.verify(KEY.public_key())
    data = make().canonical_bytes()
    for i in range(len(data)):
        flipped = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]
        assert not verify_bytes(flipped, signed.signature, KEY.public_key())
    tampered = bytearray(signed.signature.value)
    tampered[0] ^= 0x80
    assert not Signed(signed.body, Signature(signed.signature.key_id, bytes(tampered))).verify(
        KEY.public_key())


def test_statement_digest_is_the_v1_form_without_a_version_member() -> None:
    # The digest printed on sealed PDFs since before the version field: no "v" is hashed.
    content = replace(statement(), version=1)
    assert b'"v"' not in content.canonical_bytes()
    assert content.digest() == hashlib.sha256(canonical_json(content.to_json())).hexdigest()
    assert StatementContent.from_bytes(content.canonical_bytes()).version == 1


def test_statement_with_an_unknown_version_is_refused() -> None:
    body = statement().to_json() | {"v": 3}
    with pytest.raises(UnsupportedVersion, match="statement content: version 3 is not supported"):
        StatementContent.from_json(body)
    with pytest.raises(UnsupportedVersion):
        StatementContent.from_bytes(canonical_json(body))


def test_certificate_with_an_unknown_format_is_refused() -> None:
    body = certificate().to_json() | {"format": "statement-room/ingest-certificate/v2",
                                      "new_field": 1}
    with pytest.raises(UnsupportedVersion, match="ingest certificate: version "
                       "'statement-room/ingest-certificate/v2' is not supported"):
        IngestCertificate.from_bytes(canonical_json(body))


@pytest.mark.parametrize(("make", "cls", "what"), [
    (entry, OutboxEntry, "outbox entry"), (receipt, Receipt, "receipt"),
    (leaf, AuditLeaf, "audit leaf")])
def test_unknown_version_refused(make: Callable[[], Any], cls: Any, what: str) -> None:
    for version in (2, 0, "1", True, None):
        body = make().to_json() | {"v": version}
        with pytest.raises(UnsupportedVersion, match=f"{what}: version .* is not supported"):
            cls.from_json(body)
    with pytest.raises(UnsupportedVersion):
        cls.from_json({k: v for k, v in make().to_json().items() if k != "v"})


@pytest.mark.parametrize(("make", "cls"), FORMATS)
def test_missing_extra_and_mistyped_fields_are_refused(make: Callable[[], Any], cls: Any) -> None:
    body = make().to_json()
    key = next(k for k in body if k not in ("v", "format"))
    with pytest.raises(ValueError, match="fields wrong"):
        cls.from_json({k: v for k, v in body.items() if k != key})
    with pytest.raises(ValueError, match="fields wrong"):
        cls.from_json(body | {"extra": None})
    with pytest.raises(ValueError):
        cls.from_json(body | {key: 12345678901234567890})


def test_non_canonical_bytes_are_refused() -> None:
    data = certificate().canonical_bytes()
    with pytest.raises(ValueError, match="canonical"):
        IngestCertificate.from_bytes(data.replace(b'{"case"', b'{ "case"', 1))


def test_ingest_file_fields_are_typed() -> None:
    body = certificate().to_json()
    body["files"][0]["size"] = True
    with pytest.raises(ValueError, match="size"):
        IngestCertificate.from_json(body)
    body = certificate().to_json()
    body["files"][0]["status"] = "guessed"
    with pytest.raises(ValueError, match="status"):
        IngestCertificate.from_json(body)
    body = certificate().to_json()
    body["files"][0]["sha256"] = SHA.upper()
    with pytest.raises(ValueError, match="lowercase hex"):
        IngestCertificate.from_json(body)


def test_every_record_kind_has_a_priority_and_a_video_goes_last() -> None:
    assert {k.value for k in RecordKind} == {
        "statement", "statement_pdf", "signature_capture", "signature_event", "evidence_item",
        "docking", "tree_head", "officer_event", "key_event", "statement_context",
        "evidence_record", "penalty_decision", "legal_review", "penalty_document",
        "penalty_document_pdf"}
    assert all(0 <= k.priority <= 2 for k in RecordKind)
    assert priority_for(RecordKind.EVIDENCE_ITEM, "video") == 3
    assert priority_for(RecordKind.EVIDENCE_ITEM, "photo") == 2


def test_kind_names_parse_including_the_legacy_spelling() -> None:
    assert parse_kind("record") is RecordKind.STATEMENT
    assert parse_kind("tree_head") is RecordKind.TREE_HEAD
    with pytest.raises(ValueError, match="unknown record kind 'blob'"):
        parse_kind("blob")
    body = entry().to_json() | {"kind": "blob"}
    with pytest.raises(ValueError, match="unknown record kind"):
        OutboxEntry.from_json(body)


def test_tree_head_follows_the_same_conventions() -> None:
    signed = sign_tree_head(TreeHead(5, bytes(32), 1_795_000_000_000, "store-1"), KEY)
    assert signed.key_id == key_id_for(KEY.public_key())
    assert signed.head.canonical_bytes() == signed.head.signing_bytes()
    assert SignedTreeHead.from_json(parse_canonical(signed.canonical_bytes())) == signed
    with pytest.raises(UnsupportedVersion, match="signed tree head: version 2 is not supported"):
        SignedTreeHead.from_json(signed.to_json() | {"v": 2, "new_field": 1})
