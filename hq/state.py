"""Everything one running HQ holds open: configuration, database, keys, blob store, receiver.

Built once by `open_hq` from the data directory (creating it, the database, HQ's id and its
keys on the first start); the web app and the admin CLI share it.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from gettext import gettext as _
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hq.blobs import BlobStore, FilesystemBlobStore
from hq.catalog import search
from hq.config import HQConfig
from hq.db import Database, open_database
from hq.keys import load_master_key, load_receipt_key
from hq.receiver import Receiver

__all__ = ["HQState", "now_ms", "open_hq"]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class HQState:
    config: HQConfig
    db: Database
    hq_id: str
    blobs: BlobStore
    receiver: Receiver
    # Uploads whose PATCH is running: upload id -> the asyncio task holding it, and the
    # holders a newer PATCH took over from (uploads.py).
    upload_holders: dict[str, asyncio.Task[Any]] = field(default_factory=dict)
    superseded: set[asyncio.Task[Any]] = field(default_factory=set)
    finalizing: set[str] = field(default_factory=set)

    def close(self) -> None:
        self.db.close()


def _hq_id(db: Database, wanted: str | None) -> str:
    """HQ's id, chosen at the first start and kept: signed requests name it."""
    held = db.meta("hq_id")
    if held is not None:
        if wanted is not None and wanted != held:
            raise ValueError(_("this data directory belongs to HQ {held!r}, not {wanted!r}").format(
                held=held, wanted=wanted))
        return held
    chosen = wanted or f"hq-{secrets.token_hex(4)}"
    with db.transaction() as conn:
        for key, value in (("hq_id", chosen), ("created_ms", str(now_ms()))):
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO NOTHING", (key, value))
    return db.meta("hq_id") or chosen


def _blob_store(config: HQConfig, master_key: bytes,
                environ: Mapping[str, str] | None = None) -> BlobStore:
    """The folder in the data directory, another folder (``file:///path``), or the object
    store ``HQ_BLOBS`` names (``s3://…``)."""
    if config.blobs is None:
        return FilesystemBlobStore(config.data_dir, master_key)
    if config.blobs.startswith("file:"):
        folder = urlsplit(config.blobs).path
        return FilesystemBlobStore(Path(folder) if folder else config.data_dir, master_key)
    if not config.blobs.startswith("s3:"):
        raise ValueError(_("HQ_BLOBS must be file:///folder or s3://bucket?endpoint=…, "
                           "not {value!r}").format(value=config.blobs))
    from hq.blobs_s3 import S3BlobStore, S3Location  # boto3 only where it is used

    return S3BlobStore(S3Location.parse(config.blobs), master_key, environ)


def open_hq(config: HQConfig, environ: Mapping[str, str] | None = None) -> HQState:
    """HQ's state from its configuration; an object store's credentials come from
    ``environ`` (the process's environment by default)."""
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = open_database(config.database)
    hq_id = _hq_id(db, config.hq_id)
    key = load_receipt_key(config.data_dir)
    master_key = load_master_key(config.data_dir)
    blobs = _blob_store(config, master_key, environ)
    search.use_master_key(master_key)  # the room's search index is keyed (hq/catalog/search)
    receiver = Receiver(db, hq_id, key, blobs, clock_ms=now_ms)
    return HQState(config, db, hq_id, blobs, receiver)
