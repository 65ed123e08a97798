"""Migration 0008: keys every officer could open are retired; the device key stays in use."""

from __future__ import annotations

import pytest

from desktop.store import signing_keys
from desktop.store.connection import migrate
from tests.store.old_schema import database_at

AT = "2026-11-01T09:00:00+08:00"


def test_keys_of_a_version_7_store_are_carried_over_safely() -> None:
    conn = database_at(7)
    conn.execute(f"INSERT INTO officers VALUES ('officer-1', '测试员', 'T1', '测试中队', 'admin',"
                 f" '{AT}')")
    for role, key in (("device", b"DEVICE-KEY"), ("seal", b"SEAL-KEY"),
                      ("officer:officer-1", b"OFFICER-KEY")):
        conn.execute("INSERT INTO signing_keys VALUES (?, 'software', ?, ?, ?, ?)",
                     (role, key, b"CERT-" + role.encode(), b"CHAIN", AT))

    assert migrate(conn) >= 8
    device = signing_keys.active_identity(conn, signing_keys.DEVICE)
    assert device is not None and device.cert_pem == b"CERT-device"
    assert signing_keys.device_key_pem(conn, device.id) == b"DEVICE-KEY"
    # The seal's and the officer's keys were readable by every officer: retired, key gone.
    assert signing_keys.active_identity(conn, signing_keys.SEAL) is None
    assert signing_keys.active_identity(conn, signing_keys.OFFICER, "officer-1") is None
    retired = {i.role: i for i in signing_keys.list_identities(conn) if not i.active}
    assert retired["seal"].cert_pem == b"CERT-seal"
    assert retired["officer"].officer_id == "officer-1"
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'signing_keys'"
                        ).fetchone()[0] == 0
    cells = [cell for table in ("signing_identities", "signing_key_wraps")
             for row in conn.execute(f"SELECT * FROM {table}").fetchall() for cell in row]
    assert len(cells) > 0
    assert not any(c in (b"SEAL-KEY", b"OFFICER-KEY") for c in cells if isinstance(c, bytes))
    # Certificates stay as they were imported: never changed, never deleted.
    with pytest.raises(Exception, match="immutable"):
        conn.execute("UPDATE signing_identities SET cert_pem = x'00'")
    with pytest.raises(Exception, match="immutable"):
        conn.execute("DELETE FROM signing_identities")
    with pytest.raises(Exception, match="immutable"):
        conn.execute("UPDATE signing_identities SET status = 'active', retired_at = NULL"
                     " WHERE role = 'seal'")
    conn.close()
