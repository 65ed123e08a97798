"""The tree-head anchor: the latest signed tree head, kept outside the encrypted store.

SQLCipher's page MACs cannot tell a store from an older, validly encrypted copy of itself.
After each signed tree head the program writes it (with the device public key) to this
file, and the verifier demands that the store's log extends it. By default the anchor sits
beside the key file (catching a store file restored or swapped on its own); it can be
mirrored to a second place (`config.ANCHOR`, e.g. another volume). HQ's
countersigned tree heads (sync issue) become the authoritative anchor. See
docs/decisions/0003-rollback-anchor.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from desktop.domain.errors import UserError
from desktop.store.files import atomic_write_bytes
from sync.protocol.treehead import SignedTreeHead, key_id_for

FORMAT = "statement-room-anchor"


@dataclass(frozen=True)
class Anchor:
    store_id: str
    head: SignedTreeHead
    public_key: bytes  # raw Ed25519 public key of the device that signed `head`

    def key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_key)

    def is_authentic(self) -> bool:
        key = self.key()
        return key_id_for(key) == self.head.key_id and self.head.verify(key)


def write_anchor(paths: list[Path], anchor: Anchor) -> None:
    data = {
        "format": FORMAT,
        "store_id": anchor.store_id,
        "public_key": anchor.public_key.hex(),
        "tree_head": anchor.head.to_json(),
    }
    raw = json.dumps(data, indent=1, sort_keys=True).encode("utf-8")
    for path in paths:
        atomic_write_bytes(path, raw)


def read_anchor(path: Path) -> Anchor | None:
    """The anchor at `path`, None if there is none yet; a damaged anchor is an error."""
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") != FORMAT:
            raise ValueError("format")
        return Anchor(
            store_id=str(data["store_id"]),
            head=SignedTreeHead.from_json(data["tree_head"]),
            public_key=bytes.fromhex(data["public_key"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(
            _("The tree-head anchor {path} is damaged; the audit trail cannot be checked "
              "against it.").format(path=path)
        ) from exc
