"""The store-thread half of the document flow: what the documents dialog asks, by decision id.

The documents service (`desktop.services.penalty_documents`) drafts and signs by decision id
(`draft_for`, `sign_for`: the decision store, the library's quotes and each kind's signing
rule); this module asks each due document's rule up front (`signing_rule`: a chosen penalty for
the prior notice; legal review where required, and the notice served first, for the decision),
so the window can say why a document cannot be signed before anyone signs, and turns pages
into images for the windows (the draft's PNGs as they are; the signed PDF rendered in memory
with its signature appearances). Nothing here touches a widget: every function runs on the
store lane and returns plain values and QImages.
"""

from __future__ import annotations

from dataclasses import dataclass
from gettext import gettext as _

from PySide6.QtGui import QImage

from desktop.domain.errors import UserError
from desktop.domain.model import Case, SignatureRefusal
from desktop.domain.penalty import PenaltyDecision, PenaltyDocumentKind
from desktop.services import keys, penalty
from desktop.services import penalty_documents as documents_service
from desktop.services.officer_signing import Credentials, Roster, Seat
from desktop.services.penalty_documents import DraftPenaltyDocument, KeptPenaltyDocument
from desktop.store import cases, signing_keys
from desktop.store.store import Store
from desktop.ui.rasterize import render_pages

Receipt = documents_service.Receipt


@dataclass(frozen=True)
class DocumentsState:
    """A decision's documents: which are due, which are kept, whether it may be signed."""

    decision: PenaltyDecision
    case: Case
    kinds: tuple[PenaltyDocumentKind, ...]
    kept: tuple[KeptPenaltyDocument, ...]
    blocked: dict[PenaltyDocumentKind, str]  # why a due document cannot be signed now
    roster: Roster

    def kept_of(self, kind: PenaltyDocumentKind) -> KeptPenaltyDocument | None:
        return next((k for k in self.kept if k.kind is kind), None)

    def blocked_for(self, kind: PenaltyDocumentKind | None) -> str:
        """Why the document of `kind` cannot be signed now (translated); empty if it can."""
        return "" if kind is None else self.blocked.get(kind, "")


@dataclass(frozen=True)
class Drafted:
    document: DraftPenaltyDocument
    images: tuple[QImage, ...]


@dataclass(frozen=True)
class Signed:
    document: KeptPenaltyDocument
    images: tuple[QImage, ...]


def roster(store: Store, decision: PenaltyDecision) -> Roster:
    """Who signs the decision's documents (the case officer first, then the other
    interviewers), who may apply the seal, and who still lacks a signing key."""
    team = documents_service.enforcement_officers(store, decision)
    seats = []
    for officer in team:
        identity = signing_keys.active_identity(store.conn, signing_keys.OFFICER, officer.id)
        part = _("Case officer") if officer.id == decision.officer_id \
            else _("Enforcement officer")
        seats.append(Seat(officer, part, identity is not None and identity.kind == "pkcs11"))
    return Roster(tuple(seats), tuple(keys.seal_custodians(store)),
                  tuple(keys.missing_keys(store, [o.id for o in team])))


def load_state(store: Store, decision_id: str) -> DocumentsState:
    decision = penalty.get(store, decision_id)
    kinds = tuple(documents_service.kinds_for(decision))
    kept = tuple(documents_service.documents(store, decision_id))
    blocked: dict[PenaltyDocumentKind, str] = {}
    for kind in kinds:
        if any(k.kind is kind for k in kept):
            continue  # signed already: nothing to refuse
        try:
            documents_service.signing_rule(store, kind)(decision)
        except UserError as exc:
            blocked[kind] = str(exc)
    return DocumentsState(decision, cases.get_case(store.conn, decision.case_id), kinds, kept,
                          blocked, roster(store, decision))


def png_images(pages: tuple[bytes, ...]) -> tuple[QImage, ...]:
    images = tuple(QImage.fromData(page) for page in pages)
    if any(image.isNull() for image in images):
        raise UserError(_("The pages of the document could not be shown."))
    return images


def draft(store: Store, decision_id: str, kind: PenaltyDocumentKind,
          refusal: SignatureRefusal | None = None, rights_waived: bool = False) -> Drafted:
    """The document as the party reads it (with their refusal printed, if they refused, or
    their waiver of the notice's periods above their signature)."""
    document = documents_service.draft_for(store, decision_id, kind, refusal=refusal,
                                           rights_waived=rights_waived)
    return Drafted(document, png_images(document.page_images))


def sign(store: Store, decision_id: str, drafted: DraftPenaltyDocument,
         credentials: Credentials, receipt: Receipt) -> Signed:
    """Sign, seal and keep the document the party read; its signed pages for the window."""
    try:
        kept = documents_service.sign_for(store, decision_id, drafted.kind,
                                          credentials=credentials, receipt=receipt,
                                          at=drafted.at,
                                          rights_waived=bool(drafted.content.waiver))
    finally:
        credentials.forget()  # whatever failed first, the secrets go (the service's too)
    return Signed(kept, tuple(render_pages(documents_service.document_pdf(store, kept.id))))


def signed_pages(store: Store, document_id: str) -> tuple[QImage, ...]:
    return tuple(render_pages(documents_service.document_pdf(store, document_id)))
