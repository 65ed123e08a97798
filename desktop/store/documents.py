"""Signing keys and signed statement documents, kept inside the encrypted store.

Software keys (PEM) are only ever decrypted into memory by SQLCipher and handed to the
documents layer's `SoftwareSigner` by the service that signs; they never touch disk in
clear. The signed PDF of a statement is stored once, with its SHA-256, and the triggers of
migration 0004 keep it unchanged for good.
"""

from __future__ import annotations

import hashlib
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Action
from desktop.store.connection import Connection
from desktop.store.tx import Tx


def put_signing_key(tx: Tx, role: str, key_pem: bytes, cert_pem: bytes, chain_pem: bytes) -> None:
    """Keep (or replace) the software key for `role` ('device', 'seal', 'officer:<id>')."""
    tx.conn.execute(
        "INSERT INTO signing_keys (role, kind, key_pem, cert_pem, chain_pem, created_at)"
        " VALUES (?, 'software', ?, ?, ?, ?) ON CONFLICT (role) DO UPDATE SET"
        " key_pem = excluded.key_pem, cert_pem = excluded.cert_pem,"
        " chain_pem = excluded.chain_pem, created_at = excluded.created_at",
        (role, key_pem, cert_pem, chain_pem, tx.at.isoformat()),
    )
    fingerprint = hashlib.sha256(cert_pem).hexdigest()
    tx.audit(Action.SIGNING_KEY_SET, role, certificate_sha256=fingerprint)


def signing_key(conn: Connection, role: str) -> tuple[bytes, bytes, bytes]:
    """(key PEM, certificate PEM, chain PEM) for `role`."""
    row = conn.execute(
        "SELECT key_pem, cert_pem, chain_pem FROM signing_keys WHERE role = ?", (role,)
    ).fetchone()
    if row is None:
        raise UserError(_("No signing key is set up for {role}.").format(role=role))
    return bytes(row[0]), bytes(row[1]), bytes(row[2])


def has_signing_key(conn: Connection, role: str) -> bool:
    return conn.execute("SELECT 1 FROM signing_keys WHERE role = ?", (role,)).fetchone() is not None


def keep_signed_document(tx: Tx, statement_id: str, pdf: bytes, pages: int) -> str:
    digest = hashlib.sha256(pdf).hexdigest()
    tx.conn.execute(
        "INSERT INTO statement_documents (statement_id, pdf, sha256, pages, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (statement_id, pdf, digest, pages, tx.at.isoformat()),
    )
    tx.audit(Action.DOCUMENT_SIGNED, statement_id, sha256=digest, pages=pages)
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


def capture_digests(conn: Connection, statement_id: str) -> dict[tuple[str, int], str]:
    """(purpose, page index) -> capture digest of every capture kept for the statement."""
    rows = conn.execute(
        "SELECT purpose, page_index, digest FROM signature_captures WHERE statement_id = ?",
        (statement_id,),
    ).fetchall()
    return {(str(r[0]), int(r[1])): str(r[2]) for r in rows}
