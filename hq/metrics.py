"""HQ's figures for Prometheus (``GET /metrics``, text exposition format 0.0.4).

Two sources, on purpose:

- What HQ holds is read from the database at scrape time (records by kind, receipts issued,
  the receipt log's size, uploads in progress, quarantine, open alerts, stored bytes): true
  across restarts and across several HQ processes sharing one database, and what an operator
  compares with the devices. Read on a connection of its own, in a thread, at most every
  `FIGURES_MAX_AGE_S` seconds (counting records by kind scans the table).
- What this process did is counted in memory where each request ends (`hq.requestlog`'s
  middleware): requests by route, method and status, their latency as a histogram per route,
  request body bytes received, and refusals by wire error code. A scrape of each process
  gives its own; Prometheus sums them.

Labels are route templates (``/v1/uploads/{upload_id}``), methods, status codes, record kinds
and error codes: never a device, officer, party or record id (decision 31).

Who may scrape (`Metrics.refusal`): with ``HQ_METRICS_TOKEN`` set, whoever sends it as a
bearer token (Prometheus's ``authorization`` setting), from anywhere; unset, only a client on
the loopback interface whose request no proxy forwarded (no ``Forwarded``,
``X-Forwarded-For`` or ``X-Real-IP``). The figures tell the bureau's volume of work, and a
proxy on the same machine makes every request come from loopback: such a deployment sets the
token (decision 31).
"""

from __future__ import annotations

import bisect
import hmac
import ipaddress
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from hq.db import Database, open_database
from hq.state import HQState

__all__ = ["BUCKETS_S", "FIGURES_MAX_AGE_S", "DatabaseFigures", "Metrics"]

_FORWARDED = ("forwarded", "x-forwarded-for", "x-real-ip")
BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
FIGURES_MAX_AGE_S = 10.0


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS_S) + 1))
    total: float = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS_S, seconds)] += 1
        self.total += seconds


class Metrics:
    """This process's counters; `observe_request` and `refused` are cheap and thread-safe."""

    def __init__(self, token: str | None = None) -> None:
        self._token = token  # HQ_METRICS_TOKEN (hq.opsconfig)
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.latency: dict[str, _Histogram] = {}
        self.refusals: Counter[str] = Counter()
        self.received_bytes = 0

    def refusal(self, request: Request) -> Response | None:
        """None if ``request`` may read /metrics, else the answer refusing it: 401 asking for
        the bearer token when one is configured, 403 to a client not on loopback or forwarded
        by a proxy when none is."""
        if self._token is not None:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                    given.strip().encode("utf-8", "replace"), self._token.encode()):
                return None
            return PlainTextResponse("a bearer token is needed\n", status_code=401,
                                     headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        host = request.client.host if request.client is not None else ""
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback and not any(name in request.headers for name in _FORWARDED):
            return None
        return PlainTextResponse("only from this machine, or with HQ_METRICS_TOKEN\n",
                                 status_code=403)

    def observe_request(self, route: str, method: str, status: int, seconds: float,
                        body_bytes: int) -> None:
        with self._lock:
            self.requests[(route, method, status)] += 1
            self.latency.setdefault(route, _Histogram()).observe(seconds)
            self.received_bytes += body_bytes

    def refused(self, code: str) -> None:
        with self._lock:
            self.refusals[code] += 1

    def render(self, held: dict[str, object]) -> str:
        """The exposition text: this process's counters and the database's ``held`` figures."""
        out: list[str] = []

        def family(name: str, kind: str, text: str) -> None:
            out.extend((f"# HELP {name} {text}", f"# TYPE {name} {kind}"))

        family("sr_hq_records", "gauge", "Records HQ holds, by kind.")
        by_kind = held.get("records_by_kind")
        assert isinstance(by_kind, dict)
        for kind, count in sorted(by_kind.items()):
            out.append(f'sr_hq_records{{kind="{_label(kind)}"}} {count}')
        for name, kind, text in _HELD:
            family(name, kind, text)
            out.append(f"{name} {held[name]}")
        with self._lock:
            family("sr_hq_requests_total", "counter", "Requests this process answered.")
            for (route, method, status), count in sorted(self.requests.items()):
                out.append(f'sr_hq_requests_total{{route="{_label(route)}",method="{method}",'
                           f'status="{status}"}} {count}')
            family("sr_hq_refusals_total", "counter",
                   "Refusals this process answered, by wire error code.")
            for code, count in sorted(self.refusals.items()):
                out.append(f'sr_hq_refusals_total{{code="{_label(code)}"}} {count}')
            family("sr_hq_received_bytes_total", "counter",
                   "Request body bytes this process received.")
            out.append(f"sr_hq_received_bytes_total {self.received_bytes}")
            family("sr_hq_request_duration_seconds", "histogram",
                   "Time from a request's start to its answer's last byte, per route.")
            for route, histogram in sorted(self.latency.items()):
                label, running = _label(route), 0
                for bound, count in zip((*BUCKETS_S, float("inf")), histogram.counts,
                                        strict=True):
                    running += count
                    le = "+Inf" if bound == float("inf") else repr(bound)
                    out.append(f'sr_hq_request_duration_seconds_bucket{{route="{label}",'
                               f'le="{le}"}} {running}')
                out.append(f'sr_hq_request_duration_seconds_sum{{route="{label}"}} '
                           f"{histogram.total:.6f}")
                out.append(f'sr_hq_request_duration_seconds_count{{route="{label}"}} {running}')
        return "\n".join(out) + "\n"


_HELD = (
    ("sr_hq_receipts_issued", "gauge", "Receipts HQ issued (one per record it holds)."),
    ("sr_hq_receipt_log_size", "gauge", "Leaves in HQ's receipt log."),
    ("sr_hq_stored_record_bytes", "gauge", "Plaintext bytes of the records HQ holds."),
    ("sr_hq_uploads_in_progress", "gauge", "Upload sessions open (not finished, not expired)."),
    ("sr_hq_upload_staged_bytes", "gauge", "Bytes committed so far by open uploads."),
    ("sr_hq_quarantine_size", "gauge", "Records set aside for review (same id, other content)."),
    ("sr_hq_alerts_open", "gauge", "Alerts not yet acknowledged."),
    ("sr_hq_devices_enrolled", "gauge", "Devices enrolled and not revoked."),
)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class DatabaseFigures:
    """The database's figures, on a connection of this object's own, cached briefly. Call
    from a worker thread: counting scans tables."""

    def __init__(self, state: HQState) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._db: Database | None = None
        self._cached: tuple[float, dict[str, object]] | None = None

    def database(self) -> Database:
        if self._db is None:
            self._db = open_database(self._state.config.database)
        return self._db

    def ping(self) -> None:
        """Raise unless the database answers a query."""
        with self._lock:
            self.database().one("SELECT version FROM schema_version")

    def read(self) -> dict[str, object]:
        with self._lock:
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < FIGURES_MAX_AGE_S:
                return self._cached[1]
            db = self.database()

            def scalar(sql: str) -> int:
                row = db.one(sql)
                value = None if row is None else next(iter(row.values()), None)
                return 0 if value is None else int(value)

            figures: dict[str, object] = {
                "records_by_kind": {str(r["kind"]): int(r["n"]) for r in db.all(
                    "SELECT kind, count(*) AS n FROM records GROUP BY kind")},
                "sr_hq_receipts_issued": scalar("SELECT count(*) FROM records"),
                "sr_hq_receipt_log_size": scalar("SELECT max(log_index) + 1 FROM receipt_log"),
                "sr_hq_stored_record_bytes": scalar("SELECT sum(size) FROM records"),
                "sr_hq_uploads_in_progress": scalar(
                    "SELECT count(*) FROM uploads WHERE state = 'open'"),
                "sr_hq_upload_staged_bytes": scalar(
                    "SELECT sum(upload_offset) FROM uploads WHERE state = 'open'"),
                "sr_hq_quarantine_size": scalar("SELECT count(*) FROM quarantine"),
                "sr_hq_alerts_open": scalar(
                    "SELECT count(*) FROM alerts WHERE acknowledged_ms IS NULL"),
                "sr_hq_devices_enrolled": scalar(
                    "SELECT count(*) FROM devices WHERE revoked_ms IS NULL"),
            }
            self._cached = (now, figures)
            return figures

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

