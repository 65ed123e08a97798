"""A real unit from the command line: `init`, `ca init`/`ca issue`, `keys add-root`/`import`,
then a statement signed by each officer in turn and sealed by the custodian, exported, and
checked by `statement-room verify --trust` and by pdfsig trusting the unit root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Case, StatementKind, StatementState, TurnKind
from desktop.services import interview, keys, records
from desktop.store import officers
from desktop.store.store import StorePaths, unlock
from tests.cli.helpers import last_json, run_cli
from tests.conftest import (
    PASSWORD,
    SECOND_PASSWORD,
    World,
    make_party,
    sign_as_team,
    without_recording_rule,
)
from tests.poppler import all_trusted, pdfsig_trusting
from tests.services.test_signing import all_pages_signed, ready_for_signing

UNIT = "示例区综合行政执法局城南中队"
ADMIN = ("管理员甲", "ADM-001", "Admin2026password")
FIRST = ("队员乙", "OFF-002", "Officer2026password")
SECOND = ("队员丙", "OFF-003", "Officer2026secret")
CA_PASS = "Ca-root-2026-passphrase"
P12_PASS = "P12-2026-passphrase"


def secrets(*people: tuple[str, str, str]) -> dict[str, str]:
    return {f"STATEMENT_ROOM_SECRET_{number.replace('-', '_')}": password
            for _name, number, password in people}


def login(person: tuple[str, str, str]) -> dict[str, str]:
    return {"STATEMENT_ROOM_OFFICER": person[1], "STATEMENT_ROOM_PASSWORD": person[2]}


def ok(result: object) -> None:
    assert result.returncode == 0, (result.stdout, result.stderr)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def unit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store made by `init`, two more officers, the unit CA and every key imported (once
    for this module: each command is a real process, about a second each)."""
    tmp_path = tmp_path_factory.mktemp("unit")
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
    issued = {"device": ["--kind", "device", "--name", "SR-110102-01"],
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
               str(ca / "seal.p12"), "--custodian", ADMIN[1], env={**admin, **secrets(ADMIN)}))
    for person in (ADMIN, FIRST, SECOND):
        ok(run_cli("keys", "import", "--workdir", str(store), "--role", "officer", "--p12",
                   str(ca / f"{person[1]}.p12"), "--for", person[1],
                   env={**admin, **secrets(person)}))
    return tmp_path


def statement_in_read_back(store_dir: Path) -> str:
    """Interviewed by the first and second officer (the second records), up to read-back."""
    with unlock(StorePaths(store_dir), FIRST[1], FIRST[2]) as store:
        first = officers.find_by_certificate(store.conn, FIRST[1])
        second = officers.find_by_certificate(store.conn, SECOND[1])
        assert first is not None and second is not None
        case = records.create_case(store, Case(id=new_id(), number="测试〔2026〕7号",
                                               cause="违停", matter="违停", place="测试路"))
        party = records.record_party(store, make_party())
        statement = interview.open_statement(
            store, case_id=case.id, interviewee_id=party.id, kind=StatementKind.INQUIRY,
            place="询问室", interviewers=(first.id, second.id), recorder_id=second.id)
        for turn in statement.turns:
            if turn.kind is TurnKind.ANSWER:
                interview.save_turn(store, turn.id, "明白。")
        interview.start_read_back(store, statement.id)
        return statement.id


def test_keys_are_listed_with_their_chain_and_holders(unit: Path) -> None:
    listing = run_cli("keys", "list", "--workdir", str(unit / "store"), "--json",
                      env=login(FIRST))
    ok(listing)
    keys = last_json(listing.stdout)["keys"]
    assert sorted(k["role"] for k in keys) == ["device", "officer", "officer", "officer", "seal"]
    seal = next(k for k in keys if k["role"] == "seal")
    assert seal["holders"] == [ADMIN[0]] and seal["subject"] == UNIT + "执法专用章"
    assert all(k["chain"][-1].endswith("电子笔录签名根证书") for k in keys)
    assert all(k["status"] == "active" for k in keys)


def test_each_officer_signs_in_turn_and_the_custodian_seals(unit: Path, tmp_path: Path) -> None:
    store_dir = unit / "store"
    statement_id = statement_in_read_back(store_dir)
    sign = ("statement", "sign", "--workdir", str(store_dir), "--statement", statement_id,
            "--refused", "当事人拒绝签名", "--witness", "见证人丁", "--custodian", ADMIN[1],
            "--json")
    # Logged in as the first officer, who knows only their own password: refused.
    forged = run_cli(*sign, env={**login(FIRST), **secrets(FIRST),
                                 "STATEMENT_ROOM_SECRET_OFF_003": FIRST[2],
                                 "STATEMENT_ROOM_SECRET_ADM_001": FIRST[2]})
    assert forged.returncode == 1
    assert "Wrong password" in forged.stderr
    with unlock(StorePaths(store_dir), FIRST[1], FIRST[2]) as store:
        assert interview.get(store, statement_id).state is StatementState.READ_BACK
    signed = run_cli(*sign, env={**login(FIRST), **secrets(FIRST, SECOND, ADMIN)})
    ok(signed)
    assert last_json(signed.stdout)["pages"] >= 1
    pdf = tmp_path / "statement.pdf"
    package = run_cli("export", "--workdir", str(store_dir), "--statement", statement_id,
                      "--out", str(tmp_path / "court.zip"), "--json", env=login(FIRST))
    ok(package)
    with unlock(StorePaths(store_dir), FIRST[1], FIRST[2]) as store:
        from desktop.store import documents

        pdf.write_bytes(documents.signed_document(store.conn, statement_id))
    root = unit / "ca" / "root.cert.pem"
    verified = run_cli("verify", str(pdf), "--trust", str(root), "--json")
    ok(verified)
    report = json.loads(verified.stdout.strip().splitlines()[-1])
    assert report["bottom_line"] is True
    assert all_trusted(pdfsig_trusting(pdf, root.read_bytes(), tmp_path / "nss"))
    untrusted = run_cli("verify", str(pdf), "--json")
    assert untrusted.returncode != 0


def test_keys_retire_keeps_old_documents_verifying_and_ends_signing(
    world: World, tmp_path: Path
) -> None:
    """`keys retire` from the command line: administrators only, once; the key is listed as
    retired, the statement it signed still verifies against the unit root, and its officer
    signs nothing more until a new key is imported."""
    root = ready_for_signing(world, tmp_path)
    signed = sign_as_team(world, all_pages_signed(world))
    pdf = tmp_path / "signed-before-retirement.pdf"
    pdf.write_bytes(signed.pdf)
    workdir = ("--workdir", str(world.paths.workdir))
    admin = {"STATEMENT_ROOM_OFFICER": world.admin.certificate_no,
             "STATEMENT_ROOM_PASSWORD": PASSWORD}
    plain = {"STATEMENT_ROOM_OFFICER": world.second.certificate_no,
             "STATEMENT_ROOM_PASSWORD": SECOND_PASSWORD}
    listed = run_cli("keys", "list", *workdir, "--json", env=admin)
    ok(listed)
    [key] = [k for k in last_json(listed.stdout)["keys"]
             if k["role"] == "officer" and k["officer"] == world.second.name]

    refused = run_cli("keys", "retire", *workdir, key["id"], env=plain)
    assert refused.returncode == 1
    assert "Only an administrator can manage signing keys." in refused.stderr
    by_fingerprint = run_cli("keys", "retire", *workdir, key["fingerprint"][:16], env=admin)
    ok(by_fingerprint)
    assert "Retired; documents signed with it still verify (Officer," in by_fingerprint.stdout
    again = run_cli("keys", "retire", *workdir, key["id"], env=admin)
    assert again.returncode == 1 and "This key is already retired." in again.stderr

    listed = run_cli("keys", "list", *workdir, "--json", env=admin)
    ok(listed)
    [after] = [k for k in last_json(listed.stdout)["keys"] if k["id"] == key["id"]]
    assert after["status"] == "retired" and after["retired_at"]
    assert after["fingerprint"] == key["fingerprint"]  # the certificate is kept
    verified = run_cli("verify", str(pdf), "--trust", str(root), "--json",
                       "--workdir", str(world.paths.workdir), env=plain)
    ok(verified)
    report = last_json(verified.stdout)
    assert report["bottom_line"] is True and report["record"]["exact"] is True
    with pytest.raises(UserError, match="has no signing key"):
        keys.unlock_signer(world.store, world.second.id, SECOND_PASSWORD)
