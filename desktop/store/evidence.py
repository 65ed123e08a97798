"""Evidence records in the store and the key and place of the media vault.

The bytes of an evidence file live encrypted in the vault (`<workdir>/vault/<name>.sr1`, the
name a keyed hash of the SHA-256,
format in `vault_format.py`) under a master key derived from the store's data key; the record
here says what the file is: its hashes, size, kind, where it came from and, for body-worn
recorder files, what the file name says about device, officer and time. Names and paths are
kept only here, inside the encrypted database. Migration 0005 makes every record immutable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from gettext import gettext as _
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from desktop.domain.errors import UserError
from desktop.domain.model import Action
from desktop.store import outbox
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.tx import Tx
from desktop.store.vault_format import blob_name
from sync.protocol.canonical import canonical_json
from sync.protocol.context import EvidenceItemRecord
from sync.protocol.records import RecordKind

VAULT_DIRECTORY = "vault"
VAULT_KEY_INFO = b"statement-room vault master v1"
KINDS = ("video", "photo", "audio", "document", "other")
SOURCES = ("folder", "bodycam", "recorder")  # recorder: the statement room's own (0022)

_COLUMNS = (
    "id, case_id, statement_id, sha256, sm3, size, kind, source, original_name, original_path,"
    " captured_at, imported_at, imported_by, device_serial, officer_number, marked, docking_id,"
    " device_path, device_mtime, custody"
)


def vault_master_key(data_key: bytes) -> bytes:
    """The vault's master key: HKDF-SHA256 of the store's data key, bound to its purpose."""
    if len(data_key) < 32:
        raise ValueError("the store data key must be at least 32 bytes")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=VAULT_KEY_INFO).derive(data_key)


def vault_directory(workdir: Path) -> Path:
    return workdir / VAULT_DIRECTORY


def blob_path(workdir: Path, sha256: str, master_key: bytes) -> Path:
    """Where the blob holding the plaintext with this SHA-256 lives (under its keyed name)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a lowercase hex SHA-256")
    return vault_directory(workdir) / blob_name(master_key, sha256)


def name_digest(name: str) -> str:
    """SHA-256 of a file name's bytes, for the audit log (which never holds the name)."""
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class EvidenceRecord:
    id: str
    case_id: str | None  # None: not yet filed under a case
    statement_id: str | None
    sha256: str
    sm3: str | None
    size: int
    kind: str
    source: str
    original_name: str
    original_path: str
    captured_at: str | None
    imported_at: datetime
    imported_by: str
    device_serial: str | None
    officer_number: str | None
    marked: bool
    docking_id: str | None = None
    device_path: str | None = None  # relative to the recorder's volume, printable
    device_mtime: str | None = None
    custody: str = "{}"  # canonical JSON: clock offset, corrected time, GPS track

    @property
    def custody_details(self) -> dict[str, Any]:
        value = json.loads(self.custody)
        return value if isinstance(value, dict) else {}


def _record(row: tuple[object, ...]) -> EvidenceRecord:
    return EvidenceRecord(
        id=str(row[0]), case_id=None if row[1] is None else str(row[1]),
        statement_id=None if row[2] is None else str(row[2]), sha256=str(row[3]),
        sm3=None if row[4] is None else str(row[4]), size=int(str(row[5])), kind=str(row[6]),
        source=str(row[7]), original_name=str(row[8]), original_path=str(row[9]),
        captured_at=None if row[10] is None else str(row[10]),
        imported_at=datetime.fromisoformat(str(row[11])), imported_by=str(row[12]),
        device_serial=None if row[13] is None else str(row[13]),
        officer_number=None if row[14] is None else str(row[14]), marked=bool(row[15]),
        docking_id=_text(row[16]), device_path=_text(row[17]), device_mtime=_text(row[18]),
        custody=str(row[19]),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def record_item(
    tx: Tx,
    *,
    item_id: str,
    case_id: str | None,
    sha256: str,
    size: int,
    kind: str,
    source: str,
    original_name: str,
    original_path: str,
    statement_id: str | None = None,
    sm3: str | None = None,
    captured_at: str | None = None,
    device_serial: str | None = None,
    officer_number: str | None = None,
    marked: bool = False,
    docking_id: str | None = None,
    device_path: str | None = None,
    device_mtime: str | None = None,
    custody: dict[str, Any] | None = None,
) -> EvidenceRecord:
    """Record one stored evidence file and its audit event (hashes, size, kind; no name)."""
    if kind not in KINDS or source not in SOURCES:
        raise ValueError(f"unknown evidence kind {kind!r} or source {source!r}")
    if tx.actor is None:
        raise UserError(_("Log in to import evidence."))
    check_statement_in_case(tx.conn, case_id, statement_id)
    tx.conn.execute(
        f"INSERT INTO evidence_items ({_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (item_id, case_id, statement_id, sha256, sm3, size, kind, source, original_name,
         original_path, captured_at, tx.at.isoformat(), tx.actor, device_serial,
         officer_number, int(marked), docking_id, device_path, device_mtime,
         canonical_json(custody or {}).decode("utf-8")),
    )
    tx.audit(Action.EVIDENCE_IMPORTED, item_id, case_id=case_id, sha256=sha256, size=size,
             kind=kind, source=source, name_sha256=name_digest(original_name),
             docking=docking_id, **leaf_fields(tx.conn, "evidence_items", item_id))
    # HQ receives the item's medium, announced by its hash and size, and the item's record
    # (its facts and custody as imported: sync/protocol/context.py).
    outbox.enqueue(tx.conn, tx.at, RecordKind.EVIDENCE_ITEM, item_id, sha256, size,
                   media_kind=kind)
    item = get_item(tx.conn, item_id)
    announce_record(tx.conn, tx.at, item)
    return item


def hq_record(item: EvidenceRecord) -> EvidenceItemRecord:
    """The record HQ receives for an item: its facts and custody, without the file's
    original name or path (the audit trail keeps only their hash)."""
    return EvidenceItemRecord(
        id=item.id, case=item.case_id, statement=item.statement_id, sha256=item.sha256,
        sm3=item.sm3, size=item.size, kind=item.kind, source=item.source, marked=item.marked,
        captured_at=item.captured_at, imported_at=item.imported_at.isoformat(),
        imported_by=item.imported_by, device_serial=item.device_serial,
        officer_number=item.officer_number, docking=item.docking_id,
        device_path=item.device_path, custody=item.custody_details)


def announce_record(conn: Connection, at: datetime, item: EvidenceRecord) -> None:
    """Announce an item's record inside the caller's transaction. Its bytes are kept as
    announced (`outbox.enqueue_kept`): a filing under a case later does not change them."""
    outbox.enqueue_kept(conn, at, RecordKind.EVIDENCE_RECORD, item.id,
                        hq_record(item).canonical_bytes())


def check_statement_in_case(conn: Connection, case_id: str | None,
                            statement_id: str | None) -> None:
    if statement_id is None:
        return
    row = conn.execute("SELECT case_id FROM statements WHERE id = ?", (statement_id,)).fetchone()
    if row is None or case_id is None or row[0] != case_id:
        raise UserError(_("That statement does not belong to this case."))


def file_item(
    tx: Tx, item_id: str, case_id: str, statement_id: str | None = None
) -> EvidenceRecord:
    """File unfiled evidence under a case (and optionally a statement of it), once."""
    item = get_item(tx.conn, item_id)
    if item.case_id is not None:
        if item.case_id == case_id and item.statement_id == statement_id:
            return item
        raise UserError(_("Evidence item {id} is already filed under another case.").format(
            id=item_id))
    check_statement_in_case(tx.conn, case_id, statement_id)
    if item.device_path is None and find_in_case(tx.conn, case_id, item.sha256) is not None:
        raise UserError(_("This case already holds the same file."))
    tx.conn.execute("UPDATE evidence_items SET case_id = ?, statement_id = ? WHERE id = ?",
                    (case_id, statement_id, item_id))
    tx.audit(Action.EVIDENCE_FILED, item_id, case_id=case_id, statement_id=statement_id,
             **leaf_fields(tx.conn, "evidence_items", item_id))
    return get_item(tx.conn, item_id)


def find_in_case(conn: Connection, case_id: str | None, sha256: str) -> EvidenceRecord | None:
    """The folder-imported record of this content in this case (or unfiled), if any.

    Files taken from a recorder are not deduplicated this way: each keeps its own custody.
    """
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM evidence_items WHERE case_id IS ? AND sha256 = ?"
        " AND device_path IS NULL",
        (case_id, sha256),
    ).fetchone()
    return None if row is None else _record(tuple(row))


def items_for_case(conn: Connection, case_id: str) -> list[EvidenceRecord]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM evidence_items WHERE case_id = ? ORDER BY imported_at, id",
        (case_id,),
    ).fetchall()
    return [_record(tuple(r)) for r in rows]


def all_items(conn: Connection) -> list[EvidenceRecord]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM evidence_items ORDER BY imported_at, id"
    ).fetchall()
    return [_record(tuple(r)) for r in rows]


def items_for_docking(conn: Connection, docking_id: str) -> list[EvidenceRecord]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM evidence_items WHERE docking_id = ? ORDER BY imported_at, id",
        (docking_id,),
    ).fetchall()
    return [_record(tuple(r)) for r in rows]


def find_device_file(conn: Connection, device_serial: str, device_path: str, size: int,
                     device_mtime: str) -> EvidenceRecord | None:
    """A file already taken from this recorder: same path, size and time on the device.

    Recorders write a file once, so this recognises it on a resumed or later docking without
    reading it again.
    """
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM evidence_items WHERE device_serial = ? AND device_path = ?"
        " AND size = ? AND device_mtime = ? ORDER BY imported_at LIMIT 1",
        (device_serial, device_path, size, device_mtime),
    ).fetchone()
    return None if row is None else _record(tuple(row))


def get_item(conn: Connection, item_id: str) -> EvidenceRecord:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM evidence_items WHERE id = ?", (item_id,)
    ).fetchone()
    if row is None:
        raise UserError(_("No evidence item {id}.").format(id=item_id))
    return _record(tuple(row))
