"""Signing a statement after read-back: the PDF the party saw, their signatures, the seal.

`sign_statement` takes the statement's document (the one the read-back showed, kept in
memory, not rendered again), certifies it with the statement room's device key
(pre-creating a field for every signer), places the party's handwriting on every page and,
when the declaration was left for handwriting, the declaration they wrote by hand in its
ruled space on the last page (or records the refusal with its witness), has the
interviewers and the recorder sign with their own keys, and lets the unit seal lock the
document. Each officer's key and the seal come in a `SigningTeam` of signers that their own
officers unlocked with their password or token PIN (`desktop.services.keys`): being logged
in signs nothing. A statement is signed once its recording was stopped, with that recording
or the officer's reason why there is none (`recording_rule`, decision 45), printed on an
annex page appended before certification, never on a page the party signed. Every
signature's event in the audit trail says who authenticated, how and when. Only when the
whole PDF is built does one transaction move the statement to signed and sealed and keep
the PDF in the store, so a failure half-way leaves the statement in read-back with nothing
half-signed kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from gettext import gettext as _
from pathlib import Path
from typing import Any

from cryptography import x509
from PIL import Image

from desktop import config
from desktop.documents.capture import (
    SignatureCapture,
    capture_digest,
    capture_record,
    png_bytes,
    render_image,
)
from desktop.documents.certcheck import fingerprint
from desktop.documents.page_signatures import ReadBackSignatures
from desktop.documents.recording_annex import append_pages, render_annex
from desktop.documents.render import (
    DECLARATION_BOX,
    RenderedStatement,
    StatementDocument,
    render_statement,
)
from desktop.documents.signing import (
    INTERVIEWER1_FIELD,
    INTERVIEWER2_FIELD,
    RECORDER_FIELD,
    SEAL_FIELD,
    WITNESS_FIELD,
    FieldSpec,
    TimestampUnavailable,
    certify,
    http_timestamper,
    sign_field,
)
from desktop.documents.stamps import officer_stamp, text_stamp, with_fingerprint
from desktop.domain import rules
from desktop.domain.errors import UserError
from desktop.domain.model import (
    Action,
    Officer,
    Outcome,
    SignatureRefusal,
    Statement,
    StatementState,
)
from desktop.services import keys, recording_rule, refdata
from desktop.services.export_files import write_export
from desktop.services.keys import AuthenticatedSigner
from desktop.services.templates import load_template
from desktop.store import cases, documents, officers, signing_keys
from desktop.store import statements as repo
from desktop.store.store import Store
from sync.protocol.canonical import canonical_json

SIGNATURE_DPI = 200
DECLARATION_FIELD = "Declaration"
TSA_ENV = config.TSA_URL


def configured_timestamper() -> Any:
    """The TSA named by `config.TSA_URL` (B-T signatures), or None (B-B)."""
    url = config.tsa_url()
    return http_timestamper(url) if url else None


@dataclass(frozen=True)
class SignedStatement:
    pdf: bytes
    sha256: str
    pages: int
    timestamped: bool = False


@dataclass(frozen=True)
class SigningTeam:
    """The signers of one statement, each unlocked by its own officer's credential.

    `officers` maps officer id -> that officer's signer (the interviewers and the recorder);
    `seal` is the unit seal, unlocked by a seal custodian.
    """

    officers: Mapping[str, AuthenticatedSigner]
    seal: AuthenticatedSigner

    def close(self) -> None:
        for signer in (*self.officers.values(), self.seal):
            signer.close()


def _officer_fields(statement: Statement) -> tuple[tuple[str, str, str, str], ...]:
    """(PDF field, layout box, officer id, label) of each officer's signature."""
    return ((INTERVIEWER1_FIELD, "interviewer1", statement.interviewer_ids[0], "询问人"),
            (INTERVIEWER2_FIELD, "interviewer2", statement.interviewer_ids[1], "询问人"),
            (RECORDER_FIELD, "recorder", statement.recorder_id, "记录人"))


SEAL_SLOT = "seal"  # `SignerRefused.slot` when the seal custodian's credential failed


class SignerRefused(UserError):
    """One signer's credential did not open their key; `slot` says whose: the officer's id,
    or `SEAL_SLOT` for the seal custodian (so a window can show it beside the right person)."""

    def __init__(self, slot: str, message: str) -> None:
        super().__init__(message)
        self.slot = slot


def unlock_team(store: Store, statement_id: str, secrets: Mapping[str, str], *,
                custodian_id: str, seal_secret: str | None = None,
                handwriting: Mapping[str, bytes] | None = None) -> SigningTeam:
    """Unlock each signer of a statement with its own officer's password or token PIN.

    `secrets` maps officer id -> that officer's secret, for the interviewers and the
    recorder; the seal opens with `seal_secret` of `custodian_id` (default: their entry in
    `secrets`, for a custodian who also signs with the same password). `handwriting` maps
    officer id -> that officer's handwritten signature (PNG), printed in their box. The
    first refusal stops, counted toward that officer's lockout, as a `SignerRefused` naming
    whose credential it was; signers already opened are closed again.
    """
    statement = repo.get_statement(store.conn, statement_id)
    team = unlock_signers(store, signing_team(store, statement_id), secrets,
                          custodian_id=custodian_id, seal_secret=seal_secret,
                          handwriting=handwriting)
    try:
        check_team(store, statement, team)
    except BaseException:
        team.close()
        raise
    return team


def unlock_signers(store: Store, signers: Sequence[Officer], secrets: Mapping[str, str], *,
                   custodian_id: str, seal_secret: str | None = None,
                   handwriting: Mapping[str, bytes] | None = None) -> SigningTeam:
    """Unlock `signers` (officers, each with their own secret) and the seal, for any document
    (`unlock_team` for a statement's; the penalty documents' officers too). The first
    refusal stops as a `SignerRefused`; signers already opened are closed again."""
    opened: dict[str, AuthenticatedSigner] = {}
    try:
        for officer in signers:
            secret = secrets.get(officer.id, "")
            if not secret:
                raise SignerRefused(officer.id, _("{name} has not authenticated to sign.")
                                    .format(name=officer.name))
            try:
                opened[officer.id] = keys.unlock_signer(store, officer.id, secret)
            except UserError as exc:
                raise SignerRefused(officer.id, exc.message) from exc
            opened[officer.id].handwriting_png = (handwriting or {}).get(officer.id)
        seal_secret = seal_secret if seal_secret is not None else secrets.get(custodian_id)
        if not seal_secret:
            raise SignerRefused(SEAL_SLOT, _("The seal custodian has not authenticated."))
        try:
            seal = keys.unlock_seal(store, custodian_id, seal_secret)
        except UserError as exc:
            raise SignerRefused(SEAL_SLOT, exc.message) from exc
        return SigningTeam(opened, seal)
    except BaseException:
        for signer in opened.values():
            signer.close()
        raise


def check_team(store: Store, statement: Statement, team: SigningTeam) -> None:
    """Refuse unless every officer of the statement signs with their own, unlocked key and
    the seal was opened by one of its custodians; all of them still current."""
    check_signers(store, [officer_id for _f, _b, officer_id, _l in _officer_fields(statement)],
                  team)


def check_signers(store: Store, officer_ids: Sequence[str], team: SigningTeam) -> None:
    """Refuse unless each of `officer_ids` signs with their own, unlocked, current key and
    the seal was opened by one of its custodians; none revoked."""
    for officer_id in officer_ids:
        signer = team.officers.get(officer_id)
        officer = officers.get_officer(store.conn, officer_id)
        if signer is None:
            raise UserError(_("{name} has not authenticated to sign.").format(name=officer.name))
        current = signing_keys.active_identity(store.conn, signing_keys.OFFICER, officer_id)
        if (signer.auth.officer_id != officer_id or current is None
                or signer.identity.id != current.id or not _signs_as(signer, current)):
            raise UserError(_("The signature offered for {name} is not {name}'s own current "
                              "key.").format(name=officer.name))
    seal = signing_keys.active_identity(store.conn, signing_keys.SEAL)
    if (seal is None or team.seal.identity.id != seal.id or not _signs_as(team.seal, seal)
            or team.seal.auth.officer_id not in signing_keys.holders(store.conn, seal.id)):
        raise UserError(_("The unit seal must be applied by one of its custodians."))
    _refuse_revoked(store, team)


def _refuse_revoked(store: Store, team: SigningTeam) -> None:
    """No signature with a certificate HQ's revocation list names (issue 15)."""
    revoked = refdata.revoked_fingerprints(store)
    if not revoked:
        return
    signers = [(officers.get_officer(store.conn, officer_id).name, signer.identity)
               for officer_id, signer in team.officers.items()]
    signers.append((_("the unit seal"), team.seal.identity))
    for name, identity in signers:
        certificate = x509.load_pem_x509_certificate(identity.cert_pem)
        if fingerprint(certificate) in revoked:
            raise UserError(_("The certificate of {name} is on HQ's list of revoked "
                              "certificates; it cannot sign. Ask the administrator for a new "
                              "one.").format(name=name))


def _signs_as(signer: AuthenticatedSigner, identity: signing_keys.SigningIdentity) -> bool:
    """Whether `signer` signs with `identity`'s certificate as the store keeps it. The device
    key, which every login opens, must not pass for an officer's or the seal's by being
    handed in beside their identity."""
    return signer.signer.certificate == keys.load_certificate(identity.cert_pem)


def _box(name: str, page: int, x: float, y: float, w: float, h: float,
         locks: bool = False) -> FieldSpec:
    return FieldSpec(name, page, round(x), round(y), round(x + w), round(y + h), locks)


# The document shown at read-back is the one signed: `sign_statement` prepares the same
# `StatementDocument` (statement, officers, case, party, declaration, all immutable values)
# and finds it here instead of rendering it again. Rendering is deterministic, so a hit is
# the same PDF; the two most recent documents are kept, in memory only, and dropped once a
# statement is sealed.
@lru_cache(maxsize=2)
def _rendered(document: StatementDocument) -> RenderedStatement:
    return render_statement(document)


def _party_picture(capture: SignatureCapture, fingerprint_png: bytes | None
                   ) -> tuple[Image.Image, bytes]:
    """What the party's pen drew, as signed into its box (with the fingerprint beside the
    signature, if any), and the PNG of the strokes alone, kept with the capture."""
    strokes = render_image(capture, dpi=SIGNATURE_DPI)
    picture = strokes if fingerprint_png is None else with_fingerprint(strokes, fingerprint_png)
    return picture, png_bytes(strokes, SIGNATURE_DPI)


def prepare(
    store: Store, statement_id: str, declaration: str | None = None,
    refusal: SignatureRefusal | None = None,
) -> RenderedStatement:
    """The document as the party reads it back: rendered pages and their digests.

    With `refusal`, the document is the one that is signed when the party refused: the
    refusal, its reason and the witness are printed where the party would have signed.
    """
    statement = repo.get_statement(store.conn, statement_id)
    if refusal is not None:
        statement = replace(statement, refusal=refusal)
    first, second = (officers.get_officer(store.conn, oid) for oid in statement.interviewer_ids)
    recorder = officers.get_officer(store.conn, statement.recorder_id)
    document = StatementDocument(
        statement=statement, case=cases.get_case(store.conn, statement.case_id),
        party=cases.get_party(store.conn, statement.interviewee_id), interviewer1=first,
        interviewer2=second, recorder=recorder, unit=first.unit,
        title=load_template(statement.kind).title,
        content_digest=repo.content_digest(statement), declaration=declaration)
    return _rendered(document)


def page_digests(rendered: RenderedStatement) -> list[str]:
    """What the party's signature on each page is bound to: the page's QR payload and
    everything printed on it (`page_binding`), the typed declaration and the form included."""
    return list(rendered.page_bindings)


def _stale_pages_message(stale: tuple[int, ...], page_count: int) -> str:
    """Why signatures bound to another version of their page are refused (pages from 0).

    A page's binding covers everything printed on it; on the last page that includes the
    declaration, the one thing an officer may still change at read-back, so say so."""
    pages = ", ".join(str(p + 1) for p in stale)
    if page_count - 1 in stale:
        return _("Page(s) {pages} changed after they were signed; the last page carries the "
                 "declaration, which must be the one the interviewee signed under. Sign them "
                 "again.").format(pages=pages)
    return _("Page(s) {pages} changed after they were signed; sign them again.").format(
        pages=pages)


def _with_recording_annex(store: Store, statement_id: str, pdf: bytes) -> bytes:
    """The read-back document with the annex page of its recording or waiver appended (none
    when it has neither): the pages the party signed stay exactly as they were, and the
    annex is covered by the certification and the officers' and seal's signatures that
    follow (decision 45)."""
    annex = recording_rule.annex(store, statement_id)
    if annex is None:
        return pdf
    pages, _count = render_annex(annex, store.clock())
    return append_pages(pdf, pages)


def sign_statement(
    store: Store,
    statement_id: str,
    signatures: ReadBackSignatures,
    *,
    team: SigningTeam,
    declaration: str | None = None,
    timestamper: Any = None,
) -> SignedStatement:
    """Sign and seal a statement in read-back; keep the signed PDF in the store.

    With a typed `declaration` it is printed in the document. Without one the document
    leaves the declaration to be written by hand, and `signatures.declaration` (written on
    the last page as the party saw it) is signed into that space as field "Declaration",
    right after the party's page signatures. A refusal to sign needs neither. `team` holds
    the officers' and the seal's signers, each unlocked by its own officer (`check_team`).
    Every party capture must be bound to its page of the document prepared here, with this
    `declaration` (`page_digests`): one written under another declaration or another version
    of its page is refused.
    """
    statement = repo.get_statement(store.conn, statement_id)
    rules.check_signable(statement.state)
    problem = recording_rule.signing_problem(store, statement_id)
    if problem is not None:
        raise UserError(problem)
    check_team(store, statement, team)
    rendered = prepare(store, statement_id, declaration, signatures.refusal)
    digests = page_digests(rendered)
    boxes = rendered.signature_boxes
    handwritten = signatures.refusal is None and bool(boxes.get(DECLARATION_BOX))
    if signatures.refusal is None:
        if signatures.declaration is not None and (declaration or "").strip():
            raise UserError(_("The declaration is both typed and handwritten; keep only one "
                              "of them."))
        if signatures.declaration is not None and not handwritten:
            raise UserError(_("The document has no space for the handwritten declaration."))
        missing = signatures.missing_pages(rendered.page_count)
        if missing:
            raise UserError(_("The interviewee has not signed page(s) {pages}.").format(
                pages=", ".join(str(p + 1) for p in missing)))
        stale = signatures.stale_pages(digests)
        if stale:
            raise UserError(_stale_pages_message(stale, rendered.page_count))
        if handwritten and signatures.declaration is None:
            raise UserError(_("The interviewee has not written the declaration."))
        if handwritten and signatures.declaration_stale(digests):
            raise UserError(_("The declaration was written on another version of the last "
                              "page; it must be written again."))
    specs = [_box(f"Party{page + 1}", page, x, y, w, h) for page, x, y, w, h in boxes["party"]]
    if handwritten:
        specs.append(_box(DECLARATION_FIELD, *boxes[DECLARATION_BOX][0]))
    for name, field in ((INTERVIEWER1_FIELD, "interviewer1"),
                        (INTERVIEWER2_FIELD, "interviewer2"),
                        (RECORDER_FIELD, "recorder"), (WITNESS_FIELD, "witness")):
        specs.append(_box(name, *boxes[field][0]))
    specs.append(_box(SEAL_FIELD, *boxes["seal"][0], locks=True))

    document = _with_recording_annex(store, statement_id, rendered.pdf)
    device = keys.device_signer(store)
    try:
        pdf = certify(document, specs, device, timestamper=timestamper,
                      reason="笔录生成", location=statement.place)
    except TimestampUnavailable:
        # Offline: sign B-B throughout; HQ adds a document timestamp at sync (DESIGN §5).
        timestamper = None
        pdf = certify(document, specs, device, reason="笔录生成", location=statement.place)
    captures: list[tuple[str, int, SignatureCapture, bytes, bytes | None]] = []
    if signatures.refusal is None:
        for page_signature in signatures.signatures:
            fingerprint = page_signature.fingerprint.png if page_signature.fingerprint else None
            picture, strokes_png = _party_picture(page_signature.capture, fingerprint)
            captures.append(("signature", page_signature.page_index, page_signature.capture,
                             strokes_png, fingerprint))
            pdf = sign_field(pdf, f"Party{page_signature.page_index + 1}", device,
                             image=picture, timestamper=timestamper, reason="被询问人签名")
    if handwritten and signatures.declaration is not None:
        picture, strokes_png = _party_picture(signatures.declaration, None)
        captures.append(("declaration", signatures.declaration.page_index,
                         signatures.declaration, strokes_png, None))
        pdf = sign_field(pdf, DECLARATION_FIELD, device, image=picture,
                         timestamper=timestamper, reason="被询问人手写确认意见")
    day = store.clock().strftime("%Y-%m-%d %H:%M")
    applied: list[tuple[str, AuthenticatedSigner]] = []
    for field_name, box_name, officer_id, label in _officer_fields(statement):
        signer = team.officers[officer_id]
        officer: Officer = officers.get_officer(store.conn, officer_id)
        _page, _x, _y, w, h = boxes[box_name][0]
        cert = signer.signer.certificate
        stamp = officer_stamp(
            [officer.name, "证书 " + format(cert.serial_number, "X")[:16], day], w, h,
            signer.handwriting_png)
        pdf = sign_field(pdf, field_name, signer.signer, image=stamp,
                         timestamper=timestamper, reason=label + "签名")
        applied.append((field_name, signer))
    unit = officers.get_officer(store.conn, statement.interviewer_ids[0]).unit
    _page, _x, _y, w, h = boxes["seal"][0]
    seal = text_stamp([unit[:8], unit[8:], day[:10]], w, h, seal=True)
    pdf = sign_field(pdf, SEAL_FIELD, team.seal.signer, image=seal,
                     timestamper=timestamper, lock=True, reason="单位盖章")
    applied.append((SEAL_FIELD, team.seal))
    with store.transaction() as tx:
        repo.change_state(tx, statement_id, StatementState.SIGNED, signatures.refusal)
        digest = documents.keep_signed_document(tx, statement_id, pdf, rendered.page_count)
        for purpose, page_index, capture, strokes_png, fingerprint_png in captures:
            documents.keep_capture(tx, statement_id, purpose, page_index,
                                   canonical_json(capture_record(capture)), strokes_png,
                                   fingerprint_png, capture_digest(capture, strokes_png))
        for field_name, signer in applied:
            tx.audit(Action.SIGNATURE_APPLIED, statement_id, Outcome.OK, field=field_name,
                     **signer.audit_details())
        repo.change_state(tx, statement_id, StatementState.SEALED)
    _rendered.cache_clear()  # the read-back document is signed: nothing keeps it in memory
    return SignedStatement(pdf=pdf, sha256=digest, pages=rendered.page_count,
                           timestamped=timestamper is not None)


def export_document(store: Store, statement_id: str, path: Path, *,
                    force: bool = False) -> Path:
    """Write the signed PDF out (a deliberate export: it is the document itself).

    Never over an existing file unless `force`, never into a missing folder
    (`export_files.write_export`); the default name is `export_files.statement_file_name`.
    """
    pdf = documents.signed_document(store.conn, statement_id)
    written = write_export(path, pdf, force=force)
    with store.transaction() as tx:
        tx.audit(Action.DOCUMENT_EXPORTED, statement_id, name=path.name, sha256=written.sha256)
    return path


def signing_team(store: Store, statement_id: str) -> list[Officer]:
    """The officers who sign a statement: both interviewers and the recorder, once each."""
    statement = repo.get_statement(store.conn, statement_id)
    team: list[Officer] = []
    for officer_id in (*statement.interviewer_ids, statement.recorder_id):
        if all(o.id != officer_id for o in team):
            team.append(officers.get_officer(store.conn, officer_id))
    return team


def missing_signing_keys(store: Store, statement_id: str) -> list[str]:
    """Who cannot sign the statement yet for want of a key, in words for people.

    Empty when the statement room's device key, the unit seal (with a custodian) and every
    officer of `signing_team` have a current key.
    """
    return keys.missing_keys(store, [o.id for o in signing_team(store, statement_id)])
