"""Officer records in the store (names and certificate numbers stay inside the encryption).

An officer is never deleted: a disabled one keeps their row, which past statements,
signatures and audit events name (decision 24)."""

from __future__ import annotations

from datetime import datetime
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Action, Officer, Outcome, Role
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.tx import Tx

_COLUMNS = "id, name, certificate_no, unit, role, disabled_at"
_INSERTED = "id, name, certificate_no, unit, role"


class OfficerDisabled(UserError):
    """The officer was disabled by an administrator: no login, no signature, no new statement."""


def _officer(row: tuple[str, str, str, str, str, str | None]) -> Officer:
    return Officer(id=row[0], name=row[1], certificate_no=row[2], unit=row[3], role=Role(row[4]),
                   disabled_at=None if row[5] is None else datetime.fromisoformat(row[5]))


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
        f"INSERT INTO officers ({_INSERTED}, created_at) VALUES (?, ?, ?, ?, ?, ?)",
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


def disabled_message(officer: Officer) -> str:
    return _("Officer {name} ({number}) has been disabled by an administrator and can no longer "
             "log in, sign or be named on a statement.").format(
                 name=officer.name, number=officer.certificate_no)


def require_active(conn: Connection, officer_id: str) -> Officer:
    """The officer, if not disabled; otherwise OfficerDisabled saying so."""
    officer = get_officer(conn, officer_id)
    if not officer.active:
        raise OfficerDisabled(disabled_message(officer))
    return officer


def active_administrators(conn: Connection) -> list[Officer]:
    return [o for o in list_officers(conn) if o.role is Role.ADMIN and o.active]


def set_disabled(tx: Tx, officer_id: str, disabled: bool, **details: str | int | bool) -> None:
    """Mark the officer disabled (now) or active again, audited with the row's new digest."""
    tx.conn.execute("UPDATE officers SET disabled_at = ? WHERE id = ?",
                    (tx.at.isoformat() if disabled else None, officer_id))
    tx.audit(Action.OFFICER_DISABLED if disabled else Action.OFFICER_ENABLED, officer_id,
             Outcome.OK, **details, **leaf_fields(tx.conn, "officers", officer_id))


def set_role(tx: Tx, officer_id: str, role: Role, previous: Role) -> None:
    tx.conn.execute("UPDATE officers SET role = ? WHERE id = ?", (role.value, officer_id))
    tx.audit(Action.OFFICER_ROLE_CHANGED, officer_id, role=role.value, previous=previous.value,
             **leaf_fields(tx.conn, "officers", officer_id))
