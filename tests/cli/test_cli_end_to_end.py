"""A unit's whole day on the command line alone, without a pen and without Python calls into
the store: `init`, officers, the unit CA and keys, a case, a statement with its turns, the
read-back, each officer signing with their own secret and the custodian sealing (the party
refused to sign, with a witness), the PDF and the court package exported, `verify --trust`
holding, and a backup restored into a new folder giving back the same signed PDF. Every step
is a real `statement-room` process on a real store."""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tests.cli.helpers import last_json, run_cli
from tests.conftest import without_recording_rule

UNIT = "示例区综合行政执法局城北中队"
ADMIN = ("管理员甲", "ADM-001", "Admin2026password")
FIRST = ("队员乙", "OFF-002", "Officer2026password")
SECOND = ("队员丙", "OFF-003", "Officer2026secret")
CA_PASS = "Ca-root-2026-passphrase"
P12_PASS = "P12-2026-passphrase"
CASE_NUMBER = "城北〔2026〕12号"


def login(person: tuple[str, str, str]) -> dict[str, str]:
    return {"STATEMENT_ROOM_OFFICER": person[1], "STATEMENT_ROOM_PASSWORD": person[2]}


def own_secret(*people: tuple[str, str, str]) -> dict[str, str]:
    """Each officer's own password, in the variable that officer's prompt would read."""
    return {f"STATEMENT_ROOM_SECRET_{number.replace('-', '_')}": password
            for _name, number, password in people}


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result


def build_unit(tmp_path: Path) -> tuple[Path, Path]:
    """`init`, two officers, the unit's own CA, and every key imported by its holder: 17 real
    `statement-room` processes (the test below runs them as the first part of its story)."""
    store, ca = tmp_path / "store", tmp_path / "ca"
    ok(run_cli("init", "--workdir", str(store), "--name", ADMIN[0], "--certificate", ADMIN[1],
               "--unit", UNIT, env=login(ADMIN)))
    without_recording_rule(store)  # its statements are signed without a recording
    for name, number, password in (FIRST, SECOND):
        ok(run_cli("officer", "add", "--workdir", str(store), "--name", name, "--certificate",
                   number, "--unit", UNIT,
                   env={**login(ADMIN), "STATEMENT_ROOM_NEW_PASSWORD": password}))
    ca_env = {"STATEMENT_ROOM_CA_PASSPHRASE": CA_PASS, "STATEMENT_ROOM_P12_PASSPHRASE": P12_PASS}
    ok(run_cli("ca", "init", "--unit", UNIT, "--out", str(ca), env=ca_env))
    issued = {"device": ["--kind", "device", "--name", "SR-110102-02"],
              "seal": ["--kind", "seal"]}
    for name, number, _password in (ADMIN, FIRST, SECOND):
        issued[number] = ["--kind", "officer", "--name", name, "--certificate", number]
    for stem, args in issued.items():
        ok(run_cli("ca", "issue", "--root", str(ca), *args, "--unit", UNIT, "--out",
                   str(ca / f"{stem}.p12"), env=ca_env))
    admin = {**login(ADMIN), "STATEMENT_ROOM_P12_PASSPHRASE": P12_PASS}
    ok(run_cli("keys", "add-root", "--workdir", str(store), str(ca / "root.cert.pem"),
               env=admin))
    ok(run_cli("keys", "import", "--workdir", str(store), "--role", "device", "--p12",
               str(ca / "device.p12"), env=admin))
    ok(run_cli("keys", "import", "--workdir", str(store), "--role", "seal", "--p12",
               str(ca / "seal.p12"), "--custodian", ADMIN[1],
               env={**admin, **own_secret(ADMIN)}))
    for person in (ADMIN, FIRST, SECOND):
        ok(run_cli("keys", "import", "--workdir", str(store), "--role", "officer", "--p12",
                   str(ca / f"{person[1]}.p12"), "--for", person[1],
                   env={**admin, **own_secret(person)}))
    return store, ca


_built_unit: tuple[Path, Path] | None = None  # this process's, made by its first set_up_unit


def set_up_unit(tmp_path: Path) -> tuple[Path, Path]:
    """A unit as `build_unit` leaves it, in `tmp_path/store` and `tmp_path/ca`: a copy of the
    folders `build_unit` made once in this process (the copies are each test's own; the
    store's and the officers' ids are the same in every copy). Building costs some twenty
    seconds of CPU (17 processes, each logging in with Argon2id), and the slowest files of
    the suite start from it."""
    global _built_unit
    if _built_unit is None:
        scratch = Path(tempfile.mkdtemp(prefix="statement-room-unit-"))
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        _built_unit = build_unit(scratch)
    store, ca = tmp_path / "store", tmp_path / "ca"
    shutil.copytree(_built_unit[0], store)
    shutil.copytree(_built_unit[1], ca)
    return store, ca


def test_a_statement_from_init_to_verified_export_on_the_command_line(tmp_path: Path) -> None:
    store, ca = build_unit(tmp_path)
    workdir = ("--workdir", str(store))
    me = login(FIRST)

    # The case.
    case = last_json(ok(run_cli("case", "new", *workdir, "--number", CASE_NUMBER, "--cause",
                                "占道经营", "--place", "城北路12号", "--json", env=me)).stdout)
    listed = ok(run_cli("case", "list", *workdir, env=me)).stdout
    assert CASE_NUMBER in listed and "占道经营" in listed

    # The statement, its interviewee typed (the ID number is checked), named by case number.
    opened = last_json(ok(run_cli(
        "statement", "new", *workdir, "--case", CASE_NUMBER, "--place", "城北中队询问室",
        "--interviewer", FIRST[1], "--interviewer", SECOND[1], "--party-name", "测试人甲",
        "--party-id-number", "110101199003071233", "--party-phone", "13900000001", "--json",
        env=me)).stdout)
    statement_id = opened["statement"]
    assert opened["case"] == case["case"] and opened["turns"] > 0
    shown = last_json(ok(run_cli("statement", "show", *workdir, statement_id, "--json",
                                 env=me)).stdout)
    assert shown["recorder"] == SECOND[0] and shown["interviewers"] == [FIRST[0], SECOND[0]]

    # The opening answers, then the interview proper; an answer corrected once.
    for turn in shown["turns"]:
        if turn["kind"] == "answer":
            ok(run_cli("statement", "turn", "edit", *workdir, statement_id,
                       str(turn["number"]), "明白。", env=me))
    ok(run_cli("statement", "turn", "add", *workdir, statement_id, "--kind", "question",
               "你在城北路12号做什么？", env=me))
    answer = last_json(ok(run_cli("statement", "turn", "add", *workdir, statement_id,
                                  "--kind", "answer", "卖水果。", "--json", env=me)).stdout)
    edited = last_json(ok(run_cli("statement", "turn", "edit", *workdir, statement_id,
                                  str(answer["number"]), "在人行道上卖水果。", "--json",
                                  env=me)).stdout)
    assert edited["revision"] == 2
    text = ok(run_cli("statement", "show", *workdir, statement_id, env=me)).stdout
    assert f"{answer['number']:>3}  A: 在人行道上卖水果。\n" in text
    assert "A: 卖水果。" not in text

    # The statement list names the case, the party and the date.
    rows = last_json(ok(run_cli("statement", "list", *workdir, "--json", env=me)).stdout)
    [row] = rows["statements"]
    assert (row["id"], row["case_number"], row["party"], row["state"]) == (
        statement_id, CASE_NUMBER, "测试人甲", "draft")

    # Read-back; the party refuses to sign before a witness; each officer signs with their
    # own secret and the custodian seals. Someone else's password is refused.
    ok(run_cli("statement", "read-back", *workdir, statement_id, env=me))
    sign = ("statement", "sign", *workdir, "--statement", statement_id, "--refused",
            "当事人拒绝签名", "--witness", "见证人丁", "--custodian", ADMIN[1], "--json")
    forged = run_cli(*sign, env={**me, **own_secret(FIRST, ADMIN),
                                 "STATEMENT_ROOM_SECRET_OFF_003": FIRST[2]})
    assert forged.returncode == 1 and "Wrong password" in forged.stderr
    signed = last_json(ok(run_cli(*sign, env={**me, **own_secret(FIRST, SECOND, ADMIN)})).stdout)
    assert signed["pages"] >= 1

    # The signed PDF and the court package.
    pdf = tmp_path / "out" / "statement.pdf"
    missing_folder = run_cli("statement", "export-pdf", *workdir, statement_id, "--out",
                             str(pdf), env=me)
    assert missing_folder.returncode == 1 and "does not exist" in missing_folder.stderr
    pdf.parent.mkdir()
    exported = last_json(ok(run_cli("statement", "export-pdf", *workdir, statement_id,
                                    "--out", str(pdf), "--json", env=me)).stdout)
    assert exported["sha256"] == signed["sha256"]
    again = run_cli("statement", "export-pdf", *workdir, statement_id, "--out", str(pdf),
                    env=me)
    assert again.returncode == 1 and "--force" in again.stderr
    ok(run_cli("statement", "export-pdf", *workdir, statement_id, "--out", str(pdf), "--force",
               env=me))
    # Into a folder: named by case number and kind, never by the party.
    named = Path(last_json(ok(run_cli("statement", "export-pdf", *workdir, statement_id,
                                      "--out", str(pdf.parent) + "/", "--json",
                                      env=me)).stdout)["path"])
    assert named.parent == pdf.parent
    assert re.fullmatch(re.escape(CASE_NUMBER) + r"_询问笔录_\d{8}-\d{4}\.pdf", named.name), named
    package = last_json(ok(run_cli("export", *workdir, "--statement", statement_id, "--out",
                                   str(tmp_path / "out" / "court.zip"), "--json",
                                   env=me)).stdout)
    assert package["events"] > 0
    # The court package of this store holds against the unit root with the verifier it
    # carries, alone in a bare Python; without `cryptography` it says what it could not check.
    bag = tmp_path / "court"
    with zipfile.ZipFile(tmp_path / "out" / "court.zip") as archive:
        archive.extractall(bag)
    for flags, code, verdict in ((["-I"], 0, "证据包通过校验"),
                                 (["-I", "-S"], 3, "未能确立信任")):
        bag_check = subprocess.run(
            [sys.executable, *flags, "verify_package.py", "--root", str(ca / "root.cert.pem")],
            cwd=bag, capture_output=True, text=True, timeout=120, check=False,
            env={"PATH": os.environ.get("PATH", "")})
        assert bag_check.returncode == code, bag_check.stdout + bag_check.stderr
        assert verdict in bag_check.stdout and bag_check.stderr == ""
        five_signatures = "5 个签名（Certification、Interviewer1、Interviewer2、Recorder、Seal）"
        assert f"data/statement.pdf：{five_signatures}" in bag_check.stdout, bag_check.stdout
    assert "没有 cryptography 库" in bag_check.stdout

    # Verified offline against the unit root; without it nothing is trusted.
    root = ca / "root.cert.pem"
    verified = ok(run_cli("verify", str(pdf), "--trust", str(root), "--json"))
    report = json.loads(verified.stdout.strip().splitlines()[-1])
    assert report["bottom_line"] is True
    assert run_cli("verify", str(pdf), "--json").returncode != 0
    listed_after = last_json(ok(run_cli("statement", "list", *workdir, "--json",
                                        env=me)).stdout)
    assert listed_after["statements"][0]["state"] == "sealed"

    # Backed up to a folder, the backup verified, restored into a new folder: there the trail
    # holds, the sealed statement is listed, and its PDF comes out byte for byte the signed one.
    drive, restored = tmp_path / "drive", tmp_path / "restored"
    ok(run_cli("backup", "create", *workdir, "--to", str(drive), "--json", env=me))
    checked = last_json(ok(run_cli("backup", "verify", str(drive), "--json", env=me)).stdout)
    assert checked["problems"] == []
    back = last_json(ok(run_cli("backup", "restore", str(drive), "--workdir", str(restored),
                                "--json", env=me)).stdout)
    assert back["officers"] == 3
    there = ("--workdir", str(restored))
    trail = last_json(ok(run_cli("audit", "verify", *there, "--json", env=login(ADMIN))).stdout)
    assert trail["ok"] is True
    [kept] = last_json(ok(run_cli("statement", "list", *there, "--json", env=me)).stdout)[
        "statements"]
    assert (kept["id"], kept["case_number"], kept["state"]) == (statement_id, CASE_NUMBER,
                                                                "sealed")
    assert "在人行道上卖水果。" in ok(run_cli("statement", "show", *there, statement_id,
                                          env=me)).stdout
    copy = tmp_path / "restored-out" / "statement.pdf"
    copy.parent.mkdir()
    again_out = last_json(ok(run_cli("statement", "export-pdf", *there, statement_id, "--out",
                                     str(copy), "--json", env=me)).stdout)
    assert again_out["sha256"] == signed["sha256"]
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == signed["sha256"]
    restored_report = last_json(ok(run_cli("verify", str(copy), "--trust", str(root),
                                           "--json")).stdout)
    assert restored_report["bottom_line"] is True
