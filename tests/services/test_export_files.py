"""Exported files: named by case number and kind, made safe for every file system, never
written over an existing file unasked, never into a folder that does not exist."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.model import Action
from desktop.services import signing
from desktop.services.export_files import (
    MAX_NAME_BYTES,
    ExportKind,
    ExportTargetExists,
    default_file_name,
    export_target,
    exporting,
    safe_file_name,
    statement_file_name,
    write_export,
)
from desktop.store import audit, documents
from tests.conftest import World, sign_as_team
from tests.services.test_signing import all_pages_signed, ready_for_signing

WINDOWS_FORBIDDEN = '<>:"/\\|?*'


@pytest.mark.parametrize(("raw", "safe"), [
    ("示综执立〔2026〕0001号", "示综执立〔2026〕0001号"),  # Chinese brackets are fine anywhere
    ('案<1>:2"3/4\\5|6?7*8', "案_1__2_3_4_5_6_7_8"),
    ("a\x00b\tc\x7fd", "a_b_c_d"),
    ("  name ends in dots... ", "name ends in dots"),
    ("CON", "_CON"),
    ("nul.txt", "_nul.txt"),
    ("com1", "_com1"),
    ("CONSOLE", "CONSOLE"),
    ("", "_"),
    ("...", "_"),
])
def test_names_are_valid_on_windows_and_removable_drives(raw: str, safe: str) -> None:
    assert safe_file_name(raw) == safe
    assert not set(safe_file_name(raw)) & set(WINDOWS_FORBIDDEN)


def test_a_long_name_is_cut_on_a_character_boundary() -> None:
    name = safe_file_name("询问笔录" * 100)
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name == "询问笔录" * 16 + "询问"  # 66 characters of 3 bytes: 198 bytes


def test_the_default_name_is_case_number_title_and_start_time() -> None:
    started = datetime(2026, 12, 6, 9, 30)
    assert default_file_name("示综执立〔2026〕0001号", "询问笔录", started,
                             ExportKind.SIGNED_PDF) == (
        "示综执立〔2026〕0001号_询问笔录_20261206-0930.pdf")
    assert default_file_name("A/B:1", "听证笔录", started, ExportKind.COURT_PACKAGE) == (
        "A_B_1_听证笔录_20261206-0930_法庭证据包.zip")
    long_name = default_file_name("号" * 200, "询问笔录", started, ExportKind.COURT_PACKAGE)
    assert long_name.endswith(".zip") and len(long_name.encode("utf-8")) <= MAX_NAME_BYTES


def test_a_statement_is_named_by_its_case_and_kind_never_by_the_party(world: World) -> None:
    name = statement_file_name(world.store, world.statement.id, ExportKind.SIGNED_PDF)
    started = world.statement.started_at
    assert name == f"测试〔2026〕1号_询问笔录_{started:%Y%m%d-%H%M}.pdf"
    assert world.party.id_number not in name and world.party.name not in name
    assert world.statement.id not in name


def test_an_existing_file_is_kept_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")
    with pytest.raises(ExportTargetExists, match="already exists"):
        write_export(target, b"new")
    assert target.read_bytes() == b"old"
    written = write_export(target, b"new", force=True)
    assert target.read_bytes() == b"new" and written.size == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]  # no temporary left


def test_a_file_that_appears_while_writing_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "a.pdf"
    with pytest.raises(ExportTargetExists), exporting(target) as handle:  # noqa: PT012
        handle.write(b"ours")
        target.write_bytes(b"someone else's")  # another program, between check and rename
    assert target.read_bytes() == b"someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def test_a_missing_folder_is_refused_not_created(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "a.pdf"
    with pytest.raises(UserError, match=re.escape(f"The folder {target.parent} does not "
                                                  "exist")):
        write_export(target, b"x", force=True)
    assert not (tmp_path / "no").exists()
    with pytest.raises(UserError, match="is a folder"):
        write_export(tmp_path, b"x", force=True)


def test_a_folder_as_target_gets_the_default_name(tmp_path: Path) -> None:
    assert export_target(tmp_path, "n.pdf") == tmp_path / "n.pdf"
    assert export_target(tmp_path / "x.pdf", "n.pdf") == tmp_path / "x.pdf"


def test_the_exported_file_is_private_and_the_write_error_a_message(tmp_path: Path) -> None:
    target = tmp_path / "a.pdf"
    write_export(target, b"x")
    assert target.stat().st_mode & 0o077 == 0
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"x")
    with pytest.raises(UserError, match="is not a folder"):
        write_export(blocker / "b.pdf", b"x")
    if os.geteuid() != 0:  # root writes into a read-only folder anyway
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(UserError, match="Cannot write to"):
            write_export(locked / "b.pdf", b"x")


def test_the_signed_pdf_export_keeps_an_existing_file_and_audits(world: World,
                                                                 tmp_path: Path) -> None:
    ready_for_signing(world, tmp_path / "pki")
    sign_as_team(world, all_pages_signed(world))
    name = statement_file_name(world.store, world.statement.id, ExportKind.SIGNED_PDF)
    target = tmp_path / name
    target.write_bytes(b"an earlier export")
    with pytest.raises(ExportTargetExists):
        signing.export_document(world.store, world.statement.id, target)
    assert target.read_bytes() == b"an earlier export"
    signing.export_document(world.store, world.statement.id, target, force=True)
    assert target.read_bytes() == documents.signed_document(world.store.conn,
                                                            world.statement.id)
    exports = [r for r in audit.events_about(world.store.conn, world.statement.id)
               if r.action == Action.DOCUMENT_EXPORTED]
    assert [json.loads(r.details)["name"] for r in exports] == [name]
    with pytest.raises(UserError, match="does not exist"):
        signing.export_document(world.store, world.statement.id, tmp_path / "x" / name)
