"""Cases and parties in the store.

A party record is immutable (the schema refuses updates): an identity read again or corrected
is a new record, so a signed statement keeps showing the identity it was signed with.
"""

from __future__ import annotations

from datetime import date
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import Action, Case, CaseStatus, IdKind, Party, Sex
from desktop.store import search
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.tx import Tx

_CASE_COLUMNS = "id, number, cause, matter, place, status"
_PARTY_COLUMNS = (
    "id, id_kind, id_number, name, sex, nation, birth_date, address, authority, valid_from,"
    " valid_until, phone, workplace"
)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def create_case(tx: Tx, case: Case) -> None:
    if not case.number.strip() or not case.cause.strip():
        raise UserError(_("A case needs a number and a cause."))
    exists = tx.conn.execute("SELECT 1 FROM cases WHERE number = ?", (case.number,)).fetchone()
    if exists:
        raise UserError(_("Case {number} already exists.").format(number=case.number))
    if tx.actor is None:
        raise UserError(_("Log in to create a case."))
    tx.conn.execute(
        f"INSERT INTO cases ({_CASE_COLUMNS}, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (case.id, case.number.strip(), case.cause.strip(), case.matter, case.place,
         case.status.value, tx.at.isoformat(), tx.actor),
    )
    search.set_document(tx.conn, "cause", case.id, None, case.cause.strip())
    tx.audit(Action.CASE_CREATED, case.id, **leaf_fields(tx.conn, "cases", case.id))


def get_case(conn: Connection, case_id: str) -> Case:
    row = conn.execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,)).fetchone()
    if row is None:
        raise UserError(_("No such case."))
    return Case(row[0], row[1], row[2], row[3], row[4], CaseStatus(row[5]))


def list_cases(conn: Connection) -> list[Case]:
    rows = conn.execute(f"SELECT {_CASE_COLUMNS} FROM cases ORDER BY created_at DESC").fetchall()
    return [Case(r[0], r[1], r[2], r[3], r[4], CaseStatus(r[5])) for r in rows]


def record_party(tx: Tx, party: Party, source: str = "manual") -> None:
    """Keep a party's identity; `source` says where it came from (manual, id_card, mrz)."""
    if not party.name.strip() or not party.id_number.strip():
        raise UserError(_("A party needs a name and an identity document number."))
    tx.conn.execute(
        f"INSERT INTO parties ({_PARTY_COLUMNS}, source, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (party.id, party.id_kind.value, party.id_number.strip(), party.name.strip(),
         party.sex.value, party.nation, _iso(party.birth_date), party.address, party.authority,
         _iso(party.valid_from), _iso(party.valid_until), party.phone, party.workplace, source,
         tx.at.isoformat()),
    )
    search.set_document(tx.conn, "party", party.id, None, party.name.strip())
    tx.audit(Action.PARTY_RECORDED, party.id, source=source, id_kind=party.id_kind.value,
             **leaf_fields(tx.conn, "parties", party.id))


def get_party(conn: Connection, party_id: str) -> Party:
    row = conn.execute(f"SELECT {_PARTY_COLUMNS} FROM parties WHERE id = ?", (party_id,)).fetchone()
    if row is None:
        raise UserError(_("No such party."))
    return Party(
        id=row[0], id_kind=IdKind(row[1]), id_number=row[2], name=row[3], sex=Sex(row[4]),
        nation=row[5], birth_date=_date(row[6]), address=row[7], authority=row[8],
        valid_from=_date(row[9]), valid_until=_date(row[10]), phone=row[11], workplace=row[12],
    )
