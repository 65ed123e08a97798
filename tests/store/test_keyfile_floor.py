"""A key file rewritten to make guessing cheap, or damaged, is refused with a clear message.

Today's tampering: lower Argon2id to t=1, 8 KiB and let escrow recovery copy it. Now loading
refuses anything below the parameters the project writes, odd values are explained rather
than ending in a traceback, and every new wrap uses at least the defaults.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from desktop.domain.errors import UserError
from desktop.store import audit
from desktop.store.keyfile import KeyFileError, load_key_file
from desktop.store.keys import KdfParams, load_escrow_public_key, wrap_with_password
from desktop.store.store import AccountLocked, StorePaths, WrongCredentials, recover, unlock
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock, World


def _tamper(paths: StorePaths, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(paths.key_file.read_text())
    for officer in data["officers"]:
        change(officer["wrap"]["kdf"])
    paths.key_file.write_text(json.dumps(data))


@pytest.mark.parametrize("kdf", [
    {"t": 1, "m": 8, "p": 1},
    {"t": 2, "m": 65536, "p": 4},
    {"t": 3, "m": 65535, "p": 4},
    {"t": 3, "m": 65536, "p": 1},
])
def test_parameters_below_the_floor_are_refused(world: World, clock: FakeClock,
                                               kdf: dict[str, int]) -> None:
    world.store.close()
    _tamper(world.paths, lambda params: params.update(kdf))
    with pytest.raises(KeyFileError, match=r"below the minimum \(t=3, 64 MiB, p=4\)"):
        unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    with pytest.raises(KeyFileError, match="below the minimum"):
        recover(world.paths, X25519PrivateKey.generate(), "TEST0001", "Recovered2026pw")


@pytest.mark.parametrize("damage", [
    lambda p: p.update(t="3"),
    lambda p: p.update(m=-65536),
    lambda p: p.pop("p"),
    lambda p: p.update(t=None),
    lambda p: p.update(t=True),
    lambda p: p.update(m=2**62),
    lambda p: p.clear(),
])
def test_damaged_parameters_give_a_clear_error(world: World, clock: FakeClock,
                                               damage: Callable[[dict[str, Any]], Any]) -> None:
    world.store.close()
    _tamper(world.paths, damage)
    with pytest.raises(KeyFileError, match=r"tampered with|damaged"):
        unlock(world.paths, "TEST0001", PASSWORD, clock=clock)


@pytest.mark.parametrize(("field", "value"), [
    ("salt", "00"), ("nonce", "zz"), ("ciphertext", 12), ("failures", -1), ("failures", "0"),
    ("since_login", 1.5), ("last_failure", 7),
])
def test_damaged_entries_give_a_clear_error(world: World, clock: FakeClock, field: str,
                                            value: object) -> None:
    world.store.close()
    data = json.loads(world.paths.key_file.read_text())
    officer = data["officers"][0]
    (officer["wrap"] if field in ("salt", "nonce", "ciphertext") else officer)[field] = value
    world.paths.key_file.write_text(json.dumps(data))
    with pytest.raises(KeyFileError, match="damaged"):
        unlock(world.paths, "TEST0001", PASSWORD, clock=clock)


def test_new_wraps_never_go_below_the_floor() -> None:
    wrap = wrap_with_password(b"k" * 32, "Some2026password", b"ctx",
                              KdfParams(iterations=1, memory_kib=8, lanes=1))
    assert wrap.params == KdfParams()
    stronger = KdfParams(iterations=4, memory_kib=128 * 1024, lanes=4)
    assert wrap_with_password(b"k" * 32, "Some2026password", b"ctx", stronger).params == stronger


def test_recovery_writes_default_parameters(tmp_path: Any, clock: FakeClock) -> None:
    from desktop.store.keys import generate_escrow_keypair, load_escrow_private_key
    from desktop.store.store import create_store
    from tests.conftest import make_officer

    private_pem, public_pem = generate_escrow_keypair()
    paths = StorePaths(tmp_path / "s")
    create_store(paths, make_officer("管理员", "ADM001"), PASSWORD, clock=clock,
                 escrow=load_escrow_public_key(public_pem)).close()
    recover(paths, load_escrow_private_key(private_pem), "ADM001", "Recovered2026pw",
            clock=clock)
    entry = load_key_file(paths.key_file).officers[0]
    assert entry.wrap.params == KdfParams()


def test_an_administrator_unlocks_an_officer_and_resets_a_password(
    world: World, clock: FakeClock
) -> None:
    world.store.close()
    for _ in range(5):
        with pytest.raises((WrongCredentials, AccountLocked)):
            unlock(world.paths, "TEST0002", "Wrong2026password", clock=clock)
    with pytest.raises(AccountLocked):
        unlock(world.paths, "TEST0002", SECOND_PASSWORD, clock=clock)

    admin = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    admin.unlock_officer(world.second.id)
    admin.close()
    store = unlock(world.paths, "TEST0002", SECOND_PASSWORD, clock=clock)
    with pytest.raises(UserError, match="Only an administrator"):
        store.unlock_officer(world.admin.id)
    with pytest.raises(UserError, match="Only an administrator"):
        store.reset_password(world.admin.id, "Taken2026password")
    store.close()

    # Forgotten password: the administrator re-wraps the data key, no escrow needed.
    for _ in range(5):
        with pytest.raises((WrongCredentials, AccountLocked)):
            unlock(world.paths, "TEST0002", "Forgot2026password", clock=clock)
    admin = unlock(world.paths, "TEST0001", PASSWORD, clock=clock)
    with pytest.raises(UserError, match="at least 10"):
        admin.reset_password(world.second.id, "short1")
    admin.reset_password(world.second.id, "Reset2026password")
    admin.close()
    with pytest.raises(WrongCredentials):
        unlock(world.paths, "TEST0002", SECOND_PASSWORD, clock=clock)
    store = unlock(world.paths, "TEST0002", "Reset2026password", clock=clock)
    actions = [(r.action, r.actor, r.subject) for r in audit.records(store.conn)]
    store.close()
    assert ("officer.unlocked", world.admin.id, world.second.id) in actions
    assert ("password.reset", world.admin.id, world.second.id) in actions
