"""What the officer's dialog and the party's window share during one read-back.

The prepared document (`RenderedStatement`), its page digests and page images, the
declaration it was rendered with (None: the interviewee writes it by hand on the last page,
`handwritten`), and the signatures captured so far (`ReadBackSignatures`, with the
handwritten declaration). When the document is prepared again (the declaration changed),
`replace_document` drops every signature whose page changed or disappeared and says which,
and the handwritten declaration when the last page changed or it is no longer wanted.
`prepare_pages` (run on the store thread) prepares the document and renders its pages;
`declaration_presets` derives the two usual declarations from the template's wording.
No widgets here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from gettext import gettext as _

from PySide6.QtGui import QImage

from desktop.documents.capture import ReadBackSignatures
from desktop.documents.render import DECLARATION_BOX, RenderedStatement, wording
from desktop.domain.errors import RuleViolation
from desktop.domain.model import StatementState
from desktop.services import interview, signing
from desktop.store.store import Store
from desktop.ui.readback.pages import render_pages

Prepared = tuple[RenderedStatement, list[str], list[QImage]]


def declaration_presets() -> list[str]:
    """The declaration as read by the interviewee, and as read aloud to them (template)."""
    text = str(wording()["closing"]["declaration_default"])
    choice = re.search(r"我看过（或([^）]*)）", text)
    if choice is None:
        return [text]
    return [text.replace(choice.group(0), "我看过"), text.replace(choice.group(0),
                                                                 choice.group(1))]


def prepare_pages(store: Store, statement_id: str, declaration: str | None) -> Prepared:
    """The document prepared for read-back, its page digests and page images.

    With `declaration` None the document leaves the declaration to be written by hand.
    """
    if interview.get(store, statement_id).state is not StatementState.READ_BACK:
        raise RuleViolation(_("Only a statement in read-back can be signed."))
    rendered = signing.prepare(store, statement_id, declaration)
    return rendered, signing.page_digests(rendered), render_pages(rendered.pdf)


@dataclass
class ReadBackSession:
    statement_id: str
    rendered: RenderedStatement | None = None
    digests: list[str] = field(default_factory=list)
    images: list[QImage] = field(default_factory=list)
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

    def replace_document(self, rendered: RenderedStatement, digests: list[str],
                         images: list[QImage], declaration: str | None) -> list[int]:
        """Use a newly prepared document; returns the pages (from 0) whose signature went."""
        dropped = sorted(set(self.signatures.stale_pages(digests))
                         | set(self.signatures.extra_pages(rendered.page_count)))
        for page in dropped:
            self.signatures.remove(page)
        if (self.signatures.declaration_stale(digests)
                or not rendered.signature_boxes.get(DECLARATION_BOX)):
            self.signatures.clear_declaration()
        self.rendered, self.digests, self.images = rendered, list(digests), list(images)
        self.declaration = declaration
        return dropped

    def clear_signatures(self) -> None:
        for signature in self.signatures.signatures:
            self.signatures.remove(signature.page_index)
        self.signatures.clear_declaration()

    def anything_signed(self) -> bool:
        """Some page is signed or the declaration is written."""
        return bool(self.signatures.signatures) or self.signatures.declaration is not None
