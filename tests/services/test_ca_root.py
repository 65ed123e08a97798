"""The unit root's key for the administrator's offline medium: sealed under a passphrase."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization

from desktop.documents import unit_ca
from desktop.domain.errors import UserError
from desktop.services import ca_root

UNIT = "测试市某区综合行政执法局"


def test_root_key_file_is_encrypted_and_wants_its_passphrase() -> None:
    root = unit_ca.create_unit_root(UNIT)
    data = ca_root.export_root_key(root, "正确的口令 correct horse".encode())
    plain = root.key.private_bytes(serialization.Encoding.DER,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    assert plain not in data and plain[-40:] not in data
    assert b"PRIVATE KEY" not in data
    document = json.loads(data)
    assert document["kdf"]["name"] == "argon2id" and document["kdf"]["m"] >= 64 * 1024
    loaded = ca_root.load_root_key(data, "正确的口令 correct horse".encode())
    assert loaded.certificate == root.certificate and loaded.unit == UNIT
    with pytest.raises(UserError, match="passphrase"):
        ca_root.load_root_key(data, b"wrong")
    document["kdf"]["m"] = 8
    with pytest.raises(UserError, match="tampered"):
        ca_root.load_root_key(json.dumps(document).encode(), b"wrong")
    with pytest.raises(UserError):
        ca_root.load_root_key(b"not a key file", b"x")
    other = unit_ca.create_unit_root(UNIT)
    document = json.loads(data)
    document["certificate"] = other.certificate.public_bytes(
        serialization.Encoding.PEM).decode("ascii")
    with pytest.raises(UserError, match="passphrase"):  # bound to its own certificate
        ca_root.load_root_key(json.dumps(document).encode(), "正确的口令 correct horse".encode())
