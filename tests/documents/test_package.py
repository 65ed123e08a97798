"""The court package: layout, offline verification, and failure on any changed byte."""

from __future__ import annotations

import ast
import functools
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509 import load_pem_x509_certificate

from desktop.documents import unit_ca
from desktop.documents.signer import SoftwareSigner
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
from verification import package_verifier as verifier
from verification.package import (
    PackageEvent,
    PackageInfo,
    PackageTrust,
    package_members,
    verifier_sha256,
)

LOGIN = {"STATEMENT_ROOM_OFFICER": "33070021001", "STATEMENT_ROOM_PASSWORD": "Demo2026pass"}
def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_ROOM_")}
    env["STATEMENT_ROOM_LANG"] = "en"
    env.update(extra or {})
    return env


@pytest.fixture(autouse=True)
def english_details(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process checks read the English details (the subprocess runs pass `--en`)."""
    monkeypatch.setattr(verifier, "LANGUAGE", ["en"])


def run_verifier(folder: Path, *args: str, en: bool = True, bare: bool = False
                 ) -> subprocess.CompletedProcess[str]:
    """`python3 verify_package.py [ARG]` in `folder`, isolated from this project; `bare`:
    without site-packages (`-S`), so without `cryptography`."""
    flags = ["-I", "-S"] if bare else ["-I"]
    return subprocess.run(
        [sys.executable, *flags, "verify_package.py", *(["--en"] if en else []), *args],
        cwd=folder, capture_output=True,
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
    out.parent.mkdir()
    export.export_package(sealed.store, sealed.statement.id, out)
    return sealed, out


# A synthetic package (no store) for the fast checks ----------------------------------------


@functools.cache
def synthetic_unit() -> tuple[unit_ca.CaIdentity, unit_ca.Issued]:
    root = unit_ca.create_unit_root("示例区综合行政执法局测试中队")
    device = unit_ca.issue(root, "device", name="SR-SYN-01", unit=root.unit)
    return root, device


def synthetic_trust() -> PackageTrust:
    root, device = synthetic_unit()
    pem = serialization.Encoding.PEM
    signer = SoftwareSigner(device.key, device.certificate, device.chain)
    return PackageTrust(device.certificate.public_bytes(pem), root.certificate.public_bytes(pem),
                        device.certificate.public_bytes(serialization.Encoding.DER),
                        signer.sign_bytes)


def synthetic_root_pem() -> bytes:
    return synthetic_unit()[0].certificate.public_bytes(serialization.Encoding.PEM)


SYNTHETIC_FIELDS = ("Certification", "Interviewer1", "Interviewer2", "Recorder", "Seal")
_HEX_SPACE = 2112  # a CMS of about 1,032 bytes, hex


@functools.cache
def synthetic_pdf() -> bytes:
    """A small PDF laid out as a signed statement (one incremental revision per signature
    field, certification first, seal last over the whole file), each a detached CMS by the
    synthetic device certificate: what the verifier's standard-library PDF checks need."""
    _root, device = synthetic_unit()
    pdf = b"%PDF-1.7 synthetic\n"
    for number, name in enumerate(SYNTHETIC_FIELDS, start=1):
        field_obj, sig_obj = 2 * number, 2 * number + 1
        head = (f"{field_obj} 0 obj <</FT /Sig /T ({name}) /V {sig_obj} 0 R>> endobj\n"
                f"{sig_obj} 0 obj <</Type /Sig /ByteRange [0 {{b:010d}} {{c:010d}} {{d:010d}}]"
                f" /Contents ").encode()
        tail = b">> endobj\n%%EOF\n"
        b_at = len(pdf) + len(head.replace(b"{b:010d}", b"0" * 10).replace(
            b"{c:010d}", b"0" * 10).replace(b"{d:010d}", b"0" * 10))
        c_at = b_at + 2 + _HEX_SPACE
        d_len = len(tail)
        head = head.replace(b"{b:010d}", b"%010d" % b_at).replace(
            b"{c:010d}", b"%010d" % c_at).replace(b"{d:010d}", b"%010d" % d_len)
        signed = pdf + head + tail
        cms = (pkcs7.PKCS7SignatureBuilder().set_data(signed)
               .add_signer(device.certificate, device.key, hashes.SHA256())
               .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature,
                                                        pkcs7.PKCS7Options.Binary,
                                                        pkcs7.PKCS7Options.NoCapabilities]))
        assert 2 * len(cms) <= _HEX_SPACE
        contents = cms.hex().encode().ljust(_HEX_SPACE, b"0")
        pdf = pdf + head + b"<" + contents + b">" + tail
        assert pdf[:b_at] + pdf[c_at:] == signed
    return pdf


def synthetic_members(at: datetime | None = None) -> dict[str, bytes]:
    statement = "statement-1"
    leaves = []
    for idx in range(13):
        event: dict[str, object] = {"v": 1, "idx": idx, "id": f"e{idx}", "at": "2026-11-27",
                                    "actor": "o1", "action": "turn.saved",
                                    "subject": statement, "outcome": "ok", "details": {}}
        if idx == 9:
            event["action"] = "document.signed"
            event["details"] = {"sha256": hashlib.sha256(synthetic_pdf()).hexdigest()}
        leaves.append(canonical_json(event))
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    head = sign_tree_head(TreeHead(len(leaves), merkle.root_hash(hashes), 1_700_000_000_000,
                                   "log-1"), key)
    events = [PackageEvent(i, leaves[i], tuple(merkle.inclusion_proof(hashes, i)))
              for i in (0, 3, 9, 12)]
    info = PackageInfo(statement, "测试〔2026〕1号", "测试员 (TEST0001)",
                       at or datetime(2026, 11, 27, 9, tzinfo=UTC), "0.1.0")
    return package_members(synthetic_pdf(), events, head,
                           key.public_key().public_bytes_raw(), info, synthetic_trust())


def test_synthetic_package_verifies() -> None:
    members = synthetic_members()
    verdict = verifier.verify_members(members)
    assert any(line.startswith(f"ok  {verifier.PDF_PATH}") for line in verdict.lines)
    assert any(line.startswith(f"ok  {verifier.BINDING_SIG_PATH}") for line in verdict.lines)
    assert not verdict.trusted and verdict.not_run  # no root given: trust not established
    assert verifier.read_zip(verifier.write_zip(members)) == members


def test_same_data_gives_the_same_package_except_the_export_time() -> None:
    first = synthetic_members()
    assert verifier.write_zip(first) == verifier.write_zip(synthetic_members())
    later = synthetic_members(datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC))
    changed = {name for name in first if first[name] != later[name]}
    assert changed == {"bag-info.txt", "tagmanifest-sha256.txt", "tagmanifest-sm3.txt",
                       verifier.BINDING_PATH, verifier.BINDING_SIG_PATH}
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


ENGLISH = ("does not", "match", "signature", "verif", "missing", "listed", "expected",
           "malformed", "refused", "failed", "result", "ok  ", "note  ", "events", "hashes",
           "not ", "line ", "item ", "certificate", "differs", "package")


def english_in(text: str, *known: str) -> list[str]:
    """Lines of `text` holding an English word once file names, the given paths, hex
    values and certificate subjects are taken out."""
    names = sorted({*verifier.ALL_MEMBERS, *known}, key=len, reverse=True)
    found = []
    for line in text.splitlines():
        rest = re.sub(r"\b(?:[A-Z]{1,2}=[^,，：（）\s]+,?)+", "", line)
        for name in names:
            rest = rest.replace(name, "")
        rest = re.sub(r"[0-9a-f]{16,}", "", rest)
        if any(word in rest.lower() for word in ENGLISH):
            found.append(line)
    return found


def test_a_forged_package_is_reported_in_chinese_without_en(tmp_path: Path) -> None:
    members = synthetic_members()
    verifier.LANGUAGE[0] = "zh"
    for name, data in members.items():  # the detail of each failed check, in process
        if name == verifier.VERIFIER_NAME:
            continue
        for position in range(0, len(data), max(1, len(data) // 40)):
            detail = failure({**members, name: flipped(data, position)})
            assert name in detail and not english_in(detail), (name, position, detail)
    good = tmp_path / "good"
    good.mkdir()
    for name, data in members.items():
        (good / name).parent.mkdir(parents=True, exist_ok=True)
        (good / name).write_bytes(data)
    run = run_verifier(good, en=False)  # its "ok" lines (the synthetic PDF is unsigned)
    assert run.returncode == verifier.EXIT_UNTRUSTED, run.stdout + run.stderr
    assert "通过  " in run.stdout and not english_in(run.stdout, str(good)), run.stdout
    for name in (verifier.PDF_PATH, verifier.EVENTS_PATH, "bag-info.txt", verifier.BINDING_PATH,
                 verifier.CHAIN_PATH):
        forged = tmp_path / f"forged-{name.replace('/', '_')}.zip"
        forged.write_bytes(verifier.write_zip(
            {**members, name: flipped(members[name], len(members[name]) // 2)}))
        run = run_verifier(good, str(forged), en=False)
        assert run.returncode == verifier.EXIT_FAILED, (name, run.stdout)
        assert "未通过  " in run.stdout and name in run.stdout, (name, run.stdout)
        assert not english_in(run.stdout, str(good), str(forged)), (name, run.stdout)


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
    assert world.unit_keys is not None
    root = tmp_path / "ROOT.pem"
    root.write_bytes(world.unit_keys.root_pem)
    run = run_verifier(folder, "--en", "--root", str(root))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "RESULT: the package verifies" in run.stdout
    assert verifier_sha256() in run.stdout
    assert "signatures (Certification, Party1" in run.stdout and "Seal) verify" in run.stdout
    run = run_verifier(folder, "--root", str(root), str(out), en=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "证据包通过校验" in run.stdout
    fingerprint = hashlib.sha256(load_pem_x509_certificate(world.unit_keys.root_pem)
                                 .public_bytes(serialization.Encoding.DER)).hexdigest()
    run = run_verifier(folder, "--root-fingerprint", fingerprint)
    assert run.returncode == 0, run.stdout + run.stderr
    run = run_verifier(folder, en=False)  # no root: trust is not established
    assert run.returncode == verifier.EXIT_UNTRUSTED, run.stdout
    assert "未能确立信任" in run.stdout and "未提供单位根证书" in run.stdout


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
    refused = run_cli("export", "--workdir", str(workdir), "--statement", statement, "--out",
                      str(out), env=LOGIN)
    assert refused.returncode == 1
    assert f"The folder {out.parent} does not exist" in refused.stderr
    assert not out.parent.exists()  # never created silently
    as_folder = run_cli("export", "--workdir", str(workdir), "--statement", statement,
                        "--out", f"{out.parent}/", env=LOGIN)
    assert as_folder.returncode == 1
    assert f"The folder {out.parent} does not exist" in as_folder.stderr
    assert not out.parent.exists()
    out.parent.mkdir()
    run = run_cli("export", "--workdir", str(workdir), "--statement", statement, "--out",
                  str(out), "--json", env=LOGIN)
    assert run.returncode == 0, run.stderr
    first = out.read_bytes()
    again = run_cli("export", "--workdir", str(workdir), "--statement", statement, "--out",
                    str(out), env=LOGIN)
    assert again.returncode == 1
    assert f"{out} already exists; add --force to replace it." in again.stderr
    assert out.read_bytes() == first
    forced = run_cli("export", "--workdir", str(workdir), "--statement", statement, "--out",
                     str(out), "--force", "--json", env=LOGIN)
    assert forced.returncode == 0, forced.stderr
    assert last_json(forced.stdout)["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    named = run_cli("export", "--workdir", str(workdir), "--statement", statement, "--out",
                    str(out.parent), "--json", env=LOGIN)  # a folder: named by case and kind
    assert named.returncode == 0, named.stderr
    by_name = Path(last_json(named.stdout)["package"])
    assert by_name.parent == out.parent
    assert re.fullmatch(r"示综执立〔2026〕\d{4}号_询问笔录_\d{8}-\d{4}_法庭证据包\.zip",
                        by_name.name), by_name.name
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(["package.zip", by_name.name])
    result = last_json(run.stdout)
    assert result["sha256"] == hashlib.sha256(first).hexdigest()
    assert result["verifier_sha256"] == verifier_sha256()
    folder = extract(first, tmp_path / "x")
    check = run_verifier(folder)
    assert check.returncode == verifier.EXIT_UNTRUSTED, check.stdout  # no root given
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


# Issue 11 §1: forgeries rebuilt with a fresh key, edited tag files, zip bombs --------------


def forged_package(members: dict[str, bytes], pdf: bytes) -> dict[str, bytes]:
    """What a forger holding the files can do: new events naming `pdf`, a fresh Ed25519
    tree-head key and a device certificate from a unit root of their own."""
    info_lines = dict(line.split(": ", 1) for line in
                      members["bag-info.txt"].decode().splitlines())
    leaves = []
    for position, line in enumerate(members[verifier.EVENTS_PATH].decode().splitlines()):
        event = json.loads(json.loads(line)["leaf"])
        event["idx"] = position
        if event["action"] == "document.signed":
            event["details"]["sha256"] = hashlib.sha256(pdf).hexdigest()
        leaves.append(canonical_json(event))
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    key = Ed25519PrivateKey.generate()
    head = sign_tree_head(TreeHead(len(leaves), merkle.root_hash(hashes), 1_790_000_000_000,
                                   "forged-log"), key)
    events = [PackageEvent(i, leaf, tuple(merkle.inclusion_proof(hashes, i)))
              for i, leaf in enumerate(leaves)]
    info = PackageInfo(info_lines["Statement-Id"], info_lines["Case-Number"],
                       info_lines["Exported-By"], datetime(2026, 11, 28, tzinfo=UTC), "0.1.0")
    return package_members(pdf, events, head, key.public_key().public_bytes_raw(), info,
                           synthetic_trust())


def first_revision(pdf: bytes) -> bytes:
    import re

    ends = [int(m.group(3)) + int(m.group(4)) for m in re.finditer(
        rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)]
    return pdf[:min(ends)]


def check_all_ways(members: dict[str, bytes], root: Path, tmp_path: Path, label: str,
                   reason: str, pdf_reason: tuple[str, str]) -> None:
    """The forgery fails with the root and `cryptography` (the binding does not chain to
    the root); without the root, and under a bare `python3 -I -S` with or without it, the
    PDF's own checks (standard library only) fail it too, naming why in English and in
    Chinese: it never "verifies" and never ends in a mere "trust not established"."""
    package = tmp_path / f"{label}.zip"
    package.write_bytes(verifier.write_zip(members))
    folder = extract(package.read_bytes(), tmp_path / label)
    run = run_verifier(folder, "--root", str(root))
    assert run.returncode == verifier.EXIT_FAILED, (label, run.stdout)
    assert reason in run.stdout, (label, run.stdout)
    assert "does NOT verify" in run.stdout
    english, chinese = pdf_reason
    for bare, root_args in ((False, ()), (True, ()), (True, ("--root", str(root)))):
        for en, expected in ((True, english), (False, chinese)):
            run = run_verifier(folder, *root_args, bare=bare, en=en)
            assert run.returncode == verifier.EXIT_FAILED, (label, bare, run.stdout)
            assert expected in run.stdout and verifier.PDF_PATH in run.stdout, (label, run.stdout)
            assert "Traceback" not in run.stderr and run.stderr == "", run.stderr


def test_forgeries_with_a_fresh_key_fail_against_the_unit_root(
        exported: tuple[World, Path], tmp_path: Path) -> None:
    world, out = exported
    assert world.unit_keys is not None
    root = tmp_path / "ROOT.pem"
    root.write_bytes(world.unit_keys.root_pem)
    members = verifier.read_zip(out.read_bytes())
    pdf = members[verifier.PDF_PATH]
    altered = pdf.replace(b"ReportLab Generated", b"ReportLab GeneratXd", 1)
    assert altered != pdf
    for label, forged_pdf, pdf_reason in (
            ("not-the-statement", b"this is not the statement", ("not a PDF", "不是 PDF 文件")),
            ("altered", altered, ("the PDF was altered", "PDF 被篡改")),
            ("stripped", first_revision(pdf),
             ("signature fields not signed: ", "以下签名域未签署："))):
        check_all_ways(forged_package(members, forged_pdf), root, tmp_path, label,
                       "does not chain to the given unit root", pdf_reason)
    # Even with the genuine device chain copied in, the binding signature cannot be made.
    genuine_chain = {**forged_package(members, b"this is not the statement"),
                     verifier.CHAIN_PATH: members[verifier.CHAIN_PATH]}
    failure_text = failure(genuine_chain)
    assert verifier.CHAIN_PATH in failure_text or verifier.BINDING_PATH in failure_text


def test_a_stripped_or_altered_pdf_under_the_genuine_binding_fails(
        exported: tuple[World, Path], tmp_path: Path) -> None:
    """The PDF checks on their own: a genuine package whose PDF is replaced (manifests
    recomputed: the binding then fails first) and the PDF checker alone on a stripped PDF."""
    world, out = exported
    assert world.unit_keys is not None
    members = verifier.read_zip(out.read_bytes())
    root_cert = load_pem_x509_certificate(world.unit_keys.root_pem)
    pdf = members[verifier.PDF_PATH]
    with pytest.raises(verifier.PackageError, match=r"not signed: .*Seal"):
        verifier.check_pdf_signatures(first_revision(pdf), root_cert)
    with pytest.raises(verifier.PackageError, match="altered"):
        verifier.check_pdf_signatures(pdf.replace(b"ReportLab Generated",
                                                  b"ReportLab GeneratXd", 1), root_cert)
    with pytest.raises(verifier.PackageError, match="not a PDF"):
        verifier.check_pdf_signatures(b"this is not the statement", root_cert)
    with pytest.raises(verifier.PackageError, match="does not cover the whole file"):
        verifier.check_pdf_signatures(pdf + b"% appended\n", root_cert)


def test_an_edited_bag_info_fails_even_with_manifests_recomputed(
        exported: tuple[World, Path], tmp_path: Path) -> None:
    world, out = exported
    assert world.unit_keys is not None
    root = tmp_path / "ROOT.pem"
    root.write_bytes(world.unit_keys.root_pem)
    members = verifier.read_zip(out.read_bytes())
    edited = dict(members)
    edited["bag-info.txt"] = members["bag-info.txt"].replace(
        world.case.number.encode(), "测试〔2026〕999号".encode())
    for algorithm, name in zip(verifier.ALGORITHMS, verifier.TAG_MANIFESTS, strict=True):
        edited[name] = "".join(f"{verifier.digest(algorithm, edited[n])}  {n}\n"
                               for n in sorted(verifier.TAG_FILES)).encode()
    assert verifier.BINDING_PATH in failure(edited)
    package = tmp_path / "edited.zip"
    package.write_bytes(verifier.write_zip(edited))
    folder = extract(package.read_bytes(), tmp_path / "edited")
    for bare in (False, True):  # the binding's hashes are checked with hashlib alone
        run = run_verifier(folder, "--root", str(root), bare=bare)
        assert run.returncode == verifier.EXIT_FAILED, run.stdout
        assert "tagmanifest-sha256.txt" in run.stdout and verifier.BINDING_PATH in run.stdout


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/statement.pdf", b"\0" * (64 * 1024 * 1024))
    with pytest.raises(verifier.PackageError, match="zip bomb"):
        verifier.read_zip(bomb.getvalue())
    many = {f"f{i}": b"" for i in range(verifier.MAX_MEMBERS + 1)}
    with pytest.raises(verifier.PackageError, match="zip bomb"):
        verifier.read_zip(verifier.write_zip(many))
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / verifier.VERIFIER_NAME).write_bytes(Path(verifier.__file__).read_bytes())
    (tmp_path / "bomb.zip").write_bytes(bomb.getvalue())
    for bare in (False, True):
        run = run_verifier(folder, str(tmp_path / "bomb.zip"), bare=bare, en=False)
        assert run.returncode == verifier.EXIT_FAILED and "压缩炸弹" in run.stdout, run.stdout


def test_the_package_carries_a_chinese_readme_and_the_unit_root(
        exported: tuple[World, Path]) -> None:
    world, out = exported
    assert world.unit_keys is not None
    members = verifier.read_zip(out.read_bytes())
    readme = members[verifier.README_PATH].decode()
    assert "python3 verify_package.py --root ROOT.pem" in readme and "如何核验" in readme
    assert world.unit_keys.root_pem in members[verifier.ROOT_PATH]
