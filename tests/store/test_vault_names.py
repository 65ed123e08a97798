"""Issue 11 §6: vault file names must not reveal which content the store holds.

Named by the plaintext's SHA-256, anyone who can list the vault folder could confirm that the
store holds a file they already have. Blobs are named by HMAC-SHA256 under a naming key
derived from the store's data key; the plain SHA-256 stays inside the encrypted store.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from desktop.services import evidence as evidence_service
from desktop.store import evidence as records
from desktop.store.store import unlock
from desktop.store.vault_format import SUFFIX, blob_name
from desktop.store.vault_stream import encrypt_file
from tests.conftest import PASSWORD, World

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def test_blob_name_is_keyed(tmp_path: Path) -> None:
    data = b"known content " * 1000
    sha = hashlib.sha256(data).hexdigest()
    blob = encrypt_file(_file(tmp_path / "a.bin", data), tmp_path / "v1", KEY)
    assert blob.sha256 == sha
    assert sha not in blob.path.name
    assert blob.path.name == blob_name(KEY, sha)
    assert blob_name(OTHER_KEY, sha) != blob_name(KEY, sha)
    other = encrypt_file(_file(tmp_path / "b.bin", data), tmp_path / "v2", OTHER_KEY)
    assert other.path.name != blob.path.name


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _vault_names(world: World) -> set[str]:
    return {p.name for p in records.vault_directory(world.paths.workdir).iterdir()}


def test_store_names_blobs_by_keyed_hash_and_dedups(world: World, tmp_path: Path) -> None:
    data = os.urandom(3000)
    sha = hashlib.sha256(data).hexdigest()
    first = evidence_service.import_path(world.store, world.case.id, _file(tmp_path / "x.jpg",
                                                                           data))
    evidence_service.import_path(world.store, None, _file(tmp_path / "y.jpg", data))
    names = _vault_names(world)
    assert names == {blob_name(world.store.vault_key(), sha)}  # one blob for one content
    assert not any(sha in n for n in names)
    assert records.blob_path(world.paths.workdir, sha, world.store.vault_key()).is_file()
    out = tmp_path / "out.jpg"
    evidence_service.export_item(world.store, first.items[0].id, out)
    assert out.read_bytes() == data
    assert not evidence_service.verify_all(world.store).problems


def test_blobs_under_old_names_are_renamed_at_open(world: World, tmp_path: Path) -> None:
    contents = [os.urandom(2000 + i) for i in range(3)]
    for i, data in enumerate(contents):
        evidence_service.import_path(world.store, world.case.id,
                                     _file(tmp_path / f"{i}.jpg", data))
    key = world.store.vault_key()
    vault = records.vault_directory(world.paths.workdir)
    shas = [hashlib.sha256(d).hexdigest() for d in contents]
    # Lay the vault out as a store written before the amendment: plain SHA-256 names.
    for sha in shas:
        os.replace(vault / blob_name(key, sha), vault / f"{sha}{SUFFIX}")
    # ... and one where a crash left both (an old-name copy beside a renamed one).
    os.link(vault / f"{shas[0]}{SUFFIX}", vault / blob_name(key, shas[0]))
    world.store.close()
    world.store = unlock(world.paths, world.admin.certificate_no, PASSWORD,
                         clock=world.store.clock)
    assert _vault_names(world) == {blob_name(key, sha) for sha in shas}
    report = evidence_service.verify_all(world.store)
    assert report.checked == 3 and not report.problems
    for i, item in enumerate(evidence_service.case_items(world.store, world.case.id)):
        out = tmp_path / f"out{i}"
        evidence_service.export_item(world.store, item.id, out)
        assert hashlib.sha256(out.read_bytes()).hexdigest() == item.sha256
