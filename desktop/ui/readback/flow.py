"""The officer's read-back dialog: declaration, party window, refusal, correction, signing.

Opened on a statement already in read-back. It prepares the document with the declaration
the interviewee dictated, or with the ruled space where they write it by hand ("Handwritten
by the interviewee") (`readback.prepare_document`, on the store thread, with the page
images rendered there too), shows the pages, and opens the interviewee's window (`PartyWindow`)
where every page is signed and, if so chosen, the declaration written. From here the
officer can record a refusal to sign with its witness, return the statement to draft when
the interviewee asks for a correction, and, once every page is signed and the declaration
written (or the refusal recorded), the officers sign in turn, each with their own password
or token PIN, and a seal custodian applies the unit seal (`OfficerSigningPanel`; unlocked and
signed on the store thread with `officer_signing.sign_in_turn`). A refused credential is shown
beside its officer and keeps everything the interviewee signed. The signed pages then
replace the working view. The statement's recording (`desktop.ui.recording.readback_box`)
runs through the read-back: its row offers stopping it once the interviewee has signed, before
the officers sign, and a tab beside the pages lists the turns to jump to in the recording.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from gettext import gettext as _

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QImage
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.documents.page_signatures import ReadBackSignatures
from desktop.domain.errors import UserError
from desktop.domain.model import SignatureRefusal
from desktop.services import interview, readback, signing
from desktop.services.officer_signing import Credentials, Roster, load_roster, sign_in_turn
from desktop.store.store import Store
from desktop.ui.background import report_error
from desktop.ui.busy import BusyBar
from desktop.ui.context import AppContext
from desktop.ui.readback.fingerprint import import_for_party, reader_source
from desktop.ui.readback.officer_signing import OfficerSigningPanel
from desktop.ui.readback.pages import PageViewer, render_pages
from desktop.ui.readback.party_window import PartyWindow, place_party_window
from desktop.ui.readback.preview import SignedPreview
from desktop.ui.readback.refusal import RefusalDialog
from desktop.ui.readback.session import Prepared, ReadBackSession

Signed = tuple[signing.SignedStatement, list[QImage]]


def ask(parent: QWidget, text: str) -> bool:
    answer = QMessageBox.question(parent, _("Read-back"), text)
    return answer == QMessageBox.StandardButton.Yes


class ReadBackFlow(QDialog):
    """See the module docstring."""

    signed = Signal(str)
    returned_to_draft = Signal(str)

    def __init__(self, ctx: AppContext, statement_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.statement_id = statement_id
        self.session = ReadBackSession(statement_id)
        self.party_window: PartyWindow | None = None
        self.refusal_dialog: RefusalDialog | None = None
        self.preview: SignedPreview | None = None
        self.officer_panel: OfficerSigningPanel | None = None
        self.ask: Callable[[str], bool] = lambda text: ask(self, text)
        self._busy = False
        self._done = False
        self.setWindowTitle(_("Read-back and signing"))
        self.viewer = PageViewer()
        self.presets = readback.declaration_presets()
        self.declaration_mode = QComboBox()
        self.declaration_mode.addItems([_("The interviewee read the statement"),
                                        _("The statement was read aloud to the interviewee")]
                                       [:len(self.presets)])
        self.handwritten_index = self.declaration_mode.count()
        self.declaration_mode.addItem(_("Handwritten by the interviewee"))
        # The form says 亲笔书写: by hand unless the officer deliberately chooses to type it.
        self.declaration_mode.setCurrentIndex(self.handwritten_index)
        self.declaration = QPlainTextEdit()
        self.declaration.setTabChangesFocus(True)
        self.declaration.setMaximumHeight(70)
        self.apply_button = QPushButton(_("Apply to the document"))
        self.pages = QListWidget()
        self.show_button = QPushButton(_("Show the pages to the interviewee"))
        self.refuse_button = QPushButton(_("Interviewee refuses to sign…"))
        self.withdraw_button = QPushButton(_("Withdraw the refusal"))
        self.correction_button = QPushButton(_("Interviewee asks for a correction"))
        self.fingerprint_button = QPushButton(_("Import a fingerprint image for the page "
                                                "shown…"))
        self.sign_button = QPushButton(_("Officers sign and seal"))
        self.close_button = QPushButton(_("Close"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.busy_bar = BusyBar()  # preparing and signing take seconds on the store thread
        self.declaration_mode.currentIndexChanged.connect(self._mode_chosen)
        self.apply_button.clicked.connect(self.prepare)
        self.pages.currentRowChanged.connect(
            lambda row: self.viewer.show_page(min(row, self.session.page_count - 1)))
        self.show_button.clicked.connect(self.show_to_party)
        self.refuse_button.clicked.connect(self.ask_refusal)
        self.withdraw_button.clicked.connect(self.withdraw_refusal)
        self.correction_button.clicked.connect(self.return_to_draft)
        self.fingerprint_button.clicked.connect(lambda: self._say(
            import_for_party(self, self.party_window.fingerprint) if self.party_window
            else _("Show the pages to the interviewee first.")))
        self.sign_button.clicked.connect(self.sign_and_seal)
        self.close_button.clicked.connect(self.reject)
        # The recording (issue 18) runs through the read-back; it is stopped after the
        # interviewee's signatures, before the officers sign.
        from desktop.ui.recording.readback_box import RecordingBox

        self.recording = RecordingBox(ctx, statement_id)
        self.recording.said.connect(self._say)
        self.stack = QStackedWidget()
        self.work_area = self._work_area()
        self.stack.addWidget(self.work_area)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)  # Enter never signs nor returns to draft by accident
        self._fit_screen()
        self._refresh()
        self.prepare()

    def _work_area(self) -> QWidget:
        declaration = QGroupBox(_("Declaration of the interviewee"))
        box = QVBoxLayout(declaration)
        box.addWidget(self.declaration_mode)
        box.addWidget(self.declaration)
        box.addWidget(self.apply_button)
        pages = QTabWidget()  # beside the pages, the turns in the recording (issue 18)
        pages.addTab(self.pages, _("Pages to be signed"))
        pages.addTab(self.recording.turns_panel, _("Turns in the recording"))
        side = QWidget()
        column = QVBoxLayout(side)
        column.addWidget(declaration)
        column.addWidget(pages, 1)
        for button in (self.show_button, self.fingerprint_button, self.refuse_button,
                       self.withdraw_button, self.correction_button):
            column.addWidget(button)
        column.addWidget(self.status)
        column.addWidget(self.busy_bar)
        column.addWidget(self.recording)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.close_button)
        row.addWidget(self.sign_button)
        column.addLayout(row)
        splitter = QSplitter()
        splitter.addWidget(self.viewer)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        order = [self.declaration_mode, self.declaration, self.apply_button, self.pages,
                 self.show_button, self.refuse_button, self.withdraw_button,
                 self.correction_button, self.close_button, self.sign_button,
                 self.viewer.previous_button, self.viewer.next_button]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)
        return splitter

    def _fit_screen(self) -> None:
        screen = QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else None
        width, height = 1200, 720
        if available is not None and not available.isEmpty():
            width, height = min(width, available.width() - 40), min(height,
                                                                     available.height() - 60)
        self.resize(max(width, 800), max(height, 560))

    # --- state --------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.status.setText(text)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        if busy:
            self.busy_bar.start(self.status.text())
        else:
            self.busy_bar.stop()
        self._refresh()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, UserError):
            self._say(str(exc))
        else:
            report_error(exc, self)

    def _refresh(self) -> None:
        session, idle = self.session, not self._busy and not self._done
        refused = session.signatures.refusal is not None
        ready = session.rendered is not None
        for button in (self.apply_button, self.correction_button):
            button.setEnabled(idle)
        self.show_button.setEnabled(idle and ready and not refused)
        self.refuse_button.setEnabled(idle and ready and not refused)
        self.withdraw_button.setVisible(refused)
        self.withdraw_button.setEnabled(idle)
        self.sign_button.setEnabled(idle and ready)
        self.declaration.setEnabled(idle and not refused and not self.handwritten_chosen)
        self.declaration_mode.setEnabled(idle and not refused)
        row = self.pages.currentRow()
        self.pages.clear()
        for index in range(session.page_count):
            signature = session.signatures.get(index)
            if refused:
                text = _("Page {page}: refused to sign").format(page=index + 1)
            elif signature is None:
                text = _("Page {page}: not signed yet").format(page=index + 1)
            elif signature.fingerprint is not None:
                text = _("Page {page}: signed, with fingerprint").format(page=index + 1)
            else:
                text = _("Page {page}: signed").format(page=index + 1)
            self.pages.addItem(text)
        if session.handwritten and session.page_count:
            if refused:
                text = _("Declaration: refused to sign")
            elif session.signatures.declaration is None:
                text = _("Declaration: not written yet")
            else:
                text = _("Declaration: written by hand")
            self.pages.addItem(text)
        if 0 <= row < self.pages.count():
            self.pages.setCurrentRow(row)

    # --- preparing the document ---------------------------------------------------------------

    @property
    def handwritten_chosen(self) -> bool:
        """The interviewee writes the declaration by hand (not typed by the officer)."""
        return self.declaration_mode.currentIndex() == self.handwritten_index

    def _mode_chosen(self, index: int) -> None:
        if not self.handwritten_chosen and not self.ask(_(
                "The form asks the interviewee to write the declaration by hand. Type it for "
                "them instead? The choice is recorded in the audit trail.")):
            self.declaration_mode.setCurrentIndex(self.handwritten_index)
            return
        self.declaration.setPlainText("" if index >= len(self.presets) else self.presets[index])
        self._refresh()
        if self.handwritten_chosen:
            self._say(_("The interviewee writes the declaration by hand after signing the "
                        "pages. Apply it to the document."))

    def prepare(self) -> None:
        """Render the document with the declaration as written in the editor, or with the
        space where the interviewee writes it by hand."""
        declaration: str | None = self.declaration.toPlainText().strip()
        if self.handwritten_chosen:
            declaration = None
        elif not declaration:
            self._say(_("Write down the declaration the interviewee dictated (for example: "
                        "{example}).").format(example=self.presets[0]))
            return
        statement_id = self.statement_id

        def work(store: Store) -> Prepared:
            document = readback.prepare_document(store, statement_id, declaration)
            return document, render_pages(document.pdf)  # rendered off the GUI thread too

        self._say(_("Preparing the document and its pages…"))
        self._set_busy(True)
        self.ctx.run(work, lambda prepared: self._prepared(prepared, declaration), self._failed)

    def _prepared(self, prepared: Prepared, declaration: str | None) -> None:
        document, images = prepared
        first_time = self.session.rendered is None
        written = self.session.signatures.declaration is not None
        dropped = self.session.replace_document(document, images, declaration)
        lost = written and self.session.signatures.declaration is None
        self.viewer.set_pages(images, self.viewer.current)
        self._set_busy(False)
        if dropped:
            self._say(_("The document changed; page(s) {pages} must be signed again.").format(
                pages=", ".join(str(p + 1) for p in dropped)))
        elif lost and self.session.handwritten:
            self._say(_("The document changed; the declaration must be written again."))
        elif self.session.handwritten:
            self._say(_("The document has {pages} page(s). The interviewee signs every page, "
                        "then writes the declaration by hand.").format(
                            pages=document.page_count))
        else:
            self._say(_("The document has {pages} page(s). The interviewee signs every page."
                        ).format(pages=document.page_count))
        if self.party_window is not None:
            self.party_window.reload()
        if first_time:
            self.show_to_party()

    # --- the interviewee's window ---------------------------------------------------------------

    def show_to_party(self) -> None:
        if self.session.rendered is None or self.session.signatures.refusal is not None:
            return
        if self.party_window is None:
            self.party_window = PartyWindow(self.session,
                                            fingerprint_source=reader_source(self.ctx),
                                            recording_turns=self.recording.party_turns)
            self.party_window.signatures_changed.connect(lambda _page: self._refresh())
            self.party_window.all_signed.connect(self._all_signed)
            self.party_window.handed_back.connect(self._handed_back)
        else:
            self.party_window.reload()
        place_party_window(self.party_window, self)

    def _all_signed(self) -> None:
        self._refresh()
        self.recording.offer_stop()
        if self.recording.controller.recording:
            self._say(_("Every page is signed. Stop the recording, then the officers sign "
                        "and seal the statement."))
            return
        if self.session.handwritten:
            self._say(_("Every page is signed and the declaration is written. The officers "
                        "can now sign and seal the statement."))
        else:
            self._say(_("Every page is signed. The officers can now sign and seal the "
                        "statement."))
        self.sign_button.setFocus()

    def _handed_back(self) -> None:
        self.raise_()
        self.activateWindow()

    def _close_party_window(self) -> None:
        if self.party_window is not None:
            self.party_window.hide()

    # --- refusal and correction ---------------------------------------------------------------

    def ask_refusal(self) -> None:
        self.refusal_dialog = RefusalDialog(self.ctx.clock, self)
        dialog = self.refusal_dialog
        dialog.accepted.connect(lambda: self.record_refusal(dialog.refusal))
        dialog.open()

    def record_refusal(self, refusal: SignatureRefusal | None) -> None:
        if refusal is None:
            return
        if self.session.anything_signed():
            if not self.ask(_("Some pages are already signed. Clear those signatures and "
                              "record the refusal to sign?")):
                return
            self.session.clear_signatures()
        try:
            self.session.signatures.record_refusal(refusal)
        except UserError as exc:
            self._say(str(exc))
            return
        self._close_party_window()
        self._refresh()
        self._say(_("Refusal to sign recorded, witnessed by {witness}. The officers can now "
                    "sign and seal the statement.").format(witness=refusal.witness_name))
        self.recording.offer_stop()

    def withdraw_refusal(self) -> None:
        self.session.signatures.withdraw_refusal()
        self._refresh()
        self._say("")

    def return_to_draft(self) -> None:
        """The interviewee asks for a correction: back to draft, signatures discarded."""
        if self.session.anything_signed() and not self.ask(_(
                "Return the statement to draft for a correction? The signatures captured so "
                "far are discarded; after the correction every page is signed again.")):
            return
        self._set_busy(True)
        self.ctx.run(lambda store: interview.return_to_draft(store, self.statement_id),
                     lambda _statement: self._returned(), self._failed)

    def _returned(self) -> None:
        self._done = True
        self.session.signatures = ReadBackSignatures()
        self._close_party_window()
        self._set_busy(False)
        self.returned_to_draft.emit(self.statement_id)
        self.accept()

    # --- officers and seal --------------------------------------------------------------------

    def sign_and_seal(self) -> None:
        session = self.session
        if self._busy or self._done or session.rendered is None:
            return
        refusal = session.signatures.refusal
        if refusal is None:
            if self.declaration.toPlainText().strip() != (session.declaration or ""):
                self._say(_("The declaration was changed: apply it to the document so the "
                            "interviewee sees it before signing."))
                return
            missing = session.missing_pages()
            if missing:
                self._say(_("The interviewee has not signed page(s) {pages}.").format(
                    pages=", ".join(str(p + 1) for p in missing)))
                if self.party_window is not None:
                    self.party_window.go_to(missing[0])
                return
            if session.declaration_missing():
                self._say(_("The interviewee has not written the declaration."))
                if self.party_window is not None:
                    self.party_window.show_declaration_step()
                return
        if self.recording.controller.recording:
            if self.ask(_("The recording is still running. Stop it now, then sign?")):
                self.recording.signatures_done = True
                self.recording.stop(lambda _summary: self.sign_and_seal())
            return
        self._say(_("Looking up who signs…"))
        self._set_busy(True)
        self.ctx.run(lambda store: load_roster(store, self.statement_id), self._roster_loaded,
                     self._failed)

    def _roster_loaded(self, roster: Roster) -> None:
        self._set_busy(False)
        if roster.missing:
            self._say(_(
                "The statement cannot be signed: no signing key for {who}. An administrator "
                "imports them on the key-management page (Settings → Signing keys); the "
                "signatures captured stay here while this window is open.").format(
                    who=", ".join(roster.missing)))
            return
        self._close_party_window()
        last = self.session.page_count - 1
        panel = OfficerSigningPanel(roster, last, self.session.digests[last])
        panel.submitted.connect(self.officers_sign)
        panel.back.connect(self._back_from_officers)
        if self.officer_panel is not None:
            self.stack.removeWidget(self.officer_panel)
            self.officer_panel.deleteLater()
        self.officer_panel = panel
        self.stack.addWidget(panel)
        self.stack.setCurrentWidget(panel)
        self._say(_("The officers sign in turn, then the seal custodian applies the seal."))
        panel.first_field().setFocus()

    def _back_from_officers(self) -> None:
        self.stack.setCurrentWidget(self.work_area)
        self._say(_("Not signed yet: the interviewee's signatures are kept."))

    def officers_sign(self, credentials: Credentials) -> None:
        """Unlock each officer's key with their own secret and sign, on the store thread."""
        panel = self.officer_panel
        if panel is None or self._busy or self._done:
            credentials.forget()
            return
        signatures = self.session.signatures
        declaration = None if signatures.refusal is not None else self.session.declaration

        statement_id = self.statement_id

        def work(store: Store) -> Signed:
            signed = sign_in_turn(store, statement_id, signatures, credentials,
                                  declaration=declaration)
            return signed, render_pages(signed.pdf)

        panel.say(_("The officers sign and the unit seal is applied…"))
        panel.set_busy(True)
        self._set_busy(True)
        self.ctx.run(work, self._signed, self._signing_failed)

    def _signing_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        panel = self.officer_panel
        if panel is None:
            return
        panel.signing_failed(exc, _("Nothing was signed; the interviewee's signatures are kept."))

    def _signed(self, result: Signed) -> None:
        _signed, images = result
        self._done = True
        self._set_busy(False)
        self.preview = SignedPreview(self.ctx, self.statement_id, images)
        self.preview.closed.connect(self.accept)
        self.stack.addWidget(self.preview)
        self.stack.setCurrentWidget(self.preview)
        self.setWindowTitle(_("Signed statement"))
        self.preview.export_button.setFocus()
        self.signed.emit(self.statement_id)

    def reject(self) -> None:
        """Close without signing; the statement stays in read-back (asks if pages are signed)."""
        if (not self._done and self.session.anything_signed()
                and not self.ask(_("Close the read-back? The signatures captured so far are "
                                   "discarded and the statement stays in read-back."))):
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._close_party_window()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self._close_party_window()
        if self.party_window is not None:
            self.party_window.deleteLater()
            self.party_window = None
        super().done(result)
