"""Evidence from the command line: import a folder into a demo case, verify, export."""

from __future__ import annotations

import hashlib
import os
import subprocess
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


def test_dock_a_recorder_on_the_demo_store_then_export_byte_identical(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    demo = last_json(run_cli("demo", "--workdir", str(workdir), "--json").stdout)
    # the demo docked its own recorder into the case, and recorded the interview
    assert demo["evidence"] == 8
    root = tmp_path / "recorder"
    url = f"emu-bodycam://?root={root}&offset=-90&size=300000"
    # No officer named: on a store the demo made, the demo officer logs in.
    run = run_cli("evidence", "import", "--workdir", str(workdir), "--bodycam", url, "--json")
    assert run.returncode == 0, run.stderr
    result = last_json(run.stdout)
    assert result["device_serial"] == "1234567" and abs(result["clock_offset_ms"] + 90_000) < 3000
    # 90 s is beyond the warning threshold: set right, and also said on stderr.
    assert result["clock_warning"] is True
    assert "was -90 s off, more than 30 s" in run.stderr
    items = result["items"]
    device = root / "bodycam-1234567"
    originals = {p.name: p for p in device.rglob("*") if p.is_file()}
    assert sorted(i["original_name"] for i in items) == sorted(originals)
    for item in items:
        out = tmp_path / "out" / item["original_name"]
        out.parent.mkdir(exist_ok=True)
        export = run_cli("evidence", "export", "--workdir", str(workdir), item["id"], "--out",
                         str(out))
        assert export.returncode == 0, export.stderr
        assert out.read_bytes() == originals[item["original_name"]].read_bytes()
        sha = subprocess.run(["sha256sum", str(out)], capture_output=True, text=True,
                             check=True).stdout.split()[0]
        assert sha == item["sha256"]

    again = last_json(run_cli("evidence", "import", "--workdir", str(workdir), "--bodycam", url,
                              "--json").stdout)
    assert {i["status"] for i in again["items"]} == {"already_stored"}
    assert sorted(i["id"] for i in again["items"]) == sorted(i["id"] for i in items)


def test_import_needs_exactly_one_source(tmp_path: Path) -> None:
    run = run_cli("evidence", "import", "--workdir", str(tmp_path), "--path", "x", "--bodycam",
                  "emu-bodycam://")
    assert run.returncode == 2 and "not allowed with argument" in run.stderr
    bad = run_cli("evidence", "import", "--workdir", str(tmp_path / "nowhere"), "--bodycam",
                  "emu-bodycam://", env=LOGIN)
    assert bad.returncode == 1 and "No store was found" in bad.stderr
