"""What the HQ administrator asks of the database: codes, devices, records, receipts, alerts.

The admin CLI (`cli`) prints these; they read the same SQLite file the server writes (WAL
lets both run at once). Kept apart from the CLI so a later admin web page reads the same.
"""

from __future__ import annotations

from hq import device_certs
from hq.db import Database, Row
from hq.enrolment import issue_code
from hq.state import now_ms

__all__ = ["alerts", "datasets", "device_certificates", "devices", "gaps", "new_enrol_code",
           "quarantine", "receipts", "records", "revoke_device"]


def new_enrol_code(db: Database) -> str:
    with db.transaction() as conn:
        return issue_code(conn, now_ms())


def devices(db: Database) -> list[Row]:
    """Every device, with the serial of the last certificate HQ issued it (or None) and its
    audit trail at HQ: the leaves held (``audit_leaves``) and the last countersigned head
    (``audit_size``, ``audit_root``, ``countersigned_ms``; NULL before the first)."""
    return db.all("SELECT d.*, (SELECT c.serial FROM device_certificates c "
                  "WHERE c.device = d.device ORDER BY c.issued_ms DESC LIMIT 1) "
                  "AS certificate_serial, h.tree_size AS audit_size, h.root_hash AS audit_root, "
                  "h.countersigned_ms, (SELECT count(*) FROM audit_leaves l "
                  "WHERE l.device = d.device) AS audit_leaves "
                  "FROM devices d LEFT JOIN audit_heads h ON h.device = d.device "
                  "ORDER BY d.enrolled_ms")


def device_certificates(db: Database) -> list[Row]:
    """Every device certificate HQ issued as the unit CA (revoked ones included)."""
    return db.all("SELECT serial, device, not_before_ms, not_after_ms, issued_ms, revoked_ms "
                  "FROM device_certificates ORDER BY issued_ms")


def revoke_device(db: Database, device: str) -> bool:
    """Revoke ``device`` and the certificates HQ issued it; False if HQ does not know it
    (revoking twice keeps the first time)."""
    now = now_ms()
    with db.transaction() as conn:
        known = conn.execute("SELECT 1 FROM devices WHERE device = ?", (device,)).fetchone()
        conn.execute("UPDATE devices SET revoked_ms = ? WHERE device = ? AND revoked_ms IS NULL",
                     (now, device))
        device_certs.revoke(conn, device, now)
    return known is not None


def records(db: Database, device: str | None = None) -> list[Row]:
    # CAST: PostgreSQL must know a parameter's type, and NULL alone does not tell it.
    return db.all("SELECT device, device_seq, kind, entity_id, sha256, size, log_index, "
                  "received_ms, officer FROM records WHERE (CAST(? AS TEXT) IS NULL OR "
                  "device = ?) ORDER BY device, device_seq", (device, device))


def receipts(db: Database, device: str | None = None) -> list[Row]:
    return db.all("SELECT log_index, device, kind, entity_id, receipt FROM records "
                  "WHERE (CAST(? AS TEXT) IS NULL OR device = ?) ORDER BY log_index",
                  (device, device))


def datasets(db: Database) -> list[Row]:
    """Every published version of every reference dataset."""
    return db.all("SELECT * FROM ref_datasets ORDER BY name, version")


def alerts(db: Database) -> list[Row]:
    return db.all("SELECT * FROM alerts ORDER BY raised_ms")


def quarantine(db: Database) -> list[Row]:
    return db.all("SELECT * FROM quarantine ORDER BY received_ms")


def gaps(db: Database) -> dict[str, list[int]]:
    """Per device, the sequence numbers below its highest received that never arrived."""
    seen: dict[str, set[int]] = {}
    for row in db.all("SELECT device, device_seq FROM records"):
        seen.setdefault(str(row["device"]), set()).add(int(row["device_seq"]))
    return {device: missing for device, seqs in sorted(seen.items())
            if (missing := [n for n in range(1, max(seqs) + 1) if n not in seqs])}
