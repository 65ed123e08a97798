"""What the room's statement pages read from HQ's sealed records: a statement's content,
context and signed PDF (opened from the blob store, checked against the hash HQ received),
its pages rendered as PNG in memory, and its audit events with their inclusion proofs.

Nothing here writes: a record that is absent, altered or not what its hash says is reported
as such (`Sealed.problem`), for the page to say so, never raised into a 500.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import pypdfium2 as pdfium  # type: ignore[import-untyped]

from hq.audittrail import AuditTrails
from hq.catalog.search import Searchable
from hq.catalog.statements import iso_ms
from hq.db import Row
from hq.state import HQState, now_ms
from sync.protocol.auditleaf import AuditLeaf
from sync.protocol.context import StatementContext
from sync.protocol.merkle import (
    SubtreeHash,
    inclusion_path,
    leaf_hash,
    node_hash,
    verify_inclusion,
)
from sync.protocol.statement import StatementContent

__all__ = ["PAGE_DPI", "ProvenEvent", "Sealed", "StatementRecords", "page_count", "page_png",
           "read_pdf", "read_records", "statement_events"]

PAGE_DPI = 96  # an A4 page is 794 x 1123 pixels: legible in a browser, a few hundred KB
_PDFIUM = threading.Lock()  # pdfium is not thread-safe
T = TypeVar("T")


@dataclass(frozen=True)
class Sealed(Generic[T]):
    """A record opened from the blob store: its value, or why it could not be."""

    value: T | None
    problem: str | None = None


def _read(state: HQState, sha256: str | None) -> bytes | None:
    """The record's bytes if HQ holds them and they hash to ``sha256``; ValueError else."""
    if sha256 is None:
        return None
    try:
        data = b"".join(state.blobs.read(sha256))
    except (OSError, ValueError):
        raise ValueError("总部保存的记录无法读取（文件缺失或已被改动）") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("总部保存的记录与接收时的哈希不符")
    return data


def _open(state: HQState, sha256: str | None, parse: type[T]) -> Sealed[T]:
    try:
        data = _read(state, sha256)
        if data is None:
            return Sealed(None)
        return Sealed(parse.from_bytes(data))  # type: ignore[attr-defined]
    except ValueError as exc:
        return Sealed(None, str(exc) if str(exc).startswith("总部") else "记录内容无法解析")


@dataclass(frozen=True)
class StatementRecords:
    content: Sealed[StatementContent]
    context: Sealed[StatementContext]

    @property
    def searchable(self) -> Searchable:
        return Searchable(self.content.value, self.context.value)


def read_records(state: HQState, row: Row) -> StatementRecords:
    """The content and context of the statement of ``room_statements`` row ``row``."""
    return StatementRecords(_open(state, row["content_sha256"], StatementContent),
                            _open(state, row["context_sha256"], StatementContext))


def read_pdf(state: HQState, row: Row) -> Sealed[bytes]:
    try:
        return Sealed(_read(state, row["pdf_sha256"]))
    except ValueError as exc:
        return Sealed(None, str(exc))


def page_count(pdf: bytes) -> int | None:
    """How many pages the PDF has, None if pdfium cannot open it."""
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError:
            return None
        try:
            return len(document)
        finally:
            document.close()


def page_png(pdf: bytes, number: int) -> bytes | None:
    """Page ``number`` (from 1) of the PDF as a PNG at `PAGE_DPI`, in memory (it carries
    personal data: never a file); None if there is no such page or no PDF pdfium opens."""
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError:
            return None
        try:
            if not 1 <= number <= len(document):
                return None
            document.init_forms()  # draw the signature appearances
            page = document[number - 1]
            bitmap = page.render(scale=PAGE_DPI / 72, may_draw_forms=True)
            out = io.BytesIO()
            bitmap.to_pil().save(out, format="PNG")
            bitmap.close()
            page.close()
            return out.getvalue()
        finally:
            document.close()


def _ms(iso: str) -> int:
    at = iso_ms(iso)
    assert at is not None
    return at


_CACHED_SUBTREE = 64  # leaves: larger subtrees are kept, smaller ones hashed again


def _subtrees(hashes: Sequence[bytes]) -> SubtreeHash:
    """Subtree hashes of the tree of ``hashes``: those of `_CACHED_SUBTREE` leaves or more
    are computed once, so the proofs of all of a statement's events cost about one pass over
    the device's leaves (not one each), holding a node per 32 leaves, not one per leaf."""
    cached: dict[tuple[int, int], bytes] = {}

    def subtree(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return hashes[lo]
        known = cached.get((lo, hi))
        if known is not None:
            return known
        mid = lo + (1 << ((hi - lo - 1).bit_length() - 1))  # RFC 9162's split point
        value = node_hash(subtree(lo, mid), subtree(mid, hi))
        if hi - lo >= _CACHED_SUBTREE:
            cached[lo, hi] = value
        return value
    return subtree


@dataclass(frozen=True)
class ProvenEvent:
    """One audit event about the statement and whether HQ proves it in the device's trail."""

    index: int
    action: str
    at_ms: int  # the device's time of the event
    actor: str | None
    subject: str | None
    outcome: str
    tree_size: int | None  # the countersigned head it is proven under, None if not
    proven: bool
    proof_hashes: int


def statement_events(state: HQState, device: str, subjects: set[str]
                     ) -> tuple[list[ProvenEvent], Row | None]:
    """The device's audit events whose subject is in ``subjects`` (the statement and its
    turns, as the desktop's court package selects them: desktop/services/export.py), each
    with an inclusion proof against the last head HQ countersigned for the device, checked;
    and that head's row (None before the first)."""
    head = state.db.one("SELECT tree_size, root_hash, countersigned_ms FROM audit_heads "
                        "WHERE device = ?", (device,))
    hashes = [bytes.fromhex(r["leaf_hash"]) for r in state.db.all(
        "SELECT leaf_hash FROM audit_leaves WHERE device = ? ORDER BY leaf_index", (device,))]
    trails = AuditTrails(state.db, state.blobs, now_ms)
    size = 0 if head is None else int(head["tree_size"])
    # The proof needs every leaf hash under the head (a head countersigned before HQ kept
    # leaves has none below it: nothing is proven then, and the page says so).
    complete = head is not None and len(hashes) >= size
    root = None if head is None else bytes.fromhex(str(head["root_hash"]))
    subtree = _subtrees(hashes[:size])
    events = []
    for data in trails.leaves(device, 0, len(hashes)):
        leaf = AuditLeaf.from_bytes(data)
        if leaf.subject not in subjects:
            continue
        proven, proof_len = False, 0
        if complete and root is not None and leaf.idx < size:
            proof = inclusion_path(subtree, leaf.idx, size)
            proven = verify_inclusion(leaf_hash(data), leaf.idx, size, proof, root)
            proof_len = len(proof)
        events.append(ProvenEvent(leaf.idx, leaf.action, _ms(leaf.at), leaf.actor, leaf.subject,
                                  leaf.outcome, size if proven else None, proven, proof_len))
    return events, head
