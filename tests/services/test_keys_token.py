"""An officer whose key is on a hardware token (SoftHSM2 through PKCS#11) signs a statement
on a real store with the token's PIN; the PIN is never stored and the audit says "token"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import load_pem_x509_certificate

from desktop.documents.token_signer import TokenRef
from desktop.domain.ids import new_id
from desktop.domain.model import Action, Officer, StatementKind, StatementState, TurnKind
from desktop.services import interview, keys, signing
from desktop.store import audit
from desktop.store.store import WrongCredentials
from tests.conftest import PASSWORD, SECOND_PASSWORD, World, provision_world_keys
from tests.poppler import all_trusted, certificate_verdicts, pdfsig_trusting
from tests.services.test_signing import all_pages_signed
from verification.pdf import verify_pdf

TOKEN_OFFICER_PASSWORD = "Token2026password"


def test_an_officer_signs_with_the_key_on_a_token(world: World, pki: Any, softhsm: Any,
                                                  tmp_path: Path) -> None:
    unit_keys = provision_world_keys(world)
    # The token holds interviewer 1 of the test PKI: an officer of the store with that number.
    name, number, _stem = pki.officers[0].name, "11010120230001", None
    token_officer = Officer(id=new_id(), name=name, certificate_no=number,
                            unit=world.admin.unit)
    world.store.add_officer(token_officer, TOKEN_OFFICER_PASSWORD)
    pki_root = pki.root.certificate.public_bytes(serialization.Encoding.PEM)
    keys.add_trust_root(world.store, pki_root)
    ref = TokenRef(module_path=softhsm.module_path, token_label=softhsm.officer_token,
                   key_id=softhsm.key_id.hex())
    identity = keys.import_token_key(world.store, token_officer.id, ref.to_json(),
                                     pki.officers[0].certificate)
    assert identity.kind == "pkcs11" and softhsm.user_pin not in (identity.token_ref or "")

    statement = interview.open_statement(
        world.store, case_id=world.case.id, interviewee_id=world.party.id,
        kind=StatementKind.INQUIRY, place="询问室", interviewers=(token_officer.id,
                                                                 world.second.id),
        recorder_id=world.second.id)
    for turn in statement.turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(world.store, turn.id, "明白。")
    interview.start_read_back(world.store, statement.id)
    world.statement = interview.get(world.store, statement.id)

    with pytest.raises(signing.SignerRefused, match="Wrong token PIN") as refused:
        signing.unlock_team(world.store, statement.id,
                            {token_officer.id: "0000", world.second.id: SECOND_PASSWORD,
                             world.admin.id: PASSWORD}, custodian_id=world.admin.id)
    assert refused.value.slot == token_officer.id
    assert isinstance(refused.value.__cause__, WrongCredentials)  # counted like a login
    team = signing.unlock_team(world.store, statement.id,
                               {token_officer.id: softhsm.user_pin,
                                world.second.id: SECOND_PASSWORD, world.admin.id: PASSWORD},
                               custodian_id=world.admin.id)
    try:
        signed = signing.sign_statement(world.store, statement.id, all_pages_signed(world),
                                        team=team)
    finally:
        team.close()
    assert interview.get(world.store, statement.id).state is StatementState.SEALED
    roots = unit_keys.root_pem + pki_root
    report = verify_pdf(signed.pdf, [load_pem_x509_certificate(unit_keys.root_pem),
                                     pki.root.certificate])
    assert report.bottom_line, report.reasons
    pdf = tmp_path / "token-signed.pdf"
    pdf.write_bytes(signed.pdf)
    output = pdfsig_trusting(pdf, roots, tmp_path / "nss")
    assert output.count("Signature is Valid.") == len(report.signatures)
    assert all_trusted(output), output
    assert len(certificate_verdicts(output)) == len({s.signer for s in report.signatures})
    events = {d["field"]: d for d in (
        json.loads(e.details) for e in audit.events_about(world.store.conn, statement.id)
        if e.action == Action.SIGNATURE_APPLIED.value)}
    assert events["Interviewer1"]["method"] == "token"
    assert events["Interviewer1"]["token_serial"]
    assert events["Interviewer2"]["method"] == "password"
    failed = [e for e in audit.events_about(world.store.conn, identity.id)
              if e.action == Action.SIGNER_AUTH_FAILED.value]
    assert [json.loads(e.details)["method"] for e in failed] == ["token"]
