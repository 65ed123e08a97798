"""Signed statement documents and the party's pen captures, kept inside the encrypted store.

(Signing keys live in `signing_keys`.) The signed PDF of a statement is stored once, with
its SHA-256, and the triggers of migration 0004 keep it unchanged for good. Both the PDF
and each capture are announced in the outbox in the same transaction (HQ receives them).
"""

from __future__ import annotations

import hashlib
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Action
from desktop.store import outbox
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.tx import Tx
from sync.protocol.records import RecordKind


def keep_signed_document(tx: Tx, statement_id: str, pdf: bytes, pages: int) -> str:
    digest = hashlib.sha256(pdf).hexdigest()
    tx.conn.execute(
        "INSERT INTO statement_documents (statement_id, pdf, sha256, pages, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (statement_id, pdf, digest, pages, tx.at.isoformat()),
    )
    tx.audit(Action.DOCUMENT_SIGNED, statement_id, sha256=digest, pages=pages,
             **leaf_fields(tx.conn, "statement_documents", statement_id))
    outbox.enqueue(tx.conn, tx.at, RecordKind.STATEMENT_PDF, statement_id, digest, len(pdf))
    return digest


def signed_document(conn: Connection, statement_id: str) -> bytes:
    row = conn.execute(
        "SELECT pdf FROM statement_documents WHERE statement_id = ?", (statement_id,)
    ).fetchone()
    if row is None:
        raise UserError(_("This statement has no signed document yet."))
    return bytes(row[0])


def find_record(conn: Connection, pdf: bytes) -> tuple[str, bool] | None:
    """The statement whose kept PDF this is: (statement id, exact copy?), or None.

    Not exact means the kept PDF is a strict prefix of `pdf`: the same document with
    incremental updates appended (say, HQ's validation data); whether those updates are
    acceptable is the signature check's verdict on modifications.
    """
    digest = hashlib.sha256(pdf).hexdigest()
    row = conn.execute(
        "SELECT statement_id FROM statement_documents WHERE sha256 = ?", (digest,)
    ).fetchone()
    if row is not None:
        return str(row[0]), True
    for statement_id, kept in conn.execute(
        "SELECT statement_id, pdf FROM statement_documents"
    ).fetchall():
        if len(pdf) > len(kept) and pdf.startswith(bytes(kept)):
            return str(statement_id), False
    return None


def keep_capture(
    tx: Tx, statement_id: str, purpose: str, page_index: int, record: bytes, png: bytes,
    fingerprint: bytes | None, digest: str,
) -> None:
    """Keep one pen capture (canonical JSON of its strokes) behind a signed statement."""
    tx.conn.execute(
        "INSERT INTO signature_captures (statement_id, purpose, page_index, record, png,"
        " fingerprint, digest) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (statement_id, purpose, page_index, record, png, fingerprint, digest),
    )
    tx.audit(Action.CAPTURE_KEPT, statement_id, purpose=purpose, page_index=page_index,
             **leaf_fields(tx.conn, "signature_captures", statement_id, purpose, page_index))
    outbox.enqueue_bytes(tx.conn, tx.at, RecordKind.SIGNATURE_CAPTURE,
                         capture_entity(statement_id, purpose, page_index), record)


def capture_entity(statement_id: str, purpose: str, page_index: int) -> str:
    """The outbox id of a pen capture: its statement, purpose and page."""
    return f"{statement_id}/{purpose}/{page_index}"


def capture_digests(conn: Connection, statement_id: str) -> dict[tuple[str, int], str]:
    """(purpose, page index) -> capture digest of every capture kept for the statement."""
    rows = conn.execute(
        "SELECT purpose, page_index, digest FROM signature_captures WHERE statement_id = ?",
        (statement_id,),
    ).fetchall()
    return {(str(r[0]), int(r[1])): str(r[2]) for r in rows}
