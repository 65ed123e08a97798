"""The supervision room's catalog of evidence: one row per item, one per certified docking.

Three records describe an evidence item, and they arrive in any order: its facts and custody
(``evidence_record``), its medium (``evidence_item``, committed after its upload with no
payload here) and the ingest certificate of the docking that took it off a body-worn recorder
(``docking``, which lists every file of the docking). Each fills columns of the item's row,
creating it if it is the first. The item's own record is the authority on its facts: it
overwrites what a certificate said, and a certificate fills only what is still empty
(``COALESCE`` in both directions), so the row is the same whatever the order and however often
a record is indexed again.

The rows hold what the evidence list, its filters and the overview's alert need: ids, hashes,
sizes, times, the recorder's serial and its clock offset. The custody itself (GPS track, device
times) and the certificate stay in the sealed records; the item page reads them with
``BlobStore.read`` (``record_sha256``, ``certificate_sha256``).
"""

from __future__ import annotations

from datetime import datetime

from hq.catalog import Indexer, upsert_row
from hq.db import Connection
from sync.protocol.canonical import parse_canonical
from sync.protocol.context import EvidenceItemRecord
from sync.protocol.ingest import IngestCertificate
from sync.protocol.records import OutboxEntry, RecordKind
from sync.protocol.signing import Signed

__all__ = ["INDEXERS", "aware_ms", "captured_ms"]


def aware_ms(value: object) -> int | None:
    """An ISO 8601 time in ms since the epoch, or None when it is absent, malformed or has no
    offset (a recorder's file name gives its local wall time: no instant without the zone)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return None if moment.tzinfo is None else int(moment.timestamp() * 1000)


def captured_ms(record: EvidenceItemRecord) -> int | None:
    """When the item was made: the start time corrected for the recorder's clock if the
    desktop could correct it, else the capture time if it names its zone."""
    corrected = aware_ms(record.custody.get("start_utc_corrected"))
    return corrected if corrected is not None else aware_ms(record.captured_at)


def _record(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    assert payload is not None  # a small record always comes with its bytes
    record = EvidenceItemRecord.from_bytes(payload)
    custody = record.custody
    gps = custody.get("gps")
    track = gps.get("track") if isinstance(gps, dict) else None
    offset = custody.get("clock_offset_ms")
    upsert_row(conn, "room_evidence", ("item", record.id), entry.device, {
        "case_id": record.case, "statement": record.statement, "kind": record.kind,
        "source": record.source, "size": record.size, "sha256": record.sha256,
        "sm3": record.sm3, "captured_ms": captured_ms(record),
        "imported_ms": aware_ms(record.imported_at), "docking": record.docking,
        "recorder_serial": record.device_serial,
        "clock_offset_ms": offset if isinstance(offset, int) else None,
        "has_gps": int(isinstance(track, list) and len(track) > 0),
        "record_sha256": entry.sha256, "record_ms": at})


def _medium(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    upsert_row(conn, "room_evidence", ("item", entry.entity_id), entry.device, {
        "medium_sha256": entry.sha256, "medium_size": entry.size, "medium_ms": at})


def _docking(conn: Connection, entry: OutboxEntry, payload: bytes | None, at: int) -> None:
    assert payload is not None
    certificate = Signed.from_json(parse_canonical(payload), IngestCertificate).body
    conn.execute(
        "INSERT INTO room_dockings (docking, device, certificate_sha256, recorder_serial, "
        "case_id, files, received_ms) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (docking) DO NOTHING",
        (certificate.docking, entry.device, entry.sha256, certificate.device.serial,
         certificate.case, len(certificate.files), at))
    for file in certificate.files:
        if file.status != "stored":  # an earlier docking took it: that one is its docking
            continue
        upsert_row(conn, "room_evidence", ("item", file.id), entry.device, {
            "case_id": certificate.case, "statement": certificate.statement,
            "kind": file.kind, "source": "bodycam", "size": file.size, "sha256": file.sha256,
            "sm3": file.sm3, "captured_ms": aware_ms(file.captured_at),
            "docking": certificate.docking, "recorder_serial": certificate.device.serial,
            "clock_offset_ms": certificate.clock.offset_ms}, fill_only=True)


INDEXERS: dict[RecordKind, Indexer] = {
    RecordKind.EVIDENCE_RECORD: _record,
    RecordKind.EVIDENCE_ITEM: _medium,
    RecordKind.DOCKING: _docking,
}
