"""PAdES signing of statement PDFs with pyHanko: certify first, then fill the fields.

`certify` adds the certification signature (DocMDP P=2, "fill forms") as the document's first
signature and, in the same revision, pre-creates the empty signature fields for everyone who
signs later (the party, per page or once; the interviewers; the recorder; a witness; the unit
seal). The seal field carries a FieldMDP "all fields" lock with DocMDP "no changes", so
filling it freezes the document. `sign_field` fills one pre-created field with a visible
appearance: the party's handwritten signature PNG as an image stamp, or a CJK text stamp in
the vendored TrueType font (embedded as a subset). Each signature is PAdES B-T when a
timestamper is given and B-B otherwise; an unreachable TSA raises `TimestampUnavailable` so
the caller can decide to sign B-B offline (HQ adds a document timestamp later).

The room reserved for each signature container is estimated once per signing certificate
and TSA (pyHanko would otherwise build a dry-run signature before every real one).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from gettext import gettext as _
from importlib import resources
from pathlib import Path
from typing import Any

from PIL import Image
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.stamp import StaticStampStyle, TextStampStyle

from desktop.documents.signer import Signer
from desktop.domain.errors import UserError

CERTIFY_FIELD = "Certification"
PARTY_FIELD = "Party"
INTERVIEWER1_FIELD = "Interviewer1"
INTERVIEWER2_FIELD = "Interviewer2"
RECORDER_FIELD = "Recorder"
WITNESS_FIELD = "Witness"
SEAL_FIELD = "Seal"
MD_ALGORITHM = "sha256"
FONT_FILE = "WenQuanYiMicroHei.ttf"


def http_timestamper(url: str) -> Any:
    """An RFC 3161 client for the TSA at `url` (pyHanko's HTTP client)."""
    return timestamps.HTTPTimeStamper(url)


class TimestampUnavailable(UserError):
    """The TSA could not be reached or answered badly; signing B-B is the caller's call."""


@dataclass(frozen=True)
class FieldSpec:
    """An empty signature field to create: name, 0-based page, box in PDF points."""

    name: str
    page: int
    x1: int
    y1: int
    x2: int
    y2: int
    locks: bool = False  # filling this field freezes the document (the unit seal)

    @classmethod
    def seal(cls, page: int, x1: int, y1: int, x2: int, y2: int) -> FieldSpec:
        return cls(SEAL_FIELD, page, x1, y1, x2, y2, locks=True)


def default_font_path() -> Path:
    """The vendored CJK TrueType font used for text stamps."""
    return Path(str(resources.files("resources") / "fonts" / FONT_FILE))


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf))
    except Exception as exc:  # pyHanko raises several types for unreadable input
        raise UserError(_("The file is not a readable PDF document.")) from exc


def _sig_field_spec(spec: FieldSpec) -> Any:
    extra: dict[str, Any] = {}
    if spec.locks:
        extra = {"field_mdp_spec": fields.FieldMDPSpec(fields.FieldMDPAction.ALL),
                 "doc_mdp_update_value": fields.MDPPerm.NO_CHANGES}
    return fields.SigFieldSpec(spec.name, on_page=spec.page,
                               box=(spec.x1, spec.y1, spec.x2, spec.y2), **extra)


# (signing certificate SHA-256, TSA) -> hex characters to reserve for the CMS container
_reserved: dict[tuple[bytes, tuple[str, str] | None], int] = {}
_reserved_lock = threading.Lock()


def _tsa_key(timestamper: Any) -> tuple[str, str] | None:
    if timestamper is None:
        return None
    return type(timestamper).__qualname__, str(getattr(timestamper, "url", id(timestamper)))


def _reserve(pyhanko_signer: Any, timestamper: Any) -> int:
    """Hex characters to reserve for `pyhanko_signer`'s signature container, as pyHanko
    estimates them (a dry-run container, plus half again for a TSA's varying answers), once
    per certificate and TSA instead of before every signature."""
    key = (bytes(pyhanko_signer.signing_cert.sha256), _tsa_key(timestamper))
    with _reserved_lock:
        known = _reserved.get(key)
    if known is not None:
        return known
    dry_run = asyncio.run(pyhanko_signer.async_sign(
        hashlib.sha256().digest(), MD_ALGORITHM, dry_run=True, use_pades=True,
        timestamper=timestamper,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=datetime.now(UTC))))
    length = len(dry_run.dump()) * 2
    reserve = length + 2 * (length // 4)
    with _reserved_lock:
        _reserved[key] = reserve
    return reserve


def _sign(pdf: bytes, prepare: Any, meta: Any, signer: Signer, timestamper: Any,
          style: Any = None) -> bytes:
    """Sign the revision `prepare(writer)` adds to `pdf` (fields, checks) as `meta` says."""
    pyhanko_signer = signer.pyhanko_signer()
    try:
        reserve = _reserve(pyhanko_signer, timestamper)
        for attempt in (1, 2):
            writer = _writer(pdf)
            prepare(writer)
            out = io.BytesIO()
            try:
                signers.PdfSigner(meta, pyhanko_signer, timestamper=timestamper,
                                  stamp_style=style).sign_pdf(writer, output=out,
                                                              bytes_reserved=reserve)
                return out.getvalue()
            except SigningError as exc:
                if attempt == 2 or "allocated" not in str(exc):
                    raise
                # The container outgrew its room (a TSA's token can): estimate afresh.
                with _reserved_lock:
                    _reserved.pop((bytes(pyhanko_signer.signing_cert.sha256),
                                   _tsa_key(timestamper)), None)
                reserve = _reserve(pyhanko_signer, timestamper)
    except TimestampRequestError as exc:
        raise TimestampUnavailable(
            _("The time-stamping authority could not be reached; the document was not "
              "signed.")) from exc
    except SigningError as exc:
        raise UserError(_("The document could not be signed: {detail}").format(
            detail=exc)) from exc
    raise AssertionError("unreachable")


def certify(pdf: bytes, field_specs: list[FieldSpec], signer: Signer, *,
            timestamper: Any = None, reason: str, location: str) -> bytes:
    """Certify `pdf` (must be unsigned) and pre-create the empty fields; return the new PDF."""
    names = [spec.name for spec in field_specs]
    if len(set(names)) != len(names) or CERTIFY_FIELD in names:
        raise ValueError(f"duplicate or reserved signature field names: {names}")

    def add_fields(writer: IncrementalPdfFileWriter) -> None:
        if writer.prev.embedded_signatures:
            raise UserError(_("The document is already signed; certification must come "
                              "first."))
        pages = int(writer.root["/Pages"]["/Count"])
        for spec in field_specs:
            if not 0 <= spec.page < pages:
                raise ValueError(f"field {spec.name} is on page {spec.page} of {pages}")
            fields.append_signature_field(writer, _sig_field_spec(spec))

    meta = signers.PdfSignatureMetadata(
        field_name=CERTIFY_FIELD, certify=True, docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm=MD_ALGORITHM,
        reason=reason, location=location, name=signer.signing_name)
    return _sign(pdf, add_fields, meta, signer, timestamper)


def _image_style(image: Image.Image) -> Any:
    return StaticStampStyle(background=PdfImage(image), border_width=0)


def _decoded(image_png: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(image_png))
        image.load()
    except (OSError, ValueError) as exc:
        raise UserError(_("The signature image could not be read.")) from exc
    return image


def _text_style(text: str, font_path: Path) -> Any:
    if not font_path.is_file():
        raise UserError(_("The stamp font {path} is missing.").format(path=font_path))
    box = TextBoxStyle(font=GlyphAccumulatorFactory(str(font_path)))
    # pyHanko fills in %(signer)s and %(ts)s; a literal percent sign must be written %%.
    return TextStampStyle(stamp_text=text, text_box_style=box, border_width=0)


def _locks(field_ref: Any) -> bool:
    """Whether signing this field forbids any later change (FieldMDP lock with P=1)."""
    field_dict = field_ref.get_object()
    return "/Lock" in field_dict and int(field_dict["/Lock"].get("/P", 0)) == 1


def _field_locks(writer: IncrementalPdfFileWriter, field_name: str) -> bool:
    """Whether the empty field locks the document; refuse if the document is already locked."""
    empty_field_locks: bool | None = None
    for name, value, ref in fields.enumerate_sig_fields(writer):  # one walk of the fields
        if value is not None and _locks(ref):
            raise UserError(_("The document is sealed; it cannot be signed again."))
        if value is None and name == field_name:
            empty_field_locks = _locks(ref)
    if empty_field_locks is None:
        raise UserError(_("The document has no empty signature field {name}.").format(
            name=field_name))
    return empty_field_locks


def sign_field(pdf: bytes, field_name: str, signer: Signer, *, image_png: bytes | None = None,
               image: Image.Image | None = None, text: str | None = None,
               timestamper: Any = None, lock: bool = False, reason: str | None = None,
               location: str | None = None, font_path: Path | None = None) -> bytes:
    """Fill the pre-created empty field `field_name`; return the new PDF.

    The appearance is a picture: `image_png` (a PNG file's bytes) or `image` (a picture
    already in memory, e.g. the party's handwriting or an officer's stamp, so it is not
    encoded and decoded again); else `text` (CJK allowed), else the signer's name and the
    signing time. `lock=True` asserts the field freezes the document (the seal field is
    created that way by `certify`).
    """
    if sum(given is not None for given in (image_png, image, text)) > 1:
        raise ValueError("give one of image_png, image or text")
    if image_png is not None:
        image = _decoded(image_png)
    if image is not None:
        style = _image_style(image)
    else:
        style = _text_style(text if text is not None else "%(signer)s\n%(ts)s",
                            font_path or default_font_path())

    def check_field(writer: IncrementalPdfFileWriter) -> None:
        if _field_locks(writer, field_name) != lock:
            raise ValueError(f"field {field_name} lock={not lock}, caller expects lock={lock}")

    meta = signers.PdfSignatureMetadata(
        field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm=MD_ALGORITHM, name=signer.signing_name, reason=reason, location=location)
    return _sign(pdf, check_field, meta, signer, timestamper, style)
