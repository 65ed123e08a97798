"""Evidence as a desktop sends it, for the supervision room's evidence tests: an item's
record with its custody (the GPS track read from a real NMEA sidecar by the desktop's own
docking code), its medium (a real WAV recording or PNG photo) and its docking's ingest
certificate signed by the device key, all sent over HQ's wire protocol by the test device.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import wave
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from desktop.services.dock import _gps_track
from hardware.bodycam.emulator import gprmc
from sync.protocol.canonical import canonical_json
from sync.protocol.context import (
    CaseSnapshot,
    EvidenceItemRecord,
    OfficerSnapshot,
    PartySnapshot,
    StatementContext,
)
from sync.protocol.ingest import (
    DockingClock,
    IngestCertificate,
    IngestedFile,
    IngestPolicy,
    RecorderIdentity,
)
from sync.protocol.records import RecordKind
from sync.protocol.signing import sign
from tests.hq.client import Device

__all__ = ["CLOCK_OFFSET_MS", "PARTY_NAME", "START_LOCAL", "UPLOAD_CHUNK", "Item", "certificate",
           "evidence_record", "png", "send_certificate", "send_context", "send_item",
           "send_medium", "send_record", "track_custody", "wav"]

PARTY_NAME = "李四"
START_LOCAL = datetime(2026, 12, 7, 9, 30, 0)  # the recorder's wall time in the file name
CLOCK_OFFSET_MS = 12_500  # the recorder ran 12.5 s fast
SERIAL = "BWC-0042"
UPLOAD_CHUNK = 700_000  # each PATCH is one sealed chunk at HQ: a medium spans several


def wav(seconds: float) -> bytes:
    """A real 16-bit mono WAV recording (a tone), as a recorder's audio file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        frames = int(16_000 * seconds)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8)))
                                 for i in range(frames)))
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (160, 90), (40, 90, 160))
    image.paste((220, 200, 60), (20, 20, 80, 60))
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def track_custody(folder: Path, docking: str, fixes: int) -> dict[str, Any]:
    """The custody dock.py records for a recorder file with an NMEA sidecar of ``fixes``
    fixes, one every 10 s from the corrected start, walking north-east then east."""
    folder.mkdir(parents=True, exist_ok=True)
    media = folder / "20261207_093000_0001.WAV"
    media.write_bytes(b"")
    start = datetime(2026, 12, 7, 1, 29, 47, 500000, tzinfo=UTC)
    lines = [gprmc(start + timedelta(seconds=10 * i), 39.9087 + 0.0004 * min(i, 10),
                   116.3975 + 0.0006 * i) for i in range(fixes)]
    (folder / "20261207_093000_0001.NMEA").write_text("\r\n".join(lines) + "\r\n")
    gps = _gps_track(media)
    assert gps is not None and gps["points"] == fixes
    corrected = START_LOCAL - timedelta(milliseconds=CLOCK_OFFSET_MS) - timedelta(hours=8)
    return {"device_serial": SERIAL, "device_model": "DSJ-V9", "device_path":
            "DCIM/100MEDIA/20261207_093000_0001.WAV", "device_mtime":
            "2026-12-07T01:45:00.000000+00:00", "docking": docking, "start_source": "name",
            "clock_offset_ms": CLOCK_OFFSET_MS, "device_start_local": START_LOCAL.isoformat(),
            "start_utc_corrected": corrected.replace(tzinfo=UTC).isoformat(), "gps": gps}


@dataclass(frozen=True)
class Item:
    id: str
    data: bytes
    kind: str
    docking: str | None
    custody: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def evidence_record(item: Item, case: str, statement: str) -> EvidenceItemRecord:
    return EvidenceItemRecord(
        id=item.id, case=case, statement=statement, sha256=item.sha256, sm3=None,
        size=len(item.data), kind=item.kind, source="bodycam" if item.docking else "import",
        marked=False, captured_at=START_LOCAL.isoformat(),
        imported_at="2026-12-07T09:50:00.000+08:00", imported_by="officer-1",
        device_serial=SERIAL if item.docking else None,
        officer_number="010203" if item.docking else None, docking=item.docking,
        device_path=item.custody.get("device_path"), custody=item.custody)


def certificate(docking: str, case: str, statement: str, items: list[Item]
                ) -> IngestCertificate:
    return IngestCertificate(
        docking=docking, store="store-1",
        device=RecorderIdentity(serial=SERIAL, model="DSJ-V9", officer_number="010203",
                                officer_name="王警官", unit_number="110101",
                                unit_name="东城区执法大队"),
        clock=DockingClock(host_time="2026-12-07T09:45:00+08:00",
                           device_time="2026-12-07T09:45:12.500000",
                           offset_ms=CLOCK_OFFSET_MS, offset_after_sync_ms=40),
        case=case, statement=statement, started_at="2026-12-07T09:45:00+08:00",
        officer="officer-1", policy=IngestPolicy(delete_originals=False, sm3=False),
        files=tuple(IngestedFile(
            id=i.id, status="stored", original_name=f"FILE{n}.WAV",
            device_path=f"DCIM/100MEDIA/FILE{n}.WAV", sha256=i.sha256, sm3=None,
            size=len(i.data), kind=i.kind, marked=False, captured_at=START_LOCAL.isoformat())
            for n, i in enumerate(items)),
        skipped=())


def send_record(device: Device, kind: RecordKind, entity: str, data: bytes) -> None:
    reply = device.send(device.entry(kind, entity, data), data)
    assert reply.status == 200, reply.body


def send_context(device: Device, case: str, statement: str, party: str) -> None:
    context = StatementContext(
        statement=statement,
        case=CaseSnapshot(case, "京东城罚〔2026〕88号", "占道经营", "行政处罚", "东城区"),
        party=PartySnapshot(party, "id_card", "110101199001011234", PARTY_NAME, "male", "汉",
                            "1990-01-01", "北京市东城区", "东城分局", None, None,
                            "13800000000", "个体", "manual"),
        officers=(OfficerSnapshot("officer-1", "王警官", "京01234", "东城区执法大队"),))
    send_record(device, RecordKind.STATEMENT_CONTEXT, statement, context.canonical_bytes())


def send_medium(device: Device, item: Item) -> None:
    reply = device.upload(device.entry(RecordKind.EVIDENCE_ITEM, item.id, item.data),
                          item.data, chunk=UPLOAD_CHUNK)
    assert reply.status == 204 and "sr-receipt" in reply.headers, reply.body


def send_item(device: Device, item: Item, case: str, statement: str) -> None:
    send_record(device, RecordKind.EVIDENCE_RECORD, item.id,
                evidence_record(item, case, statement).canonical_bytes())
    send_medium(device, item)


def send_certificate(device: Device, body: IngestCertificate,
                     key: Ed25519PrivateKey | None = None) -> bytes:
    """Send the docking's certificate signed by ``key`` (the device's own by default); the
    bytes sent."""
    data = canonical_json(sign(body, key or device.key).to_json())
    send_record(device, RecordKind.DOCKING, body.docking, data)
    return data
