"""HQ's configuration: where it keeps its data, who it is, where it listens, upload limits.

Each setting comes from the command line first, then the environment (``HQ_DATA``,
``HQ_ID``, ``HQ_HOST``, ``HQ_PORT``, ``HQ_MAX_UPLOAD``, ``HQ_UPLOAD_EXPIRY_S``,
``HQ_MIN_FREE``, ``HQ_LOCK_WAIT_S``, ``HQ_REF_VALIDITY_S``, ``HQ_DB_URL``, ``HQ_BLOBS``),
then the defaults below. The database is the SQLite file ``hq.db`` in the data directory
unless ``HQ_DB_URL`` (``--db-url``) names a ``postgresql://`` one (decision 29); media are in
the blob folder there unless ``HQ_BLOBS`` names an S3 bucket (decision 30). HQ's id is chosen
once, at the first start, and kept in the database: a device's signed requests name it, so it
must not change under them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path

__all__ = ["DEFAULT_PORT", "HQConfig"]

DEFAULT_PORT = 8470
DEFAULT_MAX_UPLOAD = 64 * 1024**3  # 64 GiB: a day of body-camera video with room to spare
DEFAULT_UPLOAD_EXPIRY_S = 14 * 24 * 3600  # squads can be offline for days (sync-hq.md 3.4)
DEFAULT_MIN_FREE = 256 * 1024**2  # HQ refuses a chunk (507) rather than fill its disk
DEFAULT_LOCK_WAIT_S = 5.0  # a PATCH waits this long for a dead one before taking over
DEFAULT_REF_VALIDITY_S = 7 * 24 * 3600  # a device warns of stale reference data after this


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


@dataclass(frozen=True)
class HQConfig:
    data_dir: Path
    hq_id: str | None = None  # None: the id kept in the database (made at first start)
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    max_upload: int = DEFAULT_MAX_UPLOAD
    upload_expiry_s: float = DEFAULT_UPLOAD_EXPIRY_S
    min_free: int = DEFAULT_MIN_FREE
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S
    ref_validity_s: float = DEFAULT_REF_VALIDITY_S
    db_url: str | None = None  # None: the SQLite file `db_path`
    # None: the blob folder in the data directory; "s3://bucket?endpoint=…" (hq.blobs_s3)
    blobs: str | None = None

    @property
    def db_path(self) -> Path:
        return self.data_dir / "hq.db"

    @property
    def database(self) -> Path | str:
        """What `hq.db.open_database` opens: the PostgreSQL URL, else the SQLite file."""
        return self.db_url or self.db_path

    @classmethod
    def from_env(cls, data_dir: str | None = None, *, host: str | None = None,
                 port: int | None = None, db_url: str | None = None) -> HQConfig:
        """The configuration from explicit values, then the environment, then defaults."""
        data = data_dir or _env("HQ_DATA")
        if data is None:
            raise ValueError(_("no data directory: give --data DIR or set HQ_DATA"))

        def number(name: str, default: float) -> float:
            raw = _env(name)
            try:
                return default if raw is None else float(raw)
            except ValueError:
                raise ValueError(_("{name} must be a number, not {value!r}").format(
                    name=name, value=raw)) from None

        return cls(
            data_dir=Path(data).resolve(), hq_id=_env("HQ_ID"),
            host=host or _env("HQ_HOST") or "127.0.0.1",
            port=port if port is not None else int(number("HQ_PORT", DEFAULT_PORT)),
            max_upload=int(number("HQ_MAX_UPLOAD", DEFAULT_MAX_UPLOAD)),
            upload_expiry_s=number("HQ_UPLOAD_EXPIRY_S", DEFAULT_UPLOAD_EXPIRY_S),
            min_free=int(number("HQ_MIN_FREE", DEFAULT_MIN_FREE)),
            lock_wait_s=number("HQ_LOCK_WAIT_S", DEFAULT_LOCK_WAIT_S),
            ref_validity_s=number("HQ_REF_VALIDITY_S", DEFAULT_REF_VALIDITY_S),
            db_url=db_url or _env("HQ_DB_URL"), blobs=_env("HQ_BLOBS"))
