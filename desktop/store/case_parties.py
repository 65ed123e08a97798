"""Who a case's party is (migration 0024): the interviewee, or a unit with its particulars.

One row per naming in `case_parties`, never changed nor deleted; the one in force is the
case's highest version, and a case without a row has the person interviewed as its party.
`save` adds a version in the caller's transaction with its audit leaf (`case.party_set` the
first time, `case.party_changed` with the reason after; subject the case, the version, the
kind and the row's record digest), so an earlier naming stays readable (`history`) and a
change behind the program's back shows in `audit verify`. The leaf holds no name or code:
the particulars stay in the encrypted store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desktop.domain.model import Action, PartyKind, RepresentativeTitle, UnitParty
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.tx import Tx

TABLE = "case_parties"
_COLUMNS = ("case_id, version, kind, name, credit_code, representative, representative_title,"
            " address, phone, reason, set_at, set_by")


@dataclass(frozen=True)
class KeptCaseParty:
    """A naming of a case's party as kept: `unit` is None when the party is the person."""

    case_id: str
    version: int
    kind: PartyKind
    unit: UnitParty | None
    reason: str  # why it was named again ("" the first time)
    set_at: datetime
    set_by: str


def _kept(row: tuple[object, ...]) -> KeptCaseParty:
    (case_id, version, kind, name, code, representative, title, address, phone, reason,
     set_at, set_by) = row
    unit = None
    if PartyKind(str(kind)) is PartyKind.UNIT:
        unit = UnitParty(name=str(name), credit_code=str(code),
                         representative=str(representative),
                         representative_title=RepresentativeTitle(str(title)),
                         address=str(address), phone=str(phone))
    return KeptCaseParty(case_id=str(case_id), version=int(str(version)),
                         kind=PartyKind(str(kind)), unit=unit, reason=str(reason),
                         set_at=datetime.fromisoformat(str(set_at)), set_by=str(set_by))


def current(conn: Connection, case_id: str) -> KeptCaseParty | None:
    """The naming in force, or None: the party is the person interviewed (as before 0024)."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM {TABLE} WHERE case_id = ?"
                       " ORDER BY version DESC LIMIT 1", (case_id,)).fetchone()
    return None if row is None else _kept(tuple(row))


def naming(conn: Connection, case_id: str, version: int) -> KeptCaseParty:
    """One naming of the case's party, by its version."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM {TABLE} WHERE case_id = ? AND version = ?",
                       (case_id, version)).fetchone()
    if row is None:
        raise LookupError(f"case {case_id} has no party naming {version}")
    return _kept(tuple(row))


def history(conn: Connection, case_id: str) -> list[KeptCaseParty]:
    """Every naming of the case's party, oldest first."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM {TABLE} WHERE case_id = ? ORDER BY version",
                        (case_id,)).fetchall()
    return [_kept(tuple(r)) for r in rows]


def current_kind(conn: Connection, case_id: str) -> PartyKind:
    held = current(conn, case_id)
    return PartyKind.PERSON if held is None else held.kind


def save(tx: Tx, case_id: str, unit: UnitParty | None, reason: str,
         officer_id: str) -> KeptCaseParty:
    """Name the case's party from now on: `unit`, or the person interviewed when None.
    The caller has checked `unit` and the reason (the schema refuses a row without them)."""
    held = current(tx.conn, case_id)
    version = 1 if held is None else held.version + 1
    kind = PartyKind.PERSON if unit is None else PartyKind.UNIT
    values: tuple[object, ...] = (None,) * 6 if unit is None else (
        unit.name, unit.credit_code, unit.representative, unit.representative_title.value,
        unit.address, unit.phone)
    tx.conn.execute(
        f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, version, kind.value, *values, reason, tx.at.isoformat(), officer_id))
    action = Action.CASE_PARTY_SET if held is None else Action.CASE_PARTY_CHANGED
    tx.audit(action, case_id, version=version, kind=kind.value,
             **leaf_fields(tx.conn, TABLE, case_id, version))
    return KeptCaseParty(case_id, version, kind, unit, reason, tx.at, officer_id)
