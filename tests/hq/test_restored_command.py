"""`statement-room-hq restored`: after a restore by other means (PostgreSQL: pg_restore and
the bucket), the operator declares it, and HQ serves the signed restore statement to its
devices at ``GET /v1/log/restores``, on both lanes."""

from __future__ import annotations

from datetime import UTC, datetime

from sync.client.receipts import parse_restores
from sync.protocol.records import RecordKind
from tests.hq.client import Device
from tests.support.hq_server import RunningHQ


def test_the_declared_restore_is_signed_with_the_receipt_key_and_served(
        hq_server: RunningHQ) -> None:
    device = Device(hq_server)
    device.enrol(hq_server.enrol_code())
    assert device.pinned is not None
    for n in range(3):
        data = f"pen capture {n}".encode()
        entry = device.entry(RecordKind.SIGNATURE_CAPTURE, f"st-1/p/{n}", data)
        assert device.send(entry, data).status == 200
    assert parse_restores(device.call("GET", "/v1/log/restores").json()) == []

    taken = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    done = hq_server.admin("--lang", "en", "restored", "--backup-time", taken.isoformat())
    assert done.returncode == 0, done.stderr
    assert "the receipt log restarts at 3 receipts" in done.stdout
    [statement] = parse_restores(device.call("GET", "/v1/log/restores").json())
    assert statement.verify(device.pinned)
    assert (statement.body.hq, statement.body.log_size) == (device.hq_id, 3)
    assert statement.body.backup_ms == int(taken.timestamp() * 1000)

    wrong = hq_server.admin("--lang", "en", "restored", "--backup-time", "yesterday")
    assert wrong.returncode == 2 and "yesterday" in wrong.stderr
    unsigned = device.raw("GET", "/v1/log/restores")
    assert unsigned.status == 401  # devices only, like the log head
