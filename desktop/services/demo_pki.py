"""Signing keys for the demo store, made and imported the way a unit without a CA does it.

The demo plays the administrator of a unit with no CA of its own: it creates the unit root
(`desktop.documents.unit_ca`, the code behind `statement-room ca init`), issues PKCS#12 files
for the device, the seal and each officer, adds the root to the store's trust roots and
imports every file through `desktop.services.keys`, each officer typing their own (public,
synthetic) password, the administrator being the seal's custodian. Nothing is special-cased:
signing then needs each officer's password, as on a real store.

Only a store flagged as the demo's inside its encrypted database accepts these throw-away
keys. The root certificate (public) is exported, so `statement-room verify --trust` can check
the demo's PDF; the root's private key is written only sealed under the (public) demo
password, for the demo's own HQ to take it as the unit CA, as a unit's HQ takes a real one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from gettext import gettext as _
from pathlib import Path

from desktop.documents import unit_ca
from desktop.domain.errors import UserError
from desktop.domain.model import Officer
from desktop.services import keys
from desktop.services.ca_root import export_root_key
from desktop.services.demo_login import demo_password
from desktop.store import signing_keys
from desktop.store.files import atomic_write_bytes
from desktop.store.meta import is_demo_store
from desktop.store.store import Store

TRUST_ROOT_NAME = "demo-trust-root.pem"
ROOT_KEY_NAME = "demo-unit-root.key.json"  # sealed under the demo password
DEVICE_SERIAL = "SR-110101-01"
# The demo's PKCS#12 files live only in memory for the moment of the import: a light KDF.
_P12_ROUNDS = 2048


def install_demo_keys(store: Store, team: Sequence[Officer],
                      passwords: Mapping[str, str], root_key_dir: Path | None = None) -> None:
    """Give the device, the seal (custodian: `team[0]`) and every officer of `team` a key.

    With `root_key_dir`, the demo's unit root key is also kept there, sealed under the demo
    password as `statement-room ca init` seals a real one (`ROOT_KEY_NAME`), so the demo's HQ
    can act as the unit's CA and judge its statements (decision 26, hq/verdicts.py).

    `passwords` maps officer id -> that officer's login password (each wraps their own key).
    """
    if not is_demo_store(store.conn):
        raise UserError(_("Throw-away demo keys go only into the demo's own store; import the "
                          "unit's keys instead (statement-room keys import)."))
    root = unit_ca.create_unit_root(team[0].unit)
    keys.provision_from_unit_root(store, root, team, passwords, custodian_id=team[0].id,
                                  device_serial=DEVICE_SERIAL, p12_rounds=_P12_ROUNDS)
    if root_key_dir is not None:
        root_key_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(root_key_dir / ROOT_KEY_NAME,
                           export_root_key(root, demo_password().encode("utf-8")))


def export_trust_root(store: Store, export_dir: Path) -> Path:
    """Write the store's trust root(s) (public certificates) for `verify --trust`."""
    roots = signing_keys.trust_roots(store.conn)
    if not roots:
        raise UserError(_("The store has no trust root to export."))
    export_dir.mkdir(parents=True, exist_ok=True)
    root_path = export_dir / TRUST_ROOT_NAME
    atomic_write_bytes(root_path, b"".join(root.cert_pem for root in roots))
    return root_path
