"""The court package of a sealed statement: a BagIt bag in a zip, checkable offline.

`build_package` turns what the export service gathered (the signed PDF, the statement's
audit events with their inclusion proofs, a signed tree head and the device's public key)
into the bytes of one zip with a fixed layout:

    bagit.txt                  BagIt 1.0 declaration
    bag-info.txt               export time, statement id, case number, officer, tool version
    manifest-sha256.txt        SHA-256 of every payload file
    manifest-sm3.txt           SM3 (GB/T 32905) of every payload file
    tagmanifest-sha256.txt     SHA-256 of bagit.txt, bag-info.txt, the manifests, the verifier
    tagmanifest-sm3.txt        SM3 of the same
    verify_package.py          the stand-alone verifier (`package_verifier.py` of this package)
    data/statement.pdf         the signed and sealed PDF as kept in the store
    data/audit/events.jsonl    one line per event: index, leaf hash, exact leaf data
    data/audit/proofs.json     RFC 9162 inclusion proof of every event against the head
    data/audit/tree_head.json  the signed tree head and the device public key (raw, hex)

Members are sorted, stored uncompressed with a fixed timestamp and no extra fields, and
every JSON file has one spelling, so two packages built from the same data differ only in
`bag-info.txt` (its export time) and the tag manifests that hash it. Nothing is written to
disk here: the zip is built in memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop.documents import package_verifier as verifier
from sync.protocol.merkle import leaf_hash
from sync.protocol.treehead import SignedTreeHead

__all__ = [
    "PackageEvent",
    "PackageInfo",
    "build_package",
    "package_members",
    "verifier_sha256",
    "verifier_source",
]

VERIFIER_SOURCE_PATH = Path(verifier.__file__)


@dataclass(frozen=True)
class PackageEvent:
    """One audit event: its leaf index, exact leaf data and inclusion proof."""

    index: int
    leaf_data: bytes
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class PackageInfo:
    """What `bag-info.txt` says about the export."""

    statement_id: str
    case_number: str
    exported_by: str
    exported_at: datetime
    tool_version: str


def verifier_source() -> bytes:
    """The stand-alone verifier, exactly as it goes into every package."""
    return VERIFIER_SOURCE_PATH.read_bytes()


def verifier_sha256() -> str:
    """The SHA-256 to publish for the verifier, so a court can check its copy."""
    return hashlib.sha256(verifier_source()).hexdigest()


def _json_file(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def _events_jsonl(events: Sequence[PackageEvent]) -> bytes:
    lines = []
    for event in events:
        record = {"index": event.index, "leaf_hash": leaf_hash(event.leaf_data).hex(),
                  "leaf": event.leaf_data.decode("utf-8")}
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True,
                                separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _manifest(members: dict[str, bytes], names: Sequence[str], algorithm: str) -> bytes:
    lines = [f"{verifier.digest(algorithm, members[name])}  {name}\n" for name in sorted(names)]
    return "".join(lines).encode("utf-8")


def _one_line(label: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError(f"{label} must be one line")
    return f"{label}: {value}\n"


def package_members(
    pdf: bytes,
    events: Sequence[PackageEvent],
    head: SignedTreeHead,
    public_key: bytes,
    info: PackageInfo,
) -> dict[str, bytes]:
    """Every member of the package, by its path inside the zip."""
    ordered = sorted(events, key=lambda e: e.index)
    if not ordered:
        raise ValueError("a package needs at least one audit event")
    if any(e.index >= head.head.tree_size for e in ordered):
        raise ValueError("an event is not covered by the signed tree head")
    members: dict[str, bytes] = {
        verifier.PDF_PATH: pdf,
        verifier.EVENTS_PATH: _events_jsonl(ordered),
        verifier.PROOFS_PATH: _json_file({
            "tree_size": head.head.tree_size,
            "proofs": [{"index": e.index, "leaf_hash": leaf_hash(e.leaf_data).hex(),
                        "path": [p.hex() for p in e.proof]} for e in ordered],
        }),
        verifier.TREE_HEAD_PATH: _json_file({
            "algorithm": "Ed25519",
            "public_key": public_key.hex(),
            "signed_tree_head": head.to_json(),
        }),
    }
    oxum = f"{sum(len(members[p]) for p in verifier.PAYLOAD)}.{len(verifier.PAYLOAD)}"
    members["bagit.txt"] = verifier.BAGIT_TXT
    members["bag-info.txt"] = "".join((
        _one_line("Bag-Software-Agent", f"statement-room {info.tool_version}"),
        _one_line("Case-Number", info.case_number),
        _one_line("Export-Time", info.exported_at.isoformat(timespec="seconds")),
        _one_line("Exported-By", info.exported_by),
        _one_line("External-Identifier", info.statement_id),
        _one_line("Payload-Oxum", oxum),
        _one_line("Statement-Id", info.statement_id),
        _one_line("Tool-Version", info.tool_version),
        _one_line("Verifier-SHA256", hashlib.sha256(verifier_source()).hexdigest()),
    )).encode("utf-8")
    members[verifier.VERIFIER_NAME] = verifier_source()
    for algorithm, name in zip(verifier.ALGORITHMS, verifier.MANIFESTS, strict=True):
        members[name] = _manifest(members, verifier.PAYLOAD, algorithm)
    for algorithm, name in zip(verifier.ALGORITHMS, verifier.TAG_MANIFESTS, strict=True):
        members[name] = _manifest(members, verifier.TAG_FILES, algorithm)
    return members


def build_package(
    pdf: bytes,
    events: Sequence[PackageEvent],
    head: SignedTreeHead,
    public_key: bytes,
    info: PackageInfo,
) -> bytes:
    """The zip bytes of the court package (fixed layout, built in memory)."""
    return verifier.write_zip(package_members(pdf, events, head, public_key, info))
