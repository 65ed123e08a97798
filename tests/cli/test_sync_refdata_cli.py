"""Reference data on the command line, against real HQ processes: on a store made with
`statement-room init`, each `statement-room sync` brings down what HQ's administrator
published (audited), `sync status` shows the versions; a newer roster replaces the older one;
a man in the middle (a copy of HQ's database with its own key) and an HQ restored from an old
backup (HQ's key, an older manifest, then older datasets) are refused with nothing kept and
the round still reported, and `sync status` says why until a manifest is accepted; a
revocation list naming an officer's certificate stops that officer signing; an expired
manifest makes `sync status` warn."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

from cryptography.hazmat.primitives.serialization import pkcs12

from desktop.documents.certcheck import fingerprint
from desktop.store import audit
from desktop.store import refdata as refdata_repo
from desktop.store.store import StorePaths, unlock
from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import (
    ADMIN,
    CASE_NUMBER,
    FIRST,
    P12_PASS,
    SECOND,
    login,
    ok,
    own_secret,
    set_up_unit,
)
from tests.support.hq_server import RunningHQ, hq_server, start_hq

__all__ = ["hq_server"]

ROSTER_1 = json.dumps({"officers": [{"name": FIRST[0], "certificate": FIRST[1]}]},
                      ensure_ascii=False).encode()
ROSTER_2 = json.dumps({"officers": [{"name": FIRST[0], "certificate": FIRST[1]},
                                    {"name": SECOND[0], "certificate": SECOND[1]}]},
                      ensure_ascii=False).encode()
NO_REVOCATIONS = b'{"certificates": []}'


def publish(hq: RunningHQ, tmp_path: Path, name: str, data: bytes) -> None:
    source = tmp_path / f"{name}.json"
    source.write_bytes(data)
    done = hq.admin("publish", name, str(source))
    assert done.returncode == 0, done.stderr


def copy_hq(hq: RunningHQ, target: Path, *, with_keys: bool) -> Path:
    """HQ's data directory as it stands (the database through SQLite's backup, so the running
    server's WAL is included); without its keys, the copy makes its own at its first start."""
    ignored = ["hq.db", "hq.db-*", *([] if with_keys else ["keys"])]
    shutil.copytree(hq.data_dir, target, ignore=shutil.ignore_patterns(*ignored))
    source, copy = sqlite3.connect(hq.data_dir / "hq.db"), sqlite3.connect(target / "hq.db")
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return target


def held(store: Path) -> tuple[dict[str, int], bytes | None, list[tuple[str, int]]]:
    """The versions the store holds, the roster's bytes, and the audited acceptances."""
    session = unlock(StorePaths(store), ADMIN[1], ADMIN[2])
    try:
        with session.reading() as conn:
            roster = refdata_repo.dataset(conn, "roster")
            accepted = [(str(r.subject), int(json.loads(r.details)["version"]))
                        for r in audit.records(conn) if r.action == "refdata.accepted"]
            return refdata_repo.held_versions(conn), None if roster is None else roster.data, \
                accepted
    finally:
        session.close(sign=False)


def ready_to_sign(store: Path) -> str:
    workdir = ("--workdir", str(store))
    me = login(FIRST)
    ok(run_cli("case", "new", *workdir, "--number", CASE_NUMBER, "--cause", "占道经营",
               "--place", "城北路12号", env=me))
    statement = str(last_json(ok(run_cli(
        "statement", "new", *workdir, "--case", CASE_NUMBER, "--place", "城北中队询问室",
        "--interviewer", FIRST[1], "--interviewer", SECOND[1], "--party-name", "测试人甲",
        "--party-id-number", "110101199003071233", "--party-phone", "13900000001", "--json",
        env=me)).stdout)["statement"])
    shown = last_json(ok(run_cli("statement", "show", *workdir, statement, "--json",
                                 env=me)).stdout)
    for turn in shown["turns"]:
        if turn["kind"] == "answer":
            ok(run_cli("statement", "turn", "edit", *workdir, statement, str(turn["number"]),
                       "明白。", env=me))
    ok(run_cli("statement", "read-back", *workdir, statement, env=me))
    return statement


def test_reference_data_comes_down_with_each_sync_and_only_from_the_pinned_hq(
        tmp_path: Path, hq_server: RunningHQ) -> None:
    store, ca = set_up_unit(tmp_path)
    workdir = ("--workdir", str(store))
    admin = login(ADMIN)
    ok(run_cli("sync", "enrol", *workdir, "--hq", hq_server.url, "--code",
               hq_server.enrol_code(), env=admin))
    assert "No reference data from HQ yet." in ok(run_cli("sync", "status", *workdir,
                                                          env=admin)).stdout

    # HQ publishes the roster and an empty revocation list: the next sync brings both.
    publish(hq_server, tmp_path, "roster", ROSTER_1)
    publish(hq_server, tmp_path, "revocations", NO_REVOCATIONS)
    first = ok(run_cli("sync", *workdir, "--json", env=admin))
    assert "Reference data from HQ: revocations version 1, roster version 1." in first.stdout
    report = last_json(first.stdout)
    assert report["complete"] and report["refdata_updated"] == 2
    assert report["refdata"] == {"updated": {"revocations": 1, "roster": 1}, "unchanged": {},
                                 "problem": None}
    versions, roster, accepted = held(store)
    assert versions == {"revocations": 1, "roster": 1} and roster == ROSTER_1
    assert sorted(accepted) == [("revocations", 1), ("roster", 1)]
    status = ok(run_cli("sync", "status", *workdir, env=admin)).stdout
    assert "Reference data from HQ: revocations version 1, roster version 1 (valid until" \
        in status and "out of date" not in status
    old_backup = copy_hq(hq_server, tmp_path / "hq-backup", with_keys=True)

    # A newer roster: the next sync replaces it; the revocations stay as they were.
    publish(hq_server, tmp_path, "roster", ROSTER_2)
    second = last_json(ok(run_cli("sync", *workdir, "--json", env=admin)).stdout)
    assert second["refdata"]["updated"] == {"roster": 2}
    assert second["refdata"]["unchanged"] == {"revocations": 1}
    shown = last_json(ok(run_cli("sync", "status", *workdir, "--json", env=admin)).stdout)
    assert shown["refdata"]["versions"] == {"revocations": 1, "roster": 2}
    assert not shown["refdata"]["stale"]

    # A man in the middle: HQ's database copied, its own key, a roster of its own.
    mitm = start_hq(copy_hq(hq_server, tmp_path / "hq-mitm", with_keys=False))
    try:
        publish(mitm, tmp_path, "roster", b'{"officers": [{"name": "X", "certificate": "X"}]}')
        publish(mitm, tmp_path, "revocations", NO_REVOCATIONS)
        attacked = run_cli("sync", *workdir, "--hq", mitm.url, "--json", env=admin)
    finally:
        mitm.stop()
    assert "Reference data not accepted: HQ's reference data is not signed with the key " \
           "pinned at enrolment; nothing was kept" in attacked.stderr
    assert last_json(attacked.stdout)["refdata_refused"] == 1
    assert held(store)[:2] == ({"revocations": 1, "roster": 2}, ROSTER_2)

    # HQ restored from an old backup (HQ's own key): its manifest is older than the one held
    # (a replay); once it publishes again its manifest is newer, but roster 1 is a rollback.
    restored = start_hq(old_backup)
    try:
        replayed = run_cli("sync", *workdir, "--hq", restored.url, env=admin)
        publish(restored, tmp_path, "templates", b'{"phrases": []}')
        rolled_back = run_cli("sync", *workdir, "--hq", restored.url, env=admin)
    finally:
        restored.stop()
    assert "HQ sent reference data older than the data this device already holds (a " \
           "replay?); nothing was kept." in replayed.stderr
    assert "HQ offered version 1 of 「roster」, older than version 2 held here (a rollback); " \
           "nothing was kept." in rolled_back.stderr
    versions, roster, accepted = held(store)
    assert (versions, roster) == ({"revocations": 1, "roster": 2}, ROSTER_2)
    assert sorted(accepted) == [("revocations", 1), ("roster", 1), ("roster", 2)]
    refusal = ok(run_cli("sync", "status", *workdir, env=admin)).stdout
    assert "HQ's last reference data was refused (" in refusal
    assert "): HQ offered version 1 of 「roster」, older than version 2 held here (a " \
           "rollback); nothing was kept." in refusal

    # HQ revokes the second officer's certificate: after the next sync it cannot sign.
    with (ca / f"{SECOND[1]}.p12").open("rb") as p12:
        certificate = pkcs12.load_key_and_certificates(p12.read(), P12_PASS.encode())[1]
    assert certificate is not None
    publish(hq_server, tmp_path, "revocations", json.dumps({"certificates": [
        {"sha256": fingerprint(certificate), "revoked_at": "2026-12-06",
         "reason": "keyCompromise"}]}).encode())
    statement = ready_to_sign(store)
    third = last_json(ok(run_cli("sync", *workdir, "--json", env=admin)).stdout)
    assert third["refdata"]["updated"] == {"revocations": 2}
    accepted_again = last_json(ok(run_cli("sync", "status", *workdir, "--json",
                                          env=admin)).stdout)
    assert accepted_again["refdata"]["refused"] is None  # a manifest was accepted since
    refused = run_cli("statement", "sign", *workdir, "--statement", statement, "--refused",
                      "当事人拒绝签名", "--witness", "见证人丁", "--custodian", ADMIN[1],
                      env={**login(FIRST), **own_secret(FIRST, SECOND, ADMIN)})
    assert refused.returncode == 1 and "revoked" in refused.stderr
    assert SECOND[0] in refused.stderr
    after = last_json(ok(run_cli("statement", "show", *workdir, statement, "--json",
                                 env=login(FIRST))).stdout)
    assert after["state"] == "read_back"

    # A manifest past its expiry is stale: `sync status` warns, and the data stays in use.
    hq_server.restart({"HQ_REF_VALIDITY_S": "0.5"})
    publish(hq_server, tmp_path, "roster", ROSTER_1)
    ok(run_cli("sync", *workdir, env=admin))
    time.sleep(1.0)
    stale = ok(run_cli("sync", "status", *workdir, env=admin)).stdout
    assert "Reference data from HQ: revocations version 2, roster version 3" in stale
    assert "Warning: HQ's reference data is out of date" in stale
    assert last_json(ok(run_cli("sync", "status", *workdir, "--json",
                                env=admin)).stdout)["refdata"]["stale"]
    assert ok(run_cli("audit", "verify", *workdir, env=admin)).returncode == 0
