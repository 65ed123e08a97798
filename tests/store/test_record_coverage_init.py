"""Issue 11 §5 on a store made as `statement-room init` makes it (not the demo): an insider
holding the data key, unwrapped with an ordinary (non-admin) officer's password, drops the
triggers and edits each kind of record the issue names; `audit verify` exits non-zero naming
the record by table and id, never by its content. The demo's own variant (with dockings)
is tests/store/test_record_coverage.py, whose edits this test reuses."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from desktop.services import evidence as evidence_service
from desktop.services import unit_profile
from desktop.store.connection import open_database
from desktop.store.keyfile import load_key_file
from desktop.store.keys import unwrap_with_password
from desktop.store.store import StorePaths
from tests.cli.helpers import run_cli
from tests.conftest import PASSWORD, SECOND_PASSWORD, World, sign_as_team
from tests.services.test_signing import all_pages_signed, ready_for_signing
from tests.store.test_record_coverage import EDITS, Edit

ADMIN = {"STATEMENT_ROOM_OFFICER": "TEST0001", "STATEMENT_ROOM_PASSWORD": PASSWORD}
# What such a store holds: every edit of the demo's list but the docking (no recorder
# docked here; the demo variant covers it). A file imported by hand has an empty custody
# ('{}'), so its custody edit writes something else.
ON_AN_INIT_STORE = {
    **{name: edit for name, edit in EDITS.items() if name != "docking certificate"},
    "evidence custody": Edit(
        "evidence_items", EDITS["evidence custody"].pick,
        """UPDATE evidence_items SET custody = '{"gps":"forged"}' WHERE id = ?""",
        EDITS["evidence custody"].triggers, "forged"),
}


@contextmanager
def officer_key_connection(workdir: Path) -> Iterator[Any]:
    """The raw store, opened with the data key unwrapped by an ordinary officer."""
    key_file = load_key_file(StorePaths(workdir).key_file)
    entry = key_file.find("TEST0002")
    assert entry is not None
    key = unwrap_with_password(entry.wrap, SECOND_PASSWORD, entry.officer_id.encode())
    conn = open_database(StorePaths(workdir).database, key)
    try:
        yield conn
    finally:
        conn.close()


def test_every_record_edited_behind_the_program_is_named_on_an_init_store(
        world: World, tmp_path: Path) -> None:
    ready_for_signing(world, tmp_path / "pki")
    sign_as_team(world, all_pages_signed(world))
    photo = tmp_path / "scene.jpg"
    photo.write_bytes(os.urandom(4096))
    evidence_service.import_path(world.store, world.case.id, photo)
    # the administrator sets the unit's legal particulars, as `statement-room unit set` does
    unit_profile.set_profile(world.store, unit_profile.UnitParticularsRow(
        abbreviation="测综执", reconsideration_body="测试区人民政府", court="测试区人民法院",
        payee="测试区财政局", bank="测试银行测试支行", account="1234 5678 9012 3456",
        payment_method="持本决定书到开户银行缴纳"))
    world.store.close()
    pristine = world.paths.workdir
    clean = run_cli("audit", "verify", "--workdir", str(pristine), env=ADMIN)
    assert clean.returncode == 0, clean.stderr

    missed = []
    for name, change in sorted(ON_AN_INIT_STORE.items()):
        copy = tmp_path / name.replace(" ", "-")
        shutil.copytree(pristine, copy)
        with officer_key_connection(copy) as conn:
            key = change.apply(conn)
        run = run_cli("audit", "verify", "--workdir", str(copy), env=ADMIN)
        assert "Traceback" not in run.stderr, run.stderr
        named = f"{change.table} {key}" in run.stderr and "does not match" in run.stderr
        if run.returncode != 1 or not named or change.content in run.stderr:
            missed.append((name, run.returncode, run.stderr))
    assert missed == []
