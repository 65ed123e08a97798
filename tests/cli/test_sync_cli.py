"""Sync on the command line against a real HQ process: a store made with `statement-room
init` (officers, the unit's keys, a signed statement, imported evidence) enrols with a code
from HQ's admin CLI, sends everything, and every outbox entry comes back with a receipt that
verifies; a second round sends only the tree heads signed since (a session signs one when it
ends, a round one when it starts, so HQ countersigns the trail as it stands); the
receipts, the status and the purge policy read back in words."""

from __future__ import annotations

import os
from pathlib import Path

from desktop.store import sync_state
from desktop.store.store import StorePaths, unlock
from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import (
    ADMIN,
    CASE_NUMBER,
    FIRST,
    SECOND,
    login,
    ok,
    own_secret,
    set_up_unit,
)
from tests.support.hq_server import RunningHQ, hq_server

__all__ = ["hq_server"]


def signed_statement(store: Path, *, new_case: bool = True, party: str = "测试人甲",
                     phone: str = "13900000001", answer: str = "明白。",
                     witness: str = "见证人丁") -> str:
    """A statement read back and signed on an init store by the unit's officers (the party
    refuses, a witness signs), in a new case or the one opened before; its id."""
    workdir = ("--workdir", str(store))
    me = login(FIRST)
    if new_case:
        ok(run_cli("case", "new", *workdir, "--number", CASE_NUMBER, "--cause", "占道经营",
                   "--place", "城北路12号", env=me))
    statement = last_json(ok(run_cli(
        "statement", "new", *workdir, "--case", CASE_NUMBER, "--place", "城北中队询问室",
        "--interviewer", FIRST[1], "--interviewer", SECOND[1], "--party-name", party,
        "--party-id-number", "110101199003071233", "--party-phone", phone, "--json",
        env=me)).stdout)["statement"]
    shown = last_json(ok(run_cli("statement", "show", *workdir, statement, "--json",
                                 env=me)).stdout)
    for turn in shown["turns"]:
        if turn["kind"] == "answer":
            ok(run_cli("statement", "turn", "edit", *workdir, statement, str(turn["number"]),
                       answer, env=me))
    ok(run_cli("statement", "read-back", *workdir, statement, env=me))
    ok(run_cli("statement", "sign", *workdir, "--statement", statement, "--refused",
               "当事人拒绝签名", "--witness", witness, "--custodian", ADMIN[1],
               env={**me, **own_secret(FIRST, SECOND, ADMIN)}))
    return str(statement)


def _signed_statement_and_evidence(store: Path, tmp_path: Path) -> tuple[str, str]:
    workdir = ("--workdir", str(store))
    me = login(FIRST)
    statement = signed_statement(store)
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(os.urandom(300_000))
    items = last_json(ok(run_cli("evidence", "import", *workdir, "--case", CASE_NUMBER,
                                 "--path", str(photo), "--json", env=me)).stdout)["items"]
    return statement, items[0]["id"]


def test_a_real_store_syncs_everything_once_with_verified_receipts(
        tmp_path: Path, hq_server: RunningHQ) -> None:
    store, _ca = set_up_unit(tmp_path)
    statement, item = _signed_statement_and_evidence(store, tmp_path)
    workdir = ("--workdir", str(store))
    admin = login(ADMIN)

    before = run_cli("sync", *workdir, env=admin)
    assert before.returncode == 1 and "not enrolled" in before.stderr
    refused = run_cli("sync", "enrol", *workdir, "--hq", hq_server.url, "--code",
                      "nosuch-code", env=admin)
    assert refused.returncode == 1 and "wrong, already used or expired" in refused.stderr
    enrolled = last_json(ok(run_cli("sync", "enrol", *workdir, "--hq", hq_server.url,
                                    "--code", hq_server.enrol_code(), "--json",
                                    env=admin)).stdout)
    assert enrolled["url"] == hq_server.url

    first = last_json(ok(run_cli("sync", *workdir, "--json", env=admin)).stdout)
    assert first["complete"] and first["sent"] > 10 and first["failed"] == 0
    assert first["receipts_verified"] == first["sent"]

    # Every entry HQ was told of has a receipt that verifies with the pinned key.
    session = unlock(StorePaths(store), ADMIN[1], ADMIN[2])
    try:
        with session.reading() as conn:
            pinned = sync_state.enrolment(conn)
            rows = sync_state.entries(conn)
        assert pinned is not None
        waiting = [r for r in rows if r.receipt is None]
        assert [r.queued.kind.value for r in waiting] == ["tree_head"]  # signed at sync's end
        for row in rows:
            if row.receipt is not None:
                body = row.receipt.body
                assert row.receipt.verify(pinned.receipt_key)
                assert (body.sha256, body.size) == (row.queued.sha256, row.queued.size)
    finally:
        session.close(sign=False)

    # Nothing is sent twice: only the two tree heads signed since (at the end of the first
    # sync's session, and at the start of this round, after the check above logged in).
    second = last_json(ok(run_cli("sync", *workdir, "--json", env=admin)).stdout)
    assert (second["sent"], second["already_held"], second["failed"]) == (2, 0, 0)
    held = hq_server.admin("records")
    assert held.returncode == 0 and statement in held.stdout

    status = last_json(ok(run_cli("sync", "status", *workdir, "--json", env=admin)).stdout)
    assert status["hq"] == hq_server.url and status["errors"] == []
    assert status["countersigned_size"] is not None and status["last_sync"] is not None
    text = ok(run_cli("sync", "status", *workdir, env=admin)).stdout
    assert "Audit trail countersigned by HQ up to" in text

    receipts = last_json(ok(run_cli("sync", "receipts", *workdir, "--statement", statement,
                                    "--json", env=admin)).stdout)["receipts"]
    assert {"statement", "statement_pdf", "signature_event"} <= {r["kind"] for r in receipts}
    assert all(r.get("receipt") for r in receipts)
    shown = ok(run_cli("sync", "receipts", *workdir, "--evidence", item, env=admin)).stdout
    assert f"evidence_item {item}: receipt " in shown and "stored at HQ since" in shown

    # The purge policy holds the media for 30 days; the other officer may not purge.
    dry = last_json(ok(run_cli("sync", "purge", *workdir, "--dry-run", "--json",
                               env=admin)).stdout)
    assert (dry["purged"], dry["kept"]) == (0, 1)
    assert "retention of 30 days" in ok(run_cli("sync", "purge", *workdir, "--dry-run",
                                                env=admin)).stdout
    denied = run_cli("sync", "purge", *workdir, env=login(FIRST))
    assert denied.returncode == 1 and "Only an administrator" in denied.stderr
    ok(run_cli("sync", "policy", *workdir, "--retention-days", "0", env=admin))
    # HQ's receipt log head kept by the last round covers the receipt: the medium goes.
    ok(run_cli("sync", *workdir, env=admin))
    purged = last_json(ok(run_cli("sync", "purge", *workdir, "--json", env=admin)).stdout)
    assert purged["purged"] == 1 and purged["freed_bytes"] == 300_000
    verify = ok(run_cli("evidence", "verify", *workdir, env=login(FIRST)))
    assert verify.returncode == 0
