"""What the officer's dialog and the party's window share during one read-back.

The prepared document (`RenderedStatement`), its page digests and page images, the
declaration it was rendered with, and the signatures captured so far
(`ReadBackSignatures`). When the document is prepared again (the declaration changed),
`replace_document` drops every signature whose page changed or disappeared and says which.
No widgets here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QImage

from desktop.documents.capture import ReadBackSignatures
from desktop.documents.render import RenderedStatement


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

    def is_signed(self, page_index: int) -> bool:
        return self.signatures.get(page_index) is not None

    def missing_pages(self) -> tuple[int, ...]:
        if self.rendered is None:
            return ()
        return self.signatures.missing_pages(self.page_count)

    def complete(self) -> bool:
        return self.rendered is not None and self.signatures.complete(self.page_count)

    def replace_document(self, rendered: RenderedStatement, digests: list[str],
                         images: list[QImage], declaration: str | None) -> list[int]:
        """Use a newly prepared document; returns the pages (from 0) whose signature went."""
        dropped = sorted(set(self.signatures.stale_pages(digests))
                         | set(self.signatures.extra_pages(rendered.page_count)))
        for page in dropped:
            self.signatures.remove(page)
        self.rendered, self.digests, self.images = rendered, list(digests), list(images)
        self.declaration = declaration
        return dropped

    def clear_signatures(self) -> None:
        for signature in self.signatures.signatures:
            self.signatures.remove(signature.page_index)
