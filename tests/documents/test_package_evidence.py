"""The court package's evidence manifest, ingest certificates and (--with-media) the media.

A sealed statement whose case holds two folder-imported files and one recorder file taken by
a certified docking (synthetic bytes throughout) is exported with and without media; the
stand-alone verifier passes both under `python3 -I`, and an edited evidence manifest, a
swapped media file and an edited ingest certificate each fail, naming the file and the
reason, with `cryptography` and without it (`python3 -I -S`).
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from desktop.domain.ids import new_id
from desktop.services import evidence, export
from desktop.store import dockings
from desktop.store import evidence as records
from desktop.store.dockings import Docking
from sync.protocol.ingest import (
    DockingClock,
    IngestCertificate,
    IngestedFile,
    IngestPolicy,
    RecorderIdentity,
)
from tests.cli.helpers import last_json, run_cli
from tests.conftest import World, sign_as_team
from tests.documents.test_package import LOGIN, extract, failure, run_verifier
from tests.services.test_signing import all_pages_signed, ready_for_signing
from verification import package_verifier as verifier

PHOTO = b"\xff\xd8\xff\xe0synthetic photo " + bytes(range(256)) * 40
NOTE = "询问现场记录（测试数据）\n".encode() * 30
VIDEO = b"\x00\x00\x00\x18ftypmp42synthetic recorder file " + os.urandom(300_000)
SERIAL = "SYN-BWC-0007"


@pytest.fixture(autouse=True)
def english_details(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process checks read the English details (the subprocess runs pass `--en`)."""
    monkeypatch.setattr(verifier, "LANGUAGE", ["en"])


def add_recorder_file(world: World, tmp_path: Path) -> str:
    """A recorder file in the case, taken by a docking completed with a signed certificate."""
    staged = tmp_path / "staged" / "recorder.mp4"
    staged.parent.mkdir()
    staged.write_bytes(VIDEO)
    unfiled = evidence.import_path(world.store, None, staged).items[0]  # puts it in the vault
    stored = records.get_item(world.store.conn, unfiled.id)
    now = world.store.clock()
    docking = Docking(
        id=new_id(), device_serial=SERIAL, device_model="DSJ-SYN", officer_number="33070021001",
        officer_name="测试警员", unit_number="330700", unit_name="测试中队",
        case_id=world.case.id, statement_id=None, host_time=now,
        device_time=(now + timedelta(seconds=5)).isoformat(), clock_offset_s=5.0,
        offset_after_sync_s=0.0, battery=80, resolution="1920x1080", started_at=now,
        started_by=world.admin.id)
    name = "SYN_20261127090000_0001.MP4"
    with world.store.transaction() as tx:
        dockings.start_docking(tx, docking)
        item = records.record_item(
            tx, item_id=new_id(), case_id=world.case.id, sha256=stored.sha256,
            size=stored.size, kind="video", source="bodycam", original_name=name,
            original_path=f"DCIM/{name}", captured_at="2026-11-27T08:59:55+00:00",
            device_serial=SERIAL, officer_number="33070021001", docking_id=docking.id,
            device_path=f"DCIM/{name}", device_mtime="2026-11-27T09:10:00",
            custody={"device_serial": SERIAL, "device_model": "DSJ-SYN",
                     "clock_offset_ms": 5000, "start_utc_corrected": "2026-11-27T00:59:55+00:00",
                     "gps": {"points": 3, "track": [], "datum": "WGS-84"}})
    with world.store.transaction() as tx:
        dockings.complete_docking(tx, docking.id, IngestCertificate(
            docking=docking.id, store=world.store.store_id,
            device=RecorderIdentity(serial=SERIAL, model="DSJ-SYN",
                                    officer_number="33070021001", officer_name="",
                                    unit_number="", unit_name=""),
            clock=DockingClock(host_time=now.isoformat(), device_time=None, offset_ms=5000,
                               offset_after_sync_ms=0),
            case=world.case.id, statement=None, started_at=now.isoformat(),
            officer=world.admin.id, policy=IngestPolicy(delete_originals=False, sm3=False),
            files=(IngestedFile(id=item.id, status="stored", original_name=name,
                                device_path=f"DCIM/{name}", sha256=item.sha256, sm3=None,
                                size=item.size, kind="video", marked=False,
                                captured_at=item.captured_at),),
            skipped=()))
    return docking.id


@pytest.fixture
def case_world(world: World, tmp_path: Path) -> World:
    ready_for_signing(world, tmp_path / "pki")
    sign_as_team(world, all_pages_signed(world))
    folder = tmp_path / "evidence-in"
    folder.mkdir()
    (folder / "现场照片.JPG").write_bytes(PHOTO)
    (folder / "note.txt").write_bytes(NOTE)
    evidence.import_path(world.store, world.case.id, folder, sm3=True)
    add_recorder_file(world, tmp_path)
    return world


@pytest.fixture
def root_pem(case_world: World, tmp_path: Path) -> Path:
    assert case_world.unit_keys is not None
    root = tmp_path / "ROOT.pem"
    root.write_bytes(case_world.unit_keys.root_pem)
    return root


def packages(world: World, tmp_path: Path) -> dict[bool, Path]:
    out = {}
    for with_media in (False, True):
        path = tmp_path / f"out-{with_media}" / "package.zip"
        path.parent.mkdir()
        result = export.export_package(world.store, world.statement.id, path,
                                       with_media=with_media)
        assert result.evidence_items == 3 and result.media_included is with_media
        assert sorted(p.name for p in path.parent.iterdir()) == ["package.zip"]  # no temp
        out[with_media] = path
    return out


def test_export_with_and_without_media_verifies(case_world: World, root_pem: Path,
                                                tmp_path: Path) -> None:
    built = packages(case_world, tmp_path)
    for with_media, path in built.items():
        members = verifier.read_zip(path.read_bytes())  # also: the fixed, rebuildable layout
        manifest = json.loads(members[verifier.EVIDENCE_MANIFEST_PATH])
        assert manifest["media_included"] is with_media
        items = {i["original_name"]: i for i in manifest["items"]}
        assert set(items) == {"现场照片.JPG", "note.txt", "SYN_20261127090000_0001.MP4"}
        video = items["SYN_20261127090000_0001.MP4"]
        assert video["custody"] == {
            "device_serial": SERIAL, "device_model": "DSJ-SYN", "clock_offset_ms": 5000,
            "start_utc_corrected": "2026-11-27T00:59:55+00:00", "gps_fixes": 3,
            "device_path": "DCIM/SYN_20261127090000_0001.MP4",
            "device_mtime": "2026-11-27T09:10:00", "officer_number": "33070021001"}
        assert items["现场照片.JPG"]["sm3"] is not None
        (cert,) = manifest["ingest_certificates"]
        assert IngestCertificate.from_bytes(members[cert["certificate"]]).device.serial == SERIAL
        assert len(members[cert["signature"]]) == 64
        media = sorted(n for n in members if n.startswith(verifier.MEDIA_PREFIX))
        if with_media:
            assert {members[n] for n in media} == {PHOTO, NOTE, VIDEO}
            assert members[items["现场照片.JPG"]["media"]] == PHOTO
            listed = members["manifest-sha256.txt"].decode()
            assert all(f"  {n}\n" in listed for n in media)
        else:
            assert media == []
        folder = extract(path.read_bytes(), tmp_path / f"x-{with_media}")
        run = run_verifier(folder, "--root", str(root_pem))
        assert run.returncode == verifier.EXIT_OK, run.stdout + run.stderr
        assert "3 evidence items" in run.stdout
        assert "ingest certificate is signed (Ed25519)" in run.stdout
        if with_media:
            assert "3 media files included" in run.stdout
        else:
            assert "media are not included" in run.stdout
        run = run_verifier(folder, "--root", str(root_pem), en=False)
        assert run.returncode == verifier.EXIT_OK, run.stdout
        assert ("媒体文件" in run.stdout) and "入库证书" in run.stdout
        bare = run_verifier(folder, "--root", str(root_pem), bare=True)
        assert bare.returncode == verifier.EXIT_UNTRUSTED, bare.stdout + bare.stderr
        assert "3 evidence items" in bare.stdout and "Traceback" not in bare.stderr
        assert "NOT RUN  the ingest certificates' Ed25519 signatures (1)" in bare.stdout


def rehash_tags(members: dict[str, bytes]) -> dict[str, bytes]:
    """Recompute both tag manifests (everything below the signed binding)."""
    out = dict(members)
    names = sorted(verifier.parse_manifest(
        "t", members[verifier.TAG_MANIFESTS[0]].decode()))
    for algorithm, name in zip(verifier.ALGORITHMS, verifier.TAG_MANIFESTS, strict=True):
        out[name] = "".join(f"{verifier.digest(algorithm, out[n])}  {n}\n"
                            for n in names).encode()
    return out


def check_fails(members: dict[str, bytes], root: Path, tmp_path: Path, label: str,
                expected: dict[bool, tuple[str, ...]]) -> None:
    """Exit 1, the listed words in the report, with `cryptography` (False) and without."""
    folder = tmp_path / label
    folder.mkdir()
    for name, data in members.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    for bare in (False, True):
        run = run_verifier(folder, "--root", str(root), bare=bare)
        assert run.returncode == verifier.EXIT_FAILED, (label, bare, run.stdout + run.stderr)
        assert "does NOT verify" in run.stdout and "Traceback" not in run.stderr
        for words in expected[bare]:
            assert words in run.stdout, (label, bare, words, run.stdout)
    shutil.rmtree(folder)


def test_tampered_evidence_fails_with_and_without_cryptography(
        case_world: World, root_pem: Path, tmp_path: Path) -> None:
    built = packages(case_world, tmp_path)
    for with_media, path in built.items():
        members = verifier.read_zip(path.read_bytes())
        manifest = json.loads(members[verifier.EVIDENCE_MANIFEST_PATH])
        (cert,) = manifest["ingest_certificates"]
        mpath = verifier.EVIDENCE_MANIFEST_PATH
        tag = verifier.TAG_MANIFESTS[0]

        # An edited evidence manifest: a custody detail changed.
        edited = dict(members)
        edited[mpath] = members[mpath].replace(b'"clock_offset_ms":5000',
                                               b'"clock_offset_ms":0')
        assert edited[mpath] != members[mpath]
        reason = (mpath, f"does not match {tag}")
        check_fails(edited, root_pem, tmp_path, f"manifest-{with_media}",
                    {False: reason, True: reason})
        assert mpath in failure(edited)
        # ...with the tag manifests recomputed: the signed binding names their hashes.
        bound = (verifier.BINDING_PATH, "differs from the signed")
        check_fails(rehash_tags(edited), root_pem, tmp_path, f"manifest-re-{with_media}",
                    {False: bound, True: bound})

        # An edited ingest certificate.
        edited = dict(members)
        edited[cert["certificate"]] = members[cert["certificate"]].replace(
            SERIAL.encode(), b"SYN-BWC-9999")
        reason = (cert["certificate"], f"does not match {tag}")
        check_fails(edited, root_pem, tmp_path, f"cert-{with_media}",
                    {False: reason, True: reason})
        # ...with the manifest's hash of it and the tag manifests recomputed: the Ed25519
        # signature fails with `cryptography`, the binding without it.
        manifest["ingest_certificates"][0]["sha256"] = verifier.digest(
            "sha256", edited[cert["certificate"]])
        edited[mpath] = verifier.canonical(manifest)
        check_fails(rehash_tags(edited), root_pem, tmp_path, f"cert-re-{with_media}",
                    {False: (cert["certificate"], "signature does not verify"),
                     True: bound})

        if not with_media:
            continue
        # A swapped media file: the photo's member holds the note's bytes.
        photo = next(i for i in manifest["items"] if i["original_name"] == "现场照片.JPG")
        swapped = {**members, photo["media"]: NOTE}
        reason = (photo["media"], "does not match manifest-sha256.txt")
        check_fails(swapped, root_pem, tmp_path, "swapped", {False: reason, True: reason})
        assert photo["media"] in failure(swapped)
        # A media file left out, or one the manifest does not list.
        missing = {k: v for k, v in members.items() if k != photo["media"]}
        assert "missing" in failure(missing) and photo["media"] in failure(missing)
        extra = {**members, verifier.MEDIA_PREFIX + "0" * 64 + ".jpg": PHOTO}
        assert "unlisted" in failure(extra)



def test_cli_export_with_media_on_the_demo_store(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    demo = run_cli("demo", "--workdir", str(workdir), "--json")
    assert demo.returncode == 0, demo.stderr
    statement = last_json(demo.stdout)["statement"]
    out = tmp_path / "court" / "package.zip"
    out.parent.mkdir()
    run = run_cli("export", "--workdir", str(workdir), "--statement", statement, "--out",
                  str(out), "--with-media", "--json", env=LOGIN)
    assert run.returncode == 0, run.stderr
    result = last_json(run.stdout)
    assert result["media_included"] is True
    members = verifier.read_zip(out.read_bytes())
    manifest = json.loads(members[verifier.EVIDENCE_MANIFEST_PATH])
    assert result["evidence_items"] == len(manifest["items"])
    run = run_cli("export", "--workdir", str(workdir), "--statement", statement, "--out",
                  str(tmp_path / "plain.zip"), env=LOGIN)
    assert run.returncode == 0, run.stderr
    assert "the media are not included (use --with-media)" in run.stdout
    check = run_verifier(extract(out.read_bytes(), tmp_path / "x"))
    assert check.returncode == verifier.EXIT_UNTRUSTED, check.stdout  # no root given
    assert "evidence items" in check.stdout
