"""Penalty decisions and their legal review (法制审核): the use cases the panel, the CLI and the
demo share (issue 17; decision 39).

The case officer opens a decision on a case, states the facts and records the engine's
evaluation (`propose`), then chooses the penalty (`choose`: an amount outside the proposed
tier needs a deviation with a written reason; nothing beyond the statutory range). Where the
evaluation says legal review is required (art. 58 of the Administrative Penalty Law) the
officer submits it and a legal reviewer, who is not the drafting officer, approves it or
returns it with written comments, signing the review with their own key after typing their
own secret (decision 16): the password of a software key, or the PIN of a hardware token
(PKCS#11) that holds the key; either signature is verified the same way (`verify_review`).
An approval holds for exactly the evaluation and choice it judged: a new choice sends the
decision back to CHOSEN for a new review. A decision that needs no review is APPROVED when
chosen. `require_signable` is what the decision documents ask before signing.

Every proposal, choice, refusal, submission and review is audited with the standard's and the
library's versions and SHA-256 and the matter row's hash (desktop/store/penalty.py). A refused
choice or review changes nothing and is audited as refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from gettext import gettext as _
from typing import Any, Protocol, runtime_checkable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from desktop.documents.certcheck import fingerprint as certificate_fingerprint
from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, Outcome, Role
from desktop.domain.penalty import (
    DatasetUsed,
    DecisionState,
    LegalReview,
    PenaltyDecision,
    ReviewVerdict,
)
from desktop.services import case_party, keys, penalty_inputs, refdata
from desktop.services.discretion import DiscretionRefused
from desktop.store import cases, officers, signing_keys
from desktop.store import penalty as repo
from desktop.store import statements as statements_repo
from desktop.store.store import Store
from legal.discretion.choice import settle as settle_choice
from legal.discretion.evaluation import (
    Choice,
    ChoiceRefused,
    Deviation,
    DeviationKind,
    Evaluation,
    Facts,
)
from legal.discretion.evaluation import Outcome as EngineOutcome
from sync.protocol.canonical import canonical_json

REVIEW_RECORD_KIND = "statement-room/penalty-review/1"
# States in which the officer may still change the facts or the choice. IN_REVIEW waits for
# the reviewer; DECIDED is final.
_EDITABLE = (DecisionState.DRAFT, DecisionState.CHOSEN, DecisionState.RETURNED,
             DecisionState.APPROVED)


# -- reading ---------------------------------------------------------------------------------
def get(store: Store, decision_id: str) -> PenaltyDecision:
    with store.reading() as conn:
        return repo.load_decision(conn, decision_id)


def for_case(store: Store, case_id: str) -> list[PenaltyDecision]:
    with store.reading() as conn:
        return repo.for_case(conn, case_id)


def review_queue(store: Store) -> list[PenaltyDecision]:
    """Decisions waiting for legal review, oldest first (what a reviewer's list shows)."""
    with store.reading() as conn:
        return repo.review_queue(conn)


def history(store: Store, decision_id: str) -> list[repo.HistoryEntry]:
    """Every proposal and choice of a decision, as made, in order."""
    with store.reading() as conn:
        repo.load_decision(conn, decision_id)
        return repo.history(conn, decision_id)


# -- the officer's steps ---------------------------------------------------------------------
def open_decision(store: Store, case_id: str, statement_id: str | None) -> PenaltyDecision:
    """A new DRAFT decision of `case_id`, drafted by the logged-in officer."""
    case = cases.get_case(store.conn, case_id)
    if statement_id is not None:
        statement = statements_repo.get_statement(store.conn, statement_id)
        if statement.case_id != case.id:
            raise UserError(_("That statement belongs to another case."))
    decision_id = new_id()
    with store.transaction() as tx:
        repo.insert_decision(tx, decision_id, case.id, statement_id, store.officer.id)
    return get(store, decision_id)


def _require_drafter(store: Store, decision: PenaltyDecision) -> None:
    if store.officer.id != decision.officer_id:
        drafter = officers.get_officer(store.conn, decision.officer_id)
        raise UserError(_("Only the case officer who drafts this decision ({name}) may change "
                          "it.").format(name=drafter.name))


def _require_editable(decision: PenaltyDecision) -> None:
    if decision.state is DecisionState.IN_REVIEW:
        raise UserError(_("The decision is with the legal reviewer; it can be changed again "
                          "when it is approved or returned."))
    if decision.state is DecisionState.DECIDED:
        raise UserError(_("The decision has been signed; it can no longer be changed."))


def propose(store: Store, decision_id: str, facts: Facts) -> PenaltyDecision:
    """Evaluate `facts` under the standard held now and record the evaluation."""
    decision = get(store, decision_id)
    _require_drafter(store, decision)
    _require_editable(decision)
    evaluation = penalty_inputs.evaluate(store, facts)
    standard, library = penalty_inputs.datasets(store)
    return record_proposal(store, decision_id, facts, evaluation, standard, library)


def record_proposal(store: Store, decision_id: str, facts: Facts, evaluation: Evaluation,
                    standard: DatasetUsed, library: DatasetUsed | None) -> PenaltyDecision:
    """Keep an evaluation the engine made of `facts` (what `propose` does once it has one).

    The decision goes back to DRAFT: a choice made on an earlier evaluation no longer holds
    (it stays in the history)."""
    decision = get(store, decision_id)
    _require_drafter(store, decision)
    _require_editable(decision)
    if evaluation.facts != facts or evaluation.matter_code != facts.matter_code:
        raise UserError(_("The evaluation was made for other facts; evaluate again."))
    # The standard's ranges differ for a unit: the facts are for the case's party (decision 54).
    case_party.require_party_type(store.conn, decision.case_id, facts.party_type)
    with store.transaction() as tx:
        repo.save_proposal(tx, decision_id, facts, evaluation, standard, library)
    return get(store, decision_id)


def choose(store: Store, decision_id: str, *, waive: bool, amount: int | None,
           deviation: Deviation | None) -> PenaltyDecision:
    """The officer's choice, accepted by the engine and kept (or refused and audited)."""
    decision = get(store, decision_id)
    _require_drafter(store, decision)
    _require_editable(decision)
    evaluation = _evaluation(decision)
    refusal = check_request(evaluation, waive=waive, amount=amount, deviation=deviation)
    if refusal is not None:  # refused here before the engine is asked, in the same words
        code, message = refusal
        _audit_refused_choice(store, decision, code, amount, deviation)
        raise UserError(message)
    try:
        choice = penalty_inputs.choose(evaluation, waive=waive, amount=amount,
                                       deviation=deviation)
    except UserError as exc:
        _audit_refused_choice(store, decision, str(getattr(exc, "code", "engine")), amount,
                              deviation)
        raise
    return record_choice(store, decision_id, choice)


def _evaluation(decision: PenaltyDecision) -> Evaluation:
    if decision.evaluation is None:
        raise UserError(_("State the facts and evaluate them before choosing the penalty."))
    return decision.evaluation


def record_choice(store: Store, decision_id: str, choice: Choice) -> PenaltyDecision:
    """Keep a choice the engine accepted (what `choose` does once it has one), checked once
    more against the evaluation's ranges here: a choice the law does not allow is refused,
    audited as refused, and nothing changes."""
    decision = get(store, decision_id)
    _require_drafter(store, decision)
    _require_editable(decision)
    evaluation = _evaluation(decision)
    refusal = check_choice(evaluation, choice)
    if refusal is not None:
        code, message = refusal
        _audit_refused_choice(store, decision, code, choice.amount, choice.deviation)
        raise UserError(message)
    # The hearing right and legal review follow the penalty as chosen (arts. 58, 63): the
    # engine's rule sets them on a choice that does not state them, and refuses one that
    # states others.
    try:
        choice = settle_choice(evaluation, choice)
    except ChoiceRefused as exc:
        _audit_refused_choice(store, decision, exc.code, choice.amount, choice.deviation)
        raise DiscretionRefused(exc.code, exc.params) from exc
    # Needing no review, a choice is approved as made; needing one, any new choice (even
    # after an approval) waits for a review of exactly this choice.
    needs_review = (evaluation.legal_review_required if choice.legal_review_required is None
                    else choice.legal_review_required)  # None: a record from before (settle)
    state = DecisionState.CHOSEN if needs_review else DecisionState.APPROVED
    with store.transaction() as tx:
        repo.save_choice(tx, decision, choice, state)
    return get(store, decision_id)


def _audit_refused_choice(store: Store, decision: PenaltyDecision, code: str,
                          amount: int | None, deviation: Deviation | None) -> None:
    evaluation = decision.evaluation
    standard, library = decision.standard, decision.library
    with store.transaction() as tx:
        tx.audit(Action.PENALTY_CHOICE_REFUSED, decision.id, Outcome.DENIED, code=code,
                 amount=amount, deviation=None if deviation is None else deviation.kind.value,
                 standard_version=None if standard is None else standard.version,
                 standard_sha256=None if standard is None else standard.sha256,
                 library_version=None if library is None else library.version,
                 library_sha256=None if library is None else library.sha256,
                 matter_row_hash=None if evaluation is None else evaluation.matter_row_hash)


def _yuan(amount: int) -> str:
    return f"{amount:,}"


def check_choice(evaluation: Evaluation, choice: Choice) -> tuple[str, str] | None:
    """(code, translated message) when `choice` is not lawful under `evaluation`, else None.

    The engine checks the same; the service checks again because a choice is also kept from
    records handed to it, and a decision must never hold an amount beyond the law."""
    return check_request(evaluation, waive=choice.waived, amount=choice.amount,
                         deviation=choice.deviation)


def check_request(evaluation: Evaluation, *, waive: bool, amount: int | None,
                  deviation: Deviation | None) -> tuple[str, str] | None:
    """`check_choice` for what the officer asks, before the engine makes it a choice."""
    if deviation is not None and not deviation.reason.strip():
        return "deviation_reason_missing", _(
            "A penalty outside the proposed range needs a written reason for the deviation.")
    if waive:
        if evaluation.outcome is EngineOutcome.PENALTY:
            return "waive_not_allowed", _(
                "The evaluation proposes a penalty; no ground to waive it was found. State "
                "the facts that allow it and evaluate again.")
        return None
    if evaluation.outcome in (EngineOutcome.NO_PENALTY, EngineOutcome.TIME_BARRED):
        return "penalty_not_allowed", _(
            "The law gives no penalty on these facts; the choice must be no penalty.")
    if amount is None:
        return None
    if amount < 0:
        return "amount_negative", _("An amount must be a whole number of yuan, not negative.")
    statutory = evaluation.statutory_range
    if statutory is not None and amount > statutory.high:
        return "above_statutory_maximum", _(
            "{amount} yuan is above the statutory maximum of {high} yuan; no deviation allows "
            "that.").format(amount=_yuan(amount), high=_yuan(statutory.high))
    if statutory is not None and amount < statutory.low and (
            deviation is None or deviation.kind is not DeviationKind.MITIGATED):
        return "below_statutory_minimum", _(
            "{amount} yuan is below the statutory minimum of {low} yuan; only a mitigated "
            "penalty (减轻处罚) on statutory grounds may go below it.").format(
            amount=_yuan(amount), low=_yuan(statutory.low))
    proposed = evaluation.proposed_range
    if proposed is None:
        return None
    inside = proposed.low <= amount <= proposed.high
    if inside and deviation is not None:
        return "deviation_not_needed", _(
            "{amount} yuan is within the proposed range of {low} to {high} yuan; it needs no "
            "deviation.").format(amount=_yuan(amount), low=_yuan(proposed.low),
                                 high=_yuan(proposed.high))
    if not inside and deviation is None:
        return "deviation_required", _(
            "{amount} yuan is outside the proposed range of {low} to {high} yuan; choose a "
            "lighter, mitigated or heavier penalty and write the reason.").format(
            amount=_yuan(amount), low=_yuan(proposed.low), high=_yuan(proposed.high))
    if deviation is not None:
        below = amount < proposed.low
        if below != (deviation.kind in (DeviationKind.LIGHTER, DeviationKind.MITIGATED)):
            text = (_("{amount} yuan is below the proposed range of {low} to {high} yuan; a "
                      "heavier penalty goes the other way.") if below
                    else _("{amount} yuan is above the proposed range of {low} to {high} yuan; "
                           "a lighter or mitigated penalty goes the other way."))
            return "deviation_direction", text.format(
                amount=_yuan(amount), low=_yuan(proposed.low), high=_yuan(proposed.high))
    return None


def submit_for_review(store: Store, decision_id: str) -> PenaltyDecision:
    """Send a chosen decision that needs legal review to the reviewers."""
    decision = get(store, decision_id)
    _require_drafter(store, decision)
    if not decision.review_required:
        raise UserError(_("This decision needs no legal review; it was approved when the "
                          "penalty was chosen."))
    if decision.state not in (DecisionState.CHOSEN, DecisionState.RETURNED) \
            or decision.choice is None:
        raise UserError(_("Only a decision with a chosen penalty, not yet with the reviewer, "
                          "can be submitted for legal review."))
    assert decision.evaluation is not None
    with store.transaction() as tx:
        repo.set_state(tx, decision_id, DecisionState.IN_REVIEW, Action.PENALTY_SUBMITTED,
                       reviewed_sha256=repo.reviewed_sha256(decision.evaluation,
                                                            decision.choice))
    return get(store, decision_id)


# -- legal review ----------------------------------------------------------------------------
def approve(store: Store, decision_id: str, comments: str, *, secret: str) -> PenaltyDecision:
    """The logged-in legal reviewer approves the decision, signing with their own key
    (`secret`: their password, or their token's PIN when the key is on a token)."""
    return _review(store, decision_id, ReviewVerdict.APPROVED, comments, secret)


def return_for_changes(store: Store, decision_id: str, comments: str, *,
                       secret: str) -> PenaltyDecision:
    """The logged-in legal reviewer returns the decision with written comments, signed
    (`secret` as for `approve`)."""
    return _review(store, decision_id, ReviewVerdict.RETURNED, comments, secret)


def _refuse_review(store: Store, decision_id: str, code: str, message: str) -> UserError:
    with store.transaction() as tx:
        tx.audit(Action.PENALTY_REVIEW_REFUSED, decision_id, Outcome.DENIED, code=code)
    return UserError(message)


def review_record(review_id: str, decision_id: str, reviewed_sha256: str,
                  verdict: ReviewVerdict, comments: str, at: datetime, reviewer_id: str,
                  key_fingerprint: str) -> bytes:
    """The canonical bytes a reviewer signs (RFC 8785 JSON): which review of which decision,
    the hash of the evaluation and choice judged, the verdict, the comments, when, by whom,
    with which key."""
    return canonical_json({
        "kind": REVIEW_RECORD_KIND, "review": review_id, "decision": decision_id,
        "reviewed_sha256": reviewed_sha256, "verdict": verdict.value, "comments": comments,
        "at": at.isoformat(), "reviewer": reviewer_id, "key_sha256": key_fingerprint})


def key_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 (hex) of a certificate's public key (SubjectPublicKeyInfo, DER)."""
    return hashlib.sha256(certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )).hexdigest()


@runtime_checkable
class _SignsBytes(Protocol):
    """A signer that signs plain bytes as `verify_review` checks them: a software key
    (`SoftwareSigner`) or a key on a PKCS#11 token (`TokenSigner`)."""

    @property
    def certificate(self) -> x509.Certificate: ...

    def sign_bytes(self, data: bytes) -> bytes: ...


def _review(store: Store, decision_id: str, verdict: ReviewVerdict, comments: str,
            secret: str) -> PenaltyDecision:
    reviewer = store.officer
    decision = get(store, decision_id)
    if reviewer.role is not Role.LEGAL_REVIEWER:
        raise _refuse_review(store, decision_id, "not_a_reviewer", _(
            "Only a legal reviewer may review a penalty decision; {name} is not one.").format(
            name=reviewer.name))
    if reviewer.id == decision.officer_id:
        raise _refuse_review(store, decision_id, "own_decision", _(
            "The officer who drafted a decision cannot review it; another legal reviewer "
            "must."))
    if decision.state is not DecisionState.IN_REVIEW or decision.evaluation is None \
            or decision.choice is None:
        raise UserError(_("This decision is not waiting for legal review."))
    comments = comments.strip()
    if verdict is ReviewVerdict.RETURNED and not comments:
        raise UserError(_("Returning a decision needs written comments saying what to "
                          "change."))
    reviewed = repo.reviewed_sha256(decision.evaluation, decision.choice)
    # `secret` is the reviewer's password, or the PIN of the token their key is on: the
    # same credential the statement signers give (counted like a login; failures audited).
    signer = keys.unlock_signer(store, reviewer.id, secret)
    try:
        if not isinstance(signer.signer, _SignsBytes):
            raise UserError(_("The signing key of {name} cannot sign a legal review (it "
                              "makes PDF signatures only). Ask the administrator for a "
                              "software key or a PKCS#11 token.").format(name=reviewer.name))
        sign_bytes = signer.signer.sign_bytes
        certificate = signer.signer.certificate
        if certificate_fingerprint(certificate) in refdata.revoked_fingerprints(store):
            raise UserError(_("The certificate of {name} is on HQ's list of revoked "
                              "certificates; it cannot sign. Ask the administrator for a new "
                              "one.").format(name=reviewer.name))
        at = store.clock()
        review_id = new_id()
        fingerprint = key_fingerprint(certificate)
        signature = bytes(sign_bytes(review_record(
            review_id, decision_id, reviewed, verdict, comments, at, reviewer.id,
            fingerprint))).hex()
        identity_id = signer.identity.id
    finally:
        signer.close()
    review = LegalReview(id=review_id, decision_id=decision_id, reviewer_id=reviewer.id,
                         reviewer_name=reviewer.name, verdict=verdict, comments=comments,
                         at=at, signature=signature, key_fingerprint=fingerprint,
                         reviewed_sha256=reviewed)
    state = (DecisionState.APPROVED if verdict is ReviewVerdict.APPROVED
             else DecisionState.RETURNED)
    with store.transaction() as tx:
        # what was signed must still be what the decision holds (nothing moved meanwhile)
        now = repo.load_decision(tx.conn, decision_id)
        if now.state is not DecisionState.IN_REVIEW or now.evaluation is None \
                or now.choice is None \
                or repo.reviewed_sha256(now.evaluation, now.choice) != reviewed:
            raise UserError(_("The decision changed while it was being reviewed; review it "
                              "again."))
        repo.add_review(tx, review, identity_id, state)
    return get(store, decision_id)


@dataclass(frozen=True)
class ReviewCheck:
    """What `verify_review` found: whether the signature holds, and whether the review still
    judges the decision's current evaluation and choice."""

    valid: bool
    current: bool
    problem: str  # translated; empty when valid


def _verify_with(public: Any, signature: bytes, data: bytes) -> None:
    if isinstance(public, ec.EllipticCurvePublicKey):
        public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise InvalidSignature("unsupported key type")


def verify_review(store: Store, review_id: str) -> ReviewCheck:
    """Check a stored review's signature with the reviewer's certificate as the store keeps
    it: the key that signed is the reviewer's own officer key, and the signature covers the
    record as stored now (an edited verdict, comment, hash, time or reviewer fails)."""
    with store.reading() as conn:
        stored = repo.stored_review(conn, review_id)
        identity = signing_keys.get_identity(conn, stored.identity_id)
        decision = repo.load_decision(conn, stored.review.decision_id)
    review = stored.review
    current = (decision.evaluation is not None and decision.choice is not None
               and repo.reviewed_sha256(decision.evaluation, decision.choice)
               == review.reviewed_sha256)
    if identity is None or identity.role != signing_keys.OFFICER \
            or identity.officer_id != review.reviewer_id:
        return ReviewCheck(False, current, _("The key that signed this review is not the "
                                             "reviewer's own signing key."))
    certificate = keys.load_certificate(identity.cert_pem)
    if key_fingerprint(certificate) != review.key_fingerprint:
        return ReviewCheck(False, current, _("The review names another key than the "
                                             "reviewer's certificate holds."))
    record = review_record(review.id, review.decision_id, review.reviewed_sha256,
                           review.verdict, review.comments, review.at, review.reviewer_id,
                           review.key_fingerprint)
    try:
        _verify_with(certificate.public_key(), bytes.fromhex(review.signature), record)
    except (InvalidSignature, ValueError):
        return ReviewCheck(False, current, _("The review's signature does not match the "
                                             "review as stored: it was altered."))
    return ReviewCheck(True, current, "")


# -- before the decision document is signed --------------------------------------------------
def require_signable(decision: PenaltyDecision) -> None:
    """Refuse (translated) unless the decision may be signed now: chosen, and, where legal
    review is required, approved by a reviewer for exactly its current evaluation and
    choice."""
    if decision.state is DecisionState.DECIDED:
        raise UserError(_("The decision has already been signed."))
    if decision.evaluation is None or decision.choice is None:
        raise UserError(_("The penalty has not been chosen yet; the decision cannot be "
                          "signed."))
    if not decision.review_required:
        if decision.state is not DecisionState.APPROVED:
            raise UserError(_("The decision cannot be signed in its present state."))
        return
    last = decision.last_review
    if decision.state is DecisionState.RETURNED and last is not None:
        raise UserError(_("The legal reviewer returned the decision: {comments}").format(
            comments=last.comments))
    if decision.state is not DecisionState.APPROVED or last is None \
            or last.verdict is not ReviewVerdict.APPROVED \
            or last.reviewed_sha256 != repo.reviewed_sha256(decision.evaluation,
                                                            decision.choice):
        raise UserError(_("This decision needs legal review (法制审核, art. 58 of the "
                          "Administrative Penalty Law): a legal reviewer must approve it "
                          "before it is signed."))
