"""The legal reviewer's queue (法制审核): the decisions waiting for review, and the review.

Shown only to an officer whose role is legal reviewer (`is_legal_reviewer`; the main window
adds the tab and its menu entry for them alone, and the service refuses anyone else). The list
on the left holds the decisions waiting, oldest first; choosing one shows it on one screen
(`DecisionView`: statement, evidence, standard, matter, facts, reasoning with citations,
choice and deviation). Below, the reviewer writes comments and types THEIR OWN password in
the same row the officers use to sign a statement (`officer_signing.SignerRow`), or, when
their key is on a hardware token, the token's PIN (the row then asks for the PIN, as it does
for a statement signer), then approves, or returns the decision for changes: returning needs
written comments and the button says so instead of sending an empty return. The review is
signed and kept on the store thread (`penalty.approve` / `penalty.return_for_changes`); a
refused password or PIN is shown beside the reviewer and nothing is kept. The result is
shown, the decision is shown again with its verdict, and the queue reloads.
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.domain.model import Case, Role
from desktop.domain.penalty import DecisionState, PenaltyDecision, ReviewVerdict
from desktop.services import penalty
from desktop.services.officer_signing import Seat
from desktop.store.store import Store
from desktop.ui.background import report_error
from desktop.ui.busy import BusyBar
from desktop.ui.context import AppContext
from desktop.ui.penalty.decision_view import DecisionView
from desktop.ui.penalty.dossier import Dossier, load_dossier, load_queue
from desktop.ui.penalty.labels import yuan
from desktop.ui.readback.officer_signing import ERROR_STYLE, SignerRow

QueueRow = tuple[PenaltyDecision, Case, str]


def is_legal_reviewer(ctx: AppContext) -> bool:
    """The logged-in officer reviews penalty decisions (法制审核员)."""
    return ctx.store is not None and ctx.store.officer.role is Role.LEGAL_REVIEWER


def queue_text(decision: PenaltyDecision, case: Case, drafter: str) -> str:
    """One line of the queue: the case, what is decided, who drafted it."""
    choice = decision.choice
    if choice is None:
        chosen = _("no penalty chosen")
    elif choice.waived:
        chosen = _("no penalty")
    elif choice.amount is not None:
        chosen = yuan(choice.amount)
    else:
        chosen = "、".join(choice.penalties)
    return _("{number} · {cause}\n{chosen} · drafted by {name}").format(
        number=case.number, cause=case.cause, chosen=chosen, name=drafter)


class ReviewQueue(QWidget):
    """See the module docstring. `reviewed(decision_id, verdict)` once a review is kept."""

    reviewed = Signal(str, str)
    count_changed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._busy = False
        self.waiting: int | None = None  # decisions waiting, once the queue is loaded
        self.queue = QListWidget()
        self.queue.setAccessibleName(_("Decisions waiting for legal review"))
        self.queue.setWordWrap(True)
        self.queue.setMinimumWidth(240)
        self.queue.currentItemChanged.connect(self._chosen)
        self.empty = QLabel(_("No decision is waiting for legal review."))
        self.empty.setWordWrap(True)
        self.refresh_button = QPushButton(_("Refresh"))
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.view = DecisionView()
        self.comments = QPlainTextEdit()
        self.comments.setTabChangesFocus(True)
        self.comments.setMaximumHeight(70)
        self.comments.setPlaceholderText(_(
            "Your comments (required when returning: say what the officer must change)"))
        self.comments.setAccessibleName(_("Review comments"))
        self.comments_error = QLabel()
        self.comments_error.setWordWrap(True)
        self.comments_error.setStyleSheet(ERROR_STYLE)
        self.comments_error.setVisible(False)
        self.comments.textChanged.connect(lambda: self.comments_error.setVisible(False))
        self.signer: SignerRow | None = None
        self.signer_place = QVBoxLayout()
        self.approve_button = QPushButton(_("Approve"))
        self.return_button = QPushButton(_("Return with comments"))
        for button in (self.approve_button, self.return_button, self.refresh_button):
            button.setAutoDefault(False)  # Enter in the password field approves nothing
        self.approve_button.clicked.connect(lambda: self.review(ReviewVerdict.APPROVED))
        self.return_button.clicked.connect(lambda: self.review(ReviewVerdict.RETURNED))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.busy_bar = BusyBar()
        self.form = QGroupBox(_("Your review"))
        form = QVBoxLayout(self.form)
        form.addWidget(self.comments)
        form.addWidget(self.comments_error)
        form.addLayout(self.signer_place)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.return_button)
        buttons.addWidget(self.approve_button)
        form.addWidget(self.busy_bar)
        form.addLayout(buttons)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel(_("Waiting for legal review")))
        column.addWidget(self.queue, 1)
        column.addWidget(self.empty)
        column.addWidget(self.refresh_button)
        right = QWidget()
        main = QVBoxLayout(right)
        main.setContentsMargins(0, 0, 0, 0)
        main.addWidget(self.view, 1)
        main.addWidget(self.form)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._refresh_form()
        self.refresh()

    # --- the queue ----------------------------------------------------------------------------

    @property
    def decision(self) -> PenaltyDecision | None:
        dossier = self.view.dossier
        return dossier.decision if dossier is not None else None

    def queue_texts(self) -> list[str]:
        return [self.queue.item(i).text() for i in range(self.queue.count())]

    def refresh(self, select: str | None = None) -> None:
        """Reload the queue; `select` (a decision id) is chosen if it is still waiting."""
        self.ctx.run(load_queue, lambda rows: self._queue_loaded(rows, select), self._failed)

    def _queue_loaded(self, rows: list[QueueRow], select: str | None) -> None:
        shown = self.decision.id if self.decision is not None else None
        self.queue.blockSignals(True)
        self.queue.clear()
        for decision, case, drafter in rows:
            item = QListWidgetItem(queue_text(decision, case, drafter))
            item.setData(Qt.ItemDataRole.UserRole, decision.id)
            self.queue.addItem(item)
        self.queue.blockSignals(False)
        self.empty.setVisible(not rows)
        self.waiting = len(rows)
        self.count_changed.emit(len(rows))
        wanted = select or shown
        for index in range(self.queue.count()):
            if self.queue.item(index).data(Qt.ItemDataRole.UserRole) == wanted:
                self.queue.setCurrentRow(index)
                return
        if select is None and shown is None and rows:
            self.queue.setCurrentRow(0)

    def _chosen(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is None:
            return
        self.open_decision(str(item.data(Qt.ItemDataRole.UserRole)))

    def open_decision(self, decision_id: str) -> None:
        self.ctx.run(lambda store: load_dossier(store, decision_id), self._show, self._failed)

    def _show(self, dossier: Dossier) -> None:
        changed = self.decision is None or self.decision.id != dossier.decision.id
        self.view.show_dossier(dossier)
        if changed:
            self.comments.clear()
            self.comments_error.setVisible(False)
            self.status.clear()
        self._place_signer(dossier)
        self._refresh_form()

    def _place_signer(self, dossier: Dossier) -> None:
        store = self.ctx.store
        if store is None or (self.signer is not None
                             and self.signer.seat.officer.id == store.officer.id):
            return
        if self.signer is not None:
            self.signer_place.removeWidget(self.signer)
            self.signer.deleteLater()
        self.signer = SignerRow(Seat(store.officer, _("Legal reviewer"),
                                     dossier.reviewer_token))
        self.signer.hand_button.setVisible(False)  # a review is signed by key, not by hand
        self.signer.secret.returnPressed.connect(self.approve_button.setFocus)
        self.signer_place.addWidget(self.signer)

    def _refresh_form(self) -> None:
        decision = self.decision
        waiting = decision is not None and decision.state is DecisionState.IN_REVIEW
        self.form.setEnabled(waiting and not self._busy)
        self.refresh_button.setEnabled(not self._busy)
        self.queue.setEnabled(not self._busy)

    # --- the review ---------------------------------------------------------------------------

    def review(self, verdict: ReviewVerdict) -> None:
        """Approve, or return with comments, signed with the reviewer's own password (or
        their token's PIN)."""
        decision, signer = self.decision, self.signer
        if self._busy or decision is None or signer is None \
                or decision.state is not DecisionState.IN_REVIEW:
            return
        comments = self.comments.toPlainText().strip()
        signer.show_error("")
        if verdict is ReviewVerdict.RETURNED and not comments:
            self.comments_error.setText(_(
                "Write your comments before returning the decision: they tell the officer "
                "what to change."))
            self.comments_error.setVisible(True)
            self.comments.setFocus()
            return
        secret = signer.secret.text()
        signer.secret.clear()  # read once; never kept in the window
        if not secret:
            signer.show_error((
                _("{name} enters their token PIN to sign the review.") if signer.seat.token
                else _("{name} enters their own password to sign the review.")).format(
                name=signer.seat.officer.name))
            signer.secret.setFocus()
            return
        decision_id = decision.id
        service = penalty.approve if verdict is ReviewVerdict.APPROVED \
            else penalty.return_for_changes

        def work(store: Store) -> Dossier:
            service(store, decision_id, comments, secret=secret)
            return load_dossier(store, decision_id)

        self.status.setText(_("Signing the review…"))
        self._set_busy(True)
        self.ctx.run(work, lambda dossier: self._reviewed(dossier, verdict),
                     self._review_failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        if busy:
            self.busy_bar.start(self.status.text())
        else:
            self.busy_bar.stop()
        self._refresh_form()

    def _reviewed(self, dossier: Dossier, verdict: ReviewVerdict) -> None:
        self._busy = False
        self.busy_bar.stop()
        self.view.show_dossier(dossier)
        self.comments.clear()
        decision = dossier.decision
        if verdict is ReviewVerdict.APPROVED:
            self.status.setText(_("Approved: the decision of case {number} can now be signed."
                                  ).format(number=dossier.case.number))
        else:
            self.status.setText(_("Returned to {name} with your comments.").format(
                name=dossier.officer_name(decision.officer_id)))
        self._refresh_form()
        self.reviewed.emit(decision.id, verdict.value)
        self.refresh(select=decision.id)

    def _review_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, UserError):
            self.status.setText(_("Nothing was kept."))
            report_error(exc, self)
            return
        if self.signer is not None:
            self.signer.show_error(str(exc))
            self.signer.secret.setFocus()
        self.status.setText(_("Nothing was kept: the decision is still waiting for review."))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self.status.setText(str(exc))
        else:
            report_error(exc, self)
