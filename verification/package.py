"""The court package of a sealed statement: a BagIt bag in a zip, checkable offline.

`build_package` turns what the export service gathered (the signed PDF, the statement's
audit events with their inclusion proofs, a signed tree head and the device's public key)
into the bytes of one zip with a fixed layout:

    bagit.txt                  BagIt 1.0 declaration
    bag-info.txt               export time, statement id, case number, officer, tool version
                               (and `Export-Source: hq` in a package HQ built, decision 36)
    manifest-sha256.txt        SHA-256 of every payload file
    manifest-sm3.txt           SM3 (GB/T 32905) of every payload file
    tagmanifest-sha256.txt     SHA-256 of bagit.txt, bag-info.txt, the manifests, the verifier
    tagmanifest-sm3.txt        SM3 of the same
    verify_package.py          the stand-alone verifier (`package_verifier.py` of this package)
    data/statement.pdf         the signed and sealed PDF as kept in the store
    data/audit/events.jsonl    one line per event: index, leaf hash, exact leaf data
    data/audit/proofs.json     RFC 9162 inclusion proof of every event against the head
    data/audit/tree_head.json  the signed tree head and the device public key (raw, hex)
    README.txt                 in Chinese: what the package is and how to check it
    trust/device-chain.pem     the statement room's device certificate and its chain
    trust/unit-root.pem        the unit root(s) the device certificate chains to
    trust/binding.json         binds the tree-head key, the head and both tag manifests...
    trust/binding.sig          ...signed (DER ECDSA) by the device certificate's key, or
                               by HQ's export certificate's for a package HQ built
    evidence/manifest.json     the case's evidence: hashes, times, custody, ingest certificates
    evidence/ingest/<docking>.json|.sig   each docking's signed ingest certificate (Ed25519)
    data/evidence/<sha256>.<ext>          with --with-media: the media, streamed from the vault

The binding record is what makes the package's trust come from outside it (decision 0017):
the verifier is given the unit root and checks that the device certificate chains to it and
signed the binding, which names the tag manifests, which hash every other file.

Members are sorted, stored uncompressed with a fixed timestamp and no extra fields, and
every JSON file has one spelling, so two packages built from the same data differ only in
`bag-info.txt` (its export time) and the tag manifests that hash it. Nothing is written to
disk here: the zip is built in memory, or (with media) written to a stream the caller
opened, each media file streamed from the vault straight into its zip member.

The evidence files are tag files (listed in the tag manifests the binding signs); the media
are payload (listed in the payload manifests). A media member's local header needs its CRC
before its bytes, so the caller reads each item once to learn CRC and SM3 (`PackageMedia`)
and streams it a second time into the zip; the second pass must give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sync.protocol.merkle import leaf_hash
from sync.protocol.treehead import SignedTreeHead
from verification import package_verifier as verifier

__all__ = [
    "EXPORT_SOURCE_HQ",
    "PackageEvent",
    "PackageEvidence",
    "PackageInfo",
    "PackageMedia",
    "PackageTrust",
    "build_package",
    "custody_summary",
    "in_package",
    "media_extension",
    "package_members",
    "statement_subjects",
    "verifier_sha256",
    "verifier_source",
    "write_package",
]

VERIFIER_SOURCE_PATH = Path(verifier.__file__)
EXPORT_SOURCE_HQ = verifier.SIGNER_HQ  # `Export-Source` of a package HQ built (decision 36)


def statement_subjects(statement_id: str, turn_ids: Iterable[str]) -> frozenset[str]:
    """The audit subjects whose events a statement's package carries: the statement and
    each of its turns (the desktop's export and HQ's select by the same rule)."""
    return frozenset((statement_id, *turn_ids))


def in_package(index: int, subject: str | None, subjects: frozenset[str],
               tree_size: int) -> bool:
    """Whether the audit event at `index` about `subject` goes into the package whose tree
    head covers `tree_size` leaves: it is about the statement or a turn, and covered."""
    return subject in subjects and index < tree_size


@dataclass(frozen=True)
class PackageEvent:
    """One audit event: its leaf index, exact leaf data and inclusion proof."""

    index: int
    leaf_data: bytes
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class PackageTrust:
    """The device certificate chain (PEM, device first), the unit root(s) (PEM), and how to
    sign the binding record with the device certificate's key (raw bytes -> signature)."""

    device_chain_pem: bytes
    root_pem: bytes
    device_certificate_der: bytes
    sign: Callable[[bytes], bytes]


@dataclass(frozen=True)
class PackageMedia:
    """One media file for data/evidence/: its size, SHA-256, SM3 and CRC-32 (from a first
    read), and `stream`, which writes its plaintext through the given function (in pieces,
    never to a file) and returns the SHA-256 of what it wrote."""

    path: str
    size: int
    sha256: str
    sm3: str
    crc32: int
    stream: Callable[[Callable[[bytes], object]], str]


@dataclass(frozen=True)
class PackageEvidence:
    """The case's evidence manifest (a JSON object, written canonically), the ingest
    certificates and signatures (path -> bytes), and the media when they go in."""

    manifest: Mapping[str, object]
    certificates: Mapping[str, bytes]
    media: tuple[PackageMedia, ...] = ()


def media_extension(name: str | None) -> str:
    """The extension of a medium's name in data/evidence/ (from its original name or its
    path on the recorder), "bin" when it has none the manifest's pattern allows."""
    _stem, dot, ext = (name or "").rpartition(".")
    ext = ext.lower()
    if dot and 1 <= len(ext) <= 8 and ext.isascii() and ext.isalnum():
        return ext
    return "bin"


def custody_summary(details: Mapping[str, object], *, device_serial: str | None,
                    device_path: str | None, device_mtime: str | None,
                    officer_number: str | None) -> dict[str, object]:
    """What the evidence manifest says of an item's custody: strings and integers only
    (the desktop's and HQ's packages alike; `details` as desktop/services/dock.py keeps it)."""
    gps = details.get("gps")
    custody: dict[str, object] = {
        "device_serial": device_serial,
        "device_model": details.get("device_model"),
        "device_path": device_path,
        "device_mtime": device_mtime,
        "officer_number": officer_number,
        "clock_offset_ms": details.get("clock_offset_ms"),
        "device_start_local": details.get("device_start_local"),
        "start_utc_corrected": details.get("start_utc_corrected"),
        "gps_fixes": gps.get("points") if isinstance(gps, dict) else None,
    }
    return {k: v for k, v in custody.items() if isinstance(v, str | int)}


def empty_evidence() -> PackageEvidence:
    return PackageEvidence({"v": 1, "format": verifier.EVIDENCE_FORMAT, "case_id": None,
                            "case_number": None, "media_included": False, "items": [],
                            "ingest_certificates": []}, {})


README = """电子笔录室 法庭证据包
======================

本证据包由电子笔录室（离线行政执法询问笔录系统）导出，内容为一份已签名、盖章的询问（讯问）笔录
及其审计记录，供法院、复议机关或辩护方离线核验。也可由总部依据终端上报的数据组装导出
（bag-info.txt 中注明 Export-Source: hq）：此时绑定记录由总部导出证书签署，审计树头仍为终端
自己的签名。

包内文件
--------
data/statement.pdf          已签名、盖章的笔录 PDF（PAdES 电子签名：终端认证、当事人逐页签名、
                            询问人、记录人、单位印章）
data/audit/events.jsonl     与本笔录有关的每条审计事件（原始数据）
data/audit/proofs.json      每条事件在审计树中的包含证明（RFC 9162）
data/audit/tree_head.json   终端签署的审计树头（Ed25519）
trust/device-chain.pem      电子笔录室终端的设备证书及证书链（总部导出时为总部导出证书及其证书链）
trust/unit-root.pem         出具单位的根证书
trust/binding.json(.sig)    设备证书（或总部导出证书）签署的绑定记录：审计树头公钥、树头、
                            两份标签清单的哈希
evidence/manifest.json      本案全部证据的清单：哈希（SHA-256、SM3）、大小、采集与入库时间、保管信息
                            （执法记录仪序列号、时钟偏差、校正时间、GPS 定位点数）
                            以及本笔录的同步录音录像（编号、SHA-256、大小、时长、暂停及原因、
                            各问答在录像中的时间；其媒体即清单中同一 SHA-256 的视频证据）
evidence/ingest/            每次执法记录仪对接的入库证书及其 Ed25519 签名
data/evidence/              导出时加 --with-media 才附带：证据媒体文件原件（以 SHA-256 命名）
manifest-*.txt, tagmanifest-*.txt   全部文件的 SHA-256 与 SM3（GB/T 32905）哈希
verify_package.py           独立校验程序（仅需 Python 3 标准库；有 cryptography 库时校验签名）

如何核验
--------
1. 从出具单位或其公布渠道取得单位根证书 ROOT.pem（或其 SHA-256 指纹）以及校验程序的 SHA-256，
   与本包内 verify_package.py 的哈希核对。不要只信任包内自带的根证书。
2. 在解压后的目录中运行：

       python3 verify_package.py --root ROOT.pem
   或  python3 verify_package.py --root-fingerprint 指纹

   加 --en 输出英文。退出码：0 全部通过且可追溯至该单位根证书；1 校验失败（被篡改、伪造或损坏）；
   3 能运行的检查均通过，但未能确立信任（未提供根证书，或本机缺少 cryptography 库）。
3. 没有 cryptography 库时，程序只校验哈希、清单、审计证明，以及笔录 PDF 的签名是否齐全、顺序
   是否正确、各签名的摘要是否与其覆盖的字节一致，并列出未能运行的检查；此时不能据此认定证据包
   真实。
"""


@dataclass(frozen=True)
class PackageInfo:
    """What `bag-info.txt` says about the export."""

    statement_id: str
    case_number: str
    exported_by: str
    exported_at: datetime
    tool_version: str
    # None for the statement room's own export; `EXPORT_SOURCE_HQ` when HQ built it from what
    # the device sent (bag-info's `Export-Source`, which the verifier holds to the signer)
    export_source: str | None = None


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


def _manifest(members: dict[str, bytes], names: Sequence[str], algorithm: str,
              media: Mapping[str, PackageMedia] | None = None) -> bytes:
    lines = []
    for name in sorted(names):
        item = (media or {}).get(name)
        if item is None:
            value = verifier.digest(algorithm, members[name])
        else:
            value = item.sha256 if algorithm == "sha256" else item.sm3
        lines.append(f"{value}  {name}\n")
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
    trust: PackageTrust,
    evidence: PackageEvidence | None = None,
) -> dict[str, bytes]:
    """Every member of the package, by its path inside the zip, but the media's bytes."""
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
    evidence = evidence or empty_evidence()
    media = {m.path: m for m in evidence.media}
    if len(media) != len(evidence.media) or any(
            not m.path.startswith(verifier.MEDIA_PREFIX) for m in media.values()):
        raise ValueError("media paths must be distinct and under data/evidence/")
    payload = (*verifier.PAYLOAD, *sorted(media))
    tag_files = (*verifier.TAG_FILES, *sorted(evidence.certificates))
    members[verifier.EVIDENCE_MANIFEST_PATH] = verifier.canonical(dict(evidence.manifest))
    members.update(evidence.certificates)
    size = sum(len(members[p]) for p in verifier.PAYLOAD) + sum(m.size for m in media.values())
    oxum = f"{size}.{len(payload)}"
    members["bagit.txt"] = verifier.BAGIT_TXT
    members["bag-info.txt"] = "".join((
        _one_line("Bag-Software-Agent", f"statement-room {info.tool_version}"),
        _one_line("Case-Number", info.case_number),
        *([] if info.export_source is None
          else [_one_line("Export-Source", info.export_source)]),
        _one_line("Export-Time", info.exported_at.isoformat(timespec="seconds")),
        _one_line("Exported-By", info.exported_by),
        _one_line("External-Identifier", info.statement_id),
        _one_line("Payload-Oxum", oxum),
        _one_line("Statement-Id", info.statement_id),
        _one_line("Tool-Version", info.tool_version),
        _one_line("Verifier-SHA256", hashlib.sha256(verifier_source()).hexdigest()),
    )).encode("utf-8")
    members[verifier.VERIFIER_NAME] = verifier_source()
    members[verifier.README_PATH] = README.encode("utf-8")
    members[verifier.CHAIN_PATH] = trust.device_chain_pem
    members[verifier.ROOT_PATH] = trust.root_pem
    for algorithm, name in zip(verifier.ALGORITHMS, verifier.MANIFESTS, strict=True):
        members[name] = _manifest(members, payload, algorithm, media)
    for algorithm, name in zip(verifier.ALGORITHMS, verifier.TAG_MANIFESTS, strict=True):
        members[name] = _manifest(members, tag_files, algorithm)
    sth = head.to_json()
    binding = verifier.canonical({
        "v": 1, "purpose": verifier.BINDING_PURPOSE, "statement_id": info.statement_id,
        "log_id": sth["log_id"], "tree_head_key": public_key.hex(),
        "tree_head_key_id": sth["key_id"], "tree_size": sth["tree_size"],
        "root_hash": sth["root_hash"], "timestamp_ms": sth["timestamp_ms"],
        "device_certificate_sha256": hashlib.sha256(trust.device_certificate_der).hexdigest(),
        "tagmanifests": {name: hashlib.sha256(members[name]).hexdigest()
                         for name in verifier.TAG_MANIFESTS},
    })
    members[verifier.BINDING_PATH] = binding
    members[verifier.BINDING_SIG_PATH] = trust.sign(binding)
    return members


def build_package(
    pdf: bytes,
    events: Sequence[PackageEvent],
    head: SignedTreeHead,
    public_key: bytes,
    info: PackageInfo,
    trust: PackageTrust,
    evidence: PackageEvidence | None = None,
) -> bytes:
    """The zip bytes of the court package (fixed layout, built in memory), without media."""
    if evidence is not None and evidence.media:
        raise ValueError("a package with media is written to a stream (write_package)")
    return verifier.write_zip(package_members(pdf, events, head, public_key, info, trust,
                                              evidence))


def write_package(
    out: BinaryIO,
    pdf: bytes,
    events: Sequence[PackageEvent],
    head: SignedTreeHead,
    public_key: bytes,
    info: PackageInfo,
    trust: PackageTrust,
    evidence: PackageEvidence,
) -> int:
    """Write the package to `out`, streaming each media file into its member; the number of
    members. The bytes are exactly `verifier.write_zip` of the same members."""
    members = package_members(pdf, events, head, public_key, info, trust, evidence)
    media = {m.path: m for m in evidence.media}
    names = sorted({*members, *media})
    if len(names) > verifier.MAX_MEMBERS:
        raise ValueError(f"{len(names)} members (at most {verifier.MAX_MEMBERS})")
    offset = 0
    central = bytearray()

    def put(data: bytes) -> None:
        nonlocal offset
        out.write(data)
        offset += len(data)

    for name in names:
        raw_name = name.encode("utf-8")
        item = media.get(name)
        data = members.get(name, b"")
        size, crc = (len(data), zlib.crc32(data) & 0xFFFFFFFF) if item is None \
            else (item.size, item.crc32)
        if size > verifier.MAX_MEMBER_BYTES:
            raise ValueError(f"{name} is larger than {verifier.MAX_MEMBER_BYTES} bytes")
        start = offset
        put(struct.pack("<IHHHHHIIIHH", 0x04034B50, verifier.ZIP_VERSION, verifier.ZIP_FLAGS,
                        0, verifier.ZIP_DOS_TIME, verifier.ZIP_DOS_DATE, crc, size, size,
                        len(raw_name), 0) + raw_name)
        if item is None:
            put(data)
        else:
            _stream_member(item, put)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | verifier.ZIP_VERSION,
                               verifier.ZIP_VERSION, verifier.ZIP_FLAGS, 0, verifier.ZIP_DOS_TIME,
                               verifier.ZIP_DOS_DATE, crc, size, size, len(raw_name), 0, 0, 0,
                               0, 0o100644 << 16, start)
        central += raw_name
    start = offset
    put(bytes(central))
    put(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(names), len(names), len(central),
                    start, 0))
    if offset > verifier.MAX_ZIP_BYTES:
        raise ValueError(f"the package is larger than {verifier.MAX_ZIP_BYTES} bytes")
    return len(names)


def _stream_member(item: PackageMedia, put: Callable[[bytes], None]) -> None:
    """Stream one media file; it must give the bytes its first read described."""
    written = 0
    crc = 0

    def write(chunk: bytes) -> None:
        nonlocal written, crc
        data = bytes(chunk)
        written += len(data)
        crc = zlib.crc32(data, crc)
        put(data)

    sha256 = item.stream(write)
    if written != item.size or crc != item.crc32 or sha256 != item.sha256:
        raise ValueError(f"{item.path}: the vault gave different bytes on the second read")
