"""One durable transaction and the audit leaf that goes with it.

A `Tx` is what every write in the store receives: the connection inside `BEGIN IMMEDIATE`,
the time of the change, and the acting officer. Writing a change and calling `tx.audit(...)`
puts the record and its trace into the same commit, which with WAL and synchronous=FULL is
durable once `transaction()` returns: only then may the UI say "saved".
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from desktop.domain.model import Action, AuditEvent, Outcome
from desktop.store import audit
from desktop.store.connection import Connection, guarded

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Local wall-clock time with its UTC offset (statements show local time)."""
    return datetime.now().astimezone()


@dataclass(frozen=True)
class Tx:
    conn: Connection
    at: datetime
    actor: str | None

    def audit(
        self,
        action: Action,
        subject: str | None,
        outcome: Outcome = Outcome.OK,
        **details: str | int | bool | None,
    ) -> int:
        return audit.append(
            self.conn,
            AuditEvent(action=action.value, actor=self.actor, subject=subject, outcome=outcome,
                       details=dict(details)),
            self.at,
        )


@contextlib.contextmanager
def transaction(conn: Connection, clock: Clock, actor: str | None) -> Iterator[Tx]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; SQLCipher errors become UserErrors."""
    with guarded():
        conn.execute("BEGIN IMMEDIATE")
    try:
        with guarded():
            yield Tx(conn=conn, at=clock(), actor=actor)
            conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            conn.execute("ROLLBACK")
        raise
