"""The officers sign in turn in the GUI, each with their own password (issue 10 §2).

After the interviewee has signed, each officer of the statement types their own password in
their own row and the seal custodian theirs; the PDF then carries each officer's signature
under their own certificate. A wrong password is shown beside its officer with the tries
left, signs nothing and keeps what the interviewee signed; the logged-in officer cannot sign
for another by typing their own password in the other's row.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.x509 import load_pem_x509_certificate
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.documents.stamps import DPI as STAMP_DPI
from desktop.documents.token_signer import TokenRef
from desktop.domain.ids import new_id
from desktop.domain.model import Action, Officer, StatementKind, StatementState
from desktop.services import interview, keys, signing
from desktop.services.officer_signing import Roster, Seat
from desktop.store import audit, documents
from desktop.ui.context import AppContext
from desktop.ui.readback import ReadBackFlow
from desktop.ui.readback.officer_signing import OfficerSigningPanel
from tests.conftest import PASSWORD, SECOND_PASSWORD, World, provision_world_keys
from tests.poppler import poppler_tool
from tests.ui.readback.conftest import (
    choose_typed,
    in_read_back,
    officer_panel,
    type_secrets,
    write_on,
)
from tests.ui.readback.test_flow import sign_every_page
from verification.pdf import verify_pdf

LEFT = Qt.MouseButton.LeftButton
WRONG = "Wrong2026password"


def signed_by(pdf: bytes, root: Path) -> dict[str, str]:
    report = verify_pdf(pdf, [load_pem_x509_certificate(root.read_bytes())])
    assert report.bottom_line, report.reasons
    return {s.field_name: s.signer for s in report.signatures}


def still_in_read_back(flow: ReadBackFlow, world: World, pages: int) -> None:
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK
    assert flow.preview is None
    assert len(flow.session.signatures.signatures) == pages  # nothing the party signed is lost
    assert world.store.conn.execute(
        "SELECT count(*) FROM statement_documents").fetchone()[0] == 0


def test_each_officer_authenticates_and_the_pdf_carries_their_signatures(
    open_flow: ReadBackFlow, world: World, keyed: Path, qtbot: QtBot
) -> None:
    sign_every_page(qtbot, open_flow)
    panel = officer_panel(qtbot, open_flow)
    assert open_flow.party_window is not None and not open_flow.party_window.isVisible()
    assert [(r.seat.officer.name, r.seat.officer.certificate_no) for r in panel.rows] == [
        (world.admin.name, "TEST0001"), (world.second.name, "TEST0002")]
    assert panel.rows[0].details.text() == "Interviewer · certificate No. TEST0001"
    assert panel.rows[1].details.text() == ("Interviewer and recorder · certificate No. "
                                            "TEST0002")
    assert all(r.secret_label.text() == "Password" for r in panel.rows)
    assert all(r.secret.echoMode() == r.secret.EchoMode.Password for r in panel.rows)
    assert [panel.custodian.itemText(i) for i in range(panel.custodian.count())] == [
        f"{world.admin.name} (TEST0001)"]
    # An empty field is named; nothing is tried.
    qtbot.mouseClick(panel.sign_button, LEFT)
    assert panel.rows[0].error.text() == f"{world.admin.name} enters their own password or " \
                                         "token PIN."
    assert open_flow.preview is None

    type_secrets(qtbot, panel, world)
    with qtbot.waitSignal(open_flow.signed, timeout=60_000):
        qtbot.mouseClick(panel.sign_button, LEFT)
    assert all(r.secret.text() == "" for r in panel.rows) and not panel.custodian_secret.text()
    assert interview.get(world.store, world.statement.id).state is StatementState.SEALED
    pdf = documents.signed_document(world.store.conn, world.statement.id)
    signers = signed_by(pdf, keyed)
    assert world.admin.name in signers["Interviewer1"]
    assert world.second.name in signers["Interviewer2"]
    assert world.second.name in signers["Recorder"]
    assert "Seal" in signers
    # The trail says who authenticated for each signature, and how.
    applied = [json.loads(e.details) for e in audit.events_about(world.store.conn,
                                                                  world.statement.id)
               if e.action == Action.SIGNATURE_APPLIED.value]
    by_field = {d["field"]: d for d in applied}
    assert by_field["Interviewer1"]["signer"] == world.admin.id
    assert by_field["Recorder"]["signer"] == world.second.id
    assert by_field["Seal"]["signer"] == world.admin.id
    assert {by_field[f]["method"] for f in by_field if not f.startswith("Party")} == {
        "password"}


def test_a_wrong_password_is_shown_beside_its_officer_and_signs_nothing(
    open_flow: ReadBackFlow, world: World, keyed: Path, qtbot: QtBot
) -> None:
    sign_every_page(qtbot, open_flow)
    pages = open_flow.session.page_count
    panel = officer_panel(qtbot, open_flow)
    type_secrets(qtbot, panel, world, {world.admin.id: PASSWORD, world.second.id: WRONG})
    qtbot.mouseClick(panel.sign_button, LEFT)
    admin_row, second_row = panel.rows
    assert second_row.error.isVisible()
    assert second_row.error.text().startswith("Wrong password.")
    assert re.search(r"\b4 more\b", second_row.error.text())  # tries left, from the service
    assert not admin_row.error.isVisible()
    assert panel.status.text() == "Nothing was signed; the interviewee's signatures are kept."
    assert all(r.secret.text() == "" for r in panel.rows) and not panel.custodian_secret.text()
    assert panel.sign_button.isEnabled() and open_flow.stack.currentWidget() is panel
    still_in_read_back(open_flow, world, pages)

    type_secrets(qtbot, panel, world)
    with qtbot.waitSignal(open_flow.signed, timeout=60_000):
        qtbot.mouseClick(panel.sign_button, LEFT)
    assert interview.get(world.store, world.statement.id).state is StatementState.SEALED
    signers = signed_by(documents.signed_document(world.store.conn, world.statement.id), keyed)
    assert {f"Party{p + 1}" for p in range(pages)} <= set(signers)


def test_the_logged_in_officer_cannot_sign_for_another(
    open_flow: ReadBackFlow, world: World, keyed: Path, qtbot: QtBot
) -> None:
    assert open_flow.ctx.require_store().officer.id == world.admin.id
    sign_every_page(qtbot, open_flow)
    pages = open_flow.session.page_count
    panel = officer_panel(qtbot, open_flow)
    # The administrator, logged in, types their own password in the second officer's row.
    type_secrets(qtbot, panel, world, {world.admin.id: PASSWORD, world.second.id: PASSWORD})
    qtbot.mouseClick(panel.sign_button, LEFT)
    assert panel.rows[1].error.text().startswith("Wrong password.")
    still_in_read_back(open_flow, world, pages)
    # Nor does the second officer's password apply the seal the administrator keeps.
    type_secrets(qtbot, panel, world, seal=SECOND_PASSWORD)
    qtbot.mouseClick(panel.sign_button, LEFT)
    assert panel.seal_error.isVisible()
    assert panel.seal_error.text().startswith("Wrong password.")
    assert not any(r.error.isVisible() for r in panel.rows)
    still_in_read_back(open_flow, world, pages)
    # Going back keeps every page the interviewee signed.
    qtbot.mouseClick(panel.back_button, LEFT)
    assert open_flow.stack.currentWidget() is open_flow.work_area
    assert open_flow.status.text() == "Not signed yet: the interviewee's signatures are kept."
    assert open_flow.pages.item(0).text() == "Page 1: signed"


def test_an_officer_may_sign_by_hand_into_their_box(
    open_flow: ReadBackFlow, world: World, keyed: Path, qtbot: QtBot, tmp_path: Path
) -> None:
    sign_every_page(qtbot, open_flow)
    panel = officer_panel(qtbot, open_flow)
    admin_row = panel.rows[0]
    assert not admin_row.pad_panel.isVisible()
    qtbot.mouseClick(admin_row.hand_button, LEFT)
    assert admin_row.pad_panel.isVisible()
    write_on(qtbot, admin_row.pad_panel.pad)
    type_secrets(qtbot, panel, world)
    with qtbot.waitSignal(open_flow.signed, timeout=60_000):
        qtbot.mouseClick(panel.sign_button, LEFT)
    pdf = documents.signed_document(world.store.conn, world.statement.id)
    signed_by(pdf, keyed)
    # The officers' boxes are images on the last page; only the administrator's carries
    # handwriting (blue-black ink, where the printed lines are grey-black).
    rendered = signing.prepare(world.store, world.statement.id,
                               open_flow.session.declaration)
    _page, _x, _y, w, h = rendered.signature_boxes["interviewer1"][0]
    box = (round(w / 72 * STAMP_DPI), round(h / 72 * STAMP_DPI))
    last = rendered.page_count
    tool = poppler_tool("pdfimages")
    listing = subprocess.run([tool, "-list", "-f", str(last), "-l", str(last), "-"],
                             input=pdf, capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in listing.splitlines()[2:]]
    subprocess.run([tool, "-png", "-f", str(last), "-l", str(last), "-", str(tmp_path / "im")],
                   input=pdf, check=True)
    files = sorted(tmp_path.glob("im-*.png"))
    assert len(files) == len(rows)

    def inked(path: Path) -> bool:
        with Image.open(path) as image:
            data = image.convert("RGB").tobytes()
        return any(data[i + 2] - data[i] > 25 for i in range(0, len(data), 3))

    officer_boxes = [f for f, row in zip(files, rows, strict=True)
                     if row[2] == "image" and (int(row[3]), int(row[4])) == box]
    assert len(officer_boxes) >= 3  # two interviewers and the recorder
    assert sum(inked(f) for f in officer_boxes) == 1


def test_a_key_on_a_token_asks_for_its_pin(world: World, qtbot: QtBot) -> None:
    roster = Roster((Seat(world.admin, "Interviewer", False),
                     Seat(world.second, "Interviewer and recorder", True)), (world.admin,), ())
    panel = OfficerSigningPanel(roster, 0, "ab" * 32)
    qtbot.addWidget(panel)
    assert [r.secret_label.text() for r in panel.rows] == ["Password", "Token PIN"]
    assert panel.rows[1].secret.placeholderText() == f"{world.second.name}'s token PIN"
    submitted: list[object] = []
    panel.submitted.connect(submitted.append)
    qtbot.keyClicks(panel.rows[0].secret, PASSWORD)
    qtbot.keyClicks(panel.rows[1].secret, "123456")
    qtbot.keyClicks(panel.custodian_secret, PASSWORD)
    qtbot.mouseClick(panel.sign_button, LEFT)
    [credentials] = submitted
    assert credentials.secrets == {world.admin.id: PASSWORD,  # type: ignore[attr-defined]
                                   world.second.id: "123456"}
    assert PASSWORD not in repr(credentials) and "123456" not in repr(credentials)
    assert not any(r.secret.text() for r in panel.rows)


def test_an_officer_with_a_token_signs_with_its_pin(
    ui_ctx: AppContext, world: World, qtbot: QtBot, pki: Any, softhsm: Any
) -> None:
    """The first interviewer's key is on a SoftHSM2 token: their row asks for the token's
    PIN, a wrong PIN is refused beside them, the right one signs through PKCS#11."""
    unit_keys = provision_world_keys(world)
    token_officer = Officer(id=new_id(), name=pki.officers[0].name,
                            certificate_no="11010120230001", unit=world.admin.unit)
    world.store.add_officer(token_officer, "Token2026password")
    pki_root = pki.root.certificate.public_bytes(serialization.Encoding.PEM)
    keys.add_trust_root(world.store, pki_root)
    ref = TokenRef(module_path=softhsm.module_path, token_label=softhsm.officer_token,
                   key_id=softhsm.key_id.hex())
    keys.import_token_key(world.store, token_officer.id, ref.to_json(),
                          pki.officers[0].certificate)
    world.statement = interview.open_statement(
        world.store, case_id=world.case.id, interviewee_id=world.party.id,
        kind=StatementKind.INQUIRY, place="询问室",
        interviewers=(token_officer.id, world.second.id), recorder_id=world.second.id)
    in_read_back(world, long=False)
    flow = ReadBackFlow(ui_ctx, world.statement.id)
    qtbot.addWidget(flow)
    choose_typed(qtbot, flow)
    sign_every_page(qtbot, flow)
    panel = officer_panel(qtbot, flow)
    token_row, second_row = panel.rows
    assert token_row.seat.officer.id == token_officer.id and token_row.seat.token
    assert (token_row.secret_label.text(), second_row.secret_label.text()) == (
        "Token PIN", "Password")
    secrets = {token_officer.id: "0000", world.second.id: SECOND_PASSWORD}
    type_secrets(qtbot, panel, world, secrets)
    qtbot.mouseClick(panel.sign_button, LEFT)
    assert token_row.error.text().startswith("Wrong token PIN"), token_row.error.text()
    still_in_read_back(flow, world, flow.session.page_count)

    type_secrets(qtbot, panel, world, {**secrets, token_officer.id: softhsm.user_pin})
    with qtbot.waitSignal(flow.signed, timeout=60_000):
        qtbot.mouseClick(panel.sign_button, LEFT)
    pdf = documents.signed_document(world.store.conn, world.statement.id)
    report = verify_pdf(pdf, [load_pem_x509_certificate(unit_keys.root_pem),
                              pki.root.certificate])
    assert report.bottom_line, report.reasons
    assert {s.field_name: s.signer for s in report.signatures}["Interviewer1"] == \
        token_officer.name
    if flow.party_window is not None:
        flow.party_window.close()
