"""HQ's countersignature of the audit trail, kept outside the store: the authoritative anchor.

When HQ acknowledges a signed tree head, its receipt (signed with HQ's key, pinned at
enrolment) is HQ's countersignature of that head. The store keeps the newest one
(`sync_state.countersigned`), and so does `hq-countersign.json` beside the key file: the
tree head, HQ's receipt for it and HQ's public key. An older copy of `store.db` put back in
place has lost its own record but not this file, and unlike `anchor.json` (signed by the
device key, which is inside the store) nobody on the desktop can forge a newer one.

At login (`continuity.check`) the log must hold the countersigned head: at least its size
and the same root at that size. A store that does not is refused like any other rollback.
A missing file is written again from the store's own record at the next sync: its absence
alone proves nothing (HQ still refuses an inconsistent head at the next sync).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from desktop.domain.errors import UserError
from desktop.store import audit
from desktop.store.connection import Connection
from desktop.store.files import atomic_write_bytes
from sync.protocol.canonical import canonical_json
from sync.protocol.receipt import Receipt
from sync.protocol.records import RecordKind
from sync.protocol.signing import Signed
from sync.protocol.treehead import SignedTreeHead

FORMAT = "statement-room-hq-countersign"


@dataclass(frozen=True)
class CountersignedHead:
    """A device tree head and HQ's receipt for it."""

    store_id: str
    head: SignedTreeHead
    receipt: Signed[Receipt]
    hq_key: bytes  # raw Ed25519 public key HQ signed the receipt with

    def is_authentic(self) -> bool:
        """HQ signed a receipt for exactly these tree-head bytes."""
        body = self.receipt.body
        try:
            key = Ed25519PublicKey.from_public_bytes(self.hq_key)
        except ValueError:
            return False
        data = self.head.canonical_bytes()
        return (body.kind is RecordKind.TREE_HEAD
                and body.record_id == str(self.head.head.tree_size)
                and body.sha256 == hashlib.sha256(data).hexdigest()
                and body.size == len(data) and self.receipt.verify(key))


def write(path: Path, record: CountersignedHead) -> None:
    data = {"format": FORMAT, "store_id": record.store_id, "hq_key": record.hq_key.hex(),
            "tree_head": record.head.to_json(), "receipt": record.receipt.to_json()}
    atomic_write_bytes(path, canonical_json(data))


def read(path: Path) -> CountersignedHead | None:
    """The countersigned head kept at `path`; None when there is none; damaged: an error."""
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") != FORMAT:
            raise ValueError("format")
        return CountersignedHead(
            store_id=str(data["store_id"]), head=SignedTreeHead.from_json(data["tree_head"]),
            receipt=Signed.from_json(data["receipt"], Receipt),
            hq_key=bytes.fromhex(data["hq_key"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(_("HQ's countersigned tree head {path} is damaged; the audit trail "
                          "cannot be checked against it.").format(path=path)) from exc


def problem(conn: Connection, store_id: str, path: Path, record: CountersignedHead
            ) -> str | None:
    """Why the log in `conn` does not hold HQ's countersigned head, or None."""
    if record.store_id != store_id or not record.is_authentic():
        return _("HQ's countersigned tree head {path} is not valid for this store: it was "
                 "altered or belongs to another store.").format(path=path)
    held, expected = audit.size(conn), record.head.head.tree_size
    if held < expected:
        return _("The store has been replaced by an older copy: it holds {held} audit events, "
                 "but HQ countersigned {expected} (receipt {receipt}). Contact HQ before "
                 "using it.").format(held=held, expected=expected,
                                     receipt=record.receipt.body.receipt_id)
    try:
        root = audit.root_at(conn, expected)
    except ValueError:
        root = b""
    if root != record.head.head.root_hash:
        return _("The store has been replaced by an older copy or a different one: its audit "
                 "log does not contain the tree head HQ countersigned at {expected} events "
                 "(receipt {receipt}). Contact HQ before using it.").format(
                     expected=expected, receipt=record.receipt.body.receipt_id)
    return None
