"""The headless demo as README runs it, and what a user sees on bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli.helpers import last_json, run_cli
from tests.poppler import poppler_tool

LOGIN = {"STATEMENT_ROOM_OFFICER": "33070021001", "STATEMENT_ROOM_PASSWORD": "Demo2026pass"}



def test_demo_runs_end_to_end_and_again(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    first = run_cli("demo", "--workdir", str(workdir), "--json")
    assert first.returncode == 0, first.stderr
    result = last_json(first.stdout)
    assert result["ok"] is True
    assert result["store"] == str(workdir / "store.db")
    assert result["statements"] == 1
    assert result["audit_size"] >= 20
    assert result["search_hits"] == {"人行道": 1, "药": 1}
    assert result["statement_state"] == "sealed"
    pdf = Path(result["pdf"])
    verify_pdf = run_cli("verify", str(pdf), "--trust", result["trust_root"])
    assert verify_pdf.returncode == 0, verify_pdf.stderr
    untrusted = run_cli("verify", str(pdf))  # no trust root given: signatures not trusted
    assert untrusted.returncode != 0
    pdfsig = poppler_tool("pdfsig")
    report = subprocess.run([pdfsig, str(pdf)], capture_output=True, text=True, check=False)
    signatures = report.stdout.count("Signature Validation:")
    assert signatures >= 6
    assert report.stdout.count("Signature is Valid.") == signatures
    assert Path(result["package"]).is_file()
    again = last_json(run_cli("demo", "--workdir", str(workdir), "--json").stdout)
    assert again["statements"] == 2
    assert again["audit_size"] > result["audit_size"]

    verify = run_cli("audit", "verify", "--workdir", str(workdir), env=LOGIN)
    assert verify.returncode == 0, verify.stderr
    assert "Audit trail intact" in verify.stdout and "consistent with the anchor" in verify.stdout
    assert "not yet countersigned by HQ since" in verify.stdout  # the check's stated limit

    search = run_cli("search", "--workdir", str(workdir), "人行道", "--json", env=LOGIN)
    hits = last_json(search.stdout)["hits"]
    assert len(hits) == 2
    for hit in hits:
        start, end = hit["spans"][0]
        assert hit["snippet"][start:end] == "人行道"


def test_demo_prints_chinese_by_default(tmp_path: Path) -> None:
    run = run_cli("demo", "--workdir", str(tmp_path / "d"), env={"STATEMENT_ROOM_LANG": ""})
    assert run.returncode == 0, run.stderr
    assert "审计" in run.stdout


def test_wrong_password_is_a_clear_message(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    assert run_cli("demo", "--workdir", str(workdir), "--json").returncode == 0
    run = run_cli("search", "--workdir", str(workdir), "药", env={
        "STATEMENT_ROOM_OFFICER": "33070021001", "STATEMENT_ROOM_PASSWORD": "Wrong2026pass"})
    assert run.returncode == 1
    assert "Wrong certificate number or password" in run.stderr
    assert "Traceback" not in run.stderr


def test_missing_password_without_terminal_is_explained(tmp_path: Path) -> None:
    run = run_cli("search", "--workdir", str(tmp_path), "--officer", "X", "药")
    assert run.returncode == 1
    assert "STATEMENT_ROOM_PASSWORD" in run.stderr


def test_no_store_is_explained(tmp_path: Path) -> None:
    run = run_cli("audit", "verify", "--workdir", str(tmp_path / "none"), env=LOGIN)
    assert run.returncode == 1
    assert "No store was found" in run.stderr
    assert "Traceback" not in run.stderr


def test_workdir_defaults_to_statement_room_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = run_cli("demo", "--json", env={"STATEMENT_ROOM_HOME": str(home)})
    assert run.returncode == 0, run.stderr
    assert last_json(run.stdout)["store"] == str(home / "store.db")
    assert (home / "keys.json").exists()


def test_verify_against_the_record_in_the_store(tmp_path: Path) -> None:
    first = last_json(run_cli("demo", "--workdir", str(tmp_path / "a"), "--json").stdout)
    other = last_json(run_cli("demo", "--workdir", str(tmp_path / "b"), "--json").stdout)
    ok = run_cli("verify", first["pdf"], "--trust", first["trust_root"], "--workdir",
                 str(tmp_path / "a"), "--json", env=LOGIN)
    assert ok.returncode == 0, ok.stderr
    assert last_json(ok.stdout)["record"] == {"statement": first["statement"], "exact": True}
    foreign = run_cli("verify", other["pdf"], "--trust", other["trust_root"], "--workdir",
                      str(tmp_path / "a"), env=LOGIN)
    assert foreign.returncode != 0
    assert "not a document kept in this store" in foreign.stderr
