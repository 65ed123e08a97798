"""An officer whose key is on a UKey (a real SoftHSM2 token): registered with `keys
import-token` and signing with the token's PIN through `statement sign`, in real processes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from desktop.domain.ids import new_id
from desktop.domain.model import Action, Officer, StatementKind, StatementState, TurnKind
from desktop.services import interview, keys
from desktop.store import audit, documents, signing_keys
from tests.cli.helpers import last_json, run_cli
from tests.conftest import PASSWORD, SECOND_PASSWORD, World, provision_world_keys
from tests.poppler import all_trusted, pdfsig_trusting

TOKEN_NUMBER = "11010120230001"  # interviewer 1 of the test PKI, whose key is on the token


def test_a_token_key_is_registered_and_signs_with_its_pin(world: World, pki: Any,
                                                          softhsm: Any, tmp_path: Path) -> None:
    unit_keys = provision_world_keys(world)
    officer = Officer(id=new_id(), name=pki.officers[0].name, certificate_no=TOKEN_NUMBER,
                      unit=world.admin.unit)
    world.store.add_officer(officer, "Token2026password")
    keys.add_trust_root(world.store, pki.root.certificate.public_bytes(
        serialization.Encoding.PEM))
    workdir = str(world.paths.workdir)
    admin = {"STATEMENT_ROOM_OFFICER": world.admin.certificate_no,
             "STATEMENT_ROOM_PASSWORD": PASSWORD}
    # Without a label every token present is looked at (the empty slot SoftHSM always shows
    # is passed over): two hold a certificate, so the command asks which.
    ambiguous = run_cli("keys", "import-token", "--workdir", workdir, "--for", TOKEN_NUMBER,
                        "--module", softhsm.module_path, env=admin)
    assert ambiguous.returncode == 1 and "name one with --token-label" in ambiguous.stderr
    registered = run_cli("keys", "import-token", "--workdir", workdir, "--for", TOKEN_NUMBER,
                         "--module", softhsm.module_path, "--token-label",
                         softhsm.officer_token, env=admin)
    assert registered.returncode == 0, registered.stderr
    identity = signing_keys.active_identity(world.store.conn, signing_keys.OFFICER, officer.id)
    assert identity is not None and identity.kind == "pkcs11"
    assert softhsm.user_pin not in json.dumps(identity.token_ref)

    statement = interview.open_statement(
        world.store, case_id=world.case.id, interviewee_id=world.party.id,
        kind=StatementKind.INQUIRY, place="询问室", interviewers=(officer.id, world.second.id),
        recorder_id=world.second.id)
    for turn in statement.turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(world.store, turn.id, "明白。")
    interview.start_read_back(world.store, statement.id)
    sign = ("statement", "sign", "--workdir", workdir, "--statement", statement.id,
            "--refused", "拒绝签名", "--witness", "见证人戊", "--custodian",
            world.admin.certificate_no)
    secrets = {"STATEMENT_ROOM_SECRET_TEST0002": SECOND_PASSWORD,
               "STATEMENT_ROOM_SECRET_TEST0001": PASSWORD}
    wrong = run_cli(*sign, env={**admin, **secrets,
                                f"STATEMENT_ROOM_SECRET_{TOKEN_NUMBER}": "000000"})
    assert wrong.returncode == 1 and "Wrong token PIN" in wrong.stderr
    assert interview.get(world.store, statement.id).state is StatementState.READ_BACK
    signed = run_cli(*sign, env={**admin, **secrets,
                                 f"STATEMENT_ROOM_SECRET_{TOKEN_NUMBER}": softhsm.user_pin})
    assert signed.returncode == 0, signed.stderr
    assert interview.get(world.store, statement.id).state is StatementState.SEALED
    methods = {d["field"]: d["method"] for d in (
        json.loads(e.details) for e in audit.events_about(world.store.conn, statement.id)
        if e.action == Action.SIGNATURE_APPLIED.value)}
    assert methods == {"Interviewer1": "token", "Interviewer2": "password",
                       "Recorder": "password", "Seal": "password"}
    assert not any(softhsm.user_pin.encode() in p.read_bytes()
                   for p in Path(workdir).rglob("*") if p.is_file())
    # The signed PDF holds for `statement-room verify --trust` and for pdfsig, trusting the
    # unit root and the root that issued the token's certificate.
    pdf = tmp_path / "token-signed.pdf"
    exported = run_cli("statement", "export-pdf", "--workdir", workdir, statement.id, "--out",
                       str(pdf), env=admin)
    assert exported.returncode == 0, exported.stderr
    assert pdf.read_bytes() == documents.signed_document(world.store.conn, statement.id)
    roots = (tmp_path / "unit-root.pem", tmp_path / "token-root.pem")
    roots[0].write_bytes(unit_keys.root_pem)
    roots[1].write_bytes(pki.root.certificate.public_bytes(serialization.Encoding.PEM))
    verified = run_cli("verify", str(pdf), "--trust", str(roots[0]), "--trust", str(roots[1]),
                       "--json")
    assert verified.returncode == 0, verified.stderr
    report = last_json(verified.stdout)
    assert report["bottom_line"] is True
    assert all_trusted(pdfsig_trusting(pdf, b"".join(r.read_bytes() for r in roots),
                                       tmp_path / "nss"))
    untrusted = run_cli("verify", str(pdf), "--trust", str(roots[0]), "--json")
    assert untrusted.returncode != 0  # the token's root is needed for its signature
