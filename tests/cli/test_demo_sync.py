"""`statement-room demo` ends by syncing to its embedded HQ (a process of its own on loopback,
data in the demo folder): every record and medium acknowledged by a verified receipt, the
audit head countersigned; run again, HQ starts on the same data and nothing it acknowledged
is sent again or lost. With the law library and the starter standard HQ publishes, the demo
carries the case on to its signed penalty documents (issue 17)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.cli.helpers import ROOT, last_json, run_cli
from tests.poppler import all_trusted, pdfsig_trusting, poppler_tool


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
    check_penalty_step(result, tmp_path, first_number="第1号")
    check_penalty_commands(workdir, result, tmp_path)

    second = last_json(run_cli("demo", "--workdir", str(workdir), "--json",
                               timeout=300).stdout)
    # A second case: its documents take the next numbers of the bureau's series.
    check_penalty_step(second, tmp_path / "again", first_number="第2号")
    again = second["sync"]
    # HQ came back on the same data: what it acknowledged is neither lost nor sent again.
    # (the first run's last round was the one after its penalty step)
    last = result["penalty"]["sync"]
    assert last["receipts_verified"] > synced["receipts_verified"]
    assert again["receipts_verified"] == last["receipts_verified"] + again["sent"]
    assert again["pending"] == 0 and again["audit_head_countersigned"] > last[
        "audit_head_countersigned"]
    held = subprocess.run([sys.executable, "-m", "hq", "--data", str(workdir / "hq"),
                           "records"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)
    assert result["statement"] in held.stdout
    # The decision, its two documents and their signed PDFs reached HQ in the round after
    # the penalty step (decision 53), each kind with the decision's or a document's id.
    decided = result["penalty"]
    assert decided["sync"]["pending"] == 0 and decided["sync"]["sent"] >= 5
    assert f"penalty_decision {decided['decision']} " in held.stdout
    for document in decided["documents"]:
        assert f"penalty_document {document['id']} " in held.stdout
        assert f"penalty_document_pdf {document['id']} " in held.stdout
    # Every record acted for the demo's officer (decision 27), none for the device alone.
    assert "  officer -" not in held.stdout and held.stdout.count("  officer ") > 10


def check_penalty_step(result: dict[str, Any], scratch: Path, first_number: str) -> None:
    """The issue-17 acceptance on the demo: the sidewalk-parking matter matched from the
    statement, a tier and amount proposed with cited reasoning, the prior notice and the
    decision signed, each valid in pdfsig (every signature, the unit root trusted) and in our
    own verifier; the JSON names the standard's and the library's versions."""
    penalty = result["penalty"]
    assert penalty["state"] == "decided"
    assert "人行道" in penalty["matter"]["name"]
    assert penalty["standard"]["example"] is True and penalty["standard"]["version"] >= 1
    assert len(penalty["standard"]["sha256"]) == 64 and len(penalty["library"]["sha256"]) == 64
    assert penalty["library"]["version"] >= 1 and penalty["library"]["synthetic"] is False
    low, high = penalty["proposed_range"]
    assert 20 <= low <= penalty["amount"] <= high <= 200  # art. 93: 20-200 yuan
    rules = [step["rule"] for step in penalty["reasoning"]]
    assert "tier" in rules and all(step["citations"] for step in penalty["reasoning"]
                                   if step["rule"] in ("matter", "tier"))
    assert penalty["legal_review_required"] is False
    assert [d["kind"] for d in penalty["documents"]] == ["prior_notice", "decision"]
    # The party waived the notice's periods in writing, so the decision followed at once.
    assert [d["rights_waived"] for d in penalty["documents"]] == [True, False]
    root = Path(result["trust_root"]).read_bytes()
    for index, document in enumerate(penalty["documents"]):
        assert document["number"].startswith("示综执") and document["number"].endswith(
            first_number)
        pdf = Path(document["pdf"])
        report = pdfsig_trusting(pdf, root, scratch / f"nss-{index}")
        signatures = report.count("Signature Validation:")
        assert signatures == document["signatures"] >= 4
        assert report.count("Signature is Valid.") == signatures and all_trusted(report)
        verified = run_cli("verify", str(pdf), "--trust", result["trust_root"])
        assert verified.returncode == 0, verified.stderr
        text = subprocess.run([poppler_tool("pdftotext"), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "第九十三条" in text and f"{penalty['amount']}元" in text.replace(" ", "")
        if document["kind"] == "decision":  # the bodies and channels the demo's admin set
            flat = "".join(text.split())
            assert "示例区人民政府申请行政复议" in flat and "示例区人民法院提起行政诉讼" in flat
            assert "开户银行：示例银行示例区支行（示例）" in flat


def check_penalty_commands(workdir: Path, result: dict[str, Any], scratch: Path) -> None:
    """`statement-room penalty documents|document` on the demo's decision: what is due and
    signed, the signed copy written out as kept, a draft generated from the decision."""
    from desktop.services.demo_login import DEMO_ADMIN_CERTIFICATE, DEMO_PASSWORD

    officer = {"STATEMENT_ROOM_OFFICER": DEMO_ADMIN_CERTIFICATE,
               "STATEMENT_ROOM_PASSWORD": DEMO_PASSWORD}
    decision = result["penalty"]["decision"]
    listed = last_json(run_cli("penalty", "documents", decision, "--workdir", str(workdir),
                               "--json", env=officer).stdout)
    assert listed["due"] == ["prior_notice", "decision"]
    assert [d["number"] for d in listed["signed"]] == [
        d["number"] for d in result["penalty"]["documents"]]
    signed = scratch / "signed.pdf"
    written = run_cli("penalty", "document", decision, "decision", "--signed", "--out",
                      str(signed), "--workdir", str(workdir), "--json", env=officer)
    assert written.returncode == 0, written.stderr
    assert signed.read_bytes() == Path(result["penalty"]["documents"][1]["pdf"]).read_bytes()
    draft = scratch / "draft.pdf"
    drafted = run_cli("penalty", "document", decision, "prior_notice", "--out", str(draft),
                      "--workdir", str(workdir), env=officer)
    assert drafted.returncode == 0, drafted.stderr
    text = subprocess.run([poppler_tool("pdftotext"), str(draft), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "行政处罚事先告知书" in text and "陈述" in text and "申辩" in text
    unsigned = subprocess.run([poppler_tool("pdfsig"), str(draft)], capture_output=True,
                              text=True, check=False).stdout
    assert "Signature is Valid." not in unsigned  # a draft is not the served document
    again = run_cli("penalty", "document", decision, "prior_notice", "--out", str(draft),
                    "--workdir", str(workdir), env=officer)
    assert again.returncode != 0 and "draft.pdf" in again.stderr  # never over a file


def test_the_demo_runs_without_hq_when_asked(tmp_path: Path) -> None:
    run = run_cli("demo", "--workdir", str(tmp_path / "d"), "--json", "--no-hq")
    assert run.returncode == 0, run.stderr
    assert "sync" not in last_json(run.stdout)
    assert "penalty" not in last_json(run.stdout)  # no law library, no standard: said why
    assert not (tmp_path / "d" / "hq").exists()


def test_killing_the_demos_hq_right_after_it_acknowledged_loses_nothing(
        tmp_path: Path) -> None:
    """The issue's acceptance: HQ commits before it answers, so a SIGKILL right after a round
    loses no record it acknowledged, and the next round finds every one still held."""
    from desktop.services.demo_login import DEMO_ADMIN_CERTIFICATE, DEMO_PASSWORD
    from tests.support.hq_server import start_hq

    workdir = tmp_path / "demo"
    demo = run_cli("demo", "--workdir", str(workdir), "--json", timeout=300)
    assert demo.returncode == 0, demo.stderr
    officer = {"STATEMENT_ROOM_OFFICER": DEMO_ADMIN_CERTIFICATE,
               "STATEMENT_ROOM_PASSWORD": DEMO_PASSWORD}
    hq = start_hq(workdir / "hq")  # the demo's HQ, on its own data, at a new address
    try:
        round_one = run_cli("sync", "--workdir", str(workdir), "--hq", hq.url, "--json",
                            env=officer, timeout=300)
        assert round_one.returncode == 0, round_one.stderr
        assert last_json(round_one.stdout)["sent"] > 0  # the tree heads signed since
        hq.restart()  # SIGKILL the moment the round ended, then start on the same data
        receipts = last_json(run_cli("sync", "receipts", "--workdir", str(workdir), "--json",
                                     env=officer).stdout)["receipts"]
        acknowledged = [r for r in receipts if r["state"] == "receipted"]
        waiting = [r for r in receipts if r["state"] != "receipted"]
        assert len(acknowledged) > 20
        # Only the tree head the round's own session signed as it ended is still to go.
        assert [r["kind"] for r in waiting] == ["tree_head"]
        held = hq.admin("records").stdout
        missing = [r["id"] for r in acknowledged
                   if r["id"] not in held or r["sha256"] not in held]
        assert missing == []
        round_two = run_cli("sync", "--workdir", str(workdir), "--hq", hq.url, "--json",
                            env=officer, timeout=300)
        report = last_json(round_two.stdout)
        assert round_two.returncode == 0, round_two.stderr
        # Only the tree heads signed since go (that one, the one the receipts listing's session
        # signed as it ended, and the round's own); nothing acknowledged before the kill.
        assert report["failed"] == 0 and report["complete"]
        assert report["sent"] == 3
    finally:
        hq.stop()
