"""Evidence from the command line: import a folder into a demo case, verify, export."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.cli.helpers import last_json, run_cli

LOGIN = {"STATEMENT_ROOM_OFFICER": "33070021001", "STATEMENT_ROOM_PASSWORD": "Demo2026pass"}


def test_import_verify_export_round_trip(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    demo = last_json(run_cli("demo", "--workdir", str(workdir), "--json").stdout)
    photos = tmp_path / "photos"
    (photos / "nested").mkdir(parents=True)
    files = {
        photos / "现场照片1.jpg": os.urandom(200_000),
        photos / "nested" / "录音.wav": os.urandom(1_500_000),
        photos / "empty.txt": b"",
    }
    for path, data in files.items():
        path.write_bytes(data)
    run = run_cli("evidence", "import", "--workdir", str(workdir), "--case", demo["case"],
                  "--path", str(photos), "--json", env=LOGIN)
    assert run.returncode == 0, run.stderr
    items = last_json(run.stdout)["items"]
    by_name = {item["original_name"]: item for item in items}
    assert len(items) == len(files)
    for path, data in files.items():
        item = by_name[path.name]
        assert item["sha256"] == hashlib.sha256(data).hexdigest()
        assert item["size"] == len(data)

    verify = run_cli("evidence", "verify", "--workdir", str(workdir), env=LOGIN)
    assert verify.returncode == 0, verify.stderr

    target = tmp_path / "out" / "录音.wav"
    target.parent.mkdir()
    export = run_cli("evidence", "export", "--workdir", str(workdir),
                     by_name["录音.wav"]["id"], "--out", str(target), env=LOGIN)
    assert export.returncode == 0, export.stderr
    assert target.read_bytes() == files[photos / "nested" / "录音.wav"]

    audit = run_cli("audit", "verify", "--workdir", str(workdir), env=LOGIN)
    assert audit.returncode == 0, audit.stderr
