"""Officer records in the store (names and certificate numbers stay inside the encryption)."""

from __future__ import annotations

from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Action, Officer, Role
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.tx import Tx

_COLUMNS = "id, name, certificate_no, unit, role"


def _officer(row: tuple[str, str, str, str, str]) -> Officer:
    return Officer(id=row[0], name=row[1], certificate_no=row[2], unit=row[3], role=Role(row[4]))


def add_officer(tx: Tx, officer: Officer) -> None:
    if not officer.name.strip() or not officer.certificate_no.strip():
        raise UserError(_("An officer needs a name and an enforcement certificate number."))
    if find_by_certificate(tx.conn, officer.certificate_no) is not None:
        raise UserError(
            _("An officer with certificate number {number} already exists.").format(
                number=officer.certificate_no
            )
        )
    tx.conn.execute(
        f"INSERT INTO officers ({_COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (officer.id, officer.name.strip(), officer.certificate_no.strip(), officer.unit,
         officer.role.value, tx.at.isoformat()),
    )
    tx.audit(Action.OFFICER_ADDED, officer.id, role=officer.role.value,
             **leaf_fields(tx.conn, "officers", officer.id))


def get_officer(conn: Connection, officer_id: str) -> Officer:
    row = conn.execute(f"SELECT {_COLUMNS} FROM officers WHERE id = ?", (officer_id,)).fetchone()
    if row is None:
        raise UserError(_("No such officer."))
    return _officer(row)


def find_by_certificate(conn: Connection, certificate_no: str) -> Officer | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM officers WHERE upper(certificate_no) = upper(?)",
        (certificate_no.strip(),),
    ).fetchone()
    return None if row is None else _officer(row)


def list_officers(conn: Connection) -> list[Officer]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM officers ORDER BY name").fetchall()
    return [_officer(r) for r in rows]
