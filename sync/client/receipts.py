"""Checking what HQ signs: receipts and receipt-log heads, against the key pinned at enrolment.

A receipt is kept only if it verifies with the pinned key (never a key HQ sends along) and
says exactly what the device announced: its HQ, device, sequence number, op id, kind, record
id, SHA-256 and size. A log head is kept only if it verifies the same way and extends the
last one kept (a consistency proof), so HQ cannot quietly drop a receipt it gave. Each check
returns the reason it failed, in English for the log, or None. The parsers read HQ's JSON
answers strictly and raise ValueError for anything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sync.client.source import Enrolment
from sync.protocol.loghead import LogHead
from sync.protocol.merkle import verify_consistency
from sync.protocol.receipt import Receipt
from sync.protocol.records import OutboxEntry
from sync.protocol.restore import RestoreStatement
from sync.protocol.signing import Signed

__all__ = ["AuditAtHq", "fitting_restore", "log_head_problem", "parse_log_head",
           "parse_manifest_answer", "parse_proof", "parse_restores", "receipt_problem"]


def receipt_problem(receipt: Signed[Receipt], entry: OutboxEntry,
                    enrolment: Enrolment) -> str | None:
    """Why ``receipt`` is not HQ's receipt for ``entry``; None when it is."""
    if not receipt.verify(enrolment.receipt_key):
        return "the receipt is not signed by the HQ key pinned at enrolment"
    body = receipt.body
    expected = {"hq": enrolment.hq_id, "device": entry.device, "device_seq": entry.device_seq,
                "op_id": entry.op_id, "kind": entry.kind, "record_id": entry.entity_id,
                "sha256": entry.sha256, "size": entry.size}
    for name, value in expected.items():
        if getattr(body, name) != value:
            return f"the receipt's {name} is {getattr(body, name)!r}, not {value!r}"
    return None


def log_head_problem(head: Signed[LogHead], previous: Signed[LogHead] | None,
                     proof: Sequence[bytes], enrolment: Enrolment) -> str | None:
    """Why ``head`` may not replace ``previous`` (with ``proof`` between them); None if it may."""
    if not head.verify(enrolment.receipt_key):
        return "the receipt log head is not signed by the HQ key pinned at enrolment"
    if head.body.hq != enrolment.hq_id:
        return f"the receipt log head is of HQ {head.body.hq!r}, not {enrolment.hq_id!r}"
    if previous is None:
        return None
    old, new = previous.body, head.body
    if not verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof):
        return (f"HQ's receipt log of {new.size} receipts does not extend the one of "
                f"{old.size} this device verified before: HQ dropped or rewrote receipts")
    return None


def fitting_restore(restores: Sequence[Signed[RestoreStatement]], head: Signed[LogHead],
                    previous: Signed[LogHead], enrolment: Enrolment
                    ) -> Signed[RestoreStatement] | None:
    """The restore statement that explains why ``head`` does not extend ``previous``: signed
    with the pinned key by this HQ, restarting the log below ``previous`` (receipts this
    device verified were lost) and at or below ``head``; the newest such. The caller still
    checks that ``head`` extends the restored log (a consistency proof from its size)."""
    fitting = [r for r in restores
               if r.verify(enrolment.receipt_key) and r.body.hq == enrolment.hq_id
               and r.body.log_size < previous.body.size
               and r.body.log_size <= head.body.size]
    return max(fitting, key=lambda r: r.body.restored_ms, default=None)


def parse_restores(value: object) -> list[Signed[RestoreStatement]]:
    """HQ's answer to ``GET /v1/log/restores``."""
    if not isinstance(value, dict) or value.get("v") != 1 or set(value) != {"v", "restores"} \
            or not isinstance(value["restores"], list):
        raise ValueError("the restore statements answer is not as expected")
    return [Signed.from_json(item, RestoreStatement) for item in value["restores"]]


@dataclass(frozen=True)
class AuditAtHq:
    """The device's audit trail as HQ holds it: the size of the last head it countersigned,
    and how many leaves it holds verified (the next head's leaves start there)."""

    tree_size: int = 0
    leaves: int = 0


def parse_manifest_answer(answer: object) -> tuple[list[Signed[Receipt]], AuditAtHq,
                                                  Signed[LogHead] | None]:
    """(receipts, the device's audit trail at HQ, HQ's log head) of a manifest answer."""
    if not isinstance(answer, dict) or answer.get("v") != 1:
        raise ValueError("not a version 1 manifest answer")
    receipts = [Signed.from_json(r, Receipt) for r in answer.get("receipts") or []]
    audit = answer.get("audit")
    at_hq = AuditAtHq()
    if isinstance(audit, dict):
        size, leaves = audit.get("tree_size", 0), audit.get("leaves", 0)
        if type(size) is not int or size < 0:
            raise ValueError("audit.tree_size must be a non-negative integer")
        if type(leaves) is not int or not 0 <= leaves <= size:
            raise ValueError("audit.leaves must be an integer from 0 to audit.tree_size")
        at_hq = AuditAtHq(size, leaves)
    log = answer.get("log")
    return receipts, at_hq, None if log is None else parse_log_head(log)


def parse_log_head(value: object) -> Signed[LogHead]:
    return Signed.from_json(value, LogHead)


def parse_proof(answer: object) -> list[bytes]:
    """The hashes of a ``{"proof": [hex, ...]}`` answer."""
    hashes = answer.get("proof") if isinstance(answer, dict) else None
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise ValueError("a consistency proof is {\"proof\": [hex, ...]}")
    return [bytes.fromhex(h) for h in hashes]
