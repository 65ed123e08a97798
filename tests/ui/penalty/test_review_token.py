"""The legal reviewer's queue for a reviewer whose key is on a hardware token (SoftHSM2 through
PKCS#11), on a real store: the row asks for the token's PIN, not the password; an empty or
wrong PIN keeps nothing and says so beside the reviewer; the right PIN approves, or returns
with comments, and the signed review verifies."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.penalty import DecisionState, ReviewVerdict
from desktop.services import penalty
from desktop.ui.penalty import ReviewQueue
from tests.services.penalty_decision_support import (
    TOKEN_REVIEWER_CERT,
    TOKEN_REVIEWER_PASSWORD,
    add_token_reviewer,
)
from tests.ui.penalty.conftest import Bureau
from tests.ui.penalty.test_review_queue import RETURN_COMMENTS, queue, type_password

NOTHING_KEPT = "Nothing was kept: the decision is still waiting for review."


def token_reviewer_queue(bureau: Bureau, qtbot: QtBot, pki: Any, softhsm: Any
                         ) -> tuple[ReviewQueue, str]:
    """A decision waiting for review, and the queue of the reviewer whose key is on the
    token, logged in with their password; the decision's id."""
    reviewer = add_token_reviewer(bureau.world, pki, softhsm)  # as the administrator
    decision = bureau.decide(review=True)
    bureau.login(TOKEN_REVIEWER_CERT, TOKEN_REVIEWER_PASSWORD)
    widget = queue(bureau, qtbot)
    assert widget.signer is not None and widget.signer.seat.officer.id == reviewer.id
    assert widget.signer.seat.token
    assert widget.signer.secret_label.text() == "Token PIN"
    assert widget.signer.secret.placeholderText() == f"{reviewer.name}'s token PIN"
    return widget, decision.id


def test_a_reviewer_approves_with_the_pin_of_their_token(
        bureau: Bureau, qtbot: QtBot, pki: Any, softhsm: Any) -> None:
    widget, decision_id = token_reviewer_queue(bureau, qtbot, pki, softhsm)
    assert widget.signer is not None
    widget.comments.setPlainText("同意。")
    qtbot.mouseClick(widget.approve_button, Qt.MouseButton.LeftButton)  # no PIN typed
    assert widget.signer.error.text() == (
        f"{widget.signer.seat.officer.name} enters their token PIN to sign the review.")

    type_password(qtbot, widget, "0000")
    qtbot.mouseClick(widget.approve_button, Qt.MouseButton.LeftButton)
    assert widget.signer.error.isVisible()
    assert widget.signer.error.text().startswith("Wrong token PIN"), widget.signer.error.text()
    assert widget.status.text() == NOTHING_KEPT
    assert widget.signer.secret.text() == ""  # read once, never kept in the window
    waiting = penalty.get(bureau.store, decision_id)
    assert waiting.state is DecisionState.IN_REVIEW and waiting.reviews == ()
    assert len(widget.queue_texts()) == 1 and widget.form.isEnabled()

    type_password(qtbot, widget, softhsm.user_pin)
    with qtbot.waitSignal(widget.reviewed) as signal:
        qtbot.mouseClick(widget.approve_button, Qt.MouseButton.LeftButton)
    assert signal.args == [decision_id, ReviewVerdict.APPROVED.value]
    assert widget.status.text() == (f"Approved: the decision of case "
                                    f"{bureau.world.case.number} can now be signed.")
    assert widget.queue_texts() == []
    approved = penalty.get(bureau.store, decision_id)
    assert approved.state is DecisionState.APPROVED and approved.last_review is not None
    check = penalty.verify_review(bureau.store, approved.last_review.id)
    assert check.valid and check.current, check.problem
    assert approved.last_review.key_fingerprint == penalty.key_fingerprint(
        pki.officers[0].certificate)  # signed by the key on the token


def test_a_reviewer_returns_with_the_pin_of_their_token(
        bureau: Bureau, qtbot: QtBot, pki: Any, softhsm: Any) -> None:
    widget, decision_id = token_reviewer_queue(bureau, qtbot, pki, softhsm)
    widget.comments.setPlainText(RETURN_COMMENTS)
    type_password(qtbot, widget, softhsm.user_pin)
    with qtbot.waitSignal(widget.reviewed) as signal:
        qtbot.mouseClick(widget.return_button, Qt.MouseButton.LeftButton)
    assert signal.args == [decision_id, ReviewVerdict.RETURNED.value]
    returned = penalty.get(bureau.store, decision_id)
    assert returned.state is DecisionState.RETURNED and returned.last_review is not None
    assert returned.last_review.comments == RETURN_COMMENTS
    assert penalty.verify_review(bureau.store, returned.last_review.id).valid
    assert returned.officer_id == bureau.world.second.id
    assert widget.status.text() == f"Returned to {bureau.world.second.name} with your comments."
