"""The unit's legal particulars (migration 0023): what the penalty documents print about it.

One row per setting in `unit_profiles`, never changed nor deleted; the one in force is the
highest version. `save` adds a version in the caller's transaction with its audit leaf
(`setting.changed`, subject `unit_profile`: the version, the abbreviation, the SHA-256 of
the canonical JSON of what was set, and the row's record digest, so `audit verify` checks
every setting against its leaf, as it checks the other covered records), and an earlier
setting can still be read (`history`).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime

from desktop.domain.model import Action
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.tx import Tx
from sync.protocol.canonical import canonical_json

AUDIT_SUBJECT = "unit_profile"


@dataclass(frozen=True)
class UnitParticularsRow:
    """What an administrator sets (all required, never blank)."""

    abbreviation: str  # in document numbers: 南综执
    reconsideration_body: str  # 复议机关: 嘉兴市南湖区人民政府
    court: str  # where the party may sue: 嘉兴市南湖区人民法院
    payee: str  # 收款单位 (account name)
    bank: str  # 开户银行
    account: str  # 账号
    payment_method: str  # 缴款方式, in the words the decision prints

    def digest(self) -> str:
        return hashlib.sha256(canonical_json(asdict(self))).hexdigest()


@dataclass(frozen=True)
class KeptUnitProfile:
    """A setting as kept: its version, who set it and when."""

    version: int
    particulars: UnitParticularsRow
    set_at: datetime
    set_by: str


_FIELDS = ("abbreviation", "reconsideration_body", "court", "payee", "bank", "account",
           "payment_method")
_COLUMNS = "version, " + ", ".join(_FIELDS) + ", set_at, set_by"


def _kept(row: tuple[object, ...]) -> KeptUnitProfile:
    values = [str(v) for v in row[1:1 + len(_FIELDS)]]
    return KeptUnitProfile(version=int(str(row[0])),
                           particulars=UnitParticularsRow(*values),
                           set_at=datetime.fromisoformat(str(row[-2])), set_by=str(row[-1]))


def current(conn: Connection) -> KeptUnitProfile | None:
    """The profile in force, or None before an administrator set one."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM unit_profiles ORDER BY version DESC LIMIT 1"
                       ).fetchone()
    return None if row is None else _kept(tuple(row))


def history(conn: Connection) -> list[KeptUnitProfile]:
    """Every setting, oldest first."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM unit_profiles ORDER BY version").fetchall()
    return [_kept(tuple(r)) for r in rows]


def save(tx: Tx, particulars: UnitParticularsRow, officer_id: str) -> KeptUnitProfile:
    """Add a new version in force from now on; audited in the same transaction."""
    held = current(tx.conn)
    version = 1 if held is None else held.version + 1
    tx.conn.execute(
        f"INSERT INTO unit_profiles ({_COLUMNS}) VALUES ({', '.join('?' * (len(_FIELDS) + 3))})",
        (version, *(getattr(particulars, name) for name in _FIELDS), tx.at.isoformat(),
         officer_id))
    tx.audit(Action.SETTING_CHANGED, AUDIT_SUBJECT, version=version,
             abbreviation=particulars.abbreviation, sha256=particulars.digest(),
             **leaf_fields(tx.conn, "unit_profiles", version))
    return KeptUnitProfile(version, particulars, tx.at, officer_id)
