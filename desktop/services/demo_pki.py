"""Signing keys for the demo store: a synthetic test PKI whose keys go into the store.

A real deployment imports officer, device and seal keys issued by the bureau's CA (or uses a
UKey). The demo generates a throw-away PKI instead: certificates are written to a temporary
folder by the generator, their PEM is moved into the encrypted store, and the folder is
removed at once. Only the root certificate (public) is exported, so `statement-room verify
--trust` can check the demo's PDF.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from desktop.documents.pki import PKCS12_PASSWORD, PkiIdentity, write_test_pki
from desktop.domain.model import Officer
from desktop.services.signing import officer_role
from desktop.store import documents
from desktop.store.files import atomic_write_bytes
from desktop.store.store import Store

TRUST_ROOT_NAME = "demo-trust-root.pem"


def _pem(identity: PkiIdentity, chain: bytes) -> tuple[bytes, bytes, bytes]:
    key = identity.key.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
    return key, identity.certificate.public_bytes(serialization.Encoding.PEM), chain


def install_demo_keys(store: Store, team: Sequence[Officer]) -> None:
    """Give the device, the seal and every officer of `team` a key, inside the store."""
    with tempfile.TemporaryDirectory(prefix="sr-demo-pki-") as scratch:
        pki = write_test_pki(
            Path(scratch), password=PKCS12_PASSWORD, unit=team[0].unit,
            officers=[(o.name, o.certificate_no, f"officer{i}") for i, o in enumerate(team)])
    root_pem = pki.root.certificate.public_bytes(serialization.Encoding.PEM)
    with store.transaction() as tx:
        documents.put_signing_key(tx, "device", *_pem(pki.device, root_pem))
        documents.put_signing_key(tx, "seal", *_pem(pki.seal, root_pem))
        for officer, identity in zip(team, pki.officers, strict=True):
            documents.put_signing_key(tx, officer_role(officer.id), *_pem(identity, root_pem))


def export_trust_root(store: Store, export_dir: Path) -> Path:
    """Write the root that issued the device key (public; from the chain kept in the store)."""
    _key, _cert, chain_pem = documents.signing_key(store.conn, "device")
    export_dir.mkdir(parents=True, exist_ok=True)
    root_path = export_dir / TRUST_ROOT_NAME
    atomic_write_bytes(root_path, chain_pem)
    return root_path
