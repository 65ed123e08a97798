"""The verdict HQ recomputes on a signed statement (hq/verdicts.py), as the supervisor reads it.

On a store made with `statement-room init` (the unit's own CA, every key imported), synced to
a real HQ process on both lanes:

- enrolled while HQ holds no unit CA, the first statement's verdict says which trust is
  missing (the unit root), while the content digest already matches;
- once HQ imported the unit's root and the room re-enrolled (its device certificate now from
  HQ), a second statement's verdict holds with every check passing; the first now fails
  only the sending-device check (its certificate was not HQ's issue);
- the same PDF with one byte changed fails the integrity check, naming the altered field;
  one whose printed content digest is not that of the content HQ received fails the digest
  check;
- after HQ revokes the device, the verdict (cached before) fails the revocation check.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils import generic as _generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from hq.state import HQState
from hq.verdicts import Verdict, judge_pdf, statement_verdict
from sync.protocol.records import RecordKind
from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import (
    ADMIN,
    CA_PASS,
    login,
    ok,
    set_up_unit,
)
from tests.cli.test_sync_cli import signed_statement
from tests.documents.test_verify import flip_one_byte
from tests.support.hq_server import RunningHQ

generic: Any = _generic  # pyHanko's PDF object model is untyped

CHECKS = ("签名PDF", "文件完整性", "证书信任", "签名齐全", "证书吊销", "内容摘要", "发送终端")


def another_statement(store: Path) -> str:
    """A second statement of the case `signed_statement` opened, read back and signed the
    same way (the party refuses, a witness signs); its id."""
    return signed_statement(store, new_case=False, party="测试人乙", phone="13900000002",
                            answer="清楚。", witness="见证人丙")


def enrol(store: Path, hq: RunningHQ) -> str:
    """`statement-room sync enrol` with a new code; the device id."""
    enrolled = ok(run_cli("sync", "enrol", "--workdir", str(store), "--hq", hq.url, "--code",
                          hq.enrol_code(), "--json", env=login(ADMIN)))
    return str(last_json(enrolled.stdout)["device"])


def sync(store: Path) -> None:
    ok(run_cli("sync", "--workdir", str(store), "--json", env=login(ADMIN)))


def checks(verdict: Verdict | None) -> dict[str, tuple[bool, str]]:
    assert verdict is not None
    return {c.name: (c.ok, c.detail) for c in verdict.checks}


def held_pdf(state: HQState, statement: str) -> bytes:
    row = state.db.one("SELECT sha256 FROM records WHERE kind = ? AND entity_id = ?",
                       (RecordKind.STATEMENT_PDF.value, statement))
    assert row is not None
    return b"".join(state.blobs.read(str(row["sha256"])))


def claim_another_digest(data: bytes, statement: str) -> bytes:
    """An incremental update whose document subject prints another content digest."""
    writer: Any = IncrementalPdfFileWriter(io.BytesIO(data))
    info = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Subject"): generic.TextStringObject(f"SR1:{statement}:{'ab' * 32}"),
        generic.NameObject("/Producer"): generic.TextStringObject("Statement Room")}))
    writer.set_info(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_hq_recomputes_the_verdict_with_its_own_trust(tmp_path: Path,
                                                      hq_server: RunningHQ) -> None:
    store, ca = set_up_unit(tmp_path)
    device = enrol(store, hq_server)  # HQ holds no unit CA yet
    first = signed_statement(store)
    sync(store)
    state = hq_server.open_state()
    try:
        assert statement_verdict(state, "no-such-statement") is None
        untrusted = statement_verdict(state, first)
        assert untrusted is not None and not untrusted.ok
        assert "缺少单位根证书" in untrusted.summary
        seen = checks(untrusted)
        assert seen["信任根"][0] is False and "ca init 或 ca import" in seen["信任根"][1]
        assert seen["内容摘要"][0] is True  # what needs no trust is still checked

        # HQ takes the unit's root; a new code brings the room HQ's device certificate.
        passphrase = tmp_path / "passphrase"
        passphrase.write_text(CA_PASS + "\n")
        imported = hq_server.admin("ca", "import", str(ca / "root.key.json"),
                                   "--passphrase-file", str(passphrase))
        assert imported.returncode == 0, imported.stderr
        assert enrol(store, hq_server) == device
        second = another_statement(store)
        sync(store)

        verdict = statement_verdict(state, second)
        assert verdict is not None and verdict.ok, verdict
        assert verdict.summary.startswith("验证通过")
        assert tuple(checks(verdict)) == CHECKS
        assert all(passed for passed, _detail in checks(verdict).values())
        assert "电子笔录签名根证书" in checks(verdict)["证书信任"][1]
        assert device in checks(verdict)["发送终端"][1]
        assert "当事人拒绝签名" in checks(verdict)["签名齐全"][1]
        assert statement_verdict(state, second) is verdict  # kept while nothing changed

        # The first statement was certified with the device certificate the unit issued
        # offline: it chains to the root; HQ says it never registered it.
        before = checks(statement_verdict(state, first))
        assert all(passed for passed, _detail in before.values()), before
        assert "由单位离线签发，未经局机关登记" in before["发送终端"][1]
        # The certificate HQ issued this device, on a PDF another device sends: refused.
        other = "0123456789abcdef"
        relayed = checks(judge_pdf(state, second, held_pdf(state, second), other))
        assert [name for name, (passed, _d) in relayed.items() if not passed] == ["发送终端"]
        assert f"签发给另一终端 {device} 的，却由终端 {other} 送来" in relayed["发送终端"][1]

        # One byte changed after signing: every signature's bytes are altered.
        pdf = held_pdf(state, second)
        altered = judge_pdf(state, second, flip_one_byte(pdf), device)
        assert not altered.ok and "文件完整性" in altered.summary
        passed, detail = checks(altered)["文件完整性"]
        assert not passed and "「终端认证签名」签名后字节被改动" in detail

        # A copy printing another content digest than the content HQ received.
        claimed = judge_pdf(state, second, claim_another_digest(pdf, second), device)
        assert not claimed.ok
        passed, detail = checks(claimed)["内容摘要"]
        assert not passed and "abababababababab" in detail and "不一致" in detail
        assert "增量更新" in checks(claimed)["文件完整性"][1]  # and the update itself shows

        # HQ revokes the device: the next view recomputes and names the revocation.
        assert hq_server.admin("revoke-device", device).returncode == 0
        revoked = statement_verdict(state, second)
        assert revoked is not None and not revoked.ok
        assert revoked.summary == "验证未通过：证书吊销未通过。"
        passed, detail = checks(revoked)["证书吊销"]
        assert not passed and "「终端认证签名」" in detail and "被局机关吊销" in detail
    finally:
        state.close()
