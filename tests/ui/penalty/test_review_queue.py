"""The legal reviewer's queue (法制审核) on a real store: only a legal reviewer sees it; a
decision is shown on one screen; returning needs comments and the officer then reads them;
a wrong password keeps nothing; an approval makes the decision signable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.penalty import DecisionState, ReviewVerdict
from desktop.services import penalty
from desktop.ui.main_window import MainWindow
from desktop.ui.penalty import PenaltyDocumentsDialog, ReviewQueue
from legal.discretion.evaluation import Deviation, DeviationKind
from tests.services.penalty_decision_support import REVIEWER_PASSWORD
from tests.ui.penalty.conftest import ANSWER, Bureau

RETURN_COMMENTS = "事实部分未写明违法停车的持续时间，请补充现场照片的说明后重新提交。"


def main_window(bureau: Bureau, qtbot: QtBot) -> MainWindow:
    window = MainWindow(bureau.ctx)
    qtbot.addWidget(window)
    window.closing_for_rebuild = True  # the world fixture closes the store itself
    window.show()
    return window


def menu_titles(window: MainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def tab_titles(window: MainWindow) -> list[str]:
    return [window.tabs.tabText(i) for i in range(window.tabs.count())]


def queue(bureau: Bureau, qtbot: QtBot) -> ReviewQueue:
    widget = ReviewQueue(bureau.ctx)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def type_password(qtbot: QtBot, widget: ReviewQueue, password: str) -> None:
    assert widget.signer is not None
    widget.signer.secret.clear()
    qtbot.keyClicks(widget.signer.secret, password)


def test_only_a_legal_reviewer_has_the_queue(bureau: Bureau, qtbot: QtBot) -> None:
    bureau.decide(review=True)
    officer_window = main_window(bureau, qtbot)  # the case officer is logged in
    assert "Legal &review" not in menu_titles(officer_window)
    assert not any(t.startswith("Legal review") for t in tab_titles(officer_window))
    officer_window.close()
    bureau.as_admin()
    admin_window = main_window(bureau, qtbot)
    assert "Legal &review" not in menu_titles(admin_window)
    assert not any(t.startswith("Legal review") for t in tab_titles(admin_window))
    admin_window.close()

    bureau.as_reviewer()
    window = main_window(bureau, qtbot)
    assert "Legal &review" in menu_titles(window)
    assert "Legal review (1)" in tab_titles(window)  # found at login, one decision waiting
    window.tabs.setCurrentIndex(0)
    review_menu = next(a.menu() for a in window.menuBar().actions()
                       if a.text() == "Legal &review")
    review_menu.actions()[0].trigger()
    tab = window.tabs.currentWidget()
    assert isinstance(tab, ReviewQueue)
    assert tab_titles(window).count("Legal review (1)") == 1  # one tab, not a second
    type_password(qtbot, tab, REVIEWER_PASSWORD)
    with qtbot.waitSignal(tab.reviewed):
        qtbot.mouseClick(tab.approve_button, Qt.MouseButton.LeftButton)
    assert "Legal review (0)" in tab_titles(window)  # the queue updates its tab


def test_the_decision_is_shown_on_one_screen(bureau: Bureau, qtbot: QtBot) -> None:
    bureau.decide(review=True)
    bureau.as_reviewer()
    widget = queue(bureau, qtbot)
    case = bureau.world.case
    assert widget.queue_texts() == [f"{case.number} · {case.cause}\n110 yuan · drafted by "
                                    f"{bureau.world.second.name}"]
    view = widget.view
    assert view.isVisible() and widget.form.isEnabled()
    assert "Waiting for legal review" in view.header.text()
    statement = view.statement_text.toPlainText()
    assert "车是你停的吗？" in statement and ANSWER in statement
    assert view.evidence_list.topLevelItemCount() == 1
    assert view.evidence_list.topLevelItem(0).text(0) == "现场照片-人行道.jpg"
    assert view.evidence_box.title() == "Evidence (1)"
    shown = view.decision_text.toPlainText()
    # The matched standard with its version and the example mark, the matter, the facts.
    assert "version 1" in shown and "［示例］" in shown
    assert "示例-JT-001 在人行道上违法停放机动车" in shown
    assert "驾驶人不在现场或者拒绝立即驶离" in shown  # a ticked condition, in words
    assert "案件情况疑难复杂、涉及多个法律关系" in shown  # art. 58 (三), in the law's words
    # The reasoning with its citations, and the choice.
    assert "《中华人民共和国道路交通安全法》第九十三条第二款" in shown
    assert "《中华人民共和国行政处罚法》第五十八条" in shown
    assert "legal review is required (art. 58)" in shown
    assert "Proposed range\n80 to 140 yuan" in shown
    assert "110 yuan" in shown and "no deviation" in shown


def test_the_reviewer_sees_a_deviation_and_its_reason(bureau: Bureau, qtbot: QtBot) -> None:
    reason = "当事人系初次违法，经指出后立即驶离，从轻处罚。"
    bureau.decide(review=True, amount=50, deviation=Deviation(DeviationKind.LIGHTER, reason))
    bureau.as_reviewer()
    widget = queue(bureau, qtbot)
    assert widget.queue_texts()[0].endswith(f"50 yuan · drafted by {bureau.world.second.name}")
    shown = widget.view.decision_text.toPlainText()
    assert "Deviation: Lighter penalty (从轻)" in shown and f"Reason: {reason}" in shown
    assert "no deviation" not in shown
    # What the chosen penalty gives (the review follows the choice, art. 58)
    assert ("For the penalty chosen: no hearing right; legal review is required (art. 58)"
            in shown)


def test_return_needs_comments_and_the_officer_reads_them(bureau: Bureau,
                                                         qtbot: QtBot) -> None:
    decision = bureau.decide(review=True)
    bureau.as_reviewer()
    widget = queue(bureau, qtbot)
    type_password(qtbot, widget, REVIEWER_PASSWORD)
    qtbot.mouseClick(widget.return_button, Qt.MouseButton.LeftButton)
    assert widget.comments_error.isVisible()
    assert widget.comments_error.text() == ("Write your comments before returning the "
                                            "decision: they tell the officer what to change.")
    assert penalty.get(bureau.store, decision.id).state is DecisionState.IN_REVIEW
    assert widget.signer is not None and widget.signer.secret.text() == REVIEWER_PASSWORD

    widget.comments.setPlainText(RETURN_COMMENTS)  # Chinese arrives through an input method
    assert not widget.comments_error.isVisible()
    with qtbot.waitSignal(widget.reviewed):
        qtbot.mouseClick(widget.return_button, Qt.MouseButton.LeftButton)
    assert widget.status.text() == f"Returned to {bureau.world.second.name} with your comments."
    assert widget.queue_texts() == [] and widget.empty.isVisible()
    assert "Returned by the legal reviewer" in widget.view.header.text()
    assert f"Comments: {RETURN_COMMENTS}" in widget.view.decision_text.toPlainText()
    assert not widget.form.isEnabled()
    review = penalty.get(bureau.store, decision.id).last_review
    assert review is not None and review.verdict is ReviewVerdict.RETURNED

    # The case officer opens the decision's documents: it cannot be signed, and says why.
    bureau.as_officer()
    dialog = PenaltyDocumentsDialog(bureau.ctx, decision.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.documents.setCurrentRow(1)  # the decision document (决定书)
    assert dialog.blocked.isVisible()
    assert dialog.blocked.text() == ("Cannot be signed: The legal reviewer returned the "
                                     f"decision: {RETURN_COMMENTS}")
    assert not dialog.show_button.isEnabled() and not dialog.sign_button.isEnabled()


def test_a_wrong_password_keeps_nothing(bureau: Bureau, qtbot: QtBot) -> None:
    decision = bureau.decide(review=True)
    bureau.as_reviewer()
    widget = queue(bureau, qtbot)
    widget.comments.setPlainText("同意。")
    type_password(qtbot, widget, "not-the-reviewers-password")
    qtbot.mouseClick(widget.approve_button, Qt.MouseButton.LeftButton)
    assert widget.signer is not None
    assert widget.signer.error.isVisible()
    assert "password" in widget.signer.error.text().lower()
    assert widget.status.text() == ("Nothing was kept: the decision is still waiting for "
                                    "review.")
    assert widget.signer.secret.text() == ""  # read once, never kept in the window
    after = penalty.get(bureau.store, decision.id)
    assert after.state is DecisionState.IN_REVIEW and after.reviews == ()
    assert len(widget.queue_texts()) == 1 and widget.form.isEnabled()


def test_approval_makes_the_decision_signable(bureau: Bureau, qtbot: QtBot) -> None:
    decision = bureau.decide(review=True)
    bureau.as_officer()
    blocked = PenaltyDocumentsDialog(bureau.ctx, decision.id)
    qtbot.addWidget(blocked)
    blocked.documents.setCurrentRow(1)  # the decision document (决定书)
    assert blocked.blocked.text().startswith("Cannot be signed: This decision needs legal "
                                             "review (法制审核")
    blocked.close()

    bureau.as_reviewer()
    widget = queue(bureau, qtbot)
    type_password(qtbot, widget, REVIEWER_PASSWORD)
    with qtbot.waitSignal(widget.reviewed):
        qtbot.mouseClick(widget.approve_button, Qt.MouseButton.LeftButton)
    assert widget.status.text() == (f"Approved: the decision of case "
                                    f"{bureau.world.case.number} can now be signed.")
    assert widget.queue_texts() == []
    assert f"Approved by {bureau.reviewer.name}" in widget.view.decision_text.toPlainText()
    assert penalty.get(bureau.store, decision.id).state is DecisionState.APPROVED

    bureau.as_officer()
    dialog = PenaltyDocumentsDialog(bureau.ctx, decision.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.documents.setCurrentRow(1)  # the decision document: review no longer stops it
    assert dialog.blocked.text().startswith("Cannot be signed: Serve the prior notice")
    dialog.documents.setCurrentRow(0)
    assert not dialog.blocked.isVisible()
    assert dialog.show_button.isEnabled() and dialog.refuse_button.isEnabled()
