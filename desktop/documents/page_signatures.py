"""A document's signatures at read-back: each page's signature and fingerprint, the
declaration written by hand, or the recorded refusal to sign.

`FingerprintImage` validates a fingerprint PNG taken on one page; `PageSignature` is what
the interviewee put on one page (a `capture.SignatureCapture`, bound to the page's digest,
and the fingerprint taken on the same page); `ReadBackSignatures` collects a whole
document's, with the rules of read-back: a refusal replaces every signature, a page signed
badly is signed again, and a page whose digest changed is named as stale.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from gettext import gettext as _

from PIL import Image

from desktop.documents.capture import (
    DECLARATION,
    PNG_SIGNATURE,
    SIGNATURE,
    SignatureCapture,
    check_label,
    check_page,
)
from desktop.domain.errors import UserError
from desktop.domain.model import SignatureRefusal
from desktop.domain.rules import check_refusal

# Fingerprint images: readers deliver 400 x 400 or up to 640 x 640 grey images.
MAX_FINGERPRINT_BYTES = 4 * 1024 * 1024
MAX_FINGERPRINT_SIDE = 2048


# --- fingerprints ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FingerprintImage:
    """A fingerprint taken on one page, as a PNG (the GUI converts the reader's BMP)."""

    page_index: int
    page_digest: str
    png: bytes
    source: str

    def __post_init__(self) -> None:
        check_page(self.page_index, self.page_digest)
        check_label(
            self.source,
            _("The fingerprint reader that took the fingerprint must be named."),
            _("The fingerprint reader name is longer than {limit} characters."),
        )
        if not isinstance(self.png, bytes):
            raise UserError(_("The fingerprint image is not a PNG image."))
        if len(self.png) > MAX_FINGERPRINT_BYTES:
            raise UserError(
                _("The fingerprint image is larger than {limit} MB.").format(
                    limit=MAX_FINGERPRINT_BYTES // (1024 * 1024)
                )
            )
        if not self.png.startswith(PNG_SIGNATURE):
            raise UserError(_("The fingerprint image is not a PNG image."))
        try:
            with Image.open(io.BytesIO(self.png), formats=["PNG"]) as header:
                width, height = header.size
                if not (0 < width <= MAX_FINGERPRINT_SIDE and 0 < height <= MAX_FINGERPRINT_SIDE):
                    raise UserError(
                        _("The fingerprint image must be at most {limit} pixels on each"
                          " side.").format(limit=MAX_FINGERPRINT_SIDE)
                    )
                header.verify()
            with Image.open(io.BytesIO(self.png), formats=["PNG"]) as image:
                image.load()
        except UserError:
            raise
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise UserError(_("The fingerprint image is damaged and cannot be read.")) from exc

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.png).hexdigest()


# --- a document's signatures -----------------------------------------------------------------


@dataclass(frozen=True)
class PageSignature:
    """What the interviewee put on one page: a signature and optionally a fingerprint."""

    page_index: int
    capture: SignatureCapture
    fingerprint: FingerprintImage | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.capture, SignatureCapture) or self.capture.purpose != SIGNATURE:
            raise UserError(_("A page signature needs a captured signature."))
        if self.capture.page_index != self.page_index:
            raise UserError(
                _("The signature was captured for page {captured}, not page {page}.").format(
                    captured=self.capture.page_index + 1, page=self.page_index + 1
                )
            )
        if self.fingerprint is not None:
            if not isinstance(self.fingerprint, FingerprintImage):
                raise UserError(_("The fingerprint image is not a PNG image."))
            if (
                self.fingerprint.page_index != self.page_index
                or self.fingerprint.page_digest != self.capture.page_digest
            ):
                raise UserError(
                    _("The fingerprint on page {page} was taken on a different page or a"
                      " different version of it.").format(page=self.page_index + 1)
                )

    @property
    def page_digest(self) -> str:
        return self.capture.page_digest


class ReadBackSignatures:
    """The signatures of a whole document, page by page, or the recorded refusal to sign.

    The GUI adds a `PageSignature` as each page is signed; a page signed badly is removed
    and signed again. When the declaration is written by hand, its capture (purpose
    `DECLARATION`, bound to the last page's binding) is kept as `declaration`. A refusal (with
    a witness, `rules.check_refusal`) replaces the signatures and the declaration: it can be
    recorded only while nothing is signed or written, and nothing can be signed after it,
    until it is withdrawn. Pages are numbered from 0 here; messages count from 1.
    """

    def __init__(self, signatures: Iterable[PageSignature] = (),
                 declaration: SignatureCapture | None = None) -> None:
        self._pages: dict[int, PageSignature] = {}
        self._refusal: SignatureRefusal | None = None
        self._declaration: SignatureCapture | None = None
        for signature in signatures:
            self.add(signature)
        if declaration is not None:
            self.set_declaration(declaration)

    @property
    def refusal(self) -> SignatureRefusal | None:
        return self._refusal

    @property
    def declaration(self) -> SignatureCapture | None:
        """The declaration written by hand on the last page, if any."""
        return self._declaration

    def set_declaration(self, capture: SignatureCapture) -> None:
        """Keep the handwritten declaration (written once; clear it to write it again)."""
        if not isinstance(capture, SignatureCapture) or capture.purpose != DECLARATION:
            raise UserError(_("The handwritten declaration needs a captured declaration."))
        if self._refusal is not None:
            raise UserError(
                _("The interviewee's refusal to sign is recorded; withdraw it before adding"
                  " signatures.")
            )
        if self._declaration is not None:
            raise UserError(
                _("The declaration is already written; clear it before writing it again.")
            )
        self._declaration = capture

    def clear_declaration(self) -> None:
        """Drop the handwritten declaration so it can be written again (no-op if none)."""
        self._declaration = None

    def declaration_stale(self, page_digests: Sequence[str]) -> bool:
        """The declaration was written for another page or version than the last page."""
        declaration = self._declaration
        if declaration is None:
            return False
        return (not page_digests or declaration.page_index != len(page_digests) - 1
                or declaration.page_digest != page_digests[-1])

    @property
    def signatures(self) -> tuple[PageSignature, ...]:
        """The page signatures in page order."""
        return tuple(self._pages[index] for index in sorted(self._pages))

    def get(self, page_index: int) -> PageSignature | None:
        return self._pages.get(page_index)

    def add(self, signature: PageSignature) -> None:
        if not isinstance(signature, PageSignature):
            raise UserError(_("A page signature needs a captured signature."))
        if self._refusal is not None:
            raise UserError(
                _("The interviewee's refusal to sign is recorded; withdraw it before adding"
                  " signatures.")
            )
        if signature.page_index in self._pages:
            raise UserError(
                _("Page {page} is already signed; clear its signature before signing"
                  " again.").format(page=signature.page_index + 1)
            )
        self._pages[signature.page_index] = signature

    def remove(self, page_index: int) -> None:
        """Clear one page's signature so it can be signed again."""
        if self._pages.pop(page_index, None) is None:
            raise UserError(_("Page {page} is not signed.").format(page=page_index + 1))

    def record_refusal(self, refusal: SignatureRefusal) -> None:
        """Record that the interviewee refused to sign; a witness is required."""
        if not isinstance(refusal, SignatureRefusal):
            raise UserError(_("A refusal to sign must be recorded with a witness."))
        check_refusal(refusal)
        if self._declaration is not None:
            raise UserError(
                _("The interviewee has already written the declaration; clear it before"
                  " recording a refusal to sign.")
            )
        if self._pages:
            raise UserError(
                _("Some pages are already signed; clear their signatures before recording a"
                  " refusal to sign.")
            )
        self._refusal = refusal

    def withdraw_refusal(self) -> None:
        self._refusal = None

    def missing_pages(self, page_count: int) -> tuple[int, ...]:
        """Pages (from 0) still to be signed; none once a refusal is recorded."""
        _check_page_count(page_count)
        if self._refusal is not None:
            return ()
        return tuple(index for index in range(page_count) if index not in self._pages)

    def extra_pages(self, page_count: int) -> tuple[int, ...]:
        """Signed pages beyond the end of the document (it shrank after signing)."""
        _check_page_count(page_count)
        return tuple(index for index in sorted(self._pages) if index >= page_count)

    def stale_pages(self, page_digests: Sequence[str]) -> tuple[int, ...]:
        """Signed pages whose printed content changed since signing (binding differs or page
        gone)."""
        return tuple(
            index
            for index, signature in sorted(self._pages.items())
            if index >= len(page_digests) or page_digests[index] != signature.page_digest
        )

    def complete(self, page_count: int, *, declaration: bool = False) -> bool:
        """Every page 0..page_count-1 is signed and nothing else, or a refusal is recorded.

        With `declaration=True` the handwritten declaration must be there too, on the last
        page.
        """
        if self._refusal is not None:
            return True
        if declaration and (self._declaration is None
                            or self._declaration.page_index != page_count - 1):
            return False
        return not self.missing_pages(page_count) and not self.extra_pages(page_count)


def _check_page_count(page_count: object) -> None:
    if not isinstance(page_count, int) or isinstance(page_count, bool) or page_count < 1:
        raise UserError(
            _("A document has at least one page, not {count}.").format(count=page_count)
        )
