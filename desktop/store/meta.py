"""Facts about the store itself, kept inside it (the `meta` table): is it the demo's store?

The demo flag lives here, inside the encrypted store, and nowhere else: a marker file in the
work folder can be dropped there by anyone, so it may offer the demo's public login hint but
never decides whether throw-away demo keys may be installed.
"""

from __future__ import annotations

from desktop.store.connection import Connection
from desktop.store.tx import Tx

DEMO_KEY = "demo_store"


def is_demo_store(conn: Connection) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (DEMO_KEY,)).fetchone()
    return row is not None and str(row[0]) == "1"


def mark_demo_store(tx: Tx) -> None:
    """Flag a store made by `statement-room demo` (synthetic data, a public password)."""
    tx.conn.execute("INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO NOTHING",
                    (DEMO_KEY,))
