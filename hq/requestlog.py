"""HQ's server log: one line per event, as text or as one JSON object per line, to stderr.

`configure_logging` sets it up for `serve` (``HQ_LOG_FORMAT=text|json``, optionally a daily
rotated ``HQ_LOG_FILE`` kept ``HQ_LOG_RETENTION_DAYS`` days, `hq.opsconfig`); uvicorn's own
messages go through the same handler. `RequestLogMiddleware` ends every HTTP request: it
gives the request an id (the caller's ``SR-Request-Id`` if it is a plain token, else a new
one) and returns it in the ``SR-Request-Id`` answer header, counts the request in
`hq.metrics`, and logs ``event=request`` with the request id, device, method, route template,
status and duration in ms.

Never logged: bodies, payloads, query strings, officers, names or any party's data; the
device is logged only when its header is a well-formed device id (16 hex characters), so a
caller cannot write arbitrary text into the log. The route is the template
(``/v1/uploads/{upload_id}``), not the path.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hq.metrics import Metrics
from hq.opsconfig import OpsSettings

__all__ = ["HEADER_REQUEST_ID", "RequestLogMiddleware", "configure_logging", "log_event"]

HEADER_REQUEST_ID = "SR-Request-Id"
_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")
_DEVICE = re.compile(r"[0-9a-f]{16}")
_FIELDS = "fields"  # the structured fields of a record, passed as logging's `extra`
_REQUEST_LOG = logging.getLogger("hq.request")


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO,
              **fields: object) -> None:
    """Log ``event`` with structured ``fields`` (numbers, ids, codes: never personal data)."""
    logger.log(level, event, extra={_FIELDS: fields})


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {"time": _time(record), "level": record.levelname.lower(),
                                   "event": record.getMessage(), "logger": record.name}
        line.update(getattr(record, _FIELDS, {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={v}" for k, v in getattr(record, _FIELDS, {}).items())
        text = f"{_time(record)} {record.levelname} {record.getMessage()} {fields}".rstrip()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def configure_logging(settings: OpsSettings) -> None:
    """Send every logger's records (HQ's and uvicorn's) to stderr, and to the rotated file
    when one is set, in the configured format."""
    formatter = JsonFormatter() if settings.log_format == "json" else TextFormatter()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if settings.log_file:
        handlers.append(logging.handlers.TimedRotatingFileHandler(
            settings.log_file, when="midnight", utc=True,
            backupCount=max(settings.log_retention_days, 1), encoding="utf-8"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.INFO)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class RequestLogMiddleware:
    """Request id, metrics and one log line for every HTTP request (see the module doc)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = _header(scope, b"sr-request-id")
        request_id = given if given and _TOKEN.fullmatch(given) else uuid.uuid4().hex
        received, status = 0, 500

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {**message, "headers": [
                    *message.get("headers", []),
                    (HEADER_REQUEST_ID.lower().encode(), request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, counting_receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            template = route.path if isinstance(route, Route) else "unmatched"
            method = str(scope.get("method", ""))
            self.metrics.observe_request(template, method, status, seconds, received)
            device = _header(scope, b"sr-device")
            log_event(_REQUEST_LOG, "request", request_id=request_id,
                      device=device if device and _DEVICE.fullmatch(device) else None,
                      method=method, route=template, status=status,
                      duration_ms=round(seconds * 1000, 1))
