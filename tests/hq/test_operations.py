"""What an HQ operator expects, against real HQ processes: the janitor (on demand and inside
``serve``), alert acknowledgement and retention, ``/healthz``, ``/readyz``, ``/metrics``, and
the structured log with its ``SR-Request-Id``."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.protocol.records import RecordKind
from tests.hq.client import Device, audit_leaves, enrolled
from tests.support.hq_server import RunningHQ, start_hq
from tests.sync_client.e2e import stop_clean

CAPTURE = RecordKind.SIGNATURE_CAPTURE
HOUR_AGO = time.time() - 2 * 3600


@pytest.fixture
def ops_hq(tmp_path: Path) -> Iterator[RunningHQ]:
    """An HQ whose uploads expire after 1 s, logging JSON (also to a file), with no
    periodic janitor after the one at start."""
    server = start_hq(tmp_path / "ops", {"HQ_UPLOAD_EXPIRY_S": "1", "HQ_LOG_FORMAT": "json",
                                         "HQ_JANITOR_MINUTES": "0",
                                         "HQ_LOG_FILE": str(tmp_path / "ops-hq.log")})
    try:
        yield server
    finally:
        stop_clean(server)


def blob_files(hq: RunningHQ) -> set[Path]:
    return {p for p in (hq.data_dir / "blobs").rglob("*") if p.is_file()}


def log_lines(hq: RunningHQ) -> list[dict[str, object]]:
    return [json.loads(line) for line in hq.log().splitlines() if line.startswith("{")]


def _conflict_alert(device: Device) -> None:
    assert device.send(device.entry(CAPTURE, "st-1/p/1", b"first"), b"first").status == 200
    assert device.send(device.entry(CAPTURE, "st-1/p/1", b"other"), b"other").status == 409


def test_the_janitor_removes_what_no_record_needs_and_keeps_every_record(
        ops_hq: RunningHQ) -> None:
    device = enrolled(ops_hq)
    data = b"a kept capture"
    assert device.send(device.entry(CAPTURE, "st-1/p/1", data), data).status == 200
    # An upload left half-way, past its expiry and untouched for two hours.
    media = os.urandom(3 * 65536)
    location = device.create_upload(device.entry(RecordKind.EVIDENCE_ITEM, "ev-1", media)
                                     ).headers["location"]
    assert device.patch(location, 0, media[:65536]).status == 204
    staged = ops_hq.data_dir / "staging" / f"{location.rsplit('/', 1)[1]}.part"
    assert staged.exists()
    os.utime(staged, (HOUR_AGO, HOUR_AGO))
    # Staged audit leaves, then a batch from the same index replacing them all.
    assert device.send_leaves(0, audit_leaves(5)).status == 200
    assert device.send_leaves(0, audit_leaves(7)).status == 200
    # A staged file of no session, and a nonce older than the 31 days HQ keeps them.
    orphan = ops_hq.data_dir / "staging" / "0123456789abcdef.part"
    orphan.write_bytes(b"x" * 1000)
    os.utime(orphan, (HOUR_AGO, HOUR_AGO))
    with sqlite3.connect(ops_hq.data_dir / "hq.db") as db:
        db.execute("INSERT INTO nonces (device, nonce, received_ms) VALUES (?, ?, ?)",
                   (device.id, "old", (time.time() - 40 * 86400) * 1000))
    time.sleep(1.2)  # the upload's expiry
    blobs_before = blob_files(ops_hq)

    dry = ops_hq.admin("--lang", "en", "janitor", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert ("would remove 1 expired uploads, 1 old nonces, 1 replaced audit batches, "
            "1 orphan staged files, 0 acknowledged alerts") in dry.stdout
    assert staged.exists() and orphan.exists() and blob_files(ops_hq) == blobs_before

    done = ops_hq.admin("--lang", "en", "janitor")
    assert done.returncode == 0, done.stderr
    assert ("removed 1 expired uploads, 1 old nonces, 1 replaced audit batches, "
            "1 orphan staged files, 0 acknowledged alerts") in done.stdout
    assert not staged.exists() and not orphan.exists()
    assert len(blob_files(ops_hq)) == len(blobs_before) - 1
    assert device.head(location).status in (404, 410)  # the device creates it again
    # What records name is all still there: the capture, and the 7 leaves (a head over them
    # is countersigned, which reads their hashes back).
    again = device.send(device.entry(CAPTURE, "st-1/p/1", data, seq=1), data)
    assert again.status == 200
    assert ops_hq.admin("--lang", "en", "janitor").stdout.count(" 0 ") >= 5  # nothing left


def test_an_acknowledged_alert_goes_after_its_retention_an_open_one_never(
        tmp_path: Path) -> None:
    hq = start_hq(tmp_path / "hq", {"HQ_ALERT_RETENTION_DAYS": "0"})
    try:
        device = enrolled(hq)
        _conflict_alert(device)
        listed = hq.admin("--lang", "en", "alerts")
        assert listed.returncode == 1
        alert_id = listed.stdout.split()[0]
        assert "no alert nope" in hq.admin("--lang", "en", "ack-alert", "nope").stderr
        assert hq.admin("--lang", "en", "janitor").stdout.count("0 acknowledged alerts") == 1
        assert hq.admin("alerts").returncode == 1  # an open alert is never deleted
        acked = hq.admin("--lang", "en", "ack-alert", alert_id)
        assert acked.returncode == 0 and "acknowledged" in acked.stdout
        after = hq.admin("--lang", "en", "alerts")
        assert after.returncode == 0 and "(acknowledged " in after.stdout
        time.sleep(0.01)
        assert "1 acknowledged alerts" in hq.admin("--lang", "en", "janitor").stdout
        assert "no alerts" in hq.admin("--lang", "en", "alerts").stdout
        # Quarantined evidence stays: retention acts on alerts, never on records.
        assert "st-1/p/1" in hq.admin("quarantine").stdout
    finally:
        stop_clean(hq)


def test_the_janitor_runs_inside_serve(tmp_path: Path) -> None:
    data_dir = tmp_path / "hq"
    (data_dir / "staging").mkdir(parents=True)
    orphan = data_dir / "staging" / "fedcba9876543210.part"
    orphan.write_bytes(b"y" * 4096)
    os.utime(orphan, (HOUR_AGO, HOUR_AGO))
    hq = start_hq(data_dir, {"HQ_JANITOR_MINUTES": "0.01", "HQ_LOG_FORMAT": "json"})
    try:
        deadline = time.monotonic() + 20
        while orphan.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not orphan.exists()
        time.sleep(0.5)
        passes = [line for line in log_lines(hq) if line["event"] == "janitor"]
        assert passes and passes[0]["orphan_files"] == 1 and passes[0]["bytes_freed"] == 4096
    finally:
        stop_clean(hq)


def test_health_readiness_and_metrics(ops_hq: RunningHQ, tmp_path: Path) -> None:
    device = enrolled(ops_hq)
    assert device.raw("GET", "/healthz").json() == {"status": "alive"}
    ready = device.raw("GET", "/readyz")
    assert ready.status == 200 and ready.json()["checks"] == {
        "database": "ok", "blob_store": "ok", "free_space": "ok"}
    _conflict_alert(device)
    device.raw("POST", "/v1/records", b"{}")  # unsigned: refused not_enrolled
    text = device.raw("GET", "/metrics")
    assert text.status == 200 and text.headers["content-type"].startswith("text/plain")
    metrics = text.body.decode()
    assert 'sr_hq_records{kind="signature_capture"} 1' in metrics
    assert "sr_hq_receipts_issued 1" in metrics and "sr_hq_receipt_log_size 1" in metrics
    assert "sr_hq_quarantine_size 1" in metrics and "sr_hq_alerts_open 1" in metrics
    assert 'sr_hq_refusals_total{code="conflict"} 1' in metrics
    assert 'sr_hq_refusals_total{code="not_enrolled"} 1' in metrics
    assert re.search(r'sr_hq_requests_total\{route="/v1/records",method="POST",status="200"\} '
                     r'1\b', metrics)
    assert 'sr_hq_request_duration_seconds_count{route="/v1/records"} 3' in metrics
    assert "sr_hq_uploads_in_progress 0" in metrics
    assert device.id not in metrics  # no device, officer, party or record id
    assert "st-1" not in metrics

    full = start_hq(tmp_path / "full", {"HQ_MIN_FREE": str(10**18)})
    try:
        unready = Device(full).raw("GET", "/readyz")
        assert unready.status == 503
        assert unready.json()["status"] == "unready"
        assert "below the floor" in unready.json()["checks"]["free_space"]
        assert unready.json()["checks"]["database"] == "ok"
    finally:
        stop_clean(full)


def test_each_request_is_one_json_log_line_with_its_request_id(ops_hq: RunningHQ) -> None:
    device = enrolled(ops_hq)
    secret = b"payload words that must never reach a log"
    reply = device.send(device.entry(CAPTURE, "st-9/p/1", secret), secret)
    assert reply.status == 200
    given = device.raw("GET", "/healthz", headers={"SR-Request-Id": "lb-42"})
    assert given.headers["sr-request-id"] == "lb-42"
    time.sleep(0.2)
    lines = log_lines(ops_hq)
    records = [line for line in lines if line.get("route") == "/v1/records"]
    assert len(records) == 1
    line = records[0]
    assert line["request_id"] == reply.headers["sr-request-id"]
    assert (line["level"], line["event"], line["status"], line["device"], line["method"]) == (
        "info", "request", 200, device.id, "POST")
    assert isinstance(line["duration_ms"], float) and "time" in line
    assert any(x.get("request_id") == "lb-42" for x in lines)
    log = ops_hq.log()
    assert "payload words" not in log and "st-9" not in log
    # The log file holds the same lines (rotated daily, kept HQ_LOG_RETENTION_DAYS).
    in_file = (ops_hq.data_dir.parent / "ops-hq.log").read_text().splitlines()
    assert [json.loads(x)["request_id"] for x in in_file if '"route":"/v1/records"' in x] == [
        line["request_id"]]
