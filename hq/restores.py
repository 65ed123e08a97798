"""HQ's restore statements: what a restored HQ signs so its devices re-send what it lost.

`declare` is called once after a restore (`statement-room-hq restore` on the embedded lane;
`statement-room-hq restored` after the PostgreSQL procedure of docs/operations/hq-backup.md):
it signs a `RestoreStatement` for the receipt log as it now stands and keeps it in ``meta``
with the earlier ones, since a device that last synced before an earlier restore needs that
one. Devices read them all at ``GET /v1/log/restores`` (sync/client/engine.py).
"""

from __future__ import annotations

import json

from hq.state import HQState, now_ms
from sync.protocol.canonical import canonical_json, parse_canonical
from sync.protocol.restore import RestoreStatement
from sync.protocol.signing import Signed

__all__ = ["declare", "statements"]

_META_KEY = "restore_statements"


def statements(state: HQState) -> list[Signed[RestoreStatement]]:
    """Every restore statement this HQ signed, oldest first."""
    held = state.db.meta(_META_KEY)
    if held is None:
        return []
    return [Signed.from_json(parse_canonical(item.encode("utf-8")), RestoreStatement)
            for item in json.loads(held)]


def declare(state: HQState, backup_ms: int | None) -> Signed[RestoreStatement]:
    """Sign and keep the statement that this HQ's receipt log restarts where it now stands."""
    size, root = state.receiver.log.root()
    signed = state.receiver.sign(RestoreStatement(hq=state.hq_id, log_size=size,
                                                  root_hash=root, backup_ms=backup_ms,
                                                  restored_ms=now_ms()))
    with state.db.transaction() as conn:
        conn.lock(_META_KEY)
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (_META_KEY,)).fetchone()
        held = [] if row is None else json.loads(str(row["value"]))
        held.append(canonical_json(signed.to_json()).decode("utf-8"))
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                     "DO UPDATE SET value = excluded.value", (_META_KEY, json.dumps(held)))
    return signed
