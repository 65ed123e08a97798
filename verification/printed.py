"""Which statement a signed PDF is of, and which content digest it prints.

The desktop renders every statement with the document subject ``SR1:<statement id>:<content
digest>`` (`desktop.documents.render`; each page's QR code carries the same two values plus
the page number, and the page footer the digest's first 16 characters). The subject is in
the document information dictionary of the first revision, which every signature covers, and
`verification.pdf.verify_pdf` fails a document whose later revisions change it: once the
signatures hold, what this reads is what was signed. HQ compares it with the digest of the
statement content it received (`hq.verdicts`).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from pyhanko.pdf_utils.reader import PdfFileReader

__all__ = ["PrintedStatement", "printed_statement"]

log = logging.getLogger(__name__)
# The format `desktop.documents.render` writes (SR1: version 1 of the payload).
_SUBJECT = re.compile(r"SR1:([^:\s]+):([0-9a-f]{64})")


@dataclass(frozen=True)
class PrintedStatement:
    statement_id: str
    content_digest: str  # SHA-256 of the statement's canonical content, lowercase hex


def printed_statement(data: bytes) -> PrintedStatement | None:
    """The statement id and content digest `data` prints, or None if it prints none (not a
    statement of ours, or not a readable PDF)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        trailer = reader.trailer_view
        subject = trailer["/Info"].get("/Subject") if "/Info" in trailer else None
    except Exception as exc:  # pyHanko raises many types for broken files
        log.info("no document subject: %s", type(exc).__name__)
        return None
    found = _SUBJECT.fullmatch(str(subject)) if subject is not None else None
    return None if found is None else PrintedStatement(found.group(1), found.group(2))
