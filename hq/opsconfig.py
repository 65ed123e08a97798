"""The operator's settings of a running HQ (janitor, retention, logs, metrics), from the
environment.

Kept apart from `hq.config` (where HQ listens and keeps its data), read the same way:

- ``HQ_JANITOR_MINUTES`` (60): how often `serve` runs the janitor (`hq.janitor`); 0 never.
- ``HQ_ALERT_RETENTION_DAYS`` (365): an alert acknowledged longer ago than this is deleted by
  the janitor; an alert nobody acknowledged is never deleted.
- ``HQ_ACCESS_LOG_RETENTION_DAYS`` (1096, three years; at least 183): the supervision room's
  access log (who looked at which party, device and record, decision 32) older than this is
  deleted by the janitor, never a row newer. Supervision of enforcement is itself supervised:
  the log is evidence when a party complains of a look at their data or a supervisor's work is
  reviewed, and such a complaint or review can come years after the look: three years is the
  general limitation period for civil claims (Civil Code art. 188). An administrative suit
  against an enforcement act may come up to five years after it (Administrative Litigation
  Law art. 46): a bureau that wants the log to cover that, or whose archive rules ask for
  longer, sets 1827 or more. The floor is the six months the Cybersecurity Law (art. 21) asks
  network logs be kept. Expired room sessions are
  deleted at every pass (`hq.web.sessions`: nothing in them is needed after expiry).
- ``HQ_METRICS_TOKEN`` (unset): the bearer token ``GET /metrics`` asks for (Prometheus's
  ``authorization: credentials``); unset, /metrics answers only to a loopback client that no
  proxy forwarded (`hq.metrics.scrape_allowed`, decision 31).
- ``HQ_LOG_FORMAT`` (``text``): ``json`` for one JSON object per line (`hq.requestlog`).
- ``HQ_LOG_FILE`` (unset): also write the log to this file, rotated at midnight UTC and kept
  ``HQ_LOG_RETENTION_DAYS`` (30) days; unset, the log goes to stderr only and its retention
  is the supervisor's (journald, the container runtime).

Records, media, receipts and the audit leaves are evidence: no setting deletes them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from gettext import gettext as _

__all__ = ["ACCESS_LOG_MIN_DAYS", "LOG_FORMATS", "OpsSettings"]

LOG_FORMATS = ("text", "json")
_DAY_S = 24 * 3600
ACCESS_LOG_MIN_DAYS = 183  # six months: the Cybersecurity Law's floor for network logs


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name) or None
    try:
        value = default if raw is None else float(raw)
    except ValueError:
        raise ValueError(_("{name} must be a number, not {value!r}").format(
            name=name, value=raw)) from None
    if value < 0:
        raise ValueError(_("{name} must be a number, not {value!r}").format(
            name=name, value=raw))
    return value


@dataclass(frozen=True)
class OpsSettings:
    janitor_interval_s: float = 3600.0
    alert_retention_s: float = 365.0 * _DAY_S
    log_format: str = "text"
    log_file: str | None = None
    log_retention_days: int = 30
    access_log_retention_s: float = 1096.0 * _DAY_S
    metrics_token: str | None = None

    @classmethod
    def from_env(cls) -> OpsSettings:
        log_format = (os.environ.get("HQ_LOG_FORMAT") or "text").lower()
        if log_format not in LOG_FORMATS:
            raise ValueError(_("HQ_LOG_FORMAT must be text or json, not {value!r}").format(
                value=log_format))
        access_log_days = _number("HQ_ACCESS_LOG_RETENTION_DAYS", 1096)
        if access_log_days < ACCESS_LOG_MIN_DAYS:  # the room's log is evidence (see above)
            raise ValueError(_("HQ_ACCESS_LOG_RETENTION_DAYS must be at least {days} days "
                               "(the access log is kept as evidence), not {value!r}").format(
                days=ACCESS_LOG_MIN_DAYS, value=os.environ.get("HQ_ACCESS_LOG_RETENTION_DAYS")))
        token = os.environ.get("HQ_METRICS_TOKEN") or None
        if token is not None and (len(token) < 16 or not token.isascii() or not token.isprintable()
                                  or " " in token):
            raise ValueError(_("HQ_METRICS_TOKEN must be at least 16 printable ASCII characters "
                               "without spaces"))
        return cls(
            access_log_retention_s=access_log_days * _DAY_S, metrics_token=token,
            janitor_interval_s=_number("HQ_JANITOR_MINUTES", 60) * 60,
            alert_retention_s=_number("HQ_ALERT_RETENTION_DAYS", 365) * _DAY_S,
            log_format=log_format, log_file=os.environ.get("HQ_LOG_FILE") or None,
            log_retention_days=int(_number("HQ_LOG_RETENTION_DAYS", 30)))
