"""The documents of a penalty decision: drafted, read back, signed for receipt, signed, kept.

Opened from a decision (`open_documents`; the discretion panel's "Documents…" button). The list
on the left holds the documents the decision calls for (`penalty_documents.kinds_for`: e.g.
the prior notice 行政处罚事先告知书 and the decision 行政处罚决定书), each marked signed (with its
number) or not. Choosing one that is not signed drafts it (store thread, nothing kept) and
shows its pages; "Show to the party" opens the party's window (`ReceiptWindow`) where they read
every page and sign for receipt on the pad, or the officer records their refusal with a
witness (`RefusalDialog`; the document is drafted again with the refusal printed where the
signature would be). Then the officers sign in turn, each with their own password, and a seal
custodian applies the seal (`OfficerSigningPanel`, as for statements). The signed document is
kept, its signed pages replace the draft, and it can be exported or printed.

A document that may not be signed yet is said so at the top in the service's words, and it
cannot be served or signed, only read: each kind has its rule (`signing_rule`): the prior
notice needs a chosen penalty; the decision needs legal review where art. 58 requires it (the
reviewer's comments are shown when it was returned) and the prior notice served first.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from gettext import gettext as _
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QCloseEvent, QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.documents.capture import SignatureCapture
from desktop.domain.errors import UserError
from desktop.domain.model import SignatureRefusal
from desktop.domain.penalty import PenaltyDocumentKind
from desktop.services import penalty_documents as documents_service
from desktop.services.export_files import ExportTargetExists, safe_file_name
from desktop.services.officer_signing import Credentials
from desktop.services.printouts import PrintableStatement, PrintKind, record_print
from desktop.store.store import Store
from desktop.ui.background import report_error
from desktop.ui.busy import BusyBar
from desktop.ui.context import AppContext
from desktop.ui.penalty import document_work as work
from desktop.ui.penalty.document_work import DocumentsState, Drafted, Signed
from desktop.ui.penalty.labels import decision_state_label, document_label, escape
from desktop.ui.penalty.receipt_window import ReceiptWindow
from desktop.ui.printing import PrintPreview, print_statement
from desktop.ui.readback.handover import place_party_window
from desktop.ui.readback.officer_signing import ERROR_STYLE, OfficerSigningPanel
from desktop.ui.readback.pages import PageViewer
from desktop.ui.readback.refusal import RefusalDialog


class PenaltyDocumentsDialog(QDialog):
    """See the module docstring. `document_signed(document_id)` when one is kept."""

    document_signed = Signal(str)

    def __init__(self, ctx: AppContext, decision_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.decision_id = decision_id
        self.state: DocumentsState | None = None
        self.kind: PenaltyDocumentKind | None = None
        self.drafted: Drafted | None = None
        self.receipt: SignatureCapture | SignatureRefusal | None = None
        self.party_window: ReceiptWindow | None = None
        self.refusal_dialog: RefusalDialog | None = None
        self.officer_panel: OfficerSigningPanel | None = None
        self.print_dialog: PrintPreview | None = None
        self._busy = False
        self._after_load = ""  # said once the documents are loaded again (after signing)
        self.exported: Path | None = None
        self.ask: Callable[[str], bool] = lambda text: ask(self, text)
        # Asks whether to replace an existing file; a test answers in its place.
        self.confirm_replace: Callable[[Path], bool] = self._ask_replace
        self.setWindowTitle(_("Penalty documents"))
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.blocked = QLabel()
        self.blocked.setWordWrap(True)
        self.blocked.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        self.blocked.setVisible(False)
        self.documents = QListWidget()
        self.documents.setAccessibleName(_("Documents of the decision"))
        self.documents.setSpacing(3)  # two lines each: title, then signed or not
        self.documents.currentRowChanged.connect(self._chosen)
        self.viewer = PageViewer()
        self.show_button = QPushButton(_("Show to the party to sign for receipt"))
        self.refuse_button = QPushButton(_("Party refuses to sign…"))
        # On the prior notice the party may give up its periods in writing: the waiver is
        # printed above their signature, so ticking it prepares the page again.
        self.waiver_box = QCheckBox(_("The party waives the periods to state and defend "
                                      "(printed above their signature)"))
        self.waiver_box.toggled.connect(lambda _checked: self.draft(None))
        self.withdraw_button = QPushButton(_("Withdraw the refusal"))
        self.sign_button = QPushButton(_("Officers sign and seal"))
        self.export_button = QPushButton(_("Export PDF…"))
        self.print_button = QPushButton(_("Print…"))
        self.close_button = QPushButton(_("Close"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.busy_bar = BusyBar()
        self.show_button.clicked.connect(self.show_to_party)
        self.refuse_button.clicked.connect(self.ask_refusal)
        self.withdraw_button.clicked.connect(self.withdraw_refusal)
        self.sign_button.clicked.connect(self.sign_and_seal)
        self.export_button.clicked.connect(self.choose_export)
        self.print_button.clicked.connect(self.print_document)
        self.close_button.clicked.connect(self.reject)
        self.stack = QStackedWidget()
        self.work_area = self._work_area()
        self.stack.addWidget(self.work_area)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.blocked)
        layout.addWidget(self.stack, 1)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)  # Enter never signs by accident
        self.resize(1200, 760)
        self._refresh()
        self.reload()

    def _work_area(self) -> QWidget:
        side = QWidget()
        column = QVBoxLayout(side)
        column.addWidget(QLabel(_("Documents this decision calls for")))
        column.addWidget(self.documents, 1)
        column.addWidget(self.waiver_box)
        for button in (self.show_button, self.refuse_button, self.withdraw_button,
                       self.export_button, self.print_button):
            column.addWidget(button)
        column.addWidget(self.status)
        column.addWidget(self.busy_bar)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.close_button)
        row.addWidget(self.sign_button)
        column.addLayout(row)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(side)
        splitter.addWidget(self.viewer)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        order = [self.documents, self.show_button, self.refuse_button, self.withdraw_button,
                 self.export_button, self.print_button, self.close_button, self.sign_button,
                 self.viewer.previous_button, self.viewer.next_button]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)
        return splitter

    # --- state --------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.status.setText(text)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        if busy:
            self.say(text)
            self.busy_bar.start(text)
        else:
            self.busy_bar.stop()
        self._refresh()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, UserError):
            self.say(str(exc))
        else:
            report_error(exc, self)

    @property
    def kept(self) -> documents_service.KeptPenaltyDocument | None:
        if self.state is None or self.kind is None:
            return None
        return self.state.kept_of(self.kind)

    def _refresh(self) -> None:
        state, idle = self.state, not self._busy
        signable = state is not None and not state.blocked_for(self.kind)
        open_draft = self.kept is None and self.drafted is not None
        refused = isinstance(self.receipt, SignatureRefusal)
        notice = self.kind is PenaltyDocumentKind.PRIOR_NOTICE and self.kept is None
        self.waiver_box.setVisible(notice)
        self.waiver_box.setEnabled(idle and signable and open_draft and not refused)
        self.show_button.setEnabled(idle and signable and open_draft and not refused)
        self.refuse_button.setEnabled(idle and signable and open_draft and not refused)
        self.withdraw_button.setVisible(refused)
        self.withdraw_button.setEnabled(idle)
        self.sign_button.setEnabled(idle and signable and open_draft)
        self.export_button.setEnabled(idle and self.kept is not None)
        self.print_button.setEnabled(idle and self.kept is not None)
        self.documents.setEnabled(idle)

    def reload(self, select: PenaltyDocumentKind | None = None) -> None:
        """Load the decision's documents and whether it may be signed (store thread)."""
        decision_id = self.decision_id
        self._set_busy(True, _("Loading the decision's documents…"))
        self.ctx.run(lambda store: work.load_state(store, decision_id),
                     lambda state: self._loaded(state, select), self._failed)

    def _loaded(self, state: DocumentsState, select: PenaltyDocumentKind | None) -> None:
        self.state = state
        self._set_busy(False)
        decision = state.decision
        self.header.setText("<b>" + escape(_("Case {number}: {cause} · {state}").format(
            number=state.case.number, cause=state.case.cause,
            state=decision_state_label(decision.state))) + "</b>")
        self.documents.blockSignals(True)
        self.documents.clear()
        for kind in state.kinds:
            kept = state.kept_of(kind)
            text = (_("{title}\nSigned, No. {number}").format(title=document_label(kind),
                                                               number=kept.number)
                    if kept is not None else
                    _("{title}\nNot signed yet").format(title=document_label(kind)))
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, kind.value)
            self.documents.addItem(item)
        self.documents.blockSignals(False)
        if self._after_load:
            self.say(self._after_load)
            self._after_load = ""
        if not state.kinds:
            self.say(_("The decision calls for no document yet: state the facts and choose "
                       "the penalty first."))
            return
        wanted = select or next((k for k in state.kinds if state.kept_of(k) is None),
                                state.kinds[0])
        self.documents.setCurrentRow(state.kinds.index(wanted))
        if self.documents.currentRow() == state.kinds.index(wanted) and self.kind != wanted:
            self._chosen(self.documents.currentRow())
        self._show_blocked()  # the rules may have changed (e.g. the notice is served now)
        self._refresh()

    def _show_blocked(self) -> None:
        """Why the document chosen cannot be signed now, at the top (hidden when it can)."""
        why = self.state.blocked_for(self.kind) if self.state is not None else ""
        self.blocked.setText(_("Cannot be signed: {why}").format(why=why) if why else "")
        self.blocked.setVisible(bool(why))

    def document_texts(self) -> list[str]:
        return [self.documents.item(i).text() for i in range(self.documents.count())]

    # --- choosing and drafting ----------------------------------------------------------------

    def _chosen(self, row: int) -> None:
        state = self.state
        if state is None or not 0 <= row < len(state.kinds):
            return
        kind = state.kinds[row]
        if kind == self.kind and (self.drafted is not None or self.kept is not None):
            return
        self.choose(kind)

    def choose(self, kind: PenaltyDocumentKind) -> None:
        """Show the kept document of `kind`, or draft it for read-back."""
        self._close_party_window()
        with QSignalBlocker(self.waiver_box):
            self.waiver_box.setChecked(False)
        self.kind, self.drafted, self.receipt = kind, None, None
        self._show_blocked()
        kept = self.kept
        if kept is not None:
            self._set_busy(True, _("Opening the signed document…"))
            self.ctx.run(lambda store: work.signed_pages(store, kept.id),
                         lambda images: self._show_signed(kept, images), self._failed)
            return
        self.draft()

    def draft(self, refusal: SignatureRefusal | None = None) -> None:
        kind, decision_id = self.kind, self.decision_id
        if kind is None:
            return
        self._set_busy(True, _("Preparing: {title}…").format(title=document_label(kind)))
        waived = (kind is PenaltyDocumentKind.PRIOR_NOTICE and refusal is None
                  and self.waiver_box.isChecked())
        self.ctx.run(lambda store: work.draft(store, decision_id, kind, refusal, waived),
                     lambda drafted: self._drafted(drafted, refusal), self._failed)

    def _drafted(self, drafted: Drafted, refusal: SignatureRefusal | None) -> None:
        if drafted.document.kind != self.kind:
            return  # another document was chosen meanwhile
        self.drafted = drafted
        self.receipt = refusal
        self.viewer.set_pages(list(drafted.images))
        self._set_busy(False)
        title = document_label(drafted.document.kind)
        if self.state is not None and self.state.blocked_for(drafted.document.kind):
            self.say(_("{title}: shown for reading only; the decision cannot be signed yet."
                       ).format(title=title))
        elif refusal is not None:
            self.say(_("Refusal recorded, witnessed by {witness}; it is printed on the "
                       "document. The officers can now sign and seal.").format(
                           witness=refusal.witness_name))
        else:
            self.say(_("{title}: {pages} page(s). Show it to the party to read and sign for "
                       "receipt.").format(title=title, pages=drafted.document.page_count))

    def _show_signed(self, kept: documents_service.KeptPenaltyDocument,
                     images: tuple[QImage, ...]) -> None:
        self.viewer.set_pages(list(images))
        self._set_busy(False)
        self.say(_("{title} No. {number}: signed and sealed, served on {date}.").format(
            title=document_label(kept.kind), number=kept.number,
            date=f"{kept.served_at:%Y-%m-%d}"))

    # --- the party ----------------------------------------------------------------------------

    def show_to_party(self) -> None:
        drafted = self.drafted
        if drafted is None or self.state is None or self.state.blocked_for(self.kind):
            return
        document = drafted.document
        page = document.receipt_page
        self._close_party_window()
        window = ReceiptWindow(document_label(document.kind), list(drafted.images), page,
                               document.page_bindings[page])
        window.confirmed.connect(self._party_signed)
        window.handed_back.connect(self._handed_back)
        self.party_window = window
        place_party_window(window, self)
        self.say(_("The party reads the document and signs for receipt."))

    def _party_signed(self, capture: SignatureCapture) -> None:
        self.receipt = capture
        self._close_party_window()
        self._refresh()
        self.say(_("The party signed for receipt. The officers can now sign and seal."))
        self.raise_()
        self.sign_button.setFocus()

    def _handed_back(self) -> None:
        self.raise_()
        self.activateWindow()

    def _close_party_window(self) -> None:
        if self.party_window is not None:
            self.party_window.hide()
            self.party_window.deleteLater()
            self.party_window = None

    def ask_refusal(self) -> None:
        self.refusal_dialog = RefusalDialog(self.ctx.clock, self)
        self.refusal_dialog.setWindowTitle(_("The party refuses to sign for receipt"))
        self.refusal_dialog.explanation.setText(_(
            "The party refuses to sign for the document. Record what they said and the "
            "witness present; the refusal is printed on the document, which the officers "
            "then sign and seal."))
        dialog = self.refusal_dialog
        dialog.accepted.connect(lambda: self.record_refusal(dialog.refusal))
        dialog.open()

    def record_refusal(self, refusal: SignatureRefusal | None) -> None:
        if refusal is None:
            return
        self._close_party_window()
        with QSignalBlocker(self.waiver_box):  # a party who refuses to sign waives nothing
            self.waiver_box.setChecked(False)
        self.draft(refusal)  # the document as signed with the refusal printed in it

    def withdraw_refusal(self) -> None:
        self.draft(None)

    # --- the officers -------------------------------------------------------------------------

    def sign_and_seal(self) -> None:
        state, drafted = self.state, self.drafted
        if self._busy or state is None or drafted is None:
            return
        if state.blocked_for(self.kind):
            self.say(state.blocked_for(self.kind))
            return
        if self.receipt is None:
            self.say(_("The party has not signed for receipt. Show the document to the party, "
                       "or record their refusal with a witness."))
            return
        roster = state.roster
        if roster.missing:
            self.say(_("The document cannot be signed: no signing key for {who}. An "
                       "administrator imports them on the key-management page (Settings → "
                       "Signing keys).").format(who=", ".join(roster.missing)))
            return
        document = drafted.document
        page = document.receipt_page
        panel = OfficerSigningPanel(roster, page, document.page_bindings[page])
        panel.back_button.setText(_("Back to the document"))
        panel.submitted.connect(self.officers_sign)
        panel.back.connect(self._back_from_officers)
        if self.officer_panel is not None:
            self.stack.removeWidget(self.officer_panel)
            self.officer_panel.deleteLater()
        self.officer_panel = panel
        self.stack.addWidget(panel)
        self.stack.setCurrentWidget(panel)
        panel.first_field().setFocus()

    def _back_from_officers(self) -> None:
        self.stack.setCurrentWidget(self.work_area)
        self.say(_("Not signed yet: the party's signature for receipt is kept."))

    def officers_sign(self, credentials: Credentials) -> None:
        panel, drafted, receipt = self.officer_panel, self.drafted, self.receipt
        if panel is None or drafted is None or receipt is None or self._busy:
            credentials.forget()
            return
        decision_id, document = self.decision_id, drafted.document

        def sign(store: Store) -> Signed:
            return work.sign(store, decision_id, document, credentials, receipt)

        panel.say(_("The officers sign and the unit seal is applied…"))
        panel.set_busy(True)
        self._set_busy(True, panel.status.text())
        self.ctx.run(sign, self._signed, self._signing_failed)

    def _signing_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        panel = self.officer_panel
        if panel is None:
            self._failed(exc)
            return
        panel.signing_failed(
            exc, _("Nothing was signed; the party's signature for receipt is kept."))

    def _signed(self, signed: Signed) -> None:
        kept = signed.document
        self.drafted, self.receipt, self.kind = None, None, kept.kind
        self.stack.setCurrentWidget(self.work_area)
        self._busy = False
        self.busy_bar.stop()
        self.viewer.set_pages(list(signed.images))
        self.document_signed.emit(kept.id)
        self._after_load = _("{title} No. {number} is signed and sealed and kept; it can be "
                             "exported or printed.").format(title=document_label(kept.kind),
                                                            number=kept.number)
        self.reload(select=kept.kind)

    # --- export and print ---------------------------------------------------------------------

    def choose_export(self) -> None:
        kept = self.kept
        if kept is None:
            return
        proposed = safe_file_name(f"{document_label(kept.kind)} {kept.number}") + ".pdf"
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Export the signed document"), proposed, _("PDF documents (*.pdf)"),
            options=QFileDialog.Option.DontConfirmOverwrite)
        if name:
            path = Path(name)
            self.export_to(path if path.suffix.lower() == ".pdf"
                           else path.with_name(path.name + ".pdf"))

    def export_to(self, path: Path, *, force: bool = False) -> None:
        """Write the signed document to `path`; an existing file only after the officer
        agrees."""
        kept = self.kept
        if kept is None:
            return

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ExportTargetExists) and not force:
                self._set_busy(False)
                if self.confirm_replace(path):
                    self.export_to(path, force=True)
                return
            self._failed(exc)

        self._set_busy(True, _("Exporting…"))
        self.ctx.run(lambda store: documents_service.export(store, kept.id, path, force=force),
                     self._exported, failed)

    def _exported(self, path: Path) -> None:
        self._set_busy(False)
        self.exported = path
        self.say(_("Exported to {path}").format(path=path))

    def _ask_replace(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self, _("Replace the file?"),
            _("{name} already exists in {folder}. Replace it?").format(
                name=path.name, folder=path.parent),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def print_document(self) -> None:
        """The signed document as signed, in a print preview; a print made is audited."""
        kept, state = self.kept, self.state
        if kept is None or state is None:
            return
        case_number = state.case.number
        title = f"{case_number} {document_label(kept.kind)} {kept.number}"

        def loaded(pdf: bytes) -> None:
            printable = PrintableStatement(kept.id, pdf, case_number, title,
                                           kept.content_digest)
            dialog = PrintPreview(self, title, lambda printer: print_statement(
                printer, printable, party_copy=False))
            dialog.accepted.connect(lambda: self._printed(kept.id, dialog))
            self.print_dialog = dialog
            dialog.open()

        self.ctx.run(lambda store: documents_service.document_pdf(store, kept.id), loaded,
                     self._failed)

    def _printed(self, document_id: str, dialog: PrintPreview) -> None:
        pages = dialog.pages_printed
        printer = dialog.owned_printer
        where = (_("PDF file {path}").format(path=printer.outputFileName())
                 if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat
                 else printer.printerName())
        self.ctx.run(lambda store: record_print(store, document_id, PrintKind.PENALTY_DOCUMENT,
                                                pages=pages, printer=where),
                     lambda _none: self.say(_("Printed {pages} page(s) on {printer}.").format(
                         pages=pages, printer=where)), self._failed)

    # --- closing ------------------------------------------------------------------------------

    def reject(self) -> None:
        """Close; a party's signature for receipt not yet signed by the officers is dropped
        (asked first)."""
        if self.receipt is not None and self.kept is None and not self.ask(_(
                "Close the documents? The party's signature for receipt (or the refusal) "
                "is discarded; nothing was signed.")):
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._close_party_window()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self._close_party_window()
        super().done(result)


def ask(parent: QWidget, text: str) -> bool:
    answer = QMessageBox.question(parent, _("Penalty documents"), text)
    return answer == QMessageBox.StandardButton.Yes


def open_documents(ctx: AppContext, decision_id: str,
                   parent: QWidget | None = None) -> PenaltyDocumentsDialog:
    """Open the documents of a decision in their own window (the discretion panel's
    "Documents…" button); the dialog is returned so the caller can keep or watch it."""
    dialog = PenaltyDocumentsDialog(ctx, decision_id, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
