"""Read-back before signing, without widgets: the document shown and the signatures on it.

`prepare_document` (on the store thread) prepares the document of a statement in read-back
with the ruled space where the interviewee writes the declaration by hand (`declaration`
None: the default, as the form says 亲笔书写), or with a declaration the officer typed, and the
digest of each page that their signature is bound to: the page's QR payload and everything
printed on it (`page_binding`), so a typed declaration changed after the party signed the
last page takes that page's signature with it. Typing it is the officer's deliberate
choice and is recorded as such in the audit trail (`statement.updated`, `declaration: typed`,
with the typed text's hash) each time it is applied; the document itself is kept only once
signed.
`ReadBack` holds one read-back as the interviewee goes through it: the prepared document,
its declaration and the signatures captured so far. When the document is prepared again (the
declaration changed), `use_document` drops every signature whose page changed or
disappeared and says which, and the handwritten declaration when the last page changed or
it is no longer wanted. `declaration_presets` derives the two usual declarations from the
template's wording. A window adds only what it shows (the page images).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from desktop.documents.page_signatures import ReadBackSignatures
from desktop.documents.render import DECLARATION_BOX, RenderedStatement, wording
from desktop.domain import rules
from desktop.domain.model import Action
from desktop.services import interview, signing
from desktop.store.store import Store


def declaration_presets() -> list[str]:
    """The declaration as read by the interviewee, and as read aloud to them (template)."""
    text = str(wording()["closing"]["declaration_default"])
    choice = re.search(r"我看过（或([^）]*)）", text)
    if choice is None:
        return [text]
    return [text.replace(choice.group(0), "我看过"), text.replace(choice.group(0),
                                                                 choice.group(1))]


@dataclass(frozen=True)
class ReadBackDocument:
    """The document prepared for read-back and the digest of each of its pages."""

    rendered: RenderedStatement
    digests: tuple[str, ...]

    @property
    def pdf(self) -> bytes:
        return self.rendered.pdf

    @property
    def page_count(self) -> int:
        return self.rendered.page_count


def prepare_document(store: Store, statement_id: str,
                     declaration: str | None) -> ReadBackDocument:
    """The document the interviewee reads and signs; refused unless it is in read-back.

    With `declaration` None the document leaves the declaration to be written by hand;
    a typed one is recorded as the officer's choice.
    """
    rules.check_signable(interview.get(store, statement_id).state)
    rendered = signing.prepare(store, statement_id, declaration)
    if declaration is not None:
        digest = hashlib.sha256(declaration.encode("utf-8")).hexdigest()
        with store.transaction() as tx:
            tx.audit(Action.STATEMENT_UPDATED, statement_id, declaration="typed",
                     chosen_by="officer", declaration_sha256=digest)
    return ReadBackDocument(rendered, tuple(signing.page_digests(rendered)))


@dataclass
class ReadBack:
    """One read-back: the document shown, its declaration, and the signatures so far."""

    statement_id: str
    rendered: RenderedStatement | None = None
    digests: list[str] = field(default_factory=list)
    declaration: str | None = None
    signatures: ReadBackSignatures = field(default_factory=ReadBackSignatures)

    @property
    def page_count(self) -> int:
        return self.rendered.page_count if self.rendered is not None else 0

    @property
    def handwritten(self) -> bool:
        """The document leaves the declaration to be written by hand on its last page."""
        return self.rendered is not None and bool(
            self.rendered.signature_boxes.get(DECLARATION_BOX))

    def declaration_missing(self) -> bool:
        """The interviewee still has to write the declaration by hand."""
        return (self.handwritten and self.signatures.refusal is None
                and self.signatures.declaration is None)

    def is_signed(self, page_index: int) -> bool:
        return self.signatures.get(page_index) is not None

    def missing_pages(self) -> tuple[int, ...]:
        if self.rendered is None:
            return ()
        return self.signatures.missing_pages(self.page_count)

    def complete(self) -> bool:
        return self.rendered is not None and self.signatures.complete(
            self.page_count, declaration=self.handwritten)

    def use_document(self, document: ReadBackDocument, declaration: str | None) -> list[int]:
        """Use a newly prepared document; returns the pages (from 0) whose signature went."""
        digests = list(document.digests)
        dropped = sorted(set(self.signatures.stale_pages(digests))
                         | set(self.signatures.extra_pages(document.page_count)))
        for page in dropped:
            self.signatures.remove(page)
        if (self.signatures.declaration_stale(digests)
                or not document.rendered.signature_boxes.get(DECLARATION_BOX)):
            self.signatures.clear_declaration()
        self.rendered, self.digests = document.rendered, digests
        self.declaration = declaration
        return dropped

    def clear_signatures(self) -> None:
        for signature in self.signatures.signatures:
            self.signatures.remove(signature.page_index)
        self.signatures.clear_declaration()

    def anything_signed(self) -> bool:
        """Some page is signed or the declaration is written."""
        return bool(self.signatures.signatures) or self.signatures.declaration is not None
