"""The verification verdict of a statement, recomputed at HQ from what HQ holds.

A verdict copied from the client would prove nothing: HQ reads the signed PDF it received
(from its blob store, in memory) and runs the desktop's own verifier (`verification.pdf`,
decision 0035) with HQ's trust: the unit root HQ holds as the unit CA (`hq.unit_ca`, decision
26) and the certificates HQ revoked (`device_certificates`, and the ``revocations`` dataset it
published). Beyond the signatures it checks what only HQ can: the content digest the PDF
prints (`verification.printed`) is that of the statement content HQ received, and the device
that sent the PDF is the device whose certificate (issued by HQ at its enrolment) certified
it.

`statement_verdict` is what the supervision room's statement page shows, through the
template partial ``_verdict.html``: a Chinese summary and one check per line. None means HQ
cannot judge yet (no signed PDF received). An HQ that holds no unit CA cannot say whether
the signatures chain to the unit: the verdict says which trust is missing.

Verifying a statement costs pyHanko's validation of every signature (measured on a shared
machine: about 95 ms CPU, 120 ms wall, for a refused statement's five signatures, and 190 ms CPU
for eight; a kept verdict about 0.5 ms), so verdicts are kept per process, keyed by what they
depend on: the PDF's and the content's SHA-256, the sending device, the root and the
revocation state. Revoking a certificate changes the key, so the next view recomputes;
nothing needs invalidating by hand and several HQ processes never disagree for longer than a
view.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hq.refdata import current_versions
from hq.revocations import NAME as REVOCATIONS
from hq.revocations import listed_revocations
from hq.state import HQState, now_ms
from hq.unit_ca import fingerprint, load_ca
from hq.web.render import when
from sync.protocol.records import RecordKind
from sync.protocol.statement import StatementContent
from verification.certificates import common_name
from verification.errors import VerificationError
from verification.pdf import (
    CERTIFY_FIELD,
    PARTY_FIELD,
    SignatureReport,
    VerificationReport,
    verify_pdf,
)
from verification.printed import printed_statement

__all__ = ["Verdict", "VerdictCheck", "document_verdict", "judge_pdf", "statement_verdict"]

CACHE_SIZE = 256  # verdicts kept per process (a statement page shows one)


@dataclass(frozen=True)
class VerdictCheck:
    """One check and its outcome, in the room's words (Chinese)."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Verdict:
    ok: bool  # every check passed
    summary: str
    checks: tuple[VerdictCheck, ...]
    computed_ms: int  # when HQ computed it (ms since the epoch)


@dataclass(frozen=True)
class _Trust:
    """What HQ trusts now: its unit root (None: it holds none) and what it revoked."""

    root: x509.Certificate | None
    problem: str | None  # why the root could not be read
    revoked_rows: tuple[tuple[str, int, str], ...]  # (serial, revoked ms, PEM) HQ revoked
    published: str | None  # SHA-256 of the latest published revocations dataset

    @property
    def key(self) -> tuple[object, ...]:
        """What a verdict depends on, for the cache (no certificate parsed)."""
        return (None if self.root is None else fingerprint(self.root), self.problem,
                tuple(row[:2] for row in self.revoked_rows), self.published)


_cache: OrderedDict[tuple[object, ...], Verdict] = OrderedDict()
_cache_lock = threading.Lock()


def _record(state: HQState, kind: RecordKind, statement_id: str,
            device: str | None = None) -> tuple[str, str] | None:
    """(device, sha256) of the latest ``kind`` record of the statement (``device``'s first)."""
    rows = state.db.all("SELECT device, sha256, received_ms FROM records WHERE kind = ? AND "
                        "entity_id = ? ORDER BY received_ms DESC", (kind.value, statement_id))
    rows.sort(key=lambda r: r["device"] != device)  # stable: the sender's own first
    return (str(rows[0]["device"]), str(rows[0]["sha256"])) if rows else None


def _read(state: HQState, sha256: str) -> bytes:
    return b"".join(state.blobs.read(sha256))  # in memory: never a plaintext file


def _trust(state: HQState) -> _Trust:
    try:
        ca = load_ca(state.config.data_dir)
        root, problem = (None if ca is None else ca.certificate), None
    except (ValueError, OSError) as exc:
        root, problem = None, f"局机关的单位根证书无法读取（{exc}）"
    rows = state.db.all("SELECT serial, revoked_ms, certificate FROM device_certificates "
                        "WHERE revoked_ms IS NOT NULL ORDER BY serial")
    published = current_versions(state.db).get(REVOCATIONS)
    return _Trust(root, problem, tuple((str(r["serial"]), int(r["revoked_ms"]),
                                        str(r["certificate"])) for r in rows),
                  None if published is None else published[0].sha256)


def _sha256_of_pem(pem: str) -> str:
    der = x509.load_pem_x509_certificate(pem.encode("ascii")).public_bytes(
        serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def _revoked(state: HQState, trust: _Trust) -> tuple[dict[str, str], str | None]:
    """Certificate SHA-256 -> when HQ revoked it (as shown): the published ``revocations``
    (hand-made entries included) and every device certificate HQ marked revoked; and why the
    published list could not be read, if it could not."""
    revoked: dict[str, str] = {}
    problem = None
    if trust.published is not None:
        try:
            for entry in listed_revocations(state):
                revoked[str(entry["sha256"]).lower()] = str(entry.get("revoked_at") or "此前")
        except (ValueError, KeyError) as exc:
            problem = f"局机关发布的吊销列表无法读取（{type(exc).__name__}）"
    for _serial, revoked_ms, pem in trust.revoked_rows:
        revoked[_sha256_of_pem(pem)] = when(revoked_ms)
    return revoked, problem


def _issued_to(state: HQState, device: str) -> set[str]:
    """SHA-256 of every certificate HQ issued to ``device``."""
    return {_sha256_of_pem(str(row["certificate"])) for row in state.db.all(
        "SELECT certificate FROM device_certificates WHERE device = ?", (device,))}


def _issued_to_whom(state: HQState, certificate_sha256: str) -> str | None:
    """The device HQ issued the certificate of this SHA-256 to, if HQ issued it."""
    for row in state.db.all("SELECT device, certificate FROM device_certificates"):
        if _sha256_of_pem(str(row["certificate"])) == certificate_sha256:
            return str(row["device"])
    return None


def statement_verdict(state: HQState, statement_id: str) -> Verdict | None:
    """The verdict on ``statement_id``'s signed PDF, or None while HQ cannot judge it."""
    pdf = _record(state, RecordKind.STATEMENT_PDF, statement_id)
    if pdf is None:
        return None
    sender, pdf_sha256 = pdf
    content = _record(state, RecordKind.STATEMENT, statement_id, sender)
    trust = _trust(state)
    key = (state.hq_id, statement_id, pdf_sha256, content, sender, trust.key)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        data = _read(state, pdf_sha256)
    except Exception as exc:  # missing, altered at rest, or the object store unreachable:
        # said on the page, and not kept (the next view tries again)
        return _verdict([VerdictCheck("签名PDF", False, f"局机关保存的PDF无法读取（"
                                      f"{type(exc).__name__}）")])
    verdict = _judge(state, statement_id, sender, data, content, trust)
    with _cache_lock:
        _cache[key] = verdict
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return verdict


def judge_pdf(state: HQState, statement_id: str, data: bytes, sender: str) -> Verdict:
    """The verdict on ``data`` as the signed PDF of ``statement_id`` sent by the device
    ``sender``, against HQ's trust and the statement content HQ holds (not cached): for a
    copy brought to HQ from elsewhere, such as a court's."""
    content = _record(state, RecordKind.STATEMENT, statement_id, sender)
    return _judge(state, statement_id, sender, data, content, _trust(state))


def _without_root(trust: _Trust, other: VerdictCheck) -> Verdict:
    """The verdict on a signed PDF (a statement's or a penalty document's) while HQ holds no
    unit root to trace its signatures to: that, and the one check that needs no root."""
    missing = trust.problem or ("局机关未持有单位根证书（管理员尚未执行 statement-room-hq "
                                "ca init 或 ca import），无法判断签名能否追溯到本单位")
    return _verdict([VerdictCheck("信任根", False, missing), other],
                    "无法验证签名：局机关缺少单位根证书这一信任根。")


def _judge(state: HQState, statement_id: str, sender: str, data: bytes,
           content: tuple[str, str] | None, trust: _Trust) -> Verdict:
    digest = _digest_check(state, statement_id, data, content)
    if trust.root is None:
        return _without_root(trust, digest)
    try:
        report = verify_pdf(data, [trust.root])
    except VerificationError:
        return _verdict([VerdictCheck("签名PDF", False, "局机关收到的文件不是可读的PDF文档"),
                         digest])
    sha256 = hashlib.sha256(data).hexdigest()
    return _verdict([
        VerdictCheck("签名PDF", True, f"局机关保存的签名PDF（SHA-256 {sha256[:16]}…），"
                     f"共 {len(report.signatures)} 个签名"),
        _integrity(report), _chain(report, trust.root), _completeness(report),
        _revocation(report, *_revoked(state, trust)), digest, _device(state, report, sender)])


def _verdict(checks: list[VerdictCheck], summary: str | None = None) -> Verdict:
    failed = [c.name for c in checks if not c.ok]
    if summary is None:
        summary = ("验证通过：签名完整有效，证书可追溯到单位根证书且未被吊销，内容与局机关收到的"
                   "笔录一致，由发送终端签署。" if not failed else
                   "验证未通过：" + "、".join(failed) + "未通过。")
    return Verdict(not failed, summary, tuple(checks), now_ms())


_FIELD_WORDS = {"Certification": "终端认证签名", "Seal": "单位印章", "Declaration": "当事人声明",
                "Receipt": "受送达人签收", "Officer1": "执法人员一", "Officer2": "执法人员二",
                "Officer3": "执法人员三",
                "Interviewer1": "询问人一", "Interviewer2": "询问人二", "Recorder": "记录人",
                "Witness": "见证人"}


def _field(name: str) -> str:
    party = PARTY_FIELD.fullmatch(name)
    return f"当事人签名（第{party.group(1)}页）" if party else _FIELD_WORDS.get(name, name)


def _integrity(report: VerificationReport) -> VerdictCheck:
    """The bytes: every signature intact and valid, nothing after them unexplained."""
    problems = []
    for sig in report.signatures:
        if not sig.intact:
            problems.append(f"「{_field(sig.field_name)}」签名后字节被改动")
        elif not sig.valid:
            problems.append(f"「{_field(sig.field_name)}」签名值无效")
        elif sig.coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION") or sig.docmdp_ok is False:
            problems.append(f"「{_field(sig.field_name)}」签名后文档被以不允许的方式修改")
    if not report.signatures:
        problems.append("文件不含任何签名")
    if report.trailing_bytes:
        problems.append(f"文件末尾（最后的 %%EOF 之后）有 {report.trailing_bytes} 字节不在任何签名"
                        "范围内")
    if report.unexplained_revisions:
        revisions = "、".join(str(r + 1) for r in report.unexplained_revisions)
        problems.append(f"第 {revisions} 次增量更新无法由任何签名或验证数据解释")
    problems += [f"文档时间戳「{t.field_name}」不成立" for t in report.timestamps
                 if not t.bottom_line]
    if problems:
        return VerdictCheck("文件完整性", False, "；".join(problems))
    return VerdictCheck("文件完整性", True, "每个签名覆盖的字节均未改动，签名后无未说明的修改")


def _chain(report: VerificationReport, root: x509.Certificate) -> VerdictCheck:
    """Trust: every signer chains to HQ's unit root, with the certificate its field needs."""
    problems = []
    for sig in report.signatures:
        if not (sig.intact and sig.valid):
            continue  # the integrity check names it
        if not sig.trusted:
            problems.append(f"「{_field(sig.field_name)}」的签名者 {sig.signer} 不能追溯到单位"
                            "根证书（或证书已过期）")
        elif sig.timestamped and not (sig.timestamp_valid and sig.timestamp_trusted):
            problems.append(f"「{_field(sig.field_name)}」的时间戳无效或不可信")
        elif sig.problem is not None and sig.coverage in ("ENTIRE_FILE", "ENTIRE_REVISION") \
                and sig.docmdp_ok is not False:
            problems.append(f"「{_field(sig.field_name)}」由 {sig.signer} 的证书签署，该证书不"
                            "是该签名域所需用途（执法人员或单位印章）的证书")
    root_words = f"单位根证书「{common_name(root)}」（SHA-256 {fingerprint(root)[:16]}…）"
    if problems:
        return VerdictCheck("证书信任", False, "；".join(problems) + f"。信任根：{root_words}")
    return VerdictCheck("证书信任", True, f"每个签名者的证书均由{root_words}签发，用途相符")


def _completeness(report: VerificationReport) -> VerdictCheck:
    if report.complete is None:
        return VerdictCheck("签名齐全", False, "文件不是本系统的笔录（没有笔录的签名域）")
    if report.missing_fields:
        names = "、".join(_field(n) for n in report.missing_fields)
        return VerdictCheck("签名齐全", False, f"以下签名域未签署：{names}")
    if not report.complete:
        return VerdictCheck("签名齐全", False, "单位印章不是最后一个签名，或未锁定文档")
    refusal = "（当事人拒绝签名，已载明）" if report.refusal else ""
    return VerdictCheck("签名齐全", True,
                        f"应签的签名域均已签署，单位印章最后签署并锁定文档{refusal}")


def _revocation(report: VerificationReport, revoked: dict[str, str],
                problem: str | None) -> VerdictCheck:
    found = [f"「{_field(s.field_name)}」的签名证书（{s.signer}）已于 "
             f"{revoked[s.signer_sha256]} 被局机关吊销"
             for s in report.signatures if s.signer_sha256 is not None
             and s.signer_sha256 in revoked]
    if found or problem:
        return VerdictCheck("证书吊销", False, "；".join([*found, *([problem] if problem else [])]))
    return VerdictCheck("证书吊销", True, f"签名证书均不在局机关吊销的 {len(revoked)} 张证书"
                        "之列")


def _digest_check(state: HQState, statement_id: str, data: bytes,
                  content: tuple[str, str] | None) -> VerdictCheck:
    """The content digest the PDF prints against that of the content HQ received."""
    printed = printed_statement(data)
    if printed is None:
        return VerdictCheck("内容摘要", False, "PDF未载明笔录编号和内容摘要")
    if printed.statement_id != statement_id:
        return VerdictCheck("内容摘要", False, f"PDF载明的是另一份笔录（{printed.statement_id}）")
    if content is None:
        return VerdictCheck("内容摘要", False, "局机关尚未收到该笔录的内容，无法比对摘要")
    try:
        held = StatementContent.from_bytes(_read(state, content[1])).digest()
    except Exception as exc:  # as for the PDF: a blob store raises many kinds
        return VerdictCheck("内容摘要", False, f"局机关保存的笔录内容无法读取（"
                            f"{type(exc).__name__}）")
    if held != printed.content_digest:
        return VerdictCheck("内容摘要", False, f"PDF载明的内容摘要 {printed.content_digest[:16]}… "
                            f"与局机关收到的笔录内容摘要 {held[:16]}… 不一致")
    return VerdictCheck("内容摘要", True, f"PDF载明的内容摘要与局机关收到的笔录内容一致"
                        f"（{held[:16]}…）")


def _device(state: HQState, report: VerificationReport, sender: str) -> VerdictCheck:
    """The device that sent the PDF certified it: with a certificate HQ issued it at
    enrolment, or with one the unit issued offline (HQ never saw it: the certificate trust
    check already ties it to the unit root). A certificate HQ issued to another device is a
    failure: one terminal's statement arriving from another."""
    certification: SignatureReport | None = next(
        (s for s in report.signatures if s.field_name == CERTIFY_FIELD), None)
    if certification is None or certification.signer_sha256 is None:
        return VerdictCheck("发送终端", False, "PDF没有可用的终端认证签名")
    if certification.signer_sha256 in _issued_to(state, sender):
        return VerdictCheck("发送终端", True, f"认证签名使用的是局机关签发给发送终端 {sender} 的"
                            "设备证书")
    owner = _issued_to_whom(state, certification.signer_sha256)
    if owner is not None:
        return VerdictCheck("发送终端", False, f"认证签名的证书（{certification.signer}）是局机关"
                            f"签发给另一终端 {owner} 的，却由终端 {sender} 送来")
    return VerdictCheck("发送终端", True, f"认证签名的证书（{certification.signer}）由单位"
                        f"离线签发，未经局机关登记；由终端 {sender} 送来")


def document_verdict(state: HQState, document_id: str, pdf_sha256: str,
                     record_sha256: str | None, sender: str) -> Verdict:
    """The verdict on a penalty document's signed PDF (issue 17, decision 53), as on a
    statement's: every signature intact, chaining to the unit root and not revoked, every
    field signed and the seal last, certified by the device that sent it; and the PDF is
    the one its record (``penalty_document``: kind, number, service) names by SHA-256. Kept
    per process like a statement's, keyed by what it depends on."""
    trust = _trust(state)
    key = ("penalty_document", state.hq_id, document_id, pdf_sha256, record_sha256, sender,
           trust.key)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        data = _read(state, pdf_sha256)
    except Exception as exc:  # as for a statement's PDF: said on the page, not kept
        return _verdict([VerdictCheck("签名PDF", False, f"局机关保存的PDF无法读取（"
                                      f"{type(exc).__name__}）")])
    verdict = _judge_document(state, data, record_sha256, sender, trust)
    with _cache_lock:
        _cache[key] = verdict
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return verdict


def _judge_document(state: HQState, data: bytes, record_sha256: str | None, sender: str,
                    trust: _Trust) -> Verdict:
    sha256 = hashlib.sha256(data).hexdigest()
    if record_sha256 == sha256:
        named = VerdictCheck("文书登记", True, f"PDF与终端登记的文书一致（SHA-256 {sha256[:16]}…）")
    elif record_sha256 is None:
        named = VerdictCheck("文书登记", False, "局机关尚未收到该文书的登记记录")
    else:
        named = VerdictCheck("文书登记", False, f"PDF（SHA-256 {sha256[:16]}…）不是文书登记记录"
                             f"所载的PDF（{record_sha256[:16]}…）")
    if trust.root is None:
        return _without_root(trust, named)
    try:
        report = verify_pdf(data, [trust.root])
    except VerificationError:
        return _verdict([VerdictCheck("签名PDF", False, "局机关收到的文件不是可读的PDF文档"),
                         named])
    checks = [VerdictCheck("签名PDF", True, f"局机关保存的签名PDF（SHA-256 {sha256[:16]}…），"
                           f"共 {len(report.signatures)} 个签名"),
              _integrity(report), _chain(report, trust.root), _completeness(report),
              _revocation(report, *_revoked(state, trust)), named,
              _device(state, report, sender)]
    failed = [c.name for c in checks if not c.ok]
    return _verdict(checks, "验证通过：签名完整有效，证书可追溯到单位根证书且未被吊销，签章齐全，"
                    "与终端登记的文书一致，由发送终端签署。" if not failed else None)
