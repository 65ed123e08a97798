"""Docking sessions of body-worn recorders and their signed ingest certificates.

A docking row is written when a recorder has been identified and its clock read; it stays
open while files are taken off the device, and is completed exactly once with the ingest
certificate (`sync.protocol.ingest.IngestCertificate`: the typed manifest of everything the
docking stored, its canonical bytes signed with the store's Ed25519 device key, the key that
signs the audit trail's tree heads, so HQ already knows it), announced in the outbox in the
same transaction. Migration 0006 forbids any other change. An open docking of the same recorder is
resumed rather than a second one started.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from gettext import gettext as _
from typing import Any

from desktop.domain.errors import UserError
from desktop.domain.model import Action
from desktop.store import audit, outbox
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.tx import Tx
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.ingest import IngestCertificate
from sync.protocol.records import RecordKind
from sync.protocol.signing import Signature, Signed, sign, verify_bytes

_COLUMNS = (
    "id, device_serial, device_model, officer_number, officer_name, unit_number, unit_name,"
    " case_id, statement_id, host_time, device_time, clock_offset_s, offset_after_sync_s,"
    " battery, resolution, started_at, started_by, finished_at, certificate, signature,"
    " signing_key_id"
)


@dataclass(frozen=True)
class Docking:
    id: str
    device_serial: str
    device_model: str
    officer_number: str
    officer_name: str
    unit_number: str
    unit_name: str
    case_id: str | None
    statement_id: str | None
    host_time: datetime
    device_time: str | None  # what the recorder's clock showed (its local wall time)
    clock_offset_s: float | None  # device minus correct time before synchronisation
    offset_after_sync_s: float | None
    battery: int | None
    resolution: str | None
    started_at: datetime
    started_by: str
    finished_at: datetime | None = None
    certificate: bytes | None = None
    signature: bytes | None = None
    signing_key_id: str | None = None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def certificate_sha256(self) -> str | None:
        return None if self.certificate is None else hashlib.sha256(self.certificate).hexdigest()


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _row(row: tuple[Any, ...]) -> Docking:
    return Docking(
        id=str(row[0]), device_serial=str(row[1]), device_model=str(row[2]),
        officer_number=str(row[3]), officer_name=str(row[4]), unit_number=str(row[5]),
        unit_name=str(row[6]), case_id=_opt(row[7]), statement_id=_opt(row[8]),
        host_time=datetime.fromisoformat(str(row[9])), device_time=_opt(row[10]),
        clock_offset_s=None if row[11] is None else float(row[11]),
        offset_after_sync_s=None if row[12] is None else float(row[12]),
        battery=None if row[13] is None else int(row[13]), resolution=_opt(row[14]),
        started_at=datetime.fromisoformat(str(row[15])), started_by=str(row[16]),
        finished_at=None if row[17] is None else datetime.fromisoformat(str(row[17])),
        certificate=None if row[18] is None else bytes(row[18]),
        signature=None if row[19] is None else bytes(row[19]), signing_key_id=_opt(row[20]),
    )  # fmt: skip


def start_docking(tx: Tx, docking: Docking) -> Docking:
    """Record a newly identified recorder; audited with identifiers only."""
    tx.conn.execute(
        f"INSERT INTO dockings ({_COLUMNS}) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)",
        (docking.id, docking.device_serial, docking.device_model, docking.officer_number,
         docking.officer_name, docking.unit_number, docking.unit_name, docking.case_id,
         docking.statement_id, docking.host_time.isoformat(), docking.device_time,
         docking.clock_offset_s, docking.offset_after_sync_s, docking.battery,
         docking.resolution, tx.at.isoformat(), docking.started_by),
    )
    tx.audit(Action.DOCKING_STARTED, docking.id, device_serial=docking.device_serial,
             officer_number=docking.officer_number, case_id=docking.case_id,
             clock_offset_ms=_millis(docking.clock_offset_s),
             offset_after_sync_ms=_millis(docking.offset_after_sync_s),
             **leaf_fields(tx.conn, "dockings", docking.id))
    return get_docking(tx.conn, docking.id)


def _millis(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def open_docking(conn: Connection, device_serial: str) -> Docking | None:
    """The unfinished docking of this recorder, if an earlier one was interrupted."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM dockings WHERE device_serial = ? AND finished_at IS NULL"
        " ORDER BY started_at DESC LIMIT 1",
        (device_serial,),
    ).fetchone()
    return None if row is None else _row(tuple(row))


def get_docking(conn: Connection, docking_id: str) -> Docking:
    row = conn.execute(f"SELECT {_COLUMNS} FROM dockings WHERE id = ?",
                       (docking_id,)).fetchone()
    if row is None:
        raise UserError(_("No docking {id}.").format(id=docking_id))
    return _row(tuple(row))


def all_dockings(conn: Connection) -> list[Docking]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM dockings ORDER BY started_at, id").fetchall()
    return [_row(tuple(r)) for r in rows]


def complete_docking(tx: Tx, docking_id: str, manifest: IngestCertificate) -> Docking:
    """Sign the certificate with the device key and close the docking with it, once."""
    if manifest.docking != docking_id:
        raise ValueError(f"certificate of docking {manifest.docking} given for {docking_id}")
    signed = sign(manifest, audit.device_private_key(tx.conn))
    certificate = manifest.canonical_bytes()
    signature, key_id = signed.signature.value, signed.signature.key_id
    cursor = tx.conn.execute(
        "UPDATE dockings SET finished_at = ?, certificate = ?, signature = ?,"
        " signing_key_id = ? WHERE id = ? AND finished_at IS NULL",
        (tx.at.isoformat(), certificate, signature, key_id, docking_id),
    )
    if cursor.rowcount != 1:
        raise UserError(_("Docking {id} is already complete.").format(id=docking_id))
    tx.audit(Action.DOCKING_CERTIFIED, docking_id,
             certificate_sha256=hashlib.sha256(certificate).hexdigest(), key_id=key_id,
             **leaf_fields(tx.conn, "dockings", docking_id))
    outbox.enqueue_bytes(tx.conn, tx.at, RecordKind.DOCKING, docking_id,
                         canonical_json(signed.to_json()))
    return get_docking(tx.conn, docking_id)


def signed_certificate(docking: Docking) -> Signed[IngestCertificate]:
    """The completed docking's certificate as HQ receives it (typed, with its signature)."""
    if docking.certificate is None or docking.signature is None or not docking.signing_key_id:
        raise UserError(_("Docking {id} has no ingest certificate yet.").format(id=docking.id))
    return Signed(IngestCertificate.from_bytes(docking.certificate),
                  Signature(docking.signing_key_id, docking.signature))


def verify_certificate(conn: Connection, docking: Docking) -> dict[str, Any]:
    """Check a completed docking's certificate signature; return the parsed manifest."""
    if docking.certificate is None or docking.signature is None:
        raise UserError(_("Docking {id} has no ingest certificate yet.").format(id=docking.id))
    keys = audit.device_public_keys(conn)
    key = keys.get(docking.signing_key_id or "")
    try:
        if key is None or not verify_bytes(
                docking.certificate, Signature(docking.signing_key_id or "", docking.signature),
                key):
            raise ValueError("signature")
        manifest = parse_canonical(docking.certificate)
    except ValueError as exc:
        raise UserError(_("The ingest certificate of docking {id} does not verify.").format(
            id=docking.id)) from exc
    if not isinstance(manifest, dict):
        raise UserError(_("The ingest certificate of docking {id} does not verify.").format(
            id=docking.id))
    return manifest
