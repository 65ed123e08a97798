"""What an HQ operator expects, against real HQ processes: the janitor (on demand and inside
``serve``), alert acknowledgement and retention, the room's sessions and access-log retention,
``/healthz``, ``/readyz``, ``/metrics`` (token or loopback only), alerts in Chinese, and
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
from starlette.requests import Request

from hq.metrics import Metrics
from sync.protocol.records import RecordKind
from tests.hq.client import Device, audit_leaves, enrolled
from tests.hq.test_web_accounts import Visitor
from tests.hq.web_support import add_user, hq_rows
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


DAY_MS = 24 * 3600 * 1000


def test_the_janitor_removes_expired_room_sessions_and_access_log_rows_past_retention(
        hq_server: RunningHQ) -> None:
    now = int(time.time() * 1000)
    ages = {"four-years": 4 * 365, "two-years": 2 * 365, "hundred-days": 100, "today": 0}
    db = hq_server.database()
    try:
        with db.transaction() as conn:
            for name, days in ages.items():
                conn.execute("INSERT INTO web_access_log (id, at_ms, user_name, role, page, "
                             "status) VALUES (?, ?, 'zhang', 'supervisor', 'overview', 200)",
                             (name, now - days * DAY_MS))
            for name, expires in (("expired", now - 1000), ("live", now + 600_000)):
                conn.execute("INSERT INTO web_sessions (id_hash, user_name, csrf, created_ms, "
                             "expires_ms) VALUES (?, 'zhang', 'token', ?, ?)",
                             (name, now - 3_600_000, expires))
    finally:
        db.close()

    def left(table: str, column: str) -> set[str]:
        return {str(r[column]) for r in hq_rows(hq_server, f"SELECT {column} FROM {table}")}

    dry = hq_server.admin("--lang", "en", "janitor", "--dry-run")
    assert "1 expired room sessions, 1 access-log rows past retention" in dry.stdout
    assert left("web_access_log", "id") == set(ages)
    # Three years by default: only the row of four years ago goes.
    done = hq_server.admin("--lang", "en", "janitor")
    assert "1 expired room sessions, 1 access-log rows past retention" in done.stdout
    assert left("web_access_log", "id") == {"two-years", "hundred-days", "today"}
    assert left("web_sessions", "id_hash") == {"live"}
    # A shorter period, never below six months, and never a row newer than it.
    hq_server.restart({"HQ_ACCESS_LOG_RETENTION_DAYS": "200"})  # serve's pass at start,
    assert hq_server.admin("--lang", "en", "janitor").returncode == 0  # or this one
    assert left("web_access_log", "id") == {"hundred-days", "today"}
    with pytest.raises(RuntimeError, match="at least 183 days"):
        hq_server.restart({"HQ_ACCESS_LOG_RETENTION_DAYS": "30"})
    refused = hq_server.admin("--lang", "en", "janitor")
    assert refused.returncode == 2 and "at least 183 days" in refused.stderr
    assert left("web_access_log", "id") == {"hundred-days", "today"}
    hq_server.restart({"HQ_ACCESS_LOG_RETENTION_DAYS": ""})  # the default again


def test_metrics_need_the_token_or_a_loopback_client_no_proxy_forwarded(
        ops_hq: RunningHQ, tmp_path: Path) -> None:
    device = Device(ops_hq)
    assert device.raw("GET", "/metrics").status == 200  # loopback, as Prometheus beside HQ
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        forwarded = device.raw("GET", "/metrics", headers={header: "203.0.113.9"})
        assert forwarded.status == 403, header  # a proxy on this machine passed it on
        assert b"sr_hq_" not in forwarded.body
    assert device.raw("GET", "/healthz").status == 200  # probes stay open
    assert Metrics().refusal(scrape_request("192.0.2.7")) is not None
    assert Metrics().refusal(scrape_request("::1")) is None

    token = "scrape-token-0123456789"
    guarded = start_hq(tmp_path / "guarded", {"HQ_METRICS_TOKEN": token})
    try:
        client = Device(guarded)
        for given in ({}, {"Authorization": "Bearer wrong-token-0123456789"},
                      {"Authorization": f"Basic {token}"}):
            refused = client.raw("GET", "/metrics", headers=given)
            assert refused.status == 401 and refused.headers["www-authenticate"].startswith(
                "Bearer"), given
        granted = client.raw("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
        assert granted.status == 200 and b"sr_hq_receipts_issued 0" in granted.body
        remote = Metrics(token).refusal(scrape_request("192.0.2.7", f"Bearer {token}"))
        assert remote is None  # the token is what counts, from anywhere
    finally:
        stop_clean(guarded)
    short = start_hq_refused(tmp_path / "short", {"HQ_METRICS_TOKEN": "short"})
    assert "HQ_METRICS_TOKEN must be at least 16" in short


def scrape_request(host: str, authorization: str | None = None) -> Request:
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    return Request({"type": "http", "method": "GET", "path": "/metrics", "headers": headers,
                    "client": (host, 40000), "query_string": b""})


def start_hq_refused(data_dir: Path, env: dict[str, str]) -> str:
    """What ``serve`` says when a setting keeps it from starting."""
    with pytest.raises(RuntimeError) as refused:
        start_hq(data_dir, env)
    return str(refused.value)


def test_alerts_are_explained_in_chinese_with_the_stored_message_as_detail(
        hq_server: RunningHQ) -> None:
    device = enrolled(hq_server)
    _conflict_alert(device)
    add_user(hq_server, "zhang", "supervisor", "Supervise-2026!")
    visitor = Visitor(hq_server)
    assert visitor.login("zhang", "Supervise-2026!")[0] == 303
    _status, _headers, page = visitor.request("GET", "/room/")
    alerts = page.split('<table class="alerts">', 1)[1].split("</table>", 1)[0]
    assert "终端以同一编号送来了内容不同的记录" in alerts
    assert "<summary>技术详情</summary>" in alerts and "quarantined" in alerts
    alert_id = re.search(r'href="/room/alerts/([0-9a-f-]{36})"', alerts)
    assert alert_id is not None
    _status, _headers, page = visitor.request("GET", f"/room/alerts/{alert_id.group(1)}")
    assert "<dt>技术详情</dt>" in page and "quarantined" in page
    assert '<p class="hint">终端以同一编号送来了内容不同的记录' in page
