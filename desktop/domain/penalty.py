"""A penalty decision (行政处罚决定) as the desktop keeps it: from the facts to the documents.

A decision belongs to a case (and usually to the statement its facts came from). It moves:
DRAFT (facts stated, the engine's evaluation shown and recorded) → CHOSEN (the officer chose
the penalty, with a written reason where the amount leaves the proposed tier) → IN_REVIEW (sent
to legal review where art. 58 requires it) → APPROVED (or RETURNED with the reviewer's written
comments, back to the officer) → DECIDED (the decision document is signed). A decision that
needs no review goes from CHOSEN to APPROVED by itself. Every step is audited with the
standard's and the library's versions and the hash of the standard's rows used.

The evaluation and choice are the engine's records (`legal.discretion.evaluation`), kept as
they were made, so the reasoning can be shown and printed later without re-running anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from legal.discretion.evaluation import Choice, Evaluation, Facts

__all__ = ["DatasetUsed", "DecisionState", "LegalReview", "PenaltyDecision",
           "PenaltyDocumentKind", "ReviewVerdict"]


class DecisionState(StrEnum):
    DRAFT = "draft"
    CHOSEN = "chosen"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    DECIDED = "decided"


class ReviewVerdict(StrEnum):
    APPROVED = "approved"  # 同意
    RETURNED = "returned"  # 退回 (with written comments)


class PenaltyDocumentKind(StrEnum):
    """The documents of a penalty case (templates in resources/templates/penalty/)."""

    ORDER_TO_CORRECT = "order_to_correct"  # 责令改正通知书
    PRIOR_NOTICE = "prior_notice"  # 行政处罚事先告知书 (arts. 44-45, hearing rights art. 63)
    DECISION = "decision"  # 行政处罚决定书 (art. 59)
    ON_THE_SPOT = "on_the_spot"  # 当场处罚决定书 (arts. 51-52)
    NO_PENALTY = "no_penalty"  # 不予行政处罚决定书


@dataclass(frozen=True)
class DatasetUsed:
    """Which version of a reference dataset a decision used (``laws`` or ``discretion``)."""

    name: str
    version: int  # HQ's version number of the dataset
    sha256: str  # of the dataset's bytes
    label: str  # the library's edition, or the standard's title and version date


@dataclass(frozen=True)
class LegalReview:
    """One legal reviewer's verdict on a decision, signed with the reviewer's key."""

    id: str
    decision_id: str
    reviewer_id: str
    reviewer_name: str
    verdict: ReviewVerdict
    comments: str  # required when returned
    at: datetime
    signature: str  # hex: the reviewer's signature over the review's canonical record
    key_fingerprint: str  # SHA-256 (hex) of the reviewer's public key that signed
    # SHA-256 (hex) of the canonical JSON of the evaluation and choice the review judged: an
    # approval holds for exactly those (issue 17, PEN; decision 39)
    reviewed_sha256: str = ""


@dataclass(frozen=True)
class PenaltyDecision:
    id: str
    case_id: str
    statement_id: str | None
    officer_id: str  # the case officer who drafts it
    created_at: datetime
    state: DecisionState
    facts: Facts | None
    evaluation: Evaluation | None
    choice: Choice | None
    standard: DatasetUsed | None
    library: DatasetUsed | None
    reviews: tuple[LegalReview, ...] = ()

    @property
    def review_required(self) -> bool:
        """Art. 58: legal review before the decision, for the penalty as chosen (the choice
        judges the chosen amount; a choice recorded before it did so, or none yet, leaves the
        evaluation's finding)."""
        if self.choice is not None and self.choice.legal_review_required is not None:
            return self.choice.legal_review_required
        return self.evaluation is not None and self.evaluation.legal_review_required

    @property
    def hearing_right(self) -> bool:
        """Art. 63: the party is told of the right to a hearing, for the penalty as chosen
        (as `review_required`, the choice's finding where it has one)."""
        if self.choice is not None and self.choice.hearing_right is not None:
            return self.choice.hearing_right
        return self.evaluation is not None and self.evaluation.hearing_right

    @property
    def approved(self) -> bool:
        """Review approved the current choice, or none was needed and a choice was made."""
        return self.state in (DecisionState.APPROVED, DecisionState.DECIDED)

    @property
    def last_review(self) -> LegalReview | None:
        return self.reviews[-1] if self.reviews else None
