"""The court package: layout, offline verification, and failure on any changed byte."""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.documents import package_verifier as verifier
from desktop.documents.package import (
    PackageEvent,
    PackageInfo,
    package_members,
    verifier_sha256,
)
from desktop.domain.errors import UserError
from desktop.domain.model import Action
from desktop.services import export
from desktop.store import audit, documents
from sync.protocol import merkle
from sync.protocol.canonical import canonical_json
from sync.protocol.treehead import TreeHead, sign_tree_head
from tests.cli.helpers import last_json, run_cli
from tests.conftest import World, sign_as_team
from tests.services.test_signing import all_pages_signed, ready_for_signing

LOGIN = {"STATEMENT_ROOM_OFFICER": "33070021001", "STATEMENT_ROOM_PASSWORD": "Demo2026pass"}
def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_ROOM_")}
    env["STATEMENT_ROOM_LANG"] = "en"
    env.update(extra or {})
    return env


def run_verifier(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python3 verify_package.py [ARG]` in `folder`, isolated from this project."""
    return subprocess.run(
        [sys.executable, "-I", "verify_package.py", *args], cwd=folder, capture_output=True,
        text=True, timeout=60, check=False, env={"PATH": os.environ.get("PATH", "")})


def extract(package: bytes, folder: Path) -> Path:
    folder.mkdir(parents=True)
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        archive.extractall(folder)
    return folder


def flipped(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]


def failure(members: dict[str, bytes]) -> str:
    with pytest.raises(verifier.PackageError) as raised:
        verifier.verify_members(members)
    return str(raised.value)


@pytest.fixture
def sealed(world: World, tmp_path: Path) -> World:
    ready_for_signing(world, tmp_path / "pki")
    sign_as_team(world, all_pages_signed(world))
    return world


@pytest.fixture
def exported(sealed: World, tmp_path: Path) -> tuple[World, Path]:
    out = tmp_path / "out" / "package.zip"
    export.export_package(sealed.store, sealed.statement.id, out)
    return sealed, out


# A synthetic package (no store) for the fast checks ----------------------------------------


def synthetic_members(at: datetime | None = None) -> dict[str, bytes]:
    statement = "statement-1"
    leaves = []
    for idx in range(13):
        event: dict[str, object] = {"v": 1, "idx": idx, "id": f"e{idx}", "at": "2026-11-27",
                                    "actor": "o1", "action": "turn.saved",
                                    "subject": statement, "outcome": "ok", "details": {}}
        if idx == 9:
            event["action"] = "document.signed"
            event["details"] = {"sha256": hashlib.sha256(b"%PDF-1.7 synthetic").hexdigest()}
        leaves.append(canonical_json(event))
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    head = sign_tree_head(TreeHead(len(leaves), merkle.root_hash(hashes), 1_700_000_000_000,
                                   "log-1"), key)
    events = [PackageEvent(i, leaves[i], tuple(merkle.inclusion_proof(hashes, i)))
              for i in (0, 3, 9, 12)]
    info = PackageInfo(statement, "测试〔2026〕1号", "测试员 (TEST0001)",
                       at or datetime(2026, 11, 27, 9, tzinfo=UTC), "0.1.0")
    return package_members(b"%PDF-1.7 synthetic", events, head,
                           key.public_key().public_bytes_raw(), info)


def test_synthetic_package_verifies() -> None:
    members = synthetic_members()
    report = verifier.verify_members(members)
    assert report[-1].startswith(f"ok  {verifier.PDF_PATH}")
    assert verifier.read_zip(verifier.write_zip(members)) == members


def test_same_data_gives_the_same_package_except_the_export_time() -> None:
    first = synthetic_members()
    assert verifier.write_zip(first) == verifier.write_zip(synthetic_members())
    later = synthetic_members(datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC))
    changed = {name for name in first if first[name] != later[name]}
    assert changed == {"bag-info.txt", "tagmanifest-sha256.txt", "tagmanifest-sm3.txt"}
    diff = [(a, b) for a, b in zip(first["bag-info.txt"].decode().splitlines(),
                                   later["bag-info.txt"].decode().splitlines(), strict=True)
            if a != b]
    assert [a.split(":")[0] for a, _b in diff] == ["Export-Time"]
    with zipfile.ZipFile(io.BytesIO(verifier.write_zip(first))) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(first)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}


def test_every_byte_of_every_member_but_the_verifier_matters() -> None:
    members = synthetic_members()
    for name, data in members.items():
        if name == verifier.VERIFIER_NAME:
            continue
        for position in range(len(data)):
            message = failure({**members, name: flipped(data, position)})
            assert name in message, (name, position, message)


def test_every_byte_of_the_zip_structure_matters() -> None:
    members = synthetic_members()
    raw = verifier.write_zip(members)
    rng = random.Random(20261127)
    positions = set(range(len(raw)))
    data_spans = []
    offset = 0
    for name in sorted(members):
        offset += 30 + len(name.encode())
        data_spans.append((offset, offset + len(members[name])))
        offset += len(members[name])
    for start, stop in data_spans:  # member contents: sample, the test above flips them all
        inner = set(range(start, stop))
        positions -= inner
        positions |= set(rng.sample(sorted(inner), min(len(inner), 20)))
    for position in sorted(positions):
        with pytest.raises(verifier.PackageError):
            verifier.verify_members(verifier.read_zip(flipped(raw, position)))
    with pytest.raises(verifier.PackageError, match="fixed layout"):
        verifier.read_zip(raw + b"\0")


def test_extra_or_missing_files_fail() -> None:
    members = synthetic_members()
    assert "unlisted" in failure({**members, "data/extra.txt": b"x"})
    assert "unlisted" in failure({**members, "notes.txt": b"x"})
    assert "missing" in failure({k: v for k, v in members.items() if k != verifier.PROOFS_PATH})


def test_verifier_inclusion_agrees_with_the_protocol_module() -> None:
    rng = random.Random(9162)
    for size in range(1, 40):
        hashes = [hashlib.sha256(f"{size}/{i}".encode()).digest() for i in range(size)]
        root = merkle.root_hash(hashes)
        for index in range(size):
            proof = merkle.inclusion_proof(hashes, index)
            cases = [(hashes[index], index, size, proof, root)]
            cases.append((hashes[index], (index + 1) % size, size, proof, root))
            cases.append((hashes[index], index, size + 1, proof, root))
            cases.append((hashes[index], index, size, [*proof, root], root))
            if proof:
                bad = list(proof)
                bad[rng.randrange(len(bad))] = bytes(32)
                cases.append((hashes[index], index, size, bad, root))
                cases.append((hashes[index], index, size, proof[:-1], root))
            for case in cases:
                assert verifier.verify_inclusion(*case) == merkle.verify_inclusion(*case)
            assert verifier.verify_inclusion(*cases[0])
    assert verifier.leaf_hash(b"abc") == merkle.leaf_hash(b"abc")
    assert verifier.node_hash(b"a" * 32, b"b" * 32) == merkle.node_hash(b"a" * 32, b"b" * 32)


def test_verifier_uses_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(Path(verifier.__file__).read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            roots.add((node.module or "").split(".")[0])
    assert roots - set(sys.stdlib_module_names) == {"cryptography"}


def test_sm3_is_the_gbt_32905_hash() -> None:
    # GB/T 32905-2016 appendix A, example 1.
    assert verifier.digest("sm3", b"abc") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


# The real thing ------------------------------------------------------------------------------


def test_export_verifies_offline_and_is_audited(exported: tuple[World, Path],
                                                tmp_path: Path) -> None:
    world, out = exported
    package = out.read_bytes()
    assert sorted(p.name for p in out.parent.iterdir()) == ["package.zip"]  # no temp files
    members = verifier.read_zip(package)
    assert sorted(members) == list(verifier.ALL_MEMBERS)
    assert members[verifier.PDF_PATH] == documents.signed_document(
        world.store.conn, world.statement.id)
    assert members[verifier.VERIFIER_NAME] == Path(verifier.__file__).read_bytes()
    info = members["bag-info.txt"].decode()
    for line in (f"Statement-Id: {world.statement.id}", f"Case-Number: {world.case.number}",
                 f"Exported-By: {world.admin.name} ({world.admin.certificate_no})",
                 "Tool-Version: 0.1.0", f"Verifier-SHA256: {verifier_sha256()}"):
        assert line in info.splitlines()

    expected = export.statement_events(world.store, world.statement.id)
    lines = members[verifier.EVENTS_PATH].decode().splitlines()
    assert len(lines) == len(expected) - 1  # the export's own event comes after the package
    for line, record in zip(lines, expected, strict=False):
        entry = json.loads(line)
        assert entry["index"] == record.idx
        assert entry["leaf"].encode() == record.leaf_data()
        assert entry["leaf_hash"] == record.leaf_hash.hex()
    actions = {json.loads(json.loads(line)["leaf"])["action"] for line in lines}
    assert {"statement.created", "turn.saved", "document.signed"} <= actions
    head = json.loads(members[verifier.TREE_HEAD_PATH])
    stored = audit.latest_head(world.store.conn, world.store.store_id)
    assert stored is not None
    assert head["signed_tree_head"]["root_hash"] == stored.head.root_hash.hex()
    keys = audit.device_public_keys(world.store.conn)
    assert head["public_key"] == keys[stored.key_id].public_bytes_raw().hex()

    last = audit.events_about(world.store.conn, world.statement.id)[-1]
    assert last.action == Action.DOCUMENT_EXPORTED.value
    details = json.loads(last.details)
    assert details["sha256"] == hashlib.sha256(package).hexdigest()
    assert details["name"] == "package.zip"

    folder = extract(package, tmp_path / "extracted")
    run = run_verifier(folder)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "RESULT: the package verifies" in run.stdout
    assert verifier_sha256() in run.stdout
    run = run_verifier(folder, str(out))
    assert run.returncode == 0, run.stdout + run.stderr


def test_one_changed_byte_in_any_member_fails_the_verifier(exported: tuple[World, Path],
                                                           tmp_path: Path) -> None:
    _world, out = exported
    members = verifier.read_zip(out.read_bytes())
    good = extract(out.read_bytes(), tmp_path / "good")
    for name, data in sorted(members.items()):
        if name == verifier.VERIFIER_NAME:
            continue  # it cannot vouch for itself: its hash is published and tag-listed
        for position in {0, len(data) // 2, len(data) - 1}:
            message = failure({**members, name: flipped(data, position)})
            assert name in message, (name, position, message)
        tampered = tmp_path / f"tampered-{name.replace('/', '_')}.zip"
        tampered.write_bytes(verifier.write_zip(
            {**members, name: flipped(data, len(data) // 2)}))
        run = run_verifier(good, str(tampered))
        assert run.returncode == 1, (name, run.stdout)
        assert "FAILED" in run.stdout and name in run.stdout, (name, run.stdout)
        assert "does NOT verify" in run.stdout
        folder = extract(tampered.read_bytes(), tmp_path / f"folder-{tampered.stem}")
        run = run_verifier(folder)
        assert run.returncode == 1 and name in run.stdout, (name, run.stdout)
    changed_verifier = {**members, verifier.VERIFIER_NAME: members[verifier.VERIFIER_NAME]
                        + b"\n# changed\n"}
    assert verifier.VERIFIER_NAME in failure(changed_verifier)
    raw = out.read_bytes()
    for position in (0, 40, len(raw) // 2, len(raw) - 30, len(raw) - 1):
        bad = tmp_path / f"raw-{position}.zip"
        bad.write_bytes(flipped(raw, position))
        assert run_verifier(good, str(bad)).returncode == 1, position


def test_an_unsealed_statement_is_refused(world: World, tmp_path: Path) -> None:
    out = tmp_path / "package.zip"
    with pytest.raises(UserError, match="sealed statement can be exported"):
        export.export_package(world.store, world.statement.id, out)
    assert not out.exists()
    assert not list(tmp_path.glob(".package.zip*"))


def test_cli_export_end_to_end_on_the_demo_store(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    demo = run_cli("demo", "--workdir", str(workdir), "--json")
    assert demo.returncode == 0, demo.stderr
    statement = last_json(demo.stdout)["statement"]
    out = tmp_path / "court" / "package.zip"
    run = run_cli("export", "--workdir", str(workdir), "--statement", statement, "--out",
                  str(out), "--json", env=LOGIN)
    assert run.returncode == 0, run.stderr
    result = last_json(run.stdout)
    assert result["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert result["verifier_sha256"] == verifier_sha256()
    folder = extract(out.read_bytes(), tmp_path / "x")
    check = run_verifier(folder)
    assert check.returncode == 0, check.stdout
    audit_run = run_cli("audit", "verify", "--workdir", str(workdir), "--json", env=LOGIN)
    assert audit_run.returncode == 0, audit_run.stderr

    missing = run_cli("export", "--workdir", str(workdir), "--statement", "no-such-statement",
                      "--out", str(tmp_path / "none.zip"), env=LOGIN)
    assert missing.returncode == 1
    assert "Error:" in missing.stderr
    assert not (tmp_path / "none.zip").exists()


def test_clock_shapes_only_the_export_time() -> None:
    one = synthetic_members(datetime(2026, 11, 27, 9, tzinfo=timezone(timedelta(hours=8))))
    assert b"Export-Time: 2026-11-27T09:00:00+08:00\n" in one["bag-info.txt"]
