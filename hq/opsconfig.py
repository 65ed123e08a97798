"""The operator's settings of a running HQ (janitor, retention, logs), from the environment.

Kept apart from `hq.config` (where HQ listens and keeps its data), read the same way:

- ``HQ_JANITOR_MINUTES`` (60): how often `serve` runs the janitor (`hq.janitor`); 0 never.
- ``HQ_ALERT_RETENTION_DAYS`` (365): an alert acknowledged longer ago than this is deleted by
  the janitor; an alert nobody acknowledged is never deleted.
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

__all__ = ["LOG_FORMATS", "OpsSettings"]

LOG_FORMATS = ("text", "json")
_DAY_S = 24 * 3600


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

    @classmethod
    def from_env(cls) -> OpsSettings:
        log_format = (os.environ.get("HQ_LOG_FORMAT") or "text").lower()
        if log_format not in LOG_FORMATS:
            raise ValueError(_("HQ_LOG_FORMAT must be text or json, not {value!r}").format(
                value=log_format))
        return cls(
            janitor_interval_s=_number("HQ_JANITOR_MINUTES", 60) * 60,
            alert_retention_s=_number("HQ_ALERT_RETENTION_DAYS", 365) * _DAY_S,
            log_format=log_format, log_file=os.environ.get("HQ_LOG_FILE") or None,
            log_retention_days=int(_number("HQ_LOG_RETENTION_DAYS", 30)))
