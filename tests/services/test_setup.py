"""First-run setup without a window: a real store created, refused, and recoverable."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.model import Role
from desktop.services.setup import (
    NewOfficer,
    check_setup,
    create_first_store,
    read_escrow_key,
)
from desktop.store.keys import generate_escrow_keypair, load_escrow_private_key
from desktop.store.officers import list_officers
from desktop.store.recovery import recover
from desktop.store.store import StorePaths, unlock
from tests.conftest import PASSWORD, SECOND_PASSWORD, FakeClock

UNIT = "示例区综合行政执法局测试中队"
ADMIN = NewOfficer(" 测试管理员 ", " 33070099001 ", PASSWORD)
SECOND = NewOfficer("测试队员", "33070099002", SECOND_PASSWORD)


def test_the_store_is_created_with_its_administrator_and_second_officer(
        tmp_path: Path, clock: FakeClock) -> None:
    paths = StorePaths(tmp_path / "new")
    store = create_first_store(paths, f" {UNIT} ", ADMIN, second=SECOND, clock=clock)
    try:
        assert store.officer.name == "测试管理员" and store.officer.role is Role.ADMIN
        people = {o.certificate_no: o for o in list_officers(store.conn)}
        assert sorted(people) == ["33070099001", "33070099002"]
        assert {o.unit for o in people.values()} == {UNIT}
        assert people["33070099002"].role is Role.OFFICER
    finally:
        store.close()
    unlock(paths, "33070099002", SECOND_PASSWORD, clock=clock).close()
    with pytest.raises(UserError, match="already exists"):
        create_first_store(paths, UNIT, ADMIN, clock=clock)


@pytest.mark.parametrize(("unit", "admin", "second", "message"), [
    ("  ", ADMIN, None, "Fill in the unit and the administrator's"),
    (UNIT, NewOfficer("测试管理员", " ", PASSWORD), None, "Fill in the unit and the admin"),
    (UNIT, ADMIN, NewOfficer("", "33070099002", SECOND_PASSWORD), "the second officer's"),
])
def test_an_incomplete_form_writes_nothing(tmp_path: Path, unit: str, admin: NewOfficer,
                                           second: NewOfficer | None, message: str) -> None:
    paths = StorePaths(tmp_path / "new")
    with pytest.raises(UserError, match=message):
        check_setup(unit, admin, second)
    with pytest.raises(UserError, match=message):
        create_first_store(paths, unit, admin, second=second)
    assert not paths.exists() and not paths.workdir.exists()


def test_a_weak_second_password_leaves_the_administrators_store_closed(
        tmp_path: Path, clock: FakeClock) -> None:
    paths = StorePaths(tmp_path / "new")
    with pytest.raises(UserError, match="at least 10 characters"):
        create_first_store(paths, UNIT, ADMIN, second=NewOfficer("测试队员", "2", "short"),
                           clock=clock)
    store = unlock(paths, "33070099001", PASSWORD, clock=clock)  # closed, so it opens again
    try:
        assert [o.certificate_no for o in list_officers(store.conn)] == ["33070099001"]
    finally:
        store.close()


def test_with_hqs_escrow_key_a_forgotten_password_can_be_reset(tmp_path: Path,
                                                               clock: FakeClock) -> None:
    private_pem, public_pem = generate_escrow_keypair()
    (tmp_path / "escrow.pem").write_bytes(public_pem)
    paths = StorePaths(tmp_path / "new")
    create_first_store(paths, UNIT, ADMIN, escrow=read_escrow_key(tmp_path / "escrow.pem"),
                       clock=clock).close()
    recover(paths, load_escrow_private_key(private_pem), "33070099001", "Recovered2026pw",
            clock=clock)
    unlock(paths, "33070099001", "Recovered2026pw", clock=clock).close()


def test_an_unreadable_escrow_key_is_named(tmp_path: Path) -> None:
    (tmp_path / "not-a-key.pem").write_text("hello", encoding="utf-8")
    for path in (tmp_path / "not-a-key.pem", tmp_path / "missing.pem"):
        with pytest.raises(UserError, match="Cannot read the escrow public key") as refused:
            read_escrow_key(path)
        assert str(path) in str(refused.value)
