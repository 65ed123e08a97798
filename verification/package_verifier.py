"""Stand-alone verifier of a Statement Room court package (shipped as verify_package.py).

This file is copied unchanged to the root of every court package. It needs only the Python
standard library (and, for the signature checks, the `cryptography` package), and imports
nothing of Statement Room, so a court or a defence expert can read it and run it offline:

    python3 verify_package.py --root UNIT-ROOT.pem               # in the extracted folder
    python3 verify_package.py --root-fingerprint HEX PACKAGE.zip # or on the zip itself
    python3 verify_package.py --en ...                           # English instead of Chinese

Trust comes from outside the package (issue 11, decision 0017): the unit root is given on
the command line (the certificate, or its published SHA-256 fingerprint). The package's
binding record (`trust/binding.json`) names the audit tree-head key, the store, the signed
tree head and the SHA-256 of both tag manifests; the statement room's device certificate
signs it (`trust/binding.sig`), or, for a package HQ built from what the device sent, HQ's
export certificate (decision 36; the report says which, and `bag-info.txt` must agree), and
that certificate must chain to the given root. The audit tree head is the device's own
Ed25519 signature either way. Without
a root, or without `cryptography`, the verifier still checks what it can, then says
plainly which checks it could not run and that trust was NOT established (exit 3), never
that the package holds.

It checks the BagIt layout (`bagit.txt`, `bag-info.txt`, payload under `data/`), every entry
of the payload manifests (SHA-256 and SM3) and tag manifests, that no file is unlisted or
missing, that the manifests are in their one canonical form, the Ed25519 signature of the
audit tree head and its key id, every audit event's leaf hash and its RFC 9162 inclusion
proof against that head, and that the `document.signed` event names the SHA-256 of
`data/statement.pdf`; in that PDF, with the standard library alone, the expected signature
set (every field but the witness's signed, a refusal leaving all the party's fields empty),
the certification first and the seal last over the whole file, and that each signature's
message digest is that of the bytes its range covers (with the root and `cryptography` also
each signer's signature and chain). The case's evidence manifest (`evidence/manifest.json`,
a tag file) names the ingest certificates under `evidence/ingest/` (tag files) and, when the
package was exported with `--with-media`, the media under `data/evidence/` (payload): each
medium's size, SHA-256 and SM3 must match its item, each recorder item must be listed by its
docking's certificate, and with `cryptography` each certificate's Ed25519 signature is
checked with the tree-head key the binding ties to the device certificate. Given a zip, it
refuses anything that could be a zip bomb (compressed members, too many or too large
members), then rebuilds the zip from its members with the fixed layout and requires the file
to be byte-identical. Exit status: 0 everything holds and chains to the given root; 1 a
check failed (forged or damaged); 2 bad usage; 3 every check that could run holds, but trust
was not established (no root given, or no `cryptography`).

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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding
    HAVE_CRYPTOGRAPHY = True
except ImportError:  # a bare `python3 -I`: hashes and proofs only, and say so
    HAVE_CRYPTOGRAPHY = False

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
README_PATH = "README.txt"
CHAIN_PATH = "trust/device-chain.pem"
ROOT_PATH = "trust/unit-root.pem"
BINDING_PATH = "trust/binding.json"
BINDING_SIG_PATH = "trust/binding.sig"
EVIDENCE_MANIFEST_PATH = "evidence/manifest.json"
EVIDENCE_FORMAT = "statement-room/evidence-manifest/v1"
INGEST_FORMAT = "statement-room/ingest-certificate/v1"
MEDIA_PREFIX = "data/evidence/"
INGEST_PREFIX = "evidence/ingest/"
TAG_FILES = (README_PATH, "bag-info.txt", "bagit.txt", *MANIFESTS, CHAIN_PATH, ROOT_PATH,
             VERIFIER_NAME, EVIDENCE_MANIFEST_PATH)
# The binding record signs the tag manifests, so it cannot be listed in them.
BINDING_FILES = (BINDING_PATH, BINDING_SIG_PATH)
ALL_MEMBERS = tuple(sorted((*PAYLOAD, *TAG_FILES, *TAG_MANIFESTS, *BINDING_FILES)))
BINDING_PURPOSE = "statement-room court package binding"
BINDING_FIELDS = frozenset({"v", "purpose", "statement_id", "log_id", "tree_head_key",
                            "tree_head_key_id", "tree_size", "root_hash", "timestamp_ms",
                            "device_certificate_sha256", "tagmanifests"})
# Zip bomb bounds: a package is a few PDFs and JSON files, stored uncompressed.
MAX_MEMBERS = 10_000  # a case's photos and footage; each member costs a header, no inflation
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_ZIP_BYTES = 1024 * 1024 * 1024
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNTRUSTED = 0, 1, 2, 3
# Fixed zip layout: stored (no compression: byte-reproducible on any zlib), 1980-01-01.
ZIP_DOS_TIME = 0
ZIP_DOS_DATE = (0 << 9) | (1 << 5) | 1
ZIP_VERSION = 20
ZIP_FLAGS = 0x800  # names are UTF-8
KEY_ID_HEX_CHARS = 16
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MANIFEST_LINE = re.compile(r"([0-9a-f]{64}) {2}(\S(?:.*\S)?)")
# The case's evidence: media as data/evidence/<sha256>.<ext>, each docking's ingest
# certificate as evidence/ingest/<docking>.json with its Ed25519 signature in <docking>.sig.
_MEDIA_NAME = re.compile(r"data/evidence/([0-9a-f]{64})\.([a-z0-9]{1,8})")
_INGEST_NAME = re.compile(r"evidence/ingest/([A-Za-z0-9_-]{1,64})\.json")
EVIDENCE_FIELDS = frozenset({"v", "format", "case_id", "case_number", "media_included",
                             "items", "ingest_certificates"})
ITEM_FIELDS = frozenset({"id", "original_name", "kind", "source", "size", "sha256", "sm3",
                         "captured_at", "imported_at", "docking", "custody", "media"})
INGEST_FIELDS = frozenset({"docking", "certificate", "signature", "signing_key_id",
                           "sha256"})
# The statement's audio and video recordings (同步录音录像, decision 45), optional in the
# evidence manifest: each names the evidence item that holds its media by SHA-256.
RECORDINGS_KEY = "recordings"
RECORDING_FIELDS = frozenset({"id", "statement_id", "state", "interruption", "started_at",
                              "ended_at", "duration_ms", "sha256", "size", "codec", "width",
                              "height", "fps", "evidence_item", "media", "pauses", "turns"})


class PackageError(Exception):
    """One check failed; the message names the member concerned."""


class Unavailable(Exception):
    """A check needs something this Python does not have (`cryptography`, SM3)."""


# Messages: Chinese by default, English with --en (this file cannot use gettext catalogs).
MESSAGES: dict[str, tuple[str, str]] = {
    "verifier": ("校验程序 {name} 的 SHA-256：{sha256}", "verifier {name} SHA-256 {sha256}"),
    "compare": ("（请与出具单位公布的值核对）",
                "(compare it with the value published by the issuing unit)"),
    "package": ("证据包：{path}", "package {path}"),
    "failed": ("未通过  {detail}", "FAILED  {detail}"),
    "cannot": ("未通过  无法检查 {path}：{detail}", "FAILED  cannot check {path}: {detail}"),
    "result_failed": ("结论：证据包未通过校验（被篡改、伪造或损坏）。",
                      "RESULT: the package does NOT verify (altered, forged or damaged)."),
    "result_ok": ("结论：证据包通过校验：每个文件、哈希、签名和证明均成立，且经单位根证书 {root} "
                  "确认来自该单位的电子笔录室终端。",
                  "RESULT: the package verifies: every file, hash, signature and proof holds, "
                  "and it comes from a statement room of the unit whose root is {root}."),
    "result_ok_hq": ("结论：证据包通过校验：每个文件、哈希、签名和证明均成立，且经单位根证书 "
                     "{root} 确认由该单位总部导出（审计事件仍由电子笔录室终端签署的树头证明）。",
                     "RESULT: the package verifies: every file, hash, signature and proof "
                     "holds, and it was exported by the HQ of the unit whose root is {root} "
                     "(the audit events are still proven against the tree head the statement "
                     "room signed)."),
    "result_untrusted": ("结论：能运行的检查均通过，但未能确立信任：不能据此认定证据包真实。",
                         "RESULT: every check that could run holds, but trust was NOT "
                         "established: this does not show the package is authentic."),
    "not_run": ("未运行  {check}", "NOT RUN  {check}"),
    "no_root": ("未提供单位根证书（--root ROOT.pem 或 --root-fingerprint HEX）：设备证书链、绑定"
                "记录和 PDF 签名者的信任无法确立",
                "no unit root given (--root ROOT.pem or --root-fingerprint HEX): the device "
                "certificate chain, the binding record and the PDF's signers cannot be "
                "trusted"),
    "no_crypto": ("本机 Python 没有 cryptography 库：{checks} 未检查",
                  "this Python has no `cryptography` package: {checks} not checked"),
    "crypto_checks": ("审计树头的 Ed25519 签名、设备证书链、绑定记录签名、PDF 签名者的签名及证书链",
                      "the audit tree head's Ed25519 signature, the device certificate chain, "
                      "the binding record's signature, the PDF signers' signatures and "
                      "chains"),
    "no_sm3": ("本机没有 SM3 算法：SM3 清单未检查",
               "no SM3 implementation here: the SM3 manifests were not checked"),
    "usage": ("用法：python3 {name} [--root ROOT.pem | --root-fingerprint HEX] [--en] "
              "[PACKAGE.zip | FOLDER]",
              "usage: python3 {name} [--root ROOT.pem | --root-fingerprint HEX] [--en] "
              "[PACKAGE.zip | FOLDER]"),
    "bad_root": ("无法读取根证书 {path}", "cannot read the root certificate {path}"),
    "bad_fingerprint": ("指纹应为 64 个十六进制字符", "the fingerprint must be 64 hex characters"),
    "evidence_media": ("通过  {path}：案件证据 {count} 项，包内附 {media} 个媒体文件，"
                       "其 SHA-256{sm3}与证据清单一致",
                       "ok  {path}: {count} evidence items, {media} media files included, "
                       "their SHA-256{sm3} match the evidence manifest"),
    "evidence_no_media": ("通过  {path}：案件证据 {count} 项（仅哈希与保管信息）；本包未附媒体文件"
                          "（导出时未加 --with-media），媒体内容未核验",
                          "ok  {path}: {count} evidence items (hashes and custody only); the "
                          "media are not included in this package (exported without "
                          "--with-media), so their content was not checked"),
    "and_sm3": ("、SM3", " and SM3"),
    "ingest_listed": ("通过  {count} 份入库证书与证据清单中的文件及哈希一致",
                      "ok  {count} ingest certificates name the manifest's files and hashes"),
    "ingest_signed": ("通过  {path}：入库证书由审计树头密钥 {key_id} 以 Ed25519 签署（该密钥由绑定"
                      "记录绑定到设备证书）",
                      "ok  {path}: the ingest certificate is signed (Ed25519) by the tree-head "
                      "key {key_id}, which the binding record ties to the device certificate"),
    "ingest_other_key": ("{path}：入库证书由另一设备密钥 {key_id} 签署，本包未绑定该密钥，"
                         "签名未检查",
                         "{path}: the ingest certificate is signed by another device key "
                         "{key_id}, which this package does not bind; its signature was not "
                         "checked"),
    "ingest_no_crypto": ("入库证书的 Ed25519 签名（{count} 份）",
                         "the ingest certificates' Ed25519 signatures ({count})"),
    "ingest_bad_signature": ("{path}：入库证书的签名不成立（证书被改动或伪造）",
                             "{path}: the ingest certificate's signature does not verify "
                             "(altered or forged)"),
    "evidence_mismatch": ("{path}：与证据清单 {manifest} 中第 {number} 项（{id}）的 {algorithm} "
                          "不一致（媒体文件被替换或改动）",
                          "{path}: its {algorithm} differs from item {number} ({id}) of "
                          "{manifest} (the media file was swapped or altered)"),
    "evidence_cert_mismatch": ("{path}：入库证书未列出证据清单第 {number} 项（{id}）及其 SHA-256",
                               "{path}: the ingest certificate does not list item {number} "
                               "({id}) of the evidence manifest with its SHA-256"),
    "evidence_tag_mismatch": ("{path}：SHA-256 与 {tag} 不一致（证据清单或入库证书被改动）",
                              "{path}: its SHA-256 does not match {tag} (the evidence manifest "
                              "or an ingest certificate was edited)"),
    # The detail of each check: file names, hashes, numbers and field names are placeholders.
    "ok": ("通过  {detail}", "ok  {detail}"),
    "note": ("注意  {detail}", "note  {detail}"),
    "path_detail": ("{path}：{detail}", "{path}: {detail}"),
    "zip_too_large": ("zip：文件大于 {max} 字节，拒绝处理",
                      "zip: larger than {max} bytes; refused"),
    "zip_duplicate": ("zip：成员文件名重复", "zip: duplicate member names"),
    "zip_unreadable": ("zip：无法读取（{error}）", "zip: cannot be read ({error})"),
    "zip_layout": ("zip：文件不符合证据包的固定格式（文件头、顺序或末尾字节被改动）",
                   "zip: the file is not in the package's fixed layout (headers, order or "
                   "trailing bytes changed)"),
    "zip_members": ("zip：含 {count} 个成员文件（至多 {max} 个），疑似压缩炸弹，拒绝处理",
                    "zip: {count} members (at most {max}); refused as a possible zip bomb"),
    "zip_compressed": ("zip：{name} 经过压缩（压缩比 {ratio:.0f}:1），而证据包的成员文件均不压缩"
                       "存储，疑似压缩炸弹，拒绝处理",
                       "zip: {name} is compressed (ratio {ratio:.0f}:1); a package stores its "
                       "members uncompressed; refused as a possible zip bomb"),
    "zip_member_large": ("zip：{name} 大于 {max} 字节，疑似压缩炸弹，拒绝处理",
                         "zip: {name} is larger than {max} bytes; refused as a possible zip "
                         "bomb"),
    "zip_total": ("zip：成员文件声明的字节数超过压缩包本身的大小，疑似压缩炸弹，拒绝处理",
                  "zip: members claim more bytes than the archive holds; refused as a possible "
                  "zip bomb"),
    "not_utf8": ("{name}：不是 UTF-8 编码", "{name}: not UTF-8"),
    "no_newline": ("{name}：末尾缺少换行符", "{name}: does not end with a newline"),
    "manifest_line": ("{name}：第 {number} 行格式错误", "{name}: line {number} is malformed"),
    "manifest_twice": ("{name}：{path} 被重复列出", "{name}: {path} listed twice"),
    "manifest_unsorted": ("{name}：条目未按顺序排列", "{name}: entries are not sorted"),
    "manifest_missing": ("{name}：未列出 {paths}", "{name}: does not list {paths}"),
    "manifest_extra": ("{name}：列出了不应有的文件 {paths}", "{name}: lists unexpected {paths}"),
    "hash_mismatch": ("{path}：{algorithm} 哈希与 {name} 不一致",
                      "{path}: {algorithm} does not match {name}"),
    "ok_manifest": ("{name}：{count} 个 {algorithm} 哈希均一致",
                    "{name}: {count} {algorithm} hashes match"),
    "unlisted": ("{path}：该文件不属于证据包（未列入清单）",
                 "{path}: file not part of the package (unlisted)"),
    "missing": ("{path}：证据包中缺少该文件", "{path}: missing from the package"),
    "missing_listed": ("{path}：证据包中缺少该文件（列于 {manifest}）",
                       "{path}: missing from the package (listed in {manifest})"),
    "not_bagit": ("bagit.txt：不是 BagIt 1.0 声明", "bagit.txt: not a BagIt 1.0 declaration"),
    "ok_layout": ("目录结构：BagIt 1.0，共 {count} 个文件，无未列入清单或缺失的文件",
                  "layout: BagIt 1.0, {count} files, none unlisted or missing"),
    "bag_info_line": ("bag-info.txt：有一行格式错误", "bag-info.txt: malformed line"),
    "oxum": ("bag-info.txt：Payload-Oxum 与载荷文件不一致",
             "bag-info.txt: Payload-Oxum does not match the payload"),
    "no_statement_id": ("bag-info.txt：缺少 Statement-Id", "bag-info.txt: no Statement-Id"),
    "ok_bag_info": ("bag-info.txt：笔录 {statement}，导出时间 {time}",
                    "bag-info.txt: statement {statement}, exported {time}"),
    "not_json": ("{name}：不是有效的 JSON（{error}）", "{name}: not JSON ({error})"),
    "hex": ("{name}：应为 {count} 个小写十六进制字符",
            "{name}: expected {count} lowercase hex characters"),
    "int": ("{name}：应为非负整数", "{name}: expected a non-negative integer"),
    "ascii": ("{path}：{key} 必须为可打印的 ASCII 字符", "{path}: {key} must be printable ASCII"),
    "no_sth": ("{path}：缺少 signed_tree_head 对象", "{path}: no signed_tree_head object"),
    "sth_algorithm": ("{path}：algorithm 必须为 Ed25519", "{path}: algorithm must be Ed25519"),
    "sth_fields": ("{path}：签名树头的字段不正确", "{path}: signed tree head fields are wrong"),
    "key_id": ("{path}：key_id 与公钥不对应", "{path}: key_id does not belong to the public key"),
    "sth_unchecked": ("--  {path}：{count} 个事件，根哈希 {root}（Ed25519 签名未检查）",
                      "--  {path}: {count} events, root {root} (Ed25519 signature not checked)"),
    "sth_signature": ("{path}：树头签名验证不通过",
                      "{path}: the tree head signature does not verify"),
    "ok_tree_head": ("{path}：密钥 {key_id} 对 {count} 个事件（根哈希 {root}）所作的 Ed25519 签名"
                     "验证通过",
                     "{path}: Ed25519 signature by key {key_id} over {count} events, root "
                     "{root}"),
    "no_proofs": ("{path}：缺少 proofs 列表", "{path}: no proofs list"),
    "proofs_size": ("{path}：tree_size 与签名树头不一致",
                    "{path}: tree_size differs from the signed tree head"),
    "proof_entry": ("{path}：有一个条目格式错误", "{path}: malformed entry"),
    "proof_twice": ("{path}：序号 {index} 重复出现", "{path}: index {index} twice"),
    "line_field": ("{path} 第 {number} 行 {field}", "{path} line {number} {field}"),
    "event_field": ("{path} 事件 {index}", "{path} event {index}"),
    "item_field": ("{path} 第 {number} 项 {field}", "{path} item {number} {field}"),
    "event_not_json": ("{path}：第 {number} 行不是有效的 JSON",
                       "{path}: line {number} is not JSON"),
    "event_fields": ("{path}：第 {number} 行的字段不正确",
                     "{path}: line {number} has the wrong fields"),
    "event_order": ("{path}：第 {number} 行顺序错误", "{path}: line {number} is out of order"),
    "leaf_not_text": ("{path}：第 {number} 行的 leaf 不是文本",
                      "{path}: line {number} leaf is not text"),
    "leaf_hash": ("{path}：第 {number} 行的叶哈希与其数据不一致",
                  "{path}: line {number} leaf hash does not match its data"),
    "leaf_not_json": ("{path}：第 {number} 行的 leaf 不是有效的 JSON",
                      "{path}: line {number} leaf is not JSON"),
    "leaf_index": ("{path}：第 {number} 行的 leaf 记载的是另一个序号",
                   "{path}: line {number} leaf names another index"),
    "no_proof": ("{path}：缺少事件 {index} 的包含证明",
                 "{path}: no inclusion proof for event {index}"),
    "proof_leaf": ("{path}：事件 {index} 的证明对应的是另一个叶节点",
                   "{path}: event {index} proof is for another leaf"),
    "proof_path": ("{path}：事件 {index} 缺少证明路径（path）",
                   "{path}: event {index} has no path"),
    "not_included": ("{path}：事件 {index} 未包含在签名树头中（包含证明不成立）",
                     "{path}: event {index} is not included in the signed tree head"),
    "extra_proofs": ("{path}：含有 {events} 中不存在的事件的证明",
                     "{path}: proofs for events not in {events}"),
    "no_events": ("{path}：没有任何事件", "{path}: no events"),
    "ok_events": ("{path}：{count} 个事件，每个叶哈希及包含证明均验证通过",
                  "{path}: {count} events, each leaf hash and inclusion proof verified"),
    "pdf_not_recorded": ("{path}：笔录 {statement} 没有记载其 SHA-256 的 document.signed 事件",
                         "{path}: no document.signed event of statement {statement} names its "
                         "SHA-256"),
    "ok_pdf_recorded": ("{path}：SHA-256 {sha256} 已由 document.signed 事件 #{index} 记录",
                        "{path}: SHA-256 {sha256} recorded by the document.signed event "
                        "#{index}"),
    "ev_not_manifest": ("不是证据清单", "not an evidence manifest"),
    "ev_not_canonical": ("不是规范格式", "not in its canonical form"),
    "ev_malformed": ("格式错误", "malformed"),
    "ev_cert_malformed": ("第 {number} 份入库证书格式错误",
                          "ingest certificate {number} is malformed"),
    "ev_cert_name": ("第 {number} 份入库证书的文件名错误",
                     "ingest certificate {number} has a wrong file name"),
    "ev_item_malformed": ("第 {number} 项格式错误", "item {number} is malformed"),
    "ev_item_media": ("第 {number} 项所指的媒体文件名错误",
                      "item {number} names a wrong media file"),
    "ev_item_docking": ("第 {number} 项所指采集记录的入库证书未列出",
                        "item {number} names a docking whose ingest certificate is not listed"),
    "ev_recording_malformed": ("第 {number} 份录音录像记录格式错误",
                               "recording {number} is malformed"),
    "ev_recording_item": ("第 {number} 份录音录像记录所指的媒体不是清单中的视频证据",
                          "recording {number} names media that is not a video item of the "
                          "manifest"),
    "evidence_recordings": ("通过  {path}：同步录音录像 {count} 份，各自对应清单中的视频证据"
                            "（SHA-256、大小、媒体文件）",
                            "ok  {path}: {count} interview recordings, each bound to a video "
                            "item of the manifest (SHA-256, size, media file)"),
    "not_ingest_cert": ("{path}：不是采集记录 {docking} 的入库证书",
                        "{path}: not the ingest certificate of docking {docking}"),
    "cms_length": ("CMS：不支持的长度编码", "CMS: unsupported length"),
    "cms_truncated": ("CMS：数据被截断", "CMS: truncated"),
    "cms_no_signer": ("CMS：没有签名者信息", "CMS: no signer"),
    "cms_digest_algorithm": ("CMS：不支持的摘要算法", "CMS: unsupported digest algorithm"),
    "cms_no_attributes": ("CMS：没有签名属性", "CMS: no signed attributes"),
    "cms_digest": ("被签名的字节与签名中的消息摘要不一致（PDF 被篡改）",
                   "the signed bytes do not match the signature's message digest (the PDF was "
                   "altered)"),
    "cms_signature": ("CMS 签名无法用其携带的任何证书验证通过",
                      "the CMS signature does not verify with any certificate it carries"),
    "cms_chain": ("签名者 {subject} 的证书链不能追溯到所给的单位根证书",
                  "the signer {subject} does not chain to the given unit root"),
    "cms_forged": ("签名证书链中有一张证书是伪造的",
                   "a certificate in the signature's chain is forged"),
    "not_pdf": ("{name}：不是 PDF 文件", "{name}: not a PDF"),
    "no_signatures": ("{name}：没有任何签名", "{name}: carries no signatures"),
    "pdf_object": ("对象 {number}", "object {number}"),
    "byte_range": ("{name}：签名 {field} 的字节范围（ByteRange）格式错误",
                   "{name}: signature {field} has a malformed byte range"),
    "signature_detail": ("{name}：签名 {field}：{detail}", "{name}: signature {field}: {detail}"),
    "signature_unreadable": ("{name}：签名 {field} 无法读取（{error}）",
                             "{name}: signature {field} cannot be read ({error})"),
    "not_whole_file": ("{name}：最后一个签名未覆盖整个文件（其后还有 {count} 字节）",
                       "{name}: the last signature does not cover the whole file ({count} bytes "
                       "after it)"),
    "fields_not_signed": ("{name}：以下签名域未签署：{fields}",
                          "{name}: signature fields not signed: {fields}"),
    "wrong_role_officer": ("{name}：签名域 {field} 由 {subject} 的证书签署，该证书不是执法人员"
                           "本人的证书",
                           "{name}: field {field} is signed with the certificate of {subject}, "
                           "which is not an officer's own certificate"),
    "wrong_role_seal": ("{name}：签章 {field} 由 {subject} 的证书签署，该证书不是单位印章证书",
                        "{name}: the seal {field} is signed with the certificate of {subject}, "
                        "which is not the unit seal's certificate"),
    "signature_order": ("{name}：认证签名（Certification）须在最前、签章（Seal）须在最后"
                        "（实际顺序：{order}）",
                        "{name}: the certification must come first and the seal last (found "
                        "{order})"),
    "no_signature": ("{name}：缺少 {required} 签名", "{name}: no {required} signature"),
    "ok_pdf_signatures": ("{name}：{count} 个签名（{order}）均验证通过，每个均可追溯到单位根证书，"
                          "最后一个覆盖整个文件",
                          "{name}: {count} signatures ({order}) verify, each chains to the unit "
                          "root, the last covers the whole file"),
    "ok_pdf_structure": ("{name}：{count} 个签名（{order}）齐全且顺序正确，每个签名所覆盖字节的摘要"
                         "均一致，最后一个覆盖整个文件；签名者本身未核验",
                         "{name}: {count} signatures ({order}) are all there in order, the bytes "
                         "each covers match its message digest, the last covers the whole file; "
                         "who signed was not checked"),
    "not_pem": ("{name}：不是 PEM 格式的证书", "{name}: not PEM certificates"),
    "no_certificate": ("{name}：没有证书", "{name}: no certificate"),
    "no_device_certificate": ("{path}：没有设备证书", "{path}: no device certificate"),
    "not_issued": ("{path}：{subject} 并非由 {issuer} 签发：设备证书链不能追溯到所给的单位根证书",
                   "{path}: {subject} is not issued by {issuer}: the device certificate does "
                   "not chain to the given unit root"),
    "validity": ("{subject} 的有效期为 {start} 至 {end}，而树头日期为 {at}（证书的使用在签名时"
                 "已检查）",
                 "{subject} valid {start} to {end}, the tree head dated {at} (certificate use "
                 "is checked when signing)"),
    "not_binding": ("{path}：不是绑定记录", "{path}: not a binding record"),
    "not_canonical": ("{path}：不是规范格式", "{path}: not in its canonical form"),
    "binding_differs": ("{path}：{key} 与证据包（{tree_head} 或 bag-info.txt）不一致",
                        "{path}: {key} differs from the package ({tree_head} or bag-info.txt)"),
    "binding_tags": ("{path}：未同时记载两个标签清单", "{path}: does not name both tag manifests"),
    "tag_differs": ("{name}：其 SHA-256 与已签名的 {binding} 不一致",
                    "{name}: its SHA-256 differs from the signed {binding}"),
    "ok_binding": ("{path}：记载了树头密钥 {key_id}、签名树头及两个标签清单的 SHA-256",
                   "{path}: names the tree-head key {key_id}, the signed head and the SHA-256 "
                   "of both tag manifests"),
    "binding_device": ("{path}：记载的是另一张设备证书",
                       "{path}: names another device certificate"),
    "binding_signature": ("{path}：设备证书对绑定记录的签名验证不通过",
                          "{path}: the device certificate's signature of the binding record "
                          "does not verify"),
    "ok_binding_signed": ("{path}：由设备证书 {subject} 签署（证据包由电子笔录室终端导出）",
                          "{path}: signed by the device certificate {subject} (the package was "
                          "exported by the statement room)"),
    "ok_binding_signed_hq": ("{path}：由总部导出证书 {subject} 签署（证据包由总部依据终端上报的"
                             "数据组装；审计树头仍为终端自己的签名）",
                             "{path}: signed by HQ's export certificate {subject} (the package "
                             "was assembled at HQ from what the device sent; the audit tree "
                             "head is still the device's own signature)"),
    "binding_signer_kind": ("{path}：签署绑定记录的证书 {subject} 既不是设备证书，也不是总部导出"
                            "证书",
                            "{path}: the certificate {subject} that signed the binding record "
                            "is neither a device certificate nor HQ's export certificate"),
    "export_source": ("bag-info.txt：Export-Source 为 {stated}，而绑定记录由{signer}签署",
                      "bag-info.txt: Export-Source says {stated}, but the binding record is "
                      "signed by {signer}"),
    "signer_device": ("设备证书", "a device certificate"),
    "signer_hq": ("总部导出证书", "HQ's export certificate"),
    "ok_chain": ("{path}：设备证书链可追溯到单位根证书 {subject}",
                 "{path}: the device certificate chains to the unit root {subject}"),
    "ok_chain_hq": ("{path}：总部导出证书链可追溯到单位根证书 {subject}",
                    "{path}: HQ's export certificate chains to the unit root {subject}"),
    "no_fingerprint": ("{path}：包内没有指纹为 {fingerprint} 的证书",
                       "{path}: no certificate in the package has the given fingerprint "
                       "{fingerprint}"),
    "bad_root_certificate": ("--root：所给文件不是证书", "--root: not a certificate"),
}
LANGUAGE = ["zh"]


def message(key: str, /, **values: object) -> str:
    zh, en = MESSAGES[key]
    return (en if LANGUAGE[0] == "en" else zh).format(**values)


def fail(key: str, /, **values: object) -> PackageError:
    """A failed check, its detail in the chosen language."""
    return PackageError(message(key, **values))


def ok(key: str, /, **values: object) -> str:
    """A report line of a check that holds."""
    return message("ok", detail=message(key, **values))


def join(items: Sequence[str]) -> str:
    return ("、" if LANGUAGE[0] == "zh" else ", ").join(items)


def digest(algorithm: str, data: bytes) -> str:
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    if algorithm == "sm3":
        try:
            return hashlib.new("sm3", data).hexdigest()
        except ValueError:  # this OpenSSL has no SM3
            pass
        if not HAVE_CRYPTOGRAPHY:
            raise Unavailable("sm3")
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize().hex()
    raise ValueError(f"unknown algorithm {algorithm}")


def sm3_available() -> bool:
    try:
        digest("sm3", b"")
    except Unavailable:
        return False
    return True


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
    if len(raw) > MAX_ZIP_BYTES:
        raise fail("zip_too_large", max=MAX_ZIP_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            check_bomb(infos, len(raw))
            names = archive.namelist()
            if len(set(names)) != len(names):
                raise fail("zip_duplicate")
            members = {name: archive.read(name) for name in names}
    except PackageError:
        raise
    except Exception as exc:  # a damaged zip fails in many ways; each is a failed check
        raise fail("zip_unreadable", error=exc) from exc
    if write_zip(members) != raw:
        raise fail("zip_layout")
    return members


def check_bomb(infos: Sequence[zipfile.ZipInfo], archive_size: int) -> None:
    """Refuse, before inflating anything, what could be a zip bomb: a package's members are
    stored uncompressed, few, and together no larger than the archive."""
    if len(infos) > MAX_MEMBERS:
        raise fail("zip_members", count=len(infos), max=MAX_MEMBERS)
    total = 0
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
            ratio = info.file_size / max(info.compress_size, 1)
            raise fail("zip_compressed", name=info.filename, ratio=ratio)
        if info.file_size > MAX_MEMBER_BYTES:
            raise fail("zip_member_large", name=info.filename, max=MAX_MEMBER_BYTES)
        total += info.file_size
    if total > archive_size:
        raise fail("zip_total")


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
        raise fail("not_utf8", name=name) from exc


def parse_manifest(name: str, text: str) -> dict[str, str]:
    """Entries of a manifest, which must be in canonical form (sorted, two spaces, LF)."""
    if not text.endswith("\n"):
        raise fail("no_newline", name=name)
    entries: dict[str, str] = {}
    for number, line in enumerate(text[:-1].split("\n"), 1):
        match = _MANIFEST_LINE.fullmatch(line)
        if match is None:
            raise fail("manifest_line", name=name, number=number)
        path = match.group(2)
        if path in entries:
            raise fail("manifest_twice", name=name, path=path)
        entries[path] = match.group(1)
    if list(entries) != sorted(entries):
        raise fail("manifest_unsorted", name=name)
    return entries


def check_manifest(members: dict[str, bytes], name: str, algorithm: str,
                   expected: Sequence[str], report: list[str]) -> None:
    entries = parse_manifest(name, _text(members, name))
    missing = sorted(set(expected) - set(entries))
    extra = sorted(set(entries) - set(expected))
    if missing:
        raise fail("manifest_missing", name=name, paths=join(missing))
    if extra:
        raise fail("manifest_extra", name=name, paths=join(extra))
    for path, value in entries.items():
        if digest(algorithm, members[path]) != value:
            raise fail("hash_mismatch", path=path, algorithm=algorithm, name=name)
    report.append(ok("ok_manifest", name=name, count=len(entries), algorithm=algorithm))


def check_layout(members: dict[str, bytes], report: list[str],
                 evidence_files: Sequence[str] = ()) -> None:
    names = set(members)
    expected = {*ALL_MEMBERS, *evidence_files}
    extra = sorted(names - expected)
    missing = sorted(expected - names)
    if extra:
        raise fail("unlisted", path=extra[0])
    if missing:
        if missing[0] in evidence_files:
            raise fail("missing_listed", path=missing[0], manifest=EVIDENCE_MANIFEST_PATH)
        raise fail("missing", path=missing[0])
    if members["bagit.txt"] != BAGIT_TXT:
        raise fail("not_bagit")
    report.append(ok("ok_layout", count=len(members)))


def bag_info(members: dict[str, bytes], payload: Sequence[str] = PAYLOAD) -> dict[str, str]:
    text = _text(members, "bag-info.txt")
    info: dict[str, str] = {}
    if not text.endswith("\n"):
        raise fail("no_newline", name="bag-info.txt")
    for line in text[:-1].split("\n"):
        label, sep, value = line.partition(": ")
        if not sep or not label or label in info:
            raise fail("bag_info_line")
        info[label] = value
    oxum = f"{sum(len(members[p]) for p in payload)}.{len(payload)}"
    if info.get("Payload-Oxum") != oxum:
        raise fail("oxum")
    if not info.get("Statement-Id"):
        raise fail("no_statement_id")
    return info


def _json(members: dict[str, bytes], name: str) -> object:
    try:
        return json.loads(_text(members, name))
    except json.JSONDecodeError as exc:
        raise fail("not_json", name=name, error=exc.msg) from exc


def _hex(name: str, value: object, size: int) -> bytes:
    if not isinstance(value, str) or not re.fullmatch(f"[0-9a-f]{{{2 * size}}}", value):
        raise fail("hex", name=name, count=2 * size)
    return bytes.fromhex(value)


def _int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise fail("int", name=name)
    return value


def tree_head_signing_bytes(sth: dict[str, object]) -> bytes:
    """RFC 8785 canonical JSON of the signed fields (ASCII strings and integers only)."""
    fields = {k: sth[k] for k in ("v", "log_id", "tree_size", "root_hash", "timestamp_ms")}
    for key in ("log_id",):
        value = fields[key]
        if not isinstance(value, str) or not value.isascii() or not value.isprintable():
            raise fail("ascii", path=TREE_HEAD_PATH, key=key)
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")


def check_tree_head(members: dict[str, bytes], report: list[str]) -> tuple[int, bytes]:
    doc = _json(members, TREE_HEAD_PATH)
    if not isinstance(doc, dict) or not isinstance(doc.get("signed_tree_head"), dict):
        raise fail("no_sth", path=TREE_HEAD_PATH)
    if doc.get("algorithm") != "Ed25519":
        raise fail("sth_algorithm", path=TREE_HEAD_PATH)
    sth: dict[str, object] = doc["signed_tree_head"]
    expected = {"v", "log_id", "tree_size", "root_hash", "timestamp_ms", "key_id", "signature"}
    if set(sth) != expected or sth["v"] != 1:
        raise fail("sth_fields", path=TREE_HEAD_PATH)
    public_raw = _hex(f"{TREE_HEAD_PATH} public_key", doc.get("public_key"), 32)
    root = _hex(f"{TREE_HEAD_PATH} root_hash", sth["root_hash"], 32)
    signature = _hex(f"{TREE_HEAD_PATH} signature", sth["signature"], 64)
    tree_size = _int(f"{TREE_HEAD_PATH} tree_size", sth["tree_size"])
    _int(f"{TREE_HEAD_PATH} timestamp_ms", sth["timestamp_ms"])
    key_id = hashlib.sha256(public_raw).hexdigest()[:KEY_ID_HEX_CHARS]
    if sth["key_id"] != key_id:
        raise fail("key_id", path=TREE_HEAD_PATH)
    signed = tree_head_signing_bytes(sth)
    if not HAVE_CRYPTOGRAPHY:
        report.append(message("sth_unchecked", path=TREE_HEAD_PATH, count=tree_size,
                              root=root.hex()))
        return tree_size, root
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, signed)
    except (InvalidSignature, ValueError) as exc:
        raise fail("sth_signature", path=TREE_HEAD_PATH) from exc
    report.append(ok("ok_tree_head", path=TREE_HEAD_PATH, key_id=key_id, count=tree_size,
                     root=root.hex()))
    return tree_size, root


def check_events(members: dict[str, bytes], tree_size: int, root: bytes,
                 statement_id: str, report: list[str]) -> list[dict[str, object]]:
    text = _text(members, EVENTS_PATH)
    if not text.endswith("\n"):
        raise fail("no_newline", name=EVENTS_PATH)
    proofs_doc = _json(members, PROOFS_PATH)
    if not isinstance(proofs_doc, dict) or not isinstance(proofs_doc.get("proofs"), list):
        raise fail("no_proofs", path=PROOFS_PATH)
    if proofs_doc.get("tree_size") != tree_size:
        raise fail("proofs_size", path=PROOFS_PATH)
    proofs: dict[int, dict[str, object]] = {}
    for entry in proofs_doc["proofs"]:
        if not isinstance(entry, dict):
            raise fail("proof_entry", path=PROOFS_PATH)
        index = _int(f"{PROOFS_PATH} index", entry.get("index"))
        if index in proofs:
            raise fail("proof_twice", path=PROOFS_PATH, index=index)
        proofs[index] = entry
    events: list[dict[str, object]] = []
    last = -1
    for number, line in enumerate(text[:-1].split("\n"), 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise fail("event_not_json", path=EVENTS_PATH, number=number) from exc
        if not isinstance(record, dict) or set(record) != {"index", "leaf_hash", "leaf"}:
            raise fail("event_fields", path=EVENTS_PATH, number=number)
        index = _int(message("line_field", path=EVENTS_PATH, number=number, field="index"),
                     record["index"])
        if index <= last:
            raise fail("event_order", path=EVENTS_PATH, number=number)
        last = index
        if not isinstance(record["leaf"], str):
            raise fail("leaf_not_text", path=EVENTS_PATH, number=number)
        leaf = record["leaf"].encode("utf-8")
        stated = _hex(message("line_field", path=EVENTS_PATH, number=number, field="leaf_hash"),
                      record["leaf_hash"], 32)
        if leaf_hash(leaf) != stated:
            raise fail("leaf_hash", path=EVENTS_PATH, number=number)
        try:
            event = json.loads(leaf)
        except json.JSONDecodeError as exc:
            raise fail("leaf_not_json", path=EVENTS_PATH, number=number) from exc
        if not isinstance(event, dict) or event.get("idx") != index:
            raise fail("leaf_index", path=EVENTS_PATH, number=number)
        proof = proofs.pop(index, None)
        if proof is None:
            raise fail("no_proof", path=PROOFS_PATH, index=index)
        if proof.get("leaf_hash") != record["leaf_hash"]:
            raise fail("proof_leaf", path=PROOFS_PATH, index=index)
        path = proof.get("path")
        if not isinstance(path, list):
            raise fail("proof_path", path=PROOFS_PATH, index=index)
        hashes_ = [_hex(message("event_field", path=PROOFS_PATH, index=index), p, 32)
                   for p in path]
        if not verify_inclusion(stated, index, tree_size, hashes_, root):
            raise fail("not_included", path=PROOFS_PATH, index=index)
        events.append(event)
    if proofs:
        raise fail("extra_proofs", path=PROOFS_PATH, events=EVENTS_PATH)
    if not events:
        raise fail("no_events", path=EVENTS_PATH)
    report.append(ok("ok_events", path=EVENTS_PATH, count=len(events)))
    pdf_sha256 = hashlib.sha256(members[PDF_PATH]).hexdigest()
    signed = [e for e in events if e.get("action") == "document.signed"
              and e.get("subject") == statement_id]
    details = signed[-1].get("details") if signed else None
    if not isinstance(details, dict) or details.get("sha256") != pdf_sha256:
        raise fail("pdf_not_recorded", path=PDF_PATH, statement=statement_id)
    report.append(ok("ok_pdf_recorded", path=PDF_PATH, sha256=pdf_sha256,
                     index=signed[-1].get("idx")))
    return events


# The case's evidence ------------------------------------------------------------------------


@dataclass
class Evidence:
    """The evidence manifest's items and ingest certificates, and the files it names."""

    items: list[dict[str, object]]
    certificates: list[dict[str, str]]
    media_included: bool
    tag_files: list[str]
    media: list[str]
    recordings: list[dict[str, object]] = field(default_factory=list)


def _evidence_error(key: str, /, **values: object) -> PackageError:
    return fail("path_detail", path=EVIDENCE_MANIFEST_PATH, detail=message(key, **values))


def _item_field(number: int, name: str) -> str:
    return message("item_field", path=EVIDENCE_MANIFEST_PATH, number=number, field=name)


def _check_tag_hash(members: dict[str, bytes], name: str) -> None:
    """Name an edited evidence file before its listing shapes the expected layout."""
    tag = TAG_MANIFESTS[0]
    try:
        listed = parse_manifest(tag, _text(members, tag)).get(name)
    except (KeyError, PackageError):
        return  # the tag manifest check reports it
    if name in members and listed is not None and listed != digest("sha256", members[name]):
        raise PackageError(message("evidence_tag_mismatch", path=name, tag=tag))


def evidence_files(members: dict[str, bytes]) -> Evidence:
    """Parse the evidence manifest: which ingest certificates and media the package holds."""
    if EVIDENCE_MANIFEST_PATH not in members:
        return Evidence([], [], False, [], [])  # the layout check reports it missing
    _check_tag_hash(members, EVIDENCE_MANIFEST_PATH)
    doc = _json(members, EVIDENCE_MANIFEST_PATH)
    if not isinstance(doc, dict) or set(doc) - {RECORDINGS_KEY} != EVIDENCE_FIELDS \
            or doc["v"] != 1 or doc["format"] != EVIDENCE_FORMAT:
        raise _evidence_error("ev_not_manifest")
    if members[EVIDENCE_MANIFEST_PATH] != canonical(doc):
        raise _evidence_error("ev_not_canonical")
    items, certificates, included = doc["items"], doc["ingest_certificates"], \
        doc["media_included"]
    if not isinstance(items, list) or not isinstance(certificates, list) \
            or not isinstance(included, bool):
        raise _evidence_error("ev_malformed")
    tag_files: list[str] = []
    dockings: set[str] = set()
    for number, cert in enumerate(certificates, 1):
        if not isinstance(cert, dict) or set(cert) != INGEST_FIELDS \
                or not all(isinstance(v, str) for v in cert.values()):
            raise _evidence_error("ev_cert_malformed", number=number)
        match = _INGEST_NAME.fullmatch(cert["certificate"])
        if match is None or match.group(1) != cert["docking"] or cert["docking"] in dockings \
                or cert["signature"] != f"{INGEST_PREFIX}{cert['docking']}.sig":
            raise _evidence_error("ev_cert_name", number=number)
        dockings.add(cert["docking"])
        tag_files += [cert["certificate"], cert["signature"]]
    media: set[str] = set()
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or set(item) != ITEM_FIELDS:
            raise _evidence_error("ev_item_malformed", number=number)
        _hex(_item_field(number, "sha256"), item["sha256"], 32)
        if item["sm3"] is not None:
            _hex(_item_field(number, "sm3"), item["sm3"], 32)
        _int(_item_field(number, "size"), item["size"])
        path = item["media"]
        match = _MEDIA_NAME.fullmatch(path) if isinstance(path, str) else None
        if match is None or match.group(1) != item["sha256"]:
            raise _evidence_error("ev_item_media", number=number)
        if item["docking"] is not None and item["docking"] not in dockings:
            raise _evidence_error("ev_item_docking", number=number)
        if included:
            media.add(str(path))
    for name in tag_files:
        _check_tag_hash(members, name)
    return Evidence(items, certificates, included, sorted(tag_files), sorted(media),
                    _recordings(doc.get(RECORDINGS_KEY, []), items))


def _recordings(recordings: object, items: list[dict[str, object]]) -> list[dict[str, object]]:
    """The statement's recordings: each with media names a video item by SHA-256, size and
    media file (an interruption before anything was kept names none)."""
    if not isinstance(recordings, list):
        raise _evidence_error("ev_malformed")
    videos = {(item["sha256"], item["size"], item["media"]) for item in items
              if item["kind"] == "video"}
    for number, recording in enumerate(recordings, 1):
        if not isinstance(recording, dict) or set(recording) != RECORDING_FIELDS \
                or not isinstance(recording["pauses"], list) \
                or not isinstance(recording["turns"], list):
            raise _evidence_error("ev_recording_malformed", number=number)
        if recording["sha256"] is None:
            continue
        if (recording["sha256"], recording["size"], recording["media"]) not in videos:
            raise _evidence_error("ev_recording_item", number=number)
    return recordings


def check_evidence(members: dict[str, bytes], evidence: Evidence, verdict: Verdict) -> None:
    """The media (when included) match the manifest; each ingest certificate lists its items
    and, with `cryptography`, carries the tree-head key's Ed25519 signature."""
    listed: dict[str, set[tuple[object, object]]] = {}
    for cert in evidence.certificates:
        path = cert["certificate"]
        parsed = _json(members, path)
        if not isinstance(parsed, dict) or parsed.get("format") != INGEST_FORMAT \
                or parsed.get("docking") != cert["docking"] \
                or not isinstance(parsed.get("files"), list):
            raise fail("not_ingest_cert", path=path, docking=cert["docking"])
        if digest("sha256", members[path]) != cert["sha256"]:
            raise PackageError(message("evidence_tag_mismatch", path=path,
                                       tag=EVIDENCE_MANIFEST_PATH))
        listed[cert["docking"]] = {(f.get("id"), f.get("sha256")) for f in parsed["files"]
                                   if isinstance(f, dict)}
    sm3 = sm3_available()
    for number, item in enumerate(evidence.items, 1):
        docking = item["docking"]
        if isinstance(docking, str) and (item["id"], item["sha256"]) not in listed[docking]:
            raise PackageError(message("evidence_cert_mismatch", number=number, id=item["id"],
                                       path=f"{INGEST_PREFIX}{docking}.json"))
        if not evidence.media_included:
            continue
        path = str(item["media"])
        data = members[path]
        checks = [("size", str(item["size"]), str(len(data))),
                  ("SHA-256", item["sha256"], digest("sha256", data))]
        if sm3 and item["sm3"] is not None:
            checks.append(("SM3", item["sm3"], digest("sm3", data)))
        for algorithm, expected, actual in checks:
            if expected != actual:
                raise PackageError(message("evidence_mismatch", path=path, number=number,
                                           id=item["id"], algorithm=algorithm,
                                           manifest=EVIDENCE_MANIFEST_PATH))
    count = len(evidence.items)
    if evidence.media_included:
        verdict.lines.append(message("evidence_media", path=EVIDENCE_MANIFEST_PATH, count=count,
                                     media=len(evidence.media),
                                     sm3=message("and_sm3") if sm3 else ""))
    else:
        verdict.lines.append(message("evidence_no_media", path=EVIDENCE_MANIFEST_PATH,
                                     count=count))
    if evidence.recordings:
        verdict.lines.append(message("evidence_recordings", path=EVIDENCE_MANIFEST_PATH,
                                     count=len(evidence.recordings)))
    if not evidence.certificates:
        return
    verdict.lines.append(message("ingest_listed", count=len(evidence.certificates)))
    if not HAVE_CRYPTOGRAPHY:
        verdict.not_run.append(message("ingest_no_crypto", count=len(evidence.certificates)))
        return
    head = _json(members, TREE_HEAD_PATH)
    assert isinstance(head, dict)
    public_raw = _hex(f"{TREE_HEAD_PATH} public_key", head.get("public_key"), 32)
    key_id = hashlib.sha256(public_raw).hexdigest()[:KEY_ID_HEX_CHARS]
    key = Ed25519PublicKey.from_public_bytes(public_raw)
    for cert in evidence.certificates:
        path = cert["certificate"]
        if cert["signing_key_id"] != key_id:
            verdict.lines.append(message("note", detail=message("ingest_other_key", path=path,
                                                                key_id=cert["signing_key_id"])))
            continue
        try:
            key.verify(members[cert["signature"]], members[path])
        except (InvalidSignature, ValueError) as exc:
            raise PackageError(message("ingest_bad_signature", path=path)) from exc
        verdict.lines.append(message("ingest_signed", path=path, key_id=key_id))


# The PDF's signatures, without pyHanko -------------------------------------------------------
# A small DER reader for CMS SignedData (RFC 5652), and the signature dictionaries found by
# their /ByteRange. It checks: the byte ranges leave out exactly each /Contents and the last
# one ends at the end of the file; each CMS messageDigest matches its byte range and its
# signature verifies with a certificate carried in it that chains to the unit root; every
# signature field but the witness's is filled, the certification first and the seal last.

OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
DIGESTS = {"2.16.840.1.101.3.4.2.1": "sha256", "2.16.840.1.101.3.4.2.2": "sha384",
           "2.16.840.1.101.3.4.2.3": "sha512"}
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
_OBJECT = re.compile(rb"(\d+)\s+0\s+obj\b(.*?)\bendobj", re.S)
_FIELD_NAME = re.compile(rb"/T\s*\(([A-Za-z0-9]+)\)")
_FIELD_VALUE = re.compile(rb"/V\s+(\d+)\s+0\s+R")


def der(data: bytes, at: int = 0) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at `at`."""
    tag = data[at]
    length = data[at + 1]
    start = at + 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise fail("cms_length")
        length = int.from_bytes(data[start:start + count], "big")
        start += count
    end = start + length
    if end > len(data):
        raise fail("cms_truncated")
    return tag, start, end


def der_children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, element start, content start, content end) of each element in [start, end)."""
    out = []
    while start < end:
        tag, content, stop = der(data, start)
        out.append((tag, start, content, stop))
        start = stop
    return out


def der_oid(data: bytes) -> str:
    first = data[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    value = 0
    for byte in data[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _hash(name: str, data: bytes) -> bytes:
    return hashlib.new(name, data).digest()


@dataclass(frozen=True)
class CmsSignature:
    """One CMS SignedData, parsed with the standard library alone."""

    certificates: list[bytes]  # DER, as carried
    digest_name: str
    signed_attributes: bytes  # the DER SET the signature is over
    signature: bytes


def read_cms(cms: bytes, signed: bytes) -> CmsSignature:
    """Parse one CMS SignedData and check that its message digest is that of `signed` (the
    bytes its byte range covers): the standard library suffices, so an altered PDF fails
    even without `cryptography`."""
    _tag, start, end = der(cms)
    explicit = der_children(cms, start, end)[1]
    _t, sd_start, sd_end = der(cms, explicit[2])
    parts = der_children(cms, sd_start, sd_end)
    certs: list[bytes] = []
    signer_infos = None
    for index, (tag, _first, content, stop) in enumerate(parts):
        if tag == 0xA0:
            certs = [cms[a:b] for _t2, a, _c, b in der_children(cms, content, stop)
                     if _t2 == 0x30]
        elif tag == 0x31 and signer_infos is None and index > 1:
            signer_infos = (content, stop)
    if signer_infos is None:
        raise fail("cms_no_signer")
    (info,) = [c for c in der_children(cms, *signer_infos)]
    fields = der_children(cms, info[2], info[3])
    digest_alg = fields[2]
    _t, oid_start, oid_end = der(cms, digest_alg[2])
    digest_name = DIGESTS.get(der_oid(cms[oid_start:oid_end]))
    if digest_name is None:
        raise fail("cms_digest_algorithm")
    attrs = fields[3]
    if attrs[0] != 0xA0:
        raise fail("cms_no_attributes")
    message_digest = None
    for _ta, _a, a_content, a_stop in der_children(cms, attrs[2], attrs[3]):
        oid_el, values = der_children(cms, a_content, a_stop)
        if der_oid(cms[oid_el[2]:oid_el[3]]) == OID_MESSAGE_DIGEST:
            (value,) = der_children(cms, values[2], values[3])
            message_digest = cms[value[2]:value[3]]
    if message_digest != _hash(digest_name, signed):
        raise fail("cms_digest")
    signature_el = fields[5]
    return CmsSignature(certs, digest_name, b"\x31" + cms[attrs[1] + 1:attrs[3]],
                        cms[signature_el[2]:signature_el[3]])


def check_cms(cms: bytes, signed: bytes, root: x509.Certificate) -> x509.Certificate:
    """Verify one CMS SignedData over `signed`; its signer certificate, chained to `root`."""
    parsed = read_cms(cms, signed)
    certs = [x509.load_der_x509_certificate(der_cert) for der_cert in parsed.certificates]
    to_verify, signature = parsed.signed_attributes, parsed.signature
    algorithm = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
                 "sha512": hashes.SHA512()}[parsed.digest_name]
    signer = None
    for cert in certs:
        public = cert.public_key()
        try:
            if isinstance(public, ec.EllipticCurvePublicKey):
                public.verify(signature, to_verify, ec.ECDSA(algorithm))
            elif isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, to_verify, padding.PKCS1v15(), algorithm)
            else:
                continue
        except InvalidSignature:
            continue
        signer = cert
        break
    if signer is None:
        raise fail("cms_signature")
    path = [signer]
    while True:
        current = path[-1]
        try:
            current.verify_directly_issued_by(root)
            return signer
        except (ValueError, TypeError, InvalidSignature):
            pass
        issuers = [c for c in certs if c.subject == current.issuer and c not in path]
        if not issuers or len(path) > 8:
            raise fail("cms_chain", subject=signer.subject.rfc4514_string())
        try:
            current.verify_directly_issued_by(issuers[0])
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise fail("cms_forged") from exc
        path.append(issuers[0])


def _objects(pdf: bytes) -> dict[int, tuple[int, bytes]]:
    """The last definition of each plain object: number -> (offset, body)."""
    found: dict[int, tuple[int, bytes]] = {}
    for match in _OBJECT.finditer(pdf):
        found[int(match.group(1))] = (match.start(), match.group(2))
    return found


# Which certificate may sign which field: the rules `desktop.documents.certcheck` applies at
# import, restated here because this script stands alone. Every login opens the device key,
# so an officer's field or the seal signed with it (or with another role's key) must fail.
FIELD_ROLES = {"Interviewer1": "officer", "Interviewer2": "officer", "Recorder": "officer",
               "Seal": "seal"}
ROLE_EXTENSION_OID = "2.25.28683661531268330255528533512285135431.1"
DEVICE_PREFIX = "电子笔录室终端 "
# The binding's signer (decision 36): the statement room itself, or the unit's HQ, which
# builds the package from what the device sent and signs with a certificate of this role.
HQ_EXPORT_ROLE = "hq-export"
SIGNER_DEVICE, SIGNER_HQ = "device", "hq"


def fits_role(certificate: x509.Certificate, role: str) -> bool:
    """Whether `certificate` was issued for `role` ('officer' or 'seal')."""
    for extension in certificate.extensions:
        if extension.oid.dotted_string == ROLE_EXTENSION_OID:
            raw = getattr(extension.value, "value", b"")
            return bool(len(raw) >= 2 and raw[0] == 0x0C and raw[1] == len(raw) - 2
                        and raw[2:] == role.encode("utf-8"))
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if names and str(names[0].value).startswith(DEVICE_PREFIX):
        return False
    return role != "officer" or bool(
        certificate.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER))


def check_pdf_signatures(pdf: bytes, root: x509.Certificate | None) -> list[str]:
    """Every signature of the statement PDF, checked as far as the standard library and
    `cryptography` allow (no PDF parser: pyHanko is not at hand). The layout, the expected
    signature set and order, and each signature's message digest against the bytes it
    covers need only the standard library and are always checked; each signer's signature
    and chain only with `root` (which needs `cryptography`)."""
    name = PDF_PATH
    if not pdf.startswith(b"%PDF-"):
        raise fail("not_pdf", name=name)
    objects = _objects(pdf)
    signatures: dict[int, tuple[int, int, int, int]] = {}
    for number, (_offset, body) in objects.items():
        match = _BYTE_RANGE.search(body)
        if match and b"/Contents" in body:
            signatures[number] = tuple(int(v) for v in match.groups())  # type: ignore[assignment]
    if not signatures:
        raise fail("no_signatures", name=name)
    fields: dict[str, int | None] = {}
    for _number, (_offset, body) in objects.items():
        if b"/FT" in body and b"/Sig" in body:
            named = _FIELD_NAME.search(body)
            if named:
                value = _FIELD_VALUE.search(body)
                fields[named.group(1).decode()] = int(value.group(1)) if value else None
    by_object = {v: k for k, v in fields.items() if v is not None}
    ordered = sorted(signatures.items(), key=lambda item: item[1][2] + item[1][3])
    names: list[str] = []
    signers: list[tuple[str, x509.Certificate]] = []  # checked ones (with a root)
    end_of_file = len(pdf.rstrip(b"\r\n"))
    for number, (a, b, c, d) in ordered:
        field_name = by_object.get(number, message("pdf_object", number=number))
        if a != 0 or not b < c or pdf[b:b + 1] != b"<" or pdf[c - 1:c] != b">":
            raise fail("byte_range", name=name, field=field_name)
        cms = bytes.fromhex(pdf[b + 1:c - 1].decode("ascii"))
        try:
            if root is None:
                read_cms(cms, pdf[a:b] + pdf[c:c + d])
            else:
                signers.append((field_name, check_cms(cms, pdf[a:b] + pdf[c:c + d], root)))
        except PackageError as exc:
            raise fail("signature_detail", name=name, field=field_name, detail=exc) from exc
        except Exception as exc:  # a malformed CMS blob
            raise fail("signature_unreadable", name=name, field=field_name,
                       error=repr(exc)) from exc
        names.append(field_name)
    last_end = ordered[-1][1][2] + ordered[-1][1][3]
    if len(pdf[:last_end].rstrip(b"\r\n")) != end_of_file:
        raise fail("not_whole_file", name=name, count=len(pdf) - last_end)
    empty = [f for f, v in sorted(fields.items()) if v is None and f != "Witness"]
    party = [f for f in fields if re.fullmatch(r"Party[0-9]+", f)]
    if party and all(fields[f] is None for f in party):
        empty = [f for f in empty if f not in party]  # a refusal: no party signs
    if empty:
        raise fail("fields_not_signed", name=name, fields=join(empty))
    order = names
    if order[0] != "Certification" or order[-1] != "Seal":
        raise fail("signature_order", name=name, order=join(order))
    for required in ("Interviewer1", "Interviewer2", "Recorder"):
        if required not in order:
            raise fail("no_signature", name=name, required=required)
    for field_name, signer in signers:
        role = FIELD_ROLES.get(field_name)
        if role is not None and not fits_role(signer, role):
            raise fail("wrong_role_" + role, name=name, field=field_name,
                       subject=signer.subject.rfc4514_string())
    return [ok("ok_pdf_signatures" if root is not None else "ok_pdf_structure", name=name,
               count=len(names), order=join(order))]


@dataclass
class Verdict:
    """What the checks found: report lines, checks not run, and whether trust holds."""

    lines: list[str] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)
    trusted: bool = False
    root_fingerprint: str | None = None
    signer: str | None = None  # who signed the binding: SIGNER_DEVICE or SIGNER_HQ


def _pem_certificates(members: dict[str, bytes], name: str) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(members[name])
    except ValueError as exc:
        raise fail("not_pem", name=name) from exc
    if not certs:
        raise fail("no_certificate", name=name)
    return certs


def _verify_with(public: object, signature: bytes, data: bytes) -> None:
    """Raise InvalidSignature unless `signature` by `public` (EC or RSA, SHA-256/384)."""
    if isinstance(public, ec.EllipticCurvePublicKey):
        public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise InvalidSignature("unsupported key type")


def check_chain(chain: Sequence[x509.Certificate], root: x509.Certificate,
                at: datetime, notes: list[str]) -> None:
    """Each certificate issued by the next, the last by `root`; a certificate not valid at
    `at` (the tree head's time, from the device's own clock) is noted, not refused."""
    path = [*chain]
    if path and path[-1] == root:
        path = path[:-1]
    if not path:
        raise fail("no_device_certificate", path=CHAIN_PATH)
    for cert, issuer in zip(path, [*path[1:], root], strict=True):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise fail("not_issued", path=CHAIN_PATH, subject=cert.subject.rfc4514_string(),
                       issuer=issuer.subject.rfc4514_string()) from exc
        if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
            notes.append(message("validity", subject=cert.subject.rfc4514_string(),
                                 start=f"{cert.not_valid_before_utc:%Y-%m-%d}",
                                 end=f"{cert.not_valid_after_utc:%Y-%m-%d}", at=f"{at:%Y-%m-%d}"))


def signer_kind(certificate: x509.Certificate) -> str | None:
    """Who may sign a binding record: a statement room's device certificate (its CN prefix,
    no role extension), or HQ's export certificate (role "hq-export", decision 36); None for
    any other certificate (an officer's, the seal's)."""
    role = None
    for extension in certificate.extensions:
        if extension.oid.dotted_string == ROLE_EXTENSION_OID:
            role = getattr(extension.value, "value", b"")
    if role is not None:
        return SIGNER_HQ if role == _utf8(HQ_EXPORT_ROLE) else None
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if names and str(names[0].value).startswith(DEVICE_PREFIX):
        return SIGNER_DEVICE
    return None


def _utf8(text: str) -> bytes:
    """The DER UTF8String of a short role name."""
    raw = text.encode("utf-8")
    return bytes([0x0C, len(raw)]) + raw


def check_binding(members: dict[str, bytes], info: dict[str, str],
                  root: x509.Certificate | None, verdict: Verdict) -> None:
    """The binding record: signed by the device certificate, naming the tree-head key, the
    signed head and both tag manifests; with a root, that certificate chains to it."""
    record = _json(members, BINDING_PATH)
    if not isinstance(record, dict) or set(record) != BINDING_FIELDS or record["v"] != 1 \
            or record["purpose"] != BINDING_PURPOSE:
        raise fail("not_binding", path=BINDING_PATH)
    if members[BINDING_PATH] != canonical(record):
        raise fail("not_canonical", path=BINDING_PATH)
    head = _json(members, TREE_HEAD_PATH)
    assert isinstance(head, dict)
    sth = head["signed_tree_head"]
    expected = {"tree_head_key": head["public_key"], "tree_head_key_id": sth["key_id"],
                "log_id": sth["log_id"], "tree_size": sth["tree_size"],
                "root_hash": sth["root_hash"], "timestamp_ms": sth["timestamp_ms"],
                "statement_id": info["Statement-Id"]}
    for key, value in expected.items():
        if record[key] != value:
            raise fail("binding_differs", path=BINDING_PATH, key=key, tree_head=TREE_HEAD_PATH)
    tags = record["tagmanifests"]
    if not isinstance(tags, dict) or set(tags) != set(TAG_MANIFESTS):
        raise fail("binding_tags", path=BINDING_PATH)
    for name in TAG_MANIFESTS:
        if tags[name] != hashlib.sha256(members[name]).hexdigest():
            raise fail("tag_differs", name=name, binding=BINDING_PATH)
    verdict.lines.append(ok("ok_binding", path=BINDING_PATH, key_id=sth["key_id"]))
    if not HAVE_CRYPTOGRAPHY:
        return
    chain = _pem_certificates(members, CHAIN_PATH)
    device = chain[0]
    if record["device_certificate_sha256"] != hashlib.sha256(
            device.public_bytes(Encoding.DER)).hexdigest():
        raise fail("binding_device", path=BINDING_PATH)
    try:
        _verify_with(device.public_key(), members[BINDING_SIG_PATH], members[BINDING_PATH])
    except (InvalidSignature, ValueError) as exc:
        raise fail("binding_signature", path=BINDING_SIG_PATH) from exc
    subject = device.subject.rfc4514_string()
    kind = signer_kind(device)
    if kind is None:
        raise fail("binding_signer_kind", path=BINDING_SIG_PATH, subject=subject)
    stated = info.get("Export-Source", SIGNER_DEVICE)
    if stated != kind:
        raise fail("export_source", stated=stated, signer=message("signer_" + kind))
    verdict.signer = kind
    hq = kind == SIGNER_HQ
    verdict.lines.append(ok("ok_binding_signed_hq" if hq else "ok_binding_signed",
                            path=BINDING_SIG_PATH, subject=subject))
    if root is None:
        return
    at = datetime.fromtimestamp(int(sth["timestamp_ms"]) / 1000, tz=UTC)
    notes: list[str] = []
    check_chain(chain, root, at, notes)
    verdict.lines.extend(message("note", detail=note) for note in notes)
    verdict.trusted = True
    verdict.lines.append(ok("ok_chain_hq" if hq else "ok_chain", path=CHAIN_PATH,
                            subject=root.subject.rfc4514_string()))


def canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def _package_root(members: dict[str, bytes], fingerprint: str) -> x509.Certificate:
    for cert in _pem_certificates(members, ROOT_PATH):
        if hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest() == fingerprint:
            return cert
    raise fail("no_fingerprint", path=ROOT_PATH, fingerprint=fingerprint)


def verify_members(members: dict[str, bytes], root: bytes | None = None,
                   root_fingerprint: str | None = None) -> Verdict:
    """Every check on a package's members; raises PackageError at the first failure.

    `root` is the unit root certificate (PEM or DER) given by the person checking;
    `root_fingerprint` its SHA-256 (hex), to find among the package's trust roots.
    """
    verdict = Verdict()
    report = verdict.lines
    evidence = evidence_files(members)
    check_layout(members, report, [*evidence.tag_files, *evidence.media])
    tag_files = (*TAG_FILES, *evidence.tag_files)
    payload = (*PAYLOAD, *evidence.media)
    sm3 = sm3_available()
    for algorithm, tag_manifest in zip(ALGORITHMS, TAG_MANIFESTS, strict=True):
        if algorithm == "sm3" and not sm3:
            continue
        check_manifest(members, tag_manifest, algorithm, tag_files, report)
    for algorithm, manifest in zip(ALGORITHMS, MANIFESTS, strict=True):
        if algorithm == "sm3" and not sm3:
            continue
        check_manifest(members, manifest, algorithm, payload, report)
    if not sm3:
        verdict.not_run.append(message("no_sm3"))
    info = bag_info(members, payload)
    report.append(ok("ok_bag_info", statement=info["Statement-Id"],
                     time=info.get("Export-Time", "?")))
    tree_size, head_root = check_tree_head(members, report)
    check_events(members, tree_size, head_root, info["Statement-Id"], report)
    check_evidence(members, evidence, verdict)
    trusted_root: x509.Certificate | None = None
    if HAVE_CRYPTOGRAPHY and root is not None:
        try:
            trusted_root = (x509.load_pem_x509_certificate(root) if b"-----BEGIN" in root
                            else x509.load_der_x509_certificate(root))
        except ValueError as exc:
            raise fail("bad_root_certificate") from exc
    elif HAVE_CRYPTOGRAPHY and root_fingerprint is not None:
        trusted_root = _package_root(members, root_fingerprint.lower())
    if trusted_root is not None:
        verdict.root_fingerprint = hashlib.sha256(
            trusted_root.public_bytes(Encoding.DER)).hexdigest()
    check_binding(members, info, trusted_root, verdict)
    report.extend(check_pdf_signatures(members[PDF_PATH], trusted_root))
    if not HAVE_CRYPTOGRAPHY:
        verdict.not_run.append(message("no_crypto", checks=message("crypto_checks")))
        verdict.trusted = False
    elif trusted_root is None:
        verdict.not_run.append(message("no_root"))
    return verdict


def verify_path(path: Path, root: bytes | None = None,
                root_fingerprint: str | None = None) -> Verdict:
    members = read_folder(path) if path.is_dir() else read_zip(path.read_bytes())
    return verify_members(members, root, root_fingerprint)


def _parse_args(args: list[str]) -> tuple[Path | None, bytes | None, str | None] | None:
    target: Path | None = None
    root: bytes | None = None
    fingerprint: str | None = None
    while args:
        arg = args.pop(0)
        if arg == "--en":
            LANGUAGE[0] = "en"
        elif arg in ("--root", "--root-fingerprint") and args:
            value = args.pop(0)
            if arg == "--root":
                try:
                    root = Path(value).read_bytes()
                except OSError:
                    print(message("bad_root", path=value), file=sys.stderr)
                    return None
            else:
                if not re.fullmatch(r"[0-9a-fA-F]{64}", value.replace(":", "")):
                    print(message("bad_fingerprint"), file=sys.stderr)
                    return None
                fingerprint = value.replace(":", "").lower()
        elif arg.startswith("-") or target is not None:
            return None
        else:
            target = Path(arg)
    return target, root, fingerprint


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--en" in args:
        LANGUAGE[0] = "en"
    parsed = None if any(a in ("-h", "--help") for a in args) else _parse_args(args)
    if parsed is None:
        print(message("usage", name=VERIFIER_NAME), file=sys.stderr)
        return EXIT_USAGE
    target_arg, root, fingerprint = parsed
    own = Path(__file__).resolve()
    target = target_arg if target_arg is not None else own.parent
    print(message("verifier", name=VERIFIER_NAME,
                  sha256=hashlib.sha256(own.read_bytes()).hexdigest()))
    print("  " + message("compare"))
    print(message("package", path=target))
    try:
        verdict = verify_path(target, root, fingerprint)
    except PackageError as exc:
        print(message("failed", detail=exc))
        print(message("result_failed"))
        return EXIT_FAILED
    except Exception as exc:  # anything unforeseen is a failure, never a pass
        print(message("cannot", path=target, detail=repr(exc)))
        print(message("result_failed"))
        return EXIT_FAILED
    for line in verdict.lines:
        print(line)
    for check in verdict.not_run:
        print(message("not_run", check=check))
    if verdict.trusted and not verdict.not_run:
        print(message("result_ok_hq" if verdict.signer == SIGNER_HQ else "result_ok",
                      root=verdict.root_fingerprint))
        return EXIT_OK
    print(message("result_untrusted"))
    return EXIT_UNTRUSTED


if __name__ == "__main__":
    sys.exit(main())
