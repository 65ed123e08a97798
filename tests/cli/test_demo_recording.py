"""`statement-room demo` records its interview: the JSON gives the recording's duration, hash
and turn offsets, Debian's ffprobe reads the exported recording, the signed PDF prints it on
its annex page, and the court package lists it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

from tests.cli.helpers import last_json, run_cli
from tests.poppler import poppler_tool
from tests.services.recording_support import ffprobe

LOGIN = {"STATEMENT_ROOM_OFFICER": "33070021001", "STATEMENT_ROOM_PASSWORD": "Demo2026pass"}


def test_the_demo_records_its_interview(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    run = run_cli("demo", "--workdir", str(workdir), "--json")
    assert run.returncode == 0, run.stderr
    result = last_json(run.stdout)
    rec = result["recording"]
    assert rec["state"] == "finished"
    assert 6000 <= rec["duration_ms"] <= 10_000  # a few seconds of synthetic media
    assert len(rec["sha256"]) == 64
    offsets = rec["turn_offsets"]
    # Every turn of the statement was marked, in order, within the recording.
    assert [o["seq"] for o in offsets] == sorted(o["seq"] for o in offsets)
    assert [o["media_ms"] for o in offsets] == sorted(o["media_ms"] for o in offsets)
    assert {o["kind"] for o in offsets} == {"question", "answer"}
    assert len(offsets) >= 14 and 0 < offsets[0]["media_ms"] < offsets[-1]["media_ms"]
    assert offsets[-1]["media_ms"] < rec["duration_ms"]
    assert [p["reason"] for p in rec["pauses"]] == ["被询问人要求饮水，暂停片刻"]

    exported = Path(rec["path"])
    assert hashlib.sha256(exported.read_bytes()).hexdigest() == rec["sha256"]
    probe = ffprobe(exported)
    streams = {s["codec_type"]: s for s in probe["streams"]}
    assert streams["video"]["codec_name"] == "vp9" and streams["audio"]["codec_name"] == "opus"
    assert (streams["video"]["width"], streams["video"]["height"]) == (640, 360)
    assert abs(float(probe["format"]["duration"]) * 1000 - rec["duration_ms"]) <= 300

    text = subprocess.run([poppler_tool("pdftotext"), result["pdf"], "-"], capture_output=True,
                          text=True, check=True).stdout
    annex = "".join(text.split("\f")[-2].split())
    assert rec["id"] in annex and f"SHA-256：{rec['sha256']}" in annex
    seconds = rec["duration_ms"] // 1000
    assert f"时长：00:00:{seconds:02d}" in annex and "被询问人要求饮水" in annex

    with zipfile.ZipFile(result["package"]) as package:
        manifest = json.loads(package.read("evidence/manifest.json"))
    (listed,) = manifest["recordings"]
    assert (listed["id"], listed["sha256"], listed["duration_ms"]) == (
        rec["id"], rec["sha256"], rec["duration_ms"])
    assert [t["media_ms"] for t in listed["turns"]] == [o["media_ms"] for o in offsets]

    shown = last_json(run_cli("recording", "show", "--workdir", str(workdir),
                              result["statement"], "--json", env=LOGIN).stdout)
    assert [r["id"] for r in shown["recordings"]] == [rec["id"]]
