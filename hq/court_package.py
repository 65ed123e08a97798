"""A statement's court package, built at HQ from what the statement room sent (decision 36).

A supervisor downloads it from the room; it verifies like one the desktop exported, with the
same stand-alone verifier, because it is built by the same code (`verification.package`):

- ``data/statement.pdf``: the signed PDF HQ received (``statement_pdf``);
- the audit events: the device's leaves HQ holds (hq/audittrail.py), chosen by the desktop's
  rule (`verification.package.statement_subjects`: the statement and its turns, from the
  ``statement`` content HQ received), each with its RFC 9162 inclusion proof against the
  device-signed tree head HQ countersigned last: the head stays the device's own Ed25519
  signature, so the events are proven against what the device signed, not what HQ says;
- the case's evidence manifest from the ``evidence_record`` records of the case, and the
  ingest certificate of each ``docking`` they name that HQ holds;
- the trust files: HQ's export certificate (issued by HQ to itself under the unit CA it runs,
  `hq.unit_ca.export_identity`) signs the binding record, since HQ never holds the device's
  key; the unit root beside it. ``bag-info.txt`` says HQ exported it, for whom, and when.

Media are not included (the room's download is the package without ``--with-media``).
Nothing is written to disk: the zip is built in memory and handed to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hq.state import HQState
from hq.unit_ca import export_identity
from sync.protocol.auditleaf import AuditLeaf
from sync.protocol.canonical import parse_canonical
from sync.protocol.context import EvidenceItemRecord
from sync.protocol.ingest import IngestCertificate
from sync.protocol.merkle import inclusion_path, leaf_hash, node_hash
from sync.protocol.records import RecordKind
from sync.protocol.signing import Signed
from sync.protocol.statement import StatementContent
from sync.protocol.treehead import SignedTreeHead
from verification import package_verifier
from verification.package import (
    EXPORT_SOURCE_HQ,
    PackageEvent,
    PackageEvidence,
    PackageInfo,
    PackageTrust,
    build_package,
    custody_summary,
    in_package,
    media_extension,
    statement_subjects,
)

__all__ = ["CourtPackage", "PackageUnavailable", "build_court_package"]


class PackageUnavailable(Exception):
    """HQ cannot build this statement's package yet; the message says why (in Chinese, for
    the room)."""


@dataclass(frozen=True)
class CourtPackage:
    """The zip and what names it."""

    data: bytes
    statement_id: str
    case_number: str
    party: str | None
    events: int
    tree_size: int


def _tool_version() -> str:
    try:
        return metadata.version("statement-room")
    except metadata.PackageNotFoundError:  # pragma: no cover - a bare checkout
        return "unknown"


def _blob(state: HQState, sha256: str) -> bytes:
    return b"".join(state.blobs.read(sha256))


def _record_bytes(state: HQState, device: str, kind: RecordKind, entity: str) -> bytes | None:
    row = state.db.one("SELECT sha256 FROM records WHERE device = ? AND kind = ? AND "
                       "entity_id = ?", (device, kind.value, entity))
    return None if row is None else _blob(state, str(row["sha256"]))


def _device_head(state: HQState, device: str) -> tuple[SignedTreeHead, bytes]:
    """The device-signed head HQ countersigned last, and the device's public key."""
    row = state.db.one("SELECT tree_size, root_hash FROM audit_heads WHERE device = ?",
                       (device,))
    if row is None:
        raise PackageUnavailable("总部尚未收到该终端的审计树头，无法证明审计事件")
    size = int(row["tree_size"])
    raw = _record_bytes(state, device, RecordKind.TREE_HEAD, str(size))
    key_row = state.db.one("SELECT public_key FROM devices WHERE device = ?", (device,))
    if raw is None or key_row is None:
        raise PackageUnavailable("总部没有该终端已会签的审计树头")
    head = SignedTreeHead.from_json(parse_canonical(raw))
    public = bytes.fromhex(str(key_row["public_key"]))
    if head.head.tree_size != size or head.head.root_hash.hex() != row["root_hash"] or \
            not head.verify(Ed25519PublicKey.from_public_bytes(public)):
        raise PackageUnavailable("总部保存的审计树头与会签记录不一致")
    return head, public


def _subtrees(hashes: list[bytes]) -> Callable[[int, int], bytes]:
    """The root of leaves lo..hi-1, each node computed once for all the proofs."""
    cache: dict[tuple[int, int], bytes] = {}

    def subtree(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return hashes[lo]
        found = cache.get((lo, hi))
        if found is None:
            split = 1 << ((hi - lo - 1).bit_length() - 1)  # RFC 9162: largest power of 2 < n
            found = node_hash(subtree(lo, lo + split), subtree(lo + split, hi))
            cache[(lo, hi)] = found
        return found
    return subtree


def _events(state: HQState, device: str, head: SignedTreeHead, subjects: frozenset[str],
            pdf_sha256: str) -> list[PackageEvent]:
    """The statement's events among the device's leaves HQ holds, with their proofs."""
    size = head.head.tree_size
    leaves = state.receiver.trails.leaves(device, 0, size)
    if len(leaves) != size:
        raise PackageUnavailable(f"总部只保存了该终端审计日志 {size} 条中的 {len(leaves)} 条，"
                                 "无法证明审计事件")
    hashes = [leaf_hash(leaf) for leaf in leaves]
    subtree = _subtrees(hashes)
    if subtree(0, size) != head.head.root_hash:
        raise PackageUnavailable("总部保存的审计日志与终端签署的树头不一致")
    chosen = []
    for index, data in enumerate(leaves):
        leaf = AuditLeaf.from_bytes(data)
        if in_package(index, leaf.subject, subjects, size):
            chosen.append(PackageEvent(index, data, tuple(inclusion_path(subtree, index,
                                                                         size))))
    if not any(_signs(event, pdf_sha256) for event in chosen):
        raise PackageUnavailable("终端会签的审计树头尚未覆盖该笔录的签名事件，请待终端下次同步后"
                                 "再下载")
    return chosen


def _signs(event: PackageEvent, pdf_sha256: str) -> bool:
    """Whether the event records the signing of exactly this PDF."""
    leaf = AuditLeaf.from_bytes(event.leaf_data)
    return leaf.action == "document.signed" and leaf.details.get("sha256") == pdf_sha256


def _evidence(state: HQState, case_id: str | None, case_number: str) -> PackageEvidence:
    """The case's evidence manifest from the ``evidence_record`` records HQ holds, and the
    ingest certificate of each docking they name (from the same device) that HQ holds."""
    items: list[tuple[str, EvidenceItemRecord]] = []
    if case_id is not None:  # the evidence catalog finds the case's records (hq/catalog)
        for row in state.db.all("SELECT device, record_sha256 FROM room_evidence WHERE "
                                "case_id = ? AND record_sha256 IS NOT NULL", (case_id,)):
            record = EvidenceItemRecord.from_bytes(_blob(state, str(row["record_sha256"])))
            if record.case == case_id:  # the sealed record, not the row, is the authority
                items.append((str(row["device"]), record))
    items.sort(key=lambda pair: (pair[1].imported_at, pair[1].id))
    certificates: dict[str, bytes] = {}
    listed: list[dict[str, str]] = []
    for device, docking in sorted({(d, r.docking) for d, r in items if r.docking is not None}):
        raw = _record_bytes(state, device, RecordKind.DOCKING, docking)
        if raw is None:
            continue  # not received (yet): the item names no certificate
        signed = Signed.from_json(parse_canonical(raw), IngestCertificate)
        certificate = signed.body.canonical_bytes()
        base = f"{package_verifier.INGEST_PREFIX}{docking}"
        certificates[f"{base}.json"] = certificate
        certificates[f"{base}.sig"] = signed.signature.value
        listed.append({"docking": docking, "certificate": f"{base}.json",
                       "signature": f"{base}.sig", "signing_key_id": signed.signature.key_id,
                       "sha256": package_verifier.digest("sha256", certificate)})
    certified = {c["docking"] for c in listed}
    entries: list[dict[str, object]] = []
    for _device, item in items:
        # HQ is not sent the file's original name (context.py): the extension comes from
        # its path on the recorder, when it came from one.
        path = f"{package_verifier.MEDIA_PREFIX}{item.sha256}.{media_extension(item.device_path)}"
        entries.append({
            "id": item.id, "original_name": None, "kind": item.kind, "source": item.source,
            "size": item.size, "sha256": item.sha256, "sm3": item.sm3,
            "captured_at": item.captured_at, "imported_at": item.imported_at,
            "docking": item.docking if item.docking in certified else None,
            "custody": custody_summary(item.custody, device_serial=item.device_serial,
                                       device_path=item.device_path, device_mtime=None,
                                       officer_number=item.officer_number),
            "media": path,
        })
    manifest = {"v": 1, "format": package_verifier.EVIDENCE_FORMAT, "case_id": case_id,
                "case_number": case_number, "media_included": False, "items": entries,
                "ingest_certificates": listed}
    return PackageEvidence(manifest, certificates)


def build_court_package(state: HQState, statement_id: str, *, requested_by: str
                        ) -> CourtPackage:
    """The court package of ``statement_id`` as HQ holds it, for ``requested_by`` (the room's
    user); `PackageUnavailable` when something it needs has not arrived or HQ has no CA."""
    row = state.db.one("SELECT device, case_id, case_number, party, pdf_sha256 FROM "
                       "room_statements WHERE statement = ?", (statement_id,))
    if row is None or row["pdf_sha256"] is None:
        raise PackageUnavailable("总部尚未收到该笔录已签名的 PDF")
    device = str(row["device"])
    content = _record_bytes(state, device, RecordKind.STATEMENT, statement_id)
    if content is None:
        raise PackageUnavailable("总部尚未收到该笔录的内容")
    turns = StatementContent.from_bytes(content).turns
    identity = export_identity(state.config.data_dir, state.hq_id)
    if identity is None:
        raise PackageUnavailable("总部未设单位根证书（statement-room-hq ca init 或 ca import），"
                                 "无法签署证据包")
    head, public = _device_head(state, device)
    events = _events(state, device, head,
                     statement_subjects(statement_id, (turn.id for turn in turns)),
                     str(row["pdf_sha256"]))
    case_number = str(row["case_number"] or "")
    pem = serialization.Encoding.PEM
    trust = PackageTrust(
        device_chain_pem=identity.certificate.public_bytes(pem),
        root_pem=identity.root.public_bytes(pem),
        device_certificate_der=identity.certificate.public_bytes(serialization.Encoding.DER),
        sign=identity.sign)
    info = PackageInfo(statement_id=statement_id, case_number=case_number,
                       exported_by=f"总部 {state.hq_id}（{requested_by}）",
                       exported_at=datetime.now(UTC).replace(microsecond=0),
                       tool_version=_tool_version(), export_source=EXPORT_SOURCE_HQ)
    data = build_package(_blob(state, str(row["pdf_sha256"])), events, head, public, info,
                         trust, _evidence(state, row["case_id"], case_number))
    return CourtPackage(data, statement_id, case_number,
                        None if row["party"] is None else str(row["party"]), len(events),
                        head.head.tree_size)
