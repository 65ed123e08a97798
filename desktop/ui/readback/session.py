"""What the officer's dialog and the party's window share during one read-back.

`ReadBackSession` is the read-back of `desktop.services.readback` (the prepared document,
its page digests, the declaration and the signatures captured so far) with the page images
the windows show; `replace_document` takes a newly prepared document with its images and
says whose signatures went. No widgets here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QImage

from desktop.services.readback import ReadBack, ReadBackDocument

Prepared = tuple[ReadBackDocument, list[QImage]]


@dataclass
class ReadBackSession(ReadBack):
    images: list[QImage] = field(default_factory=list)

    def replace_document(self, document: ReadBackDocument, images: list[QImage],
                         declaration: str | None) -> list[int]:
        """Use a newly prepared document; returns the pages (from 0) whose signature went."""
        dropped = self.use_document(document, declaration)
        self.images = list(images)
        return dropped
