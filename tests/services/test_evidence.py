"""Evidence import, vault verification and export, on a real store with synthetic files."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

import pytest

from desktop.cli import evidence as cli_evidence
from desktop.domain.errors import UserError
from desktop.services import evidence
from desktop.store import evidence as records
from desktop.store.vault_format import blob_name
from tests.conftest import PASSWORD, World

MARKER = b"SYNTHETIC-PLAINTEXT-MARKER-7f3a"


def make_folder(root: Path, outside: Path) -> dict[str, bytes]:
    """A folder of synthetic evidence; returns file name -> content for the regular files."""
    root.mkdir()
    (root / "nested" / "deeper").mkdir(parents=True)
    files: dict[str, bytes] = {
        "a_random.bin": MARKER + os.urandom(5000) + MARKER,
        "big.mp4": MARKER + os.urandom(3 * 1024 * 1024) + MARKER,
        "empty.txt": b"",
        "nested/photo.jpg": MARKER + os.urandom(1000),
        "nested/deeper/note.pdf": MARKER + b"%PDF-1.7 synthetic",
        "nested/A123456_001234_20261127093000_IMP.MP4": MARKER + os.urandom(2000),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    outside.write_bytes(MARKER + b"outside the imported folder")
    (root / "link_outside.jpg").symlink_to(outside)
    return files


def non_utf8_name(root: Path, data: bytes) -> bytes | None:
    name = b"bad-\xff\xfe-name.wav"
    try:
        with open(os.path.join(os.fsencode(root), name), "wb") as handle:
            handle.write(data)
    except (OSError, ValueError):
        return None  # this filesystem refuses non-UTF-8 names
    return name


def audit_rows(world: World, action: str) -> list[tuple[str | None, str]]:
    return [(r[0], r[1]) for r in world.store.conn.execute(
        "SELECT subject, details FROM audit_log WHERE action = ? ORDER BY idx", (action,))]


def test_import_folder_export_and_audit(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    files = make_folder(folder, tmp_path / "secret.jpg")
    bad_data = MARKER + b"non-utf8"
    bad = non_utf8_name(folder, bad_data)
    report = evidence.import_path(world.store, world.case.id, folder)

    by_name = {i.original_name: i for i in report.items}
    expected = {Path(n).name: d for n, d in files.items()}
    if bad is not None:
        expected[evidence.printable(bad)] = bad_data
        assert "bad-\\xff\\xfe-name.wav" in by_name
    assert set(by_name) == set(expected)
    for name, data in expected.items():
        assert by_name[name].sha256 == hashlib.sha256(data).hexdigest()
        assert by_name[name].size == len(data)
    assert [s.reason for s in report.skipped] == ["symbolic link (not followed)"]
    assert report.skipped[0].name.endswith("link_outside.jpg")
    assert report.duplicates == []

    stored = {r.original_name: r for r in records.items_for_case(world.store.conn,
                                                                  world.case.id)}
    assert set(stored) == set(expected)
    assert stored["big.mp4"].kind == "video"
    assert stored["empty.txt"].kind == "document"
    assert stored["a_random.bin"].kind == "other"
    cam = stored["A123456_001234_20261127093000_IMP.MP4"]
    assert (cam.device_serial, cam.officer_number, cam.marked) == ("A123456", "001234", True)
    assert cam.captured_at == "2026-11-27T09:30:00"
    assert stored["photo.jpg"].imported_by == world.admin.id

    # The vault holds only ciphertext under content addresses...
    vault = records.vault_directory(world.paths.workdir)
    blobs = list(vault.iterdir())
    assert len(blobs) == len(expected)
    for blob in blobs:
        assert MARKER not in blob.read_bytes()
        # ... named by a keyed hash: the plain SHA-256 would tell a lister what is held.
        assert blob.name in {blob_name(world.store.vault_key(), i.sha256) for i in report.items}
        assert blob.name.removesuffix(".sr1") not in {i.sha256 for i in report.items}

    # Every export is byte-identical to the original.
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for name, data in expected.items():
        out = out_dir / f"{by_name[name].id}.bin"
        result = evidence.export_item(world.store, by_name[name].id, out)
        assert out.read_bytes() == data
        assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]  # no temporaries
    with pytest.raises(UserError, match="already exists"):
        evidence.export_item(world.store, report.items[0].id, out_dir / next(
            p.name for p in out_dir.iterdir()))

    # Audit: one event per import and export, hashes only, no names.
    imported = audit_rows(world, "evidence.imported")
    exported = audit_rows(world, "evidence.exported")
    assert len(imported) == len(expected) and len(exported) == len(expected)
    for _subject, details in imported + exported:
        for name in expected:
            assert name not in details
        assert "incoming" not in details and "nested" not in details
    first = json.loads(imported[0][1])
    assert set(first) >= {"sha256", "size", "kind", "name_sha256"}


def test_duplicate_import_is_reported_not_recorded(world: World, tmp_path: Path) -> None:
    one = tmp_path / "one.jpg"
    one.write_bytes(MARKER + b"same content")
    first = evidence.import_path(world.store, world.case.id, one)
    assert len(first.items) == 1
    copy = tmp_path / "copy-of-one.jpg"
    copy.write_bytes(one.read_bytes())
    again = evidence.import_path(world.store, world.case.id, copy)
    assert again.items == []
    assert [(d.id, d.duplicate) for d in again.duplicates] == [(first.items[0].id, True)]
    assert len(records.items_for_case(world.store.conn, world.case.id)) == 1
    assert len(audit_rows(world, "evidence.imported")) == 1


def test_flipped_byte_in_the_vault_names_the_item(world: World, tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"f{i}.jpg").write_bytes(MARKER + os.urandom(3000))
    (tmp_path / "f9.jpg").write_bytes(b"")
    report = evidence.import_path(world.store, world.case.id, tmp_path)
    assert len(report.items) == 4
    assert evidence.verify_all(world.store).ok

    victim = report.items[1]
    blob = records.blob_path(world.paths.workdir, victim.sha256, world.store.vault_key())
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))

    result = evidence.verify_all(world.store)
    assert result.checked == 4 and not result.ok
    assert [p.item_id for p in result.problems] == [victim.id]
    message = result.problems[0].message
    assert victim.id in message and "f1.jpg" in message
    assert "failed authentication" in message
    with pytest.raises(UserError, match="failed its integrity check"):
        evidence.export_item(world.store, victim.id, tmp_path / "out.jpg")
    assert not (tmp_path / "out.jpg").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.jpg")]

    key = world.store.vault_key()
    records.blob_path(world.paths.workdir, report.items[0].sha256, key).unlink()
    result = evidence.verify_all(world.store)
    assert {p.item_id for p in result.problems} == {victim.id, report.items[0].id}
    assert any("missing" in p.message for p in result.problems)
    verified = audit_rows(world, "evidence.verified")
    assert len(verified) == 3


def test_rows_are_immutable(world: World, tmp_path: Path) -> None:
    (tmp_path / "x.jpg").write_bytes(MARKER)
    item = evidence.import_path(world.store, world.case.id, tmp_path / "x.jpg").items[0]
    conn = world.store.conn
    with pytest.raises(Exception, match="immutable"):
        conn.execute("UPDATE evidence_items SET size = 0 WHERE id = ?", (item.id,))
    with pytest.raises(Exception, match="immutable"):
        conn.execute("DELETE FROM evidence_items WHERE id = ?", (item.id,))
    assert records.get_item(conn, item.id).size == len(MARKER)


def test_refusals(world: World, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="No such case"):
        evidence.import_path(world.store, "no-such-case", tmp_path)
    with pytest.raises(UserError, match="Cannot read"):
        evidence.import_path(world.store, world.case.id, tmp_path / "missing")
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    report = evidence.import_path(world.store, world.case.id, link)
    assert report.items == [] and len(report.skipped) == 1
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    long_name = "长" * 80 + ".jpg"  # 240 UTF-8 bytes
    (tmp_path / long_name).write_bytes(MARKER + b"long")
    report = evidence.import_path(world.store, world.case.id, tmp_path,
                                  statement_id=world.statement.id)
    assert [i.original_name for i in report.items] == [long_name]
    assert records.get_item(world.store.conn, report.items[0].id).statement_id == \
        world.statement.id
    assert {s.reason for s in report.skipped} == {  # the store lives in tmp_path/store
        "not a regular file", "symbolic link (not followed)", "the store's own folder"}
    with pytest.raises(UserError, match="No evidence item"):
        evidence.export_item(world.store, "nope", tmp_path / "o")


def test_cli_import_verify_export(world: World, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    world.store.close()
    monkeypatch.setenv("STATEMENT_ROOM_PASSWORD", PASSWORD)
    monkeypatch.setenv("STATEMENT_ROOM_OFFICER", world.admin.certificate_no)
    parser = argparse.ArgumentParser()
    cli_evidence.register(parser.add_subparsers())
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(MARKER + b"a")
    (folder / "b.wav").write_bytes(MARKER + b"b")
    (folder / "l.jpg").symlink_to(folder / "a.jpg")
    workdir = str(world.paths.workdir)

    def run(*argv: str) -> tuple[int, dict[str, object]]:
        args = parser.parse_args(argv)
        code = args.handler(args)
        return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    code, out = run("evidence", "import", "--workdir", workdir, "--case", world.case.id,
                    "--path", str(folder), "--json")
    assert code == 1  # the symbolic link was skipped: the folder is not wholly imported
    items = out["items"]
    assert isinstance(items, list)
    assert [(i["original_name"], i["size"]) for i in items] == [("a.jpg", len(MARKER) + 1),
                                                                 ("b.wav", len(MARKER) + 1)]
    assert set(items[0]) == {"id", "original_name", "sha256", "size", "kind", "status"}
    assert {i["status"] for i in items} == {"stored"}
    assert len(out["skipped"]) == 1  # type: ignore[arg-type]

    code, out = run("evidence", "verify", "--workdir", workdir, "--json")
    assert (code, out["ok"], out["checked"]) == (0, True, 2)

    target = tmp_path / "b-copy.wav"
    code, out = run("evidence", "export", "--workdir", workdir, items[1]["id"],
                    "--out", str(target), "--json")
    assert code == 0 and target.read_bytes() == MARKER + b"b"
    assert out["sha256"] == hashlib.sha256(MARKER + b"b").hexdigest()
