"""Reference datasets from HQ, as the store keeps them: the manifest, each dataset's bytes.

HQ's signed manifest names the current version of each dataset (`sync.protocol.refdata`);
`desktop.services.refdata` checks the signature against the pinned HQ key and the bytes
against the manifest, then calls this module inside one transaction. Versions only grow and
manifests only get newer (triggers in migration 0012 are the last guard), each accepted
dataset is an audited write of a covered row, and a statement records at its sealing which
versions it was made under. A dataset whose bytes verified but which this program cannot read
is never written over the held one (`refuse_dataset`: only an audit leaf). Why the last
manifest (or a dataset of it) was refused is kept too (a code and its values, migration 0014),
until a manifest is accepted whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from desktop.domain.model import Action, Outcome
from desktop.store import law_index
from desktop.store.connection import Connection
from desktop.store.coverage import leaf_fields
from desktop.store.tx import Tx

__all__ = [
    "DatasetHeld",
    "HeldDataset",
    "HeldManifest",
    "Refusal",
    "accept_dataset",
    "clear_refusal",
    "dataset",
    "held_datasets",
    "held_versions",
    "manifest",
    "record_versions_used",
    "refusal",
    "refuse_dataset",
    "save_manifest",
    "save_refusal",
    "versions_used",
]


@dataclass(frozen=True)
class HeldManifest:
    signed_json: str
    issued_ms: int
    expires_ms: int
    received_at: datetime | None = None  # this device's clock


@dataclass(frozen=True)
class HeldDataset:
    name: str
    version: int
    sha256: str
    data: bytes


@dataclass(frozen=True)
class DatasetHeld:
    """What is held of one dataset, without its bytes."""

    name: str
    version: int
    sha256: str
    size: int
    accepted_at: datetime  # this device's clock


@dataclass(frozen=True)
class Refusal:
    """Why the last manifest was refused: a code and its values (the service has the words)."""

    code: str
    params: dict[str, str | int]
    at: datetime


def manifest(conn: Connection) -> HeldManifest | None:
    """The newest manifest accepted, or None before the first."""
    row = conn.execute("SELECT signed_json, issued_ms, expires_ms, received_at FROM ref_manifest"
                       " WHERE id = 1").fetchone()
    return None if row is None else HeldManifest(str(row[0]), int(row[1]), int(row[2]),
                                                 datetime.fromisoformat(str(row[3])))


def save_manifest(tx: Tx, signed_json: str, issued_ms: int, expires_ms: int) -> None:
    """Keep a newer manifest (the trigger refuses an older one)."""
    tx.conn.execute(
        "INSERT INTO ref_manifest (id, signed_json, issued_ms, expires_ms, received_at)"
        " VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET signed_json = excluded.signed_json,"
        " issued_ms = excluded.issued_ms, expires_ms = excluded.expires_ms,"
        " received_at = excluded.received_at",
        (signed_json, issued_ms, expires_ms, tx.at.isoformat()))


def held_versions(conn: Connection) -> dict[str, int]:
    """Name -> version of every dataset held."""
    return {str(r[0]): int(r[1])
            for r in conn.execute("SELECT name, version FROM ref_datasets ORDER BY name")}


def held_datasets(conn: Connection) -> list[DatasetHeld]:
    """Every dataset held (version, SHA-256, size, when accepted), by name."""
    return [DatasetHeld(str(r[0]), int(r[1]), str(r[2]), int(r[3]),
                        datetime.fromisoformat(str(r[4])))
            for r in conn.execute("SELECT name, version, sha256, size, accepted_at"
                                  " FROM ref_datasets ORDER BY name")]


def dataset(conn: Connection, name: str) -> HeldDataset | None:
    row = conn.execute("SELECT version, sha256, data FROM ref_datasets WHERE name = ?",
                       (name,)).fetchone()
    return None if row is None else HeldDataset(name, int(row[0]), str(row[1]), bytes(row[2]))


def accept_dataset(tx: Tx, name: str, version: int, sha256: str, data: bytes) -> None:
    """Keep a newer version of a dataset, audited (the caller checked signature and hash)."""
    tx.conn.execute(
        "INSERT INTO ref_datasets (name, version, sha256, size, data, accepted_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version,"
        " sha256 = excluded.sha256, size = excluded.size, data = excluded.data,"
        " accepted_at = excluded.accepted_at",
        (name, version, sha256, len(data), data, tx.at.isoformat()))
    tx.audit(Action.REFDATA_ACCEPTED, name, version=version, sha256=sha256,
             **leaf_fields(tx.conn, "ref_datasets", name))
    if name == law_index.LAWS:  # searchable from the moment it is held (issue 17)
        law_index.rebuild(tx.conn, version, sha256, data, tx.at)


# The audit leaf keeps the decoder's reason, cut to a line's length: it is HQ's data that is
# wrong, and the whole reason is in the refusal kept beside the manifest.
_PROBLEM_KEPT = 300


def refuse_dataset(tx: Tx, name: str, version: int, sha256: str, problem: str) -> None:
    """Audit that a verified version of a dataset was set aside because this program cannot
    read it (outcome denied); nothing of it is kept, the version held stays in use."""
    tx.audit(Action.REFDATA_REFUSED, name, Outcome.DENIED, version=version, sha256=sha256,
             problem=problem[:_PROBLEM_KEPT])


def record_versions_used(conn: Connection, statement_id: str) -> str | None:
    """Write which dataset versions a statement is sealed under; return them as text
    ("roster:3,templates:1") for the sealing's audit leaf, or None when none is held."""
    held = held_versions(conn)
    conn.executemany(
        "INSERT INTO statement_ref_versions (statement_id, name, version) VALUES (?, ?, ?)",
        [(statement_id, name, version) for name, version in held.items()])
    return ",".join(f"{name}:{version}" for name, version in held.items()) or None


def versions_used(conn: Connection, statement_id: str) -> dict[str, int]:
    """The dataset versions a sealed statement was made under."""
    return {str(r[0]): int(r[1]) for r in conn.execute(
        "SELECT name, version FROM statement_ref_versions WHERE statement_id = ?"
        " ORDER BY name", (statement_id,))}


def save_refusal(tx: Tx, code: str, params: dict[str, str | int]) -> None:
    """Keep why a manifest was refused (replacing the reason before)."""
    tx.conn.execute("UPDATE sync_state SET refdata_refusal = ?, refdata_refused_at = ?"
                    " WHERE id = 1",
                    (json.dumps({"code": code, "params": params}, sort_keys=True),
                     tx.at.isoformat()))


def clear_refusal(tx: Tx) -> None:
    """A manifest was accepted: no refusal stands any more."""
    tx.conn.execute("UPDATE sync_state SET refdata_refusal = NULL, refdata_refused_at = NULL"
                    " WHERE id = 1")


def refusal(conn: Connection) -> Refusal | None:
    """Why the last manifest was refused, or None when the last one was accepted (or none
    came yet)."""
    row = conn.execute("SELECT refdata_refusal, refdata_refused_at FROM sync_state"
                       " WHERE id = 1").fetchone()
    if row is None or row[0] is None:
        return None
    kept = json.loads(str(row[0]))
    params = {str(k): v for k, v in dict(kept.get("params") or {}).items()
              if isinstance(v, str | int)}
    return Refusal(str(kept["code"]), params, datetime.fromisoformat(str(row[1])))
