"""A decision's documents on a real store: the decision document (决定书) of a decision still
needing legal review is read but not signed, and says why; once the reviewer approved, the
prior notice (事先告知书) is signed for receipt by the party on the pad and the decision served
with a refusal and its witness, both signed by the officers with their own passwords and
sealed, exported, and valid for pyHanko and pdfsig; a wrong officer password is shown beside
that officer and signs nothing; the party's window shows nothing behind the screen lock."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from cryptography.x509 import load_pem_x509_certificate
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from desktop.domain.model import Action
from desktop.domain.penalty import DecisionState, PenaltyDocumentKind
from desktop.services import penalty, penalty_documents
from desktop.services.printouts import PrintKind
from desktop.store import audit
from desktop.ui.main_window import MainWindow
from desktop.ui.penalty import PenaltyDocumentsDialog
from desktop.ui.penalty.documents_dialog import open_documents
from desktop.ui.readback.officer_signing import OfficerSigningPanel
from tests.conftest import PASSWORD, SECOND_PASSWORD
from tests.poppler import poppler_tool
from tests.ui.penalty.conftest import Bureau
from tests.ui.readback.conftest import write_on
from tests.ui.test_lock import lock_by_shortcut
from verification.pdf import verify_pdf

NOTICE = "Prior notice of administrative penalty"
DECISION = "Administrative penalty decision"


def documents(bureau: Bureau, qtbot: QtBot, decision_id: str) -> PenaltyDocumentsDialog:
    dialog = open_documents(bureau.ctx, decision_id)
    qtbot.addWidget(dialog)
    dialog.ask = lambda _text: True
    return dialog


def party_signs(qtbot: QtBot, dialog: PenaltyDocumentsDialog) -> None:
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    party = dialog.party_window
    assert party is not None and party.isVisible()
    assert party.viewer.images and party.viewer.position.text().startswith("Page 1 of ")
    qtbot.mouseClick(party.confirm_button, Qt.MouseButton.LeftButton)  # nothing written yet
    assert party.message.text() == "Please sign in the box first."
    write_on(qtbot, party.pad_panel.pad)
    qtbot.mouseClick(party.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.party_window is None
    assert dialog.status.text() == ("The party signed for receipt. The officers can now sign "
                                    "and seal.")


def officer_panel(qtbot: QtBot, dialog: PenaltyDocumentsDialog) -> OfficerSigningPanel:
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    panel = dialog.officer_panel
    assert panel is not None and dialog.stack.currentWidget() is panel, dialog.status.text()
    return panel


def type_secrets(qtbot: QtBot, panel: OfficerSigningPanel, bureau: Bureau,
                 wrong: str | None = None) -> None:
    """Each officer types their own password (`wrong` for the case officer, if given) and
    the administrator, the seal custodian, types theirs."""
    for row in panel.rows:
        row.secret.clear()
        own = bureau.passwords[row.seat.officer.id]
        typed = wrong if wrong is not None and row.seat.officer.id == bureau.world.second.id \
            else own
        qtbot.keyClicks(row.secret, typed)
    panel.custodian_secret.clear()
    qtbot.keyClicks(panel.custodian_secret, PASSWORD)


def officers_sign(qtbot: QtBot, dialog: PenaltyDocumentsDialog, bureau: Bureau) -> None:
    panel = officer_panel(qtbot, dialog)
    assert [row.seat.officer.name for row in panel.rows] == [bureau.world.second.name,
                                                             bureau.world.admin.name]
    assert [row.seat.part for row in panel.rows] == ["Case officer", "Enforcement officer"]
    type_secrets(qtbot, panel, bureau)
    with qtbot.waitSignal(dialog.document_signed, timeout=120_000):
        qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    assert dialog.stack.currentWidget() is dialog.work_area


def pdfsig(pdf: Path) -> str:
    return subprocess.run([poppler_tool("pdfsig"), str(pdf)], capture_output=True, text=True,
                          check=False).stdout


def test_a_decision_waiting_for_review_is_read_but_not_signed(bureau: Bureau,
                                                              qtbot: QtBot) -> None:
    decision = bureau.decide(review=True)
    dialog = documents(bureau, qtbot, decision.id)
    assert dialog.isVisible()
    assert dialog.document_texts() == [f"{NOTICE}\nNot signed yet",
                                       f"{DECISION}\nNot signed yet"]
    # The prior notice needs only the chosen penalty: it may be served during the review.
    assert dialog.kind is PenaltyDocumentKind.PRIOR_NOTICE and not dialog.blocked.isVisible()
    assert dialog.show_button.isEnabled()
    # The decision may not be signed before the reviewer approves it: it says so.
    dialog.documents.setCurrentRow(1)
    assert dialog.kind is PenaltyDocumentKind.DECISION
    assert dialog.blocked.isVisible() and dialog.blocked.text().startswith(
        "Cannot be signed: This decision needs legal review (法制审核, art. 58 of the "
        "Administrative Penalty Law)")
    assert dialog.viewer.images  # the decision can be read
    assert dialog.status.text() == (f"{DECISION}: shown for reading only; the decision cannot "
                                    "be signed yet.")
    for button in (dialog.show_button, dialog.refuse_button, dialog.sign_button):
        assert not button.isEnabled()
    dialog.sign_and_seal()  # asked anyway (a shortcut): refused in words, nothing opens
    assert dialog.officer_panel is None
    assert dialog.status.text().startswith("This decision needs legal review")
    assert penalty_documents.documents(bureau.store, decision.id) == []


def test_after_approval_the_notice_and_the_decision_are_served_signed_and_valid(
        bureau: Bureau, qtbot: QtBot, tmp_path: Path) -> None:
    decision = bureau.decide(review=True)
    bureau.as_reviewer()
    penalty.approve(bureau.store, decision.id, "同意。",
                    secret=bureau.passwords[bureau.reviewer.id])
    bureau.as_officer()
    dialog = documents(bureau, qtbot, decision.id)
    assert not dialog.blocked.isVisible()
    assert dialog.kind is PenaltyDocumentKind.PRIOR_NOTICE and dialog.drafted is not None
    assert dialog.status.text() == (f"{NOTICE}: {dialog.drafted.document.page_count} page(s). "
                                    "Show it to the party to read and sign for receipt.")
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)  # before the party
    assert dialog.officer_panel is None
    assert dialog.status.text().startswith("The party has not signed for receipt.")
    # The decision waits for the notice to be served.
    dialog.documents.setCurrentRow(1)
    assert dialog.blocked.text().startswith("Cannot be signed: Serve the prior notice")
    dialog.documents.setCurrentRow(0)
    assert not dialog.blocked.isVisible()

    # The prior notice: the party reads and signs for receipt; the officers sign and seal.
    party_signs(qtbot, dialog)
    officers_sign(qtbot, dialog, bureau)
    notice_text = dialog.document_texts()[0]
    assert notice_text.startswith(f"{NOTICE}\nSigned, No. ") and "〔2026〕" in notice_text
    assert "is signed and sealed and kept" in dialog.status.text()
    assert dialog.export_button.isEnabled() and dialog.print_button.isEnabled()
    assert dialog.documents.currentRow() == 0 and dialog.viewer.images
    dialog.export_to(tmp_path / "notice.pdf")
    assert dialog.status.text() == f"Exported to {tmp_path / 'notice.pdf'}"
    # Printed as signed, in a preview; the print is kept in the audit trail.
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    preview = dialog.print_dialog
    assert preview is not None and preview.isVisible() and NOTICE in preview.windowTitle()
    qtbot.waitUntil(lambda: preview.pages_printed >= 2)
    preview.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    preview.printer().setOutputFileName(str(tmp_path / "notice-printed.pdf"))
    preview.accept()  # what its Print button does after printing
    notice_id = penalty_documents.documents(bureau.store, decision.id)[0].id
    printed = [json.loads(r.details) for r in audit.events_about(bureau.store.conn, notice_id)
               if r.action == Action.DOCUMENT_EXPORTED]
    assert printed[-1]["pages"] == preview.pages_printed
    # Audited as the print of a penalty document, not of a statement.
    assert printed[-1]["kind"] == PrintKind.PENALTY_DOCUMENT.value == "print_penalty_document"
    assert printed[-1]["printer"] == f"PDF file {tmp_path / 'notice-printed.pdf'}"
    assert dialog.status.text() == (f"Printed {preview.pages_printed} page(s) on PDF file "
                                    f"{tmp_path / 'notice-printed.pdf'}.")

    # The decision waits for the notice's five days to state and defend (art. 45) ...
    dialog.documents.setCurrentRow(1)
    assert dialog.kind is PenaltyDocumentKind.DECISION
    assert dialog.blocked.isVisible() and "state their case" in dialog.blocked.text()
    bureau.clock.advance(days=6)  # ... which have run out now
    dialog.reload(select=PenaltyDocumentKind.DECISION)

    # The decision: the party refuses to sign for it; a witness is recorded.
    assert dialog.kind is PenaltyDocumentKind.DECISION and dialog.drafted is not None
    assert not dialog.blocked.isVisible()
    qtbot.mouseClick(dialog.refuse_button, Qt.MouseButton.LeftButton)
    refusal = dialog.refusal_dialog
    assert refusal is not None and refusal.isVisible()
    refusal.reason.setPlainText("当事人称不认可处罚，拒绝签收。")
    refusal.witness_name.setText("测试见证人")
    refusal.accept()
    assert dialog.status.text().startswith("Refusal recorded, witnessed by 测试见证人")
    assert dialog.withdraw_button.isVisible() and not dialog.show_button.isEnabled()
    officers_sign(qtbot, dialog, bureau)
    assert dialog.document_texts()[1].startswith(f"{DECISION}\nSigned, No. ")
    assert "Decided (signed)" in dialog.header.text()
    dialog.export_to(tmp_path / "decision.pdf")

    root = load_pem_x509_certificate(bureau.root_pem)
    for name, fields in (("notice.pdf", {"Receipt", "Officer1", "Officer2", "Seal"}),
                         ("decision.pdf", {"Officer1", "Officer2", "Seal"})):
        pdf = (tmp_path / name).read_bytes()
        report = verify_pdf(pdf, [root])
        assert report.bottom_line, (name, report.reasons)
        assert fields <= {s.field_name for s in report.signatures}
        output = pdfsig(tmp_path / name)
        assert output.count("Signature is Valid.") == len(report.signatures), output
    kept = penalty_documents.documents(bureau.store, decision.id)
    assert [k.kind for k in kept] == [PenaltyDocumentKind.PRIOR_NOTICE,
                                      PenaltyDocumentKind.DECISION]
    assert penalty.get(bureau.store, decision.id).state is DecisionState.DECIDED


def test_a_wrong_officer_password_signs_nothing(bureau: Bureau, qtbot: QtBot) -> None:
    decision = bureau.decide(review=False)
    dialog = documents(bureau, qtbot, decision.id)
    party_signs(qtbot, dialog)
    panel = officer_panel(qtbot, dialog)
    type_secrets(qtbot, panel, bureau, wrong="not-my-password")
    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    row = panel.row_of(bureau.world.second.id)
    assert row.error.isVisible() and "password" in row.error.text().lower()
    assert panel.status.text() == ("Nothing was signed; the party's signature for receipt is "
                                   "kept.")
    assert dialog.receipt is not None
    assert penalty_documents.documents(bureau.store, decision.id) == []
    # Typed again, right: signed with the receipt captured before.
    type_secrets(qtbot, panel, bureau)
    with qtbot.waitSignal(dialog.document_signed, timeout=120_000):
        qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    assert len(penalty_documents.documents(bureau.store, decision.id)) == 1


def test_the_party_window_shows_nothing_while_the_screen_is_locked(bureau: Bureau,
                                                                   qtbot: QtBot) -> None:
    decision = bureau.decide(review=False)
    window = MainWindow(bureau.ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True  # the world fixture closes the store itself
    window.show()
    dialog = documents(bureau, qtbot, decision.id)
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    party = dialog.party_window
    assert party is not None and party.isVisible() and party.viewer.isVisible()
    lock = lock_by_shortcut(window, qtbot)
    assert not dialog.isVisible()
    # The party's screen stays up but shows only that it is locked.
    assert party.isVisible() and party.is_locked()
    assert not party.viewer.isVisible() and not party.pad_panel.isVisible()
    assert party.locked_page.isVisible()
    assert bureau.world.party.name not in party.locked_page.text()
    with qtbot.waitSignal(lock.accepted):
        qtbot.keyClicks(lock.password, SECOND_PASSWORD)  # the case officer is logged in
        qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    assert dialog.isVisible() and party.viewer.isVisible() and not party.is_locked()


def test_a_party_who_waives_the_notices_periods_is_decided_the_same_day(
        bureau: Bureau, qtbot: QtBot, tmp_path: Path) -> None:
    """The waiver box prints the party's waiver above their signature for the notice; with
    it, the decision need not wait for the five days (art. 45)."""
    decision = bureau.decide(review=False)
    dialog = documents(bureau, qtbot, decision.id)
    assert dialog.kind is PenaltyDocumentKind.PRIOR_NOTICE and dialog.drafted is not None
    assert dialog.waiver_box.isVisible() and not dialog.waiver_box.isChecked()
    assert not dialog.drafted.document.content.waiver
    dialog.waiver_box.setChecked(True)  # the page is prepared again, with the waiver on it
    assert dialog.drafted is not None and "自愿放弃" in dialog.drafted.document.content.waiver
    party_signs(qtbot, dialog)
    officers_sign(qtbot, dialog, bureau)
    [notice] = penalty_documents.documents(bureau.store, decision.id)
    assert notice.rights_waived
    assert not dialog.waiver_box.isVisible()  # the notice is signed: nothing to tick
    dialog.documents.setCurrentRow(1)
    assert dialog.kind is PenaltyDocumentKind.DECISION and not dialog.blocked.isVisible()
    assert not dialog.waiver_box.isVisible()
