"""Stand-alone verifier of a Statement Room court package (shipped as verify_package.py).

This file is copied unchanged to the root of every court package. It needs only the Python
standard library and the `cryptography` package, and imports nothing of Statement Room, so a
court or a defence expert can read it and run it offline:

    python3 verify_package.py                 # inside the extracted package folder
    python3 verify_package.py PACKAGE.zip     # or on the zip itself
    python3 verify_package.py FOLDER          # or on an extracted folder elsewhere

It checks the BagIt layout (`bagit.txt`, `bag-info.txt`, payload under `data/`), every
entry of the payload manifests (SHA-256 and SM3) and tag manifests, that no file is unlisted
or missing, that the manifests are in their one canonical form, the Ed25519 signature of the
audit tree head and its key id, every audit event's leaf hash and its RFC 9162 inclusion
proof against that head, and that the `document.signed` event names the SHA-256 of
`data/statement.pdf`. Given a zip, it also rebuilds the zip from its members with the fixed
layout and requires the file to be byte-identical. It prints a report and exits 0 only if
everything holds (1 otherwise, 2 on bad usage).

This script cannot vouch for itself: compare its SHA-256 (printed first) with the value
published by the issuing unit before trusting its verdict. Its hash is also listed in the
package's tag manifests.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

VERIFIER_NAME = "verify_package.py"
PDF_PATH = "data/statement.pdf"
EVENTS_PATH = "data/audit/events.jsonl"
PROOFS_PATH = "data/audit/proofs.json"
TREE_HEAD_PATH = "data/audit/tree_head.json"
PAYLOAD = (EVENTS_PATH, PROOFS_PATH, TREE_HEAD_PATH, PDF_PATH)
BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
ALGORITHMS = ("sha256", "sm3")
MANIFESTS = tuple(f"manifest-{a}.txt" for a in ALGORITHMS)
TAG_MANIFESTS = tuple(f"tagmanifest-{a}.txt" for a in ALGORITHMS)
TAG_FILES = ("bag-info.txt", "bagit.txt", *MANIFESTS, VERIFIER_NAME)
ALL_MEMBERS = tuple(sorted((*PAYLOAD, *TAG_FILES, *TAG_MANIFESTS)))
# Fixed zip layout: stored (no compression: byte-reproducible on any zlib), 1980-01-01.
ZIP_DOS_TIME = 0
ZIP_DOS_DATE = (0 << 9) | (1 << 5) | 1
ZIP_VERSION = 20
ZIP_FLAGS = 0x800  # names are UTF-8
KEY_ID_HEX_CHARS = 16
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MANIFEST_LINE = re.compile(r"([0-9a-f]{64}) {2}(\S(?:.*\S)?)")


class PackageError(Exception):
    """One check failed; the message names the member concerned."""


def digest(algorithm: str, data: bytes) -> str:
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    if algorithm == "sm3":
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize().hex()
    raise ValueError(f"unknown algorithm {algorithm}")


# Deterministic zip -------------------------------------------------------------------------


def write_zip(members: dict[str, bytes]) -> bytes:
    """The package's fixed zip layout: sorted names, stored, fixed time, no extra fields."""
    out = bytearray()
    central = bytearray()
    for name in sorted(members):
        data = members[name]
        raw_name = name.encode("utf-8")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, ZIP_VERSION, ZIP_FLAGS, 0, ZIP_DOS_TIME,
                           ZIP_DOS_DATE, crc, len(data), len(data), len(raw_name), 0)
        out += raw_name + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | ZIP_VERSION,
                               ZIP_VERSION, ZIP_FLAGS, 0, ZIP_DOS_TIME, ZIP_DOS_DATE, crc,
                               len(data), len(data), len(raw_name), 0, 0, 0, 0,
                               0o100644 << 16, offset)
        central += raw_name
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                       start, 0)
    return bytes(out)


def read_zip(raw: bytes) -> dict[str, bytes]:
    """Members of a package zip; the bytes must be exactly the fixed layout of them."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = archive.namelist()
            if len(set(names)) != len(names):
                raise PackageError("zip: duplicate member names")
            members = {name: archive.read(name) for name in names}
    except PackageError:
        raise
    except Exception as exc:  # a damaged zip fails in many ways; each is a failed check
        raise PackageError(f"zip: cannot be read ({exc})") from exc
    if write_zip(members) != raw:
        raise PackageError("zip: the file is not in the package's fixed layout "
                           "(headers, order or trailing bytes changed)")
    return members


def read_folder(folder: Path) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            members[path.relative_to(folder).as_posix()] = path.read_bytes()
    return members


# RFC 9162 ----------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: does `proof` place `leaf` at `index` under `root`?

    Deliberately a second implementation of `sync.protocol.merkle.verify_inclusion`: this
    file must run with nothing of Statement Room installed. tests/documents/test_package.py
    checks that the two agree on every index of trees up to 39 leaves.
    """
    if not 0 <= index < tree_size:
        return False
    if len(leaf) != 32 or len(root) != 32 or any(len(p) != 32 for p in proof):
        return False
    fn, sn = index, tree_size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# Checks ------------------------------------------------------------------------------------


def _text(members: dict[str, bytes], name: str) -> str:
    try:
        return members[name].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackageError(f"{name}: not UTF-8") from exc


def parse_manifest(name: str, text: str) -> dict[str, str]:
    """Entries of a manifest, which must be in canonical form (sorted, two spaces, LF)."""
    if not text.endswith("\n"):
        raise PackageError(f"{name}: does not end with a newline")
    entries: dict[str, str] = {}
    for number, line in enumerate(text[:-1].split("\n"), 1):
        match = _MANIFEST_LINE.fullmatch(line)
        if match is None:
            raise PackageError(f"{name}: line {number} is malformed")
        path = match.group(2)
        if path in entries:
            raise PackageError(f"{name}: {path} listed twice")
        entries[path] = match.group(1)
    if list(entries) != sorted(entries):
        raise PackageError(f"{name}: entries are not sorted")
    return entries


def check_manifest(members: dict[str, bytes], name: str, algorithm: str,
                   expected: Sequence[str], report: list[str]) -> None:
    entries = parse_manifest(name, _text(members, name))
    missing = sorted(set(expected) - set(entries))
    extra = sorted(set(entries) - set(expected))
    if missing:
        raise PackageError(f"{name}: does not list {', '.join(missing)}")
    if extra:
        raise PackageError(f"{name}: lists unexpected {', '.join(extra)}")
    for path, value in entries.items():
        if digest(algorithm, members[path]) != value:
            raise PackageError(f"{path}: {algorithm} does not match {name}")
    report.append(f"ok  {name}: {len(entries)} {algorithm} hashes match")


def check_layout(members: dict[str, bytes], report: list[str]) -> None:
    names = set(members)
    extra = sorted(names - set(ALL_MEMBERS))
    missing = sorted(set(ALL_MEMBERS) - names)
    if extra:
        raise PackageError(f"{extra[0]}: file not part of the package (unlisted)")
    if missing:
        raise PackageError(f"{missing[0]}: missing from the package")
    if members["bagit.txt"] != BAGIT_TXT:
        raise PackageError("bagit.txt: not a BagIt 1.0 declaration")
    report.append(f"ok  layout: BagIt 1.0, {len(members)} files, none unlisted or missing")


def bag_info(members: dict[str, bytes]) -> dict[str, str]:
    text = _text(members, "bag-info.txt")
    info: dict[str, str] = {}
    if not text.endswith("\n"):
        raise PackageError("bag-info.txt: does not end with a newline")
    for line in text[:-1].split("\n"):
        label, sep, value = line.partition(": ")
        if not sep or not label or label in info:
            raise PackageError("bag-info.txt: malformed line")
        info[label] = value
    oxum = f"{sum(len(members[p]) for p in PAYLOAD)}.{len(PAYLOAD)}"
    if info.get("Payload-Oxum") != oxum:
        raise PackageError("bag-info.txt: Payload-Oxum does not match the payload")
    if not info.get("Statement-Id"):
        raise PackageError("bag-info.txt: no Statement-Id")
    return info


def _json(members: dict[str, bytes], name: str) -> object:
    try:
        return json.loads(_text(members, name))
    except json.JSONDecodeError as exc:
        raise PackageError(f"{name}: not JSON ({exc.msg})") from exc


def _hex(name: str, value: object, size: int) -> bytes:
    if not isinstance(value, str) or not re.fullmatch(f"[0-9a-f]{{{2 * size}}}", value):
        raise PackageError(f"{name}: expected {2 * size} lowercase hex characters")
    return bytes.fromhex(value)


def _int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PackageError(f"{name}: expected a non-negative integer")
    return value


def tree_head_signing_bytes(sth: dict[str, object]) -> bytes:
    """RFC 8785 canonical JSON of the signed fields (ASCII strings and integers only)."""
    fields = {k: sth[k] for k in ("v", "log_id", "tree_size", "root_hash", "timestamp_ms")}
    for key in ("log_id",):
        value = fields[key]
        if not isinstance(value, str) or not value.isascii() or not value.isprintable():
            raise PackageError(f"{TREE_HEAD_PATH}: {key} must be printable ASCII")
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")


def check_tree_head(members: dict[str, bytes], report: list[str]) -> tuple[int, bytes]:
    doc = _json(members, TREE_HEAD_PATH)
    if not isinstance(doc, dict) or not isinstance(doc.get("signed_tree_head"), dict):
        raise PackageError(f"{TREE_HEAD_PATH}: no signed_tree_head object")
    if doc.get("algorithm") != "Ed25519":
        raise PackageError(f"{TREE_HEAD_PATH}: algorithm must be Ed25519")
    sth: dict[str, object] = doc["signed_tree_head"]
    expected = {"v", "log_id", "tree_size", "root_hash", "timestamp_ms", "key_id", "signature"}
    if set(sth) != expected or sth["v"] != 1:
        raise PackageError(f"{TREE_HEAD_PATH}: signed tree head fields are wrong")
    public_raw = _hex(f"{TREE_HEAD_PATH} public_key", doc.get("public_key"), 32)
    root = _hex(f"{TREE_HEAD_PATH} root_hash", sth["root_hash"], 32)
    signature = _hex(f"{TREE_HEAD_PATH} signature", sth["signature"], 64)
    tree_size = _int(f"{TREE_HEAD_PATH} tree_size", sth["tree_size"])
    _int(f"{TREE_HEAD_PATH} timestamp_ms", sth["timestamp_ms"])
    key_id = hashlib.sha256(public_raw).hexdigest()[:KEY_ID_HEX_CHARS]
    if sth["key_id"] != key_id:
        raise PackageError(f"{TREE_HEAD_PATH}: key_id does not belong to the public key")
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(
            signature, tree_head_signing_bytes(sth))
    except (InvalidSignature, ValueError) as exc:
        raise PackageError(f"{TREE_HEAD_PATH}: the tree head signature does not verify") from exc
    report.append(f"ok  {TREE_HEAD_PATH}: Ed25519 signature by key {key_id} over "
                  f"{tree_size} events, root {root.hex()}")
    return tree_size, root


def check_events(members: dict[str, bytes], tree_size: int, root: bytes,
                 statement_id: str, report: list[str]) -> list[dict[str, object]]:
    text = _text(members, EVENTS_PATH)
    if not text.endswith("\n"):
        raise PackageError(f"{EVENTS_PATH}: does not end with a newline")
    proofs_doc = _json(members, PROOFS_PATH)
    if not isinstance(proofs_doc, dict) or not isinstance(proofs_doc.get("proofs"), list):
        raise PackageError(f"{PROOFS_PATH}: no proofs list")
    if proofs_doc.get("tree_size") != tree_size:
        raise PackageError(f"{PROOFS_PATH}: tree_size differs from the signed tree head")
    proofs: dict[int, dict[str, object]] = {}
    for entry in proofs_doc["proofs"]:
        if not isinstance(entry, dict):
            raise PackageError(f"{PROOFS_PATH}: malformed entry")
        index = _int(f"{PROOFS_PATH} index", entry.get("index"))
        if index in proofs:
            raise PackageError(f"{PROOFS_PATH}: index {index} twice")
        proofs[index] = entry
    events: list[dict[str, object]] = []
    last = -1
    for number, line in enumerate(text[:-1].split("\n"), 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PackageError(f"{EVENTS_PATH}: line {number} is not JSON") from exc
        if not isinstance(record, dict) or set(record) != {"index", "leaf_hash", "leaf"}:
            raise PackageError(f"{EVENTS_PATH}: line {number} has the wrong fields")
        index = _int(f"{EVENTS_PATH} line {number} index", record["index"])
        if index <= last:
            raise PackageError(f"{EVENTS_PATH}: line {number} is out of order")
        last = index
        if not isinstance(record["leaf"], str):
            raise PackageError(f"{EVENTS_PATH}: line {number} leaf is not text")
        leaf = record["leaf"].encode("utf-8")
        stated = _hex(f"{EVENTS_PATH} line {number} leaf_hash", record["leaf_hash"], 32)
        if leaf_hash(leaf) != stated:
            raise PackageError(f"{EVENTS_PATH}: line {number} leaf hash does not match its data")
        try:
            event = json.loads(leaf)
        except json.JSONDecodeError as exc:
            raise PackageError(f"{EVENTS_PATH}: line {number} leaf is not JSON") from exc
        if not isinstance(event, dict) or event.get("idx") != index:
            raise PackageError(f"{EVENTS_PATH}: line {number} leaf names another index")
        proof = proofs.pop(index, None)
        if proof is None:
            raise PackageError(f"{PROOFS_PATH}: no inclusion proof for event {index}")
        if proof.get("leaf_hash") != record["leaf_hash"]:
            raise PackageError(f"{PROOFS_PATH}: event {index} proof is for another leaf")
        path = proof.get("path")
        if not isinstance(path, list):
            raise PackageError(f"{PROOFS_PATH}: event {index} has no path")
        hashes_ = [_hex(f"{PROOFS_PATH} event {index}", p, 32) for p in path]
        if not verify_inclusion(stated, index, tree_size, hashes_, root):
            raise PackageError(f"{PROOFS_PATH}: event {index} is not included in the signed "
                               "tree head")
        events.append(event)
    if proofs:
        raise PackageError(f"{PROOFS_PATH}: proofs for events not in {EVENTS_PATH}")
    if not events:
        raise PackageError(f"{EVENTS_PATH}: no events")
    report.append(f"ok  {EVENTS_PATH}: {len(events)} events, each leaf hash and inclusion "
                  "proof verified")
    pdf_sha256 = hashlib.sha256(members[PDF_PATH]).hexdigest()
    signed = [e for e in events if e.get("action") == "document.signed"
              and e.get("subject") == statement_id]
    details = signed[-1].get("details") if signed else None
    if not isinstance(details, dict) or details.get("sha256") != pdf_sha256:
        raise PackageError(f"{PDF_PATH}: no document.signed event of statement {statement_id} "
                           "names its SHA-256")
    report.append(f"ok  {PDF_PATH}: SHA-256 {pdf_sha256} recorded by the document.signed "
                  f"event #{signed[-1].get('idx')}")
    return events


def verify_members(members: dict[str, bytes]) -> list[str]:
    """Every check on a package's members; raises PackageError at the first failure."""
    report: list[str] = []
    check_layout(members, report)
    for algorithm, tag_manifest in zip(ALGORITHMS, TAG_MANIFESTS, strict=True):
        check_manifest(members, tag_manifest, algorithm, TAG_FILES, report)
    for algorithm, manifest in zip(ALGORITHMS, MANIFESTS, strict=True):
        check_manifest(members, manifest, algorithm, PAYLOAD, report)
    info = bag_info(members)
    report.append(f"ok  bag-info.txt: statement {info['Statement-Id']}, exported "
                  f"{info.get('Export-Time', '?')}")
    tree_size, root = check_tree_head(members, report)
    check_events(members, tree_size, root, info["Statement-Id"], report)
    return report


def verify_path(path: Path) -> list[str]:
    if path.is_dir():
        return verify_members(read_folder(path))
    return verify_members(read_zip(path.read_bytes()))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print(f"usage: python3 {VERIFIER_NAME} [PACKAGE.zip | FOLDER]", file=sys.stderr)
        return 2
    own = Path(__file__).resolve()
    target = Path(args[0]) if args else own.parent
    print(f"verifier {VERIFIER_NAME} SHA-256 {hashlib.sha256(own.read_bytes()).hexdigest()}")
    print("  (compare it with the value published by the issuing unit)")
    print(f"package {target}")
    try:
        report = verify_path(target)
    except PackageError as exc:
        print(f"FAILED  {exc}")
        print("RESULT: the package does NOT verify.")
        return 1
    except Exception as exc:  # anything unforeseen is a failure, never a pass
        print(f"FAILED  cannot check {target}: {exc!r}")
        print("RESULT: the package does NOT verify.")
        return 1
    for line in report:
        print(line)
    print("RESULT: the package verifies: every file, hash, signature and proof holds.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
