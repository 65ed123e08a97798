"""What the administrators' key page asks of the keys service: who may manage keys, what the
page shows, and reading a key file with a message that names it (a real store and keys)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.services import keys
from desktop.store.store import unlock
from tests.conftest import SECOND_PASSWORD, World, provision_world_keys


def test_only_an_administrator_may_manage_keys(world: World) -> None:
    assert keys.may_manage_keys(world.admin)
    assert not keys.may_manage_keys(world.second)
    with unlock(world.paths, world.second.certificate_no, SECOND_PASSWORD,
                clock=world.store.clock) as officer_session, pytest.raises(
            UserError, match="Only an administrator can manage signing keys"):
        keys.add_trust_root(officer_session, b"-----BEGIN CERTIFICATE-----")


def test_the_overview_lists_identities_roots_and_officers(world: World) -> None:
    empty = keys.overview(world.store)
    assert empty.keys == [] and empty.roots == []
    assert {o.id for o in empty.officers} == {world.admin.id, world.second.id}
    provision_world_keys(world)
    full = keys.overview(world.store)
    assert len(full.roots) == 1
    assert sorted(listing.identity.role for listing in full.keys) == [
        "device", "officer", "officer", "seal"]
    held = {listing.identity.role: listing.holders for listing in full.keys
            if listing.identity.role != "officer"}
    assert held["seal"] == (world.admin.name,)  # the custodian whose password opens it
    assert {listing.holders for listing in full.keys if listing.identity.role == "officer"} == {
        (world.admin.name,), (world.second.name,)}


def test_a_key_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    (tmp_path / "root.pem").write_bytes(b"certificate bytes")
    assert keys.read_key_file(tmp_path / "root.pem") == b"certificate bytes"
    with pytest.raises(UserError, match=r"Cannot read .*missing\.p12 \(No such file"):
        keys.read_key_file(tmp_path / "missing.p12")
    if os.name == "posix" and os.geteuid() != 0:  # root reads any file
        (tmp_path / "root.pem").chmod(0)
        with pytest.raises(UserError, match="Permission denied"):
            keys.read_key_file(tmp_path / "root.pem")
