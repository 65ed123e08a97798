"""What the supervision room's pages read, built on `hq.admin` (the CLI's own queries).

Stored alerts come from `hq.admin.alerts`; more are derived on each view, as the CLI's
``gaps`` derives its answer: sequence gaps per device, a device whose clock was off by
more than `CLOCK_ALERT_MS` at its last request (HQ records the offset and never refuses for
it, decision 25, so the supervisor is who should hear of it), evidence from a docking
whose ingest certificate HQ never received (`hq.web.evidence.uncertified`), and an
interview that ran longer than `LONG_INTERVIEW_MS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hq import admin, officers
from hq.db import Database, Row
from hq.web.evidence import uncertified

__all__ = ["CLOCK_ALERT_MS", "LONG_INTERVIEW_MS", "MEDIA_KINDS", "DerivedAlert", "DeviceDetail",
           "Overview", "alert", "derived_alerts", "device", "device_detail", "long_interviews",
           "overview", "quarantined_for", "record"]

CLOCK_ALERT_MS = 5 * 60 * 1000  # as the desktop's own warning of a drifting clock (§7)
# As the desktop's long-interview warning by default (desktop/config.py Settings): an
# interview longer than this is one a supervisor should look at (rest, meals, consent).
LONG_INTERVIEW_MS = 12 * 60 * 60 * 1000
MEDIA_KINDS = ("evidence_item", "statement_pdf", "penalty_document_pdf")


@dataclass(frozen=True)
class DerivedAlert:
    kind: str  # "gap", "clock", or "no_docking" (detail: the docking's id)
    device: str
    detail: str


@dataclass(frozen=True)
class Overview:
    devices: list[Row]
    officers: dict[str, list[Row]]
    records: int
    media: int
    receipts: int
    quarantined: int
    alerts: list[Row]
    derived: list[DerivedAlert]


def _count(db: Database, sql: str, params: tuple[object, ...] = ()) -> int:
    row = db.one(sql, params)  # the count is named n: rows are read by name on every engine
    return 0 if row is None else int(row["n"])


def derived_alerts(db: Database, devices: list[Row]) -> list[DerivedAlert]:
    found = [DerivedAlert("gap", name, ", ".join(map(str, missing)))
             for name, missing in admin.gaps(db).items()]
    found += [DerivedAlert("clock", str(d["device"]), str(d["last_skew_ms"]))
              for d in devices
              if d["last_skew_ms"] is not None and abs(int(d["last_skew_ms"])) > CLOCK_ALERT_MS]
    shown = {str(d["device"]) for d in devices}
    found += [DerivedAlert("no_docking", str(u["device"]), str(u["docking"]))
              for u in uncertified(db) if u["device"] in shown]
    found += [DerivedAlert("long_interview", str(r["device"]), str(r["statement"]))
              for r in long_interviews(db) if r["device"] in shown]
    return found


def long_interviews(db: Database) -> list[Row]:
    """Statements whose interview ran past `LONG_INTERVIEW_MS` (by the device's own start and
    end times), newest first."""
    return db.all("SELECT statement, device, started_ms, ended_ms FROM room_statements "
                  "WHERE ended_ms IS NOT NULL AND started_ms IS NOT NULL "
                  "AND ended_ms - started_ms > ? ORDER BY started_ms DESC",
                  (LONG_INTERVIEW_MS,))


def overview(db: Database) -> Overview:
    devices = admin.devices(db)
    per_device: dict[str, list[Row]] = {}
    for row in officers.list_officers(db):
        per_device.setdefault(str(row["device"]), []).append(row)
    return Overview(
        devices=devices, officers=per_device,
        records=_count(db, "SELECT count(*) AS n FROM records"),
        media=_count(db, "SELECT count(*) AS n FROM records WHERE kind IN "
                     f"({', '.join('?' * len(MEDIA_KINDS))})", MEDIA_KINDS),
        receipts=_count(db, "SELECT count(*) AS n FROM receipt_log"),
        quarantined=_count(db, "SELECT count(*) AS n FROM quarantine"),
        alerts=list(reversed(admin.alerts(db))), derived=derived_alerts(db, devices))


def device(db: Database, device_id: str) -> Row | None:
    """One device as `hq.admin.devices` lists it, or None."""
    return next((d for d in admin.devices(db) if d["device"] == device_id), None)


@dataclass(frozen=True)
class DeviceDetail:
    device: Row
    officers: list[Row]
    records: list[Row]
    alerts: list[Row]
    derived: list[DerivedAlert]
    quarantined: list[Row]


def device_detail(db: Database, device_id: str) -> DeviceDetail | None:
    """What the device page shows, or None for a device HQ does not know."""
    row = device(db, device_id)
    if row is None:
        return None
    return DeviceDetail(
        device=row,
        officers=[o for o in officers.list_officers(db) if o["device"] == device_id],
        records=admin.records(db, device_id),
        alerts=[a for a in reversed(admin.alerts(db)) if a["device"] == device_id],
        derived=[a for a in derived_alerts(db, [row]) if a.device == device_id],
        quarantined=quarantined_for(db, device_id))


def record(db: Database, device_id: str, seq: int) -> Row | None:
    """The record ``device_id`` sent as its ``seq``-th, as `hq.admin.records` lists it."""
    return db.one("SELECT device, device_seq, kind, entity_id, sha256, size, log_index, "
                  "received_ms, officer FROM records WHERE device = ? AND device_seq = ?",
                  (device_id, seq))


def alert(db: Database, alert_id: str) -> Row | None:
    return db.one("SELECT * FROM alerts WHERE id = ?", (alert_id,))


def quarantined_for(db: Database, device_id: str) -> list[Row]:
    return [q for q in admin.quarantine(db) if q["device"] == device_id]
