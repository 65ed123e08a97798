"""Who looked at what in the supervision room: every page view, kept by HQ.

Supervision of enforcement is itself supervised (issue 16): each page a signed-in user is
shown, or refused, is a row with the user, the role, HQ's time, the page's name, the HTTP
status, and the ids it showed (a device, a record, a party). Logins are rows too, failed ones
on a real account included (401, 429 when locked), so administrators see attempts on an
account; a name no account has is not kept (it may be a password typed in the wrong field).
Ids only: the log holds no content. A page that shows personal data of several parties (a
list of statements) is one row per party (`hq.web.frame`), so "who looked at this party" is
one query on the party's id (from the ``statement_context`` records HQ receives).
"""

from __future__ import annotations

import uuid

from hq.db import Database, Row
from hq.web.users import User

__all__ = ["PAGE_SIZE", "count", "entries", "record_view"]

PAGE_SIZE = 100


def record_view(db: Database, user: User, page: str, status: int, now_ms: int, *,
                device: str | None = None, record: str | None = None,
                party: str | None = None) -> None:
    with db.transaction() as conn:
        conn.execute("INSERT INTO web_access_log (id, at_ms, user_name, role, page, device, "
                     "record, party, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (str(uuid.uuid4()), now_ms, user.name, user.role, page, device, record,
                      party, status))


def entries(db: Database, page: int) -> list[Row]:
    """The log, newest first, ``PAGE_SIZE`` rows per page (page 1 the newest)."""
    return db.all("SELECT * FROM web_access_log ORDER BY at_ms DESC, id LIMIT ? OFFSET ?",
                  (PAGE_SIZE, (page - 1) * PAGE_SIZE))


def count(db: Database) -> int:
    row = db.one("SELECT count(*) AS n FROM web_access_log")
    return 0 if row is None else int(row["n"])
