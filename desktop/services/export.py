"""Exporting a sealed statement as a court package (`statement-room export`).

`export_package` gathers the signed PDF, every audit event about the statement or one of its
turns, signs a fresh tree head (the store's ordinary session-end path, which also refreshes
the anchor), proves each event's inclusion in it (all proofs in one pass over the stored
subtree roots, O(log n) each), builds the zip in memory
(`verification.package`) and writes it through `export_files.exporting`: a private
temporary file beside the target, put in place only when complete, never over an existing
file unless the caller says `force`, never into a folder that does not exist. The export
itself is then audited with the package's SHA-256; that event necessarily comes after the
package and so is not inside it.

The package always carries the case's evidence manifest (hashes, times, custody), with the
statement's recordings (decision 45: identifier, SHA-256, size, duration, pauses with their
reasons, each turn's moment; the media is the video item of the same SHA-256), and each
docking's signed ingest certificate. With `with_media` the media go in too: each item is
decrypted twice from the vault, in constant memory and never to a file of its own, first to
learn its CRC-32 and SM3 (the zip header comes before the bytes), then straight into its zip
member in the package's temporary file.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from gettext import gettext as _
from importlib import metadata
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization

from desktop.domain.errors import UserError
from desktop.domain.model import Action, StatementState
from desktop.domain.recording import RecordingState
from desktop.services import keys
from desktop.services.evidence import missing_blob
from desktop.services.export_files import check_target, exporting, write_export
from desktop.services.verify import store_trust_roots
from desktop.store import audit, cases, dockings, documents, recordings
from desktop.store import evidence as records
from desktop.store import statements as repo
from desktop.store.audit import AuditRecord
from desktop.store.evidence import EvidenceRecord
from desktop.store.store import Store
from desktop.store.vault_format import VaultIntegrityError
from desktop.store.vault_read import decrypt_to
from sync.protocol.treehead import SignedTreeHead
from verification import package_verifier
from verification.package import (
    PackageEvent,
    PackageEvidence,
    PackageInfo,
    PackageMedia,
    PackageTrust,
    build_package,
    custody_summary,
    in_package,
    media_extension,
    statement_subjects,
    verifier_sha256,
    write_package,
)

EXPORTABLE_STATES = frozenset({StatementState.SIGNED, StatementState.SEALED})


@dataclass(frozen=True)
class ExportedPackage:
    """Where the package went and what identifies it."""

    path: Path
    sha256: str
    size: int
    events: int
    tree_size: int
    verifier_sha256: str
    evidence_items: int = 0
    media_included: bool = False
    statement_id: str = ""
    case_number: str = ""
    exported_by: str = ""
    exported_at: datetime | None = None


def tool_version() -> str:
    try:
        return metadata.version("statement-room")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def statement_events(store: Store, statement_id: str) -> list[AuditRecord]:
    """Every audit event whose subject is the statement or one of its turns, by index (the
    rule HQ's package follows too, `verification.package.statement_subjects`)."""
    statement = repo.get_statement(store.conn, statement_id)
    found: dict[int, AuditRecord] = {}
    for subject in statement_subjects(statement.id, (turn.id for turn in statement.turns)):
        for record in audit.events_about(store.conn, subject):
            found[record.idx] = record
    return [found[idx] for idx in sorted(found)]


def package_trust(store: Store) -> PackageTrust:
    """The device certificate (which signs the binding record), its chain, the unit roots."""
    device = keys.device_signer(store)
    pem = serialization.Encoding.PEM
    chain = [device.certificate, *(c for c in device.chain if c.issuer != c.subject)]
    roots = [c for c in device.chain if c.issuer == c.subject]
    for root in store_trust_roots(store):
        if root not in roots:
            roots.append(root)
    return PackageTrust(
        device_chain_pem=b"".join(c.public_bytes(pem) for c in chain),
        root_pem=b"".join(c.public_bytes(pem) for c in roots),
        device_certificate_der=device.certificate.public_bytes(serialization.Encoding.DER),
        sign=device.sign_bytes)


def _custody(item: EvidenceRecord) -> dict[str, object]:
    """What the package says of an item's custody (`verification.package.custody_summary`)."""
    return custody_summary(item.custody_details, device_serial=item.device_serial,
                           device_path=item.device_path, device_mtime=item.device_mtime,
                           officer_number=item.officer_number)


class _Digests:
    """A sink that only hashes: the first read of an item, to learn CRC-32 and SM3."""

    def __init__(self) -> None:
        self.crc = 0
        self.sm3 = hashes.Hash(hashes.SM3())

    def write(self, chunk: bytes) -> int:
        self.crc = zlib.crc32(chunk, self.crc)
        self.sm3.update(bytes(chunk))
        return len(chunk)


class _Forward:
    def __init__(self, write: Callable[[bytes], object]) -> None:
        self._write = write

    def write(self, chunk: bytes) -> int:
        self._write(chunk)
        return len(chunk)


def _media(store: Store, item: EvidenceRecord, path: str) -> PackageMedia:
    key = store.vault_key()
    blob = records.blob_path(store.paths.workdir, item.sha256, key)
    if not blob.is_file():
        raise missing_blob(store, item)
    sink = _Digests()
    sha256 = decrypt_to(blob, key, sink)  # type: ignore[arg-type]
    sm3 = sink.sm3.finalize().hex()
    if sha256 != item.sha256 or (item.sm3 is not None and sm3 != item.sm3):
        raise VaultIntegrityError(_(
            "Evidence item {id} decrypted to content that does not match its recorded "
            "SHA-256.").format(id=item.id))

    def stream(write: Callable[[bytes], object]) -> str:
        return decrypt_to(blob, key, _Forward(write))  # type: ignore[arg-type]

    return PackageMedia(path=path, size=item.size, sha256=sha256, sm3=sm3, crc32=sink.crc,
                        stream=stream)


def case_evidence(store: Store, case_id: str, case_number: str, *,
                  with_media: bool = False) -> PackageEvidence:
    """The case's evidence manifest and ingest certificates (and media, with `with_media`)."""
    items = records.items_for_case(store.conn, case_id)
    certificates: dict[str, bytes] = {}
    listed: list[dict[str, str]] = []
    for docking_id in sorted({i.docking_id for i in items if i.docking_id is not None}):
        docking = dockings.get_docking(store.conn, docking_id)
        if docking.certificate is None or docking.signature is None:
            continue  # an interrupted docking has no certificate yet
        base = f"{package_verifier.INGEST_PREFIX}{docking.id}"
        certificates[f"{base}.json"] = docking.certificate
        certificates[f"{base}.sig"] = docking.signature
        listed.append({"docking": docking.id, "certificate": f"{base}.json",
                       "signature": f"{base}.sig",
                       "signing_key_id": docking.signing_key_id or "",
                       "sha256": hashlib.sha256(docking.certificate).hexdigest()})
    certified = {c["docking"] for c in listed}
    entries: list[dict[str, object]] = []
    media: dict[str, PackageMedia] = {}
    for item in items:
        path = f"{package_verifier.MEDIA_PREFIX}{item.sha256}.{media_extension(item.original_name)}"
        entries.append({
            "id": item.id, "original_name": item.original_name, "kind": item.kind,
            "source": item.source, "size": item.size, "sha256": item.sha256, "sm3": item.sm3,
            "captured_at": item.captured_at, "imported_at": item.imported_at.isoformat(),
            "docking": item.docking_id if item.docking_id in certified else None,
            "custody": _custody(item), "media": path,
        })
        if with_media and path not in media:
            media[path] = _media(store, item, path)
    manifest = {"v": 1, "format": package_verifier.EVIDENCE_FORMAT, "case_id": case_id,
                "case_number": case_number, "media_included": with_media, "items": entries,
                "ingest_certificates": listed}
    return PackageEvidence(manifest, certificates, tuple(media.values()))


def _time(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def statement_recordings(store: Store, statement_id: str) -> list[dict[str, object]]:
    """The manifest of the statement's audio and video recordings (decision 45): identifier,
    state and interruption, times, duration, SHA-256, size and format, its media in the
    package (the video item holding it), its pauses with their reasons and where each turn
    was asked in it."""
    statement = repo.get_statement(store.conn, statement_id)
    turns = {turn.id: turn for turn in statement.turns}
    listed: list[dict[str, object]] = []
    for rec in recordings.for_statement(store.conn, statement_id):
        if rec.state is RecordingState.RECORDING:
            continue
        marks = sorted(recordings.marks(store.conn, rec.id),
                       key=lambda m: (m.media_ms, turns[m.turn_id].seq))
        listed.append({
            "id": rec.id, "statement_id": rec.statement_id, "state": rec.state.value,
            "interruption": None if rec.interruption is None else rec.interruption.value,
            "started_at": _time(rec.started_at), "ended_at": _time(rec.ended_at),
            "duration_ms": rec.duration_ms, "sha256": rec.sha256, "size": rec.size,
            "codec": rec.codec, "width": rec.width, "height": rec.height, "fps": rec.fps,
            "evidence_item": rec.evidence_item_id,
            "media": None if rec.sha256 is None else
            f"{package_verifier.MEDIA_PREFIX}{rec.sha256}.mp4",
            "pauses": [{"seq": p.seq, "media_ms": p.media_ms,
                        "started_at": _time(p.started_at), "ended_at": _time(p.ended_at),
                        "reason": p.reason} for p in recordings.pauses(store.conn, rec.id)],
            "turns": [{"turn": m.turn_id, "seq": turns[m.turn_id].seq,
                       "kind": turns[m.turn_id].kind.value, "media_ms": m.media_ms}
                      for m in marks],
        })
    return listed


@dataclass(frozen=True)
class _Parts:
    """What goes into one statement's package."""

    pdf: bytes
    events: list[PackageEvent]
    head: SignedTreeHead
    public: bytes
    info: PackageInfo
    trust: PackageTrust
    evidence: PackageEvidence


def _gather(store: Store, statement_id: str, *, with_media: bool) -> _Parts:
    statement = repo.get_statement(store.conn, statement_id)
    if statement.state not in EXPORTABLE_STATES:
        raise UserError(_("Only a signed and sealed statement can be exported as a court "
                          "package."))
    number = cases.get_case(store.conn, statement.case_id).number
    evidence = case_evidence(store, statement.case_id, number, with_media=with_media)
    recorded = statement_recordings(store, statement_id)
    if recorded:
        evidence = replace(evidence, manifest={**evidence.manifest,
                                               package_verifier.RECORDINGS_KEY: recorded})
    pdf = documents.signed_document(store.conn, statement_id)
    head = store.sign_tree_head()
    public = audit.device_public_keys(store.conn)[head.key_id].public_bytes_raw()
    size = head.head.tree_size
    subjects = statement_subjects(statement.id, (turn.id for turn in statement.turns))
    covered = [r for r in statement_events(store, statement_id)
               if in_package(r.idx, r.subject, subjects, size)]
    # All proofs in one pass: the nodes they share (the upper levels) are folded once.
    proofs = audit.prove_inclusions(store.conn, [r.idx for r in covered], size)
    events = [PackageEvent(record.idx, record.leaf_data(), tuple(proof))
              for record, proof in zip(covered, proofs, strict=True)]
    officer = store.officer
    info = PackageInfo(
        statement_id=statement_id,
        case_number=number,
        exported_by=f"{officer.name} ({officer.certificate_no})",
        exported_at=store.clock(),
        tool_version=tool_version(),
    )
    return _Parts(pdf, events, head, public, info, package_trust(store), evidence)


def build_statement_package(store: Store, statement_id: str) -> tuple[bytes, int, int]:
    """The package bytes for one sealed statement (without media), its event count and tree
    size."""
    p = _gather(store, statement_id, with_media=False)
    data = build_package(p.pdf, p.events, p.head, p.public, p.info, p.trust, p.evidence)
    return data, len(p.events), p.head.head.tree_size


def _write_with_media(out: Path, p: _Parts, *, force: bool) -> tuple[str, int]:
    """Stream the package with media into its file (`export_files.exporting`); its SHA-256
    and size."""
    sha = hashlib.sha256()
    written = 0
    try:
        with exporting(out, force=force) as handle:
            def put(data: bytes) -> None:
                nonlocal written
                sha.update(data)
                written += len(data)
                handle.write(data)

            write_package(_Forward(put), p.pdf, p.events, p.head,  # type: ignore[arg-type]
                          p.public, p.info, p.trust, p.evidence)
    except ValueError as exc:  # the package's bounds, or the vault changed under us
        raise UserError(_("Cannot include the media in the court package: {reason}").format(
            reason=exc)) from exc
    return sha.hexdigest(), written


def export_package(store: Store, statement_id: str, out: Path, *,
                   with_media: bool = False, force: bool = False) -> ExportedPackage:
    """Write the court package of a sealed statement to `out` and audit the export.

    `out` is refused if it exists (unless `force`) or its folder does not
    (`export_files.check_target`, checked before the package is built).
    """
    check_target(out, force=force)
    p = _gather(store, statement_id, with_media=with_media)
    if with_media:
        digest, length = _write_with_media(out, p, force=force)
    else:
        data = build_package(p.pdf, p.events, p.head, p.public, p.info, p.trust, p.evidence)
        written = write_export(out, data, force=force)
        digest, length = written.sha256, written.size
    size = p.head.head.tree_size
    items = p.evidence.manifest["items"]
    count = len(items) if isinstance(items, list) else 0
    with store.transaction() as tx:
        tx.audit(Action.DOCUMENT_EXPORTED, statement_id, name=out.name, kind="court_package",
                 sha256=digest, tree_size=size, evidence_items=count, media=with_media)
    return ExportedPackage(path=out, sha256=digest, size=length, events=len(p.events),
                           tree_size=size, verifier_sha256=verifier_sha256(),
                           evidence_items=count, media_included=with_media,
                           statement_id=statement_id, case_number=p.info.case_number,
                           exported_by=p.info.exported_by, exported_at=p.info.exported_at)
