"""`statement-room demo` ends by syncing to its embedded HQ (a process of its own on loopback,
data in the demo folder): every record and medium acknowledged by a verified receipt, the
audit head countersigned; run again, HQ starts on the same data and nothing it acknowledged
is sent again or lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli.helpers import ROOT, last_json, run_cli


def test_the_demo_syncs_everything_to_its_embedded_hq_and_again(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    first = run_cli("demo", "--workdir", str(workdir), "--json", timeout=300)
    assert first.returncode == 0, first.stderr
    result = last_json(first.stdout)
    synced = result["sync"]
    assert synced["hq"].startswith("http://127.0.0.1:")
    assert synced["pending"] == 0 and synced["sent"] == synced["receipts_verified"]
    assert synced["media_acknowledged"] == result["evidence"] + 1  # the footage and the PDF
    assert synced["records_acknowledged"] > 10
    assert synced["audit_head_countersigned"] > result["tree_head"]["size"]
    assert (synced["purged"], synced["purge_kept"]) == (0, result["evidence"])  # 30 days

    again = last_json(run_cli("demo", "--workdir", str(workdir), "--json",
                              timeout=300).stdout)["sync"]
    # HQ came back on the same data: what it acknowledged is neither lost nor sent again.
    assert again["receipts_verified"] == synced["receipts_verified"] + again["sent"]
    assert again["pending"] == 0 and again["audit_head_countersigned"] > synced[
        "audit_head_countersigned"]
    held = subprocess.run([sys.executable, "-m", "hq", "--data", str(workdir / "hq"),
                           "records"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)
    assert result["statement"] in held.stdout


def test_the_demo_runs_without_hq_when_asked(tmp_path: Path) -> None:
    run = run_cli("demo", "--workdir", str(tmp_path / "d"), "--json", "--no-hq")
    assert run.returncode == 0, run.stderr
    assert "sync" not in last_json(run.stdout)
    assert not (tmp_path / "d" / "hq").exists()
