"""A statement with an interpreter, a minor's guardian and a break, signed end to end: the
signed PDF verifies (pyHanko and poppler's pdfsig), prints the form's fields, carries a true
creation date, and the party's last signature lies right after the declaration."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from cryptography.x509 import load_pem_x509_certificate

from desktop.domain.model import BreakKind, StatementForm, StatementState, TurnKind
from desktop.services import interview, records, signing
from desktop.services.demo_pki import export_trust_root
from tests.conftest import FakeClock, World, make_party, provision_world_keys, sign_as_team
from tests.poppler import poppler_tool
from tests.services.test_signing import all_pages_signed
from verification.pdf import verify_pdf


def test_a_minors_statement_with_interpreter_and_break_signs_and_verifies(
        world: World, clock: FakeClock, tmp_path: Path) -> None:
    store = world.store
    minor = records.record_party(store, replace(make_party("测试少年", "110101201001017613"),
                                                birth_date=date(2010, 1, 1)))
    world.statement = interview.open_statement(
        store, case_id=world.case.id, interviewee_id=minor.id, kind=world.statement.kind,
        place="询问室", interviewers=(world.admin.id, world.second.id),
        recorder_id=world.second.id,
        form=StatementForm(interpreter="测试翻译", interpreter_language="英语",
                           guardian="测试家长", guardian_relation="母亲"))
    for turn in world.statement.turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(store, turn.id, "明白。不申请回避。")
    interview.add_turn(store, world.statement.id, TurnKind.QUESTION, "车是你停的吗？")
    interview.add_turn(store, world.statement.id, TurnKind.ANSWER, "是我停的。")
    clock.advance(minutes=40)
    interview.add_break(store, world.statement.id, BreakKind.REST,
                        clock.now - timedelta(minutes=20), clock.now - timedelta(minutes=5))
    interview.add_turn(store, world.statement.id, TurnKind.QUESTION, "还有补充吗？")
    interview.add_turn(store, world.statement.id, TurnKind.ANSWER, "没有了。")
    interview.start_read_back(store, world.statement.id)
    provision_world_keys(world)
    root = load_pem_x509_certificate(export_trust_root(store, tmp_path).read_bytes())

    before = datetime.now(UTC).replace(microsecond=0)
    rendered = signing.prepare(store, world.statement.id)
    signed = sign_as_team(world, all_pages_signed(world))
    after = datetime.now(UTC)
    assert interview.get(store, world.statement.id).state is StatementState.SEALED

    report = verify_pdf(signed.pdf, [root])
    assert report.bottom_line, report.reasons
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed.pdf)
    if os.environ.get("FORM_PDF_OUT"):  # to look at it: pdftoppm -png -r 60
        Path(os.environ["FORM_PDF_OUT"]).write_bytes(signed.pdf)
    pdfsig = subprocess.run([poppler_tool("pdfsig"), str(path)], capture_output=True,
                            text=True, check=False).stdout
    assert pdfsig.count("Signature is Valid.") == len(report.signatures) >= 6

    text = re.sub(r"\s+", "", subprocess.run(
        [poppler_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"], capture_output=True,
        text=True, check=True).stdout)
    for printed in ("第1次询问", "翻译人员：测试翻译（翻译语种：英语）",
                    "监护人（法定代理人）：测试家长（与被询问人关系：母亲）",
                    "（09:20—09:35休息）", "（以下空白）", "日期：2026年11月27日"):
        assert printed in text, printed

    # The creation date is when the document was rendered for read-back, not a fixed one.
    info = subprocess.run([poppler_tool("pdfinfo"), "-isodates", str(path)],
                          capture_output=True, text=True, check=True).stdout
    found = re.search(r"^CreationDate:\s+(\S+?)([+-]\d\d)?$", info, re.MULTILINE)
    assert found, info
    created = datetime.fromisoformat(found.group(1)).replace(
        tzinfo=timezone(timedelta(hours=int(found.group(2) or 0))))
    assert before - timedelta(seconds=1) <= created <= after

    # The party's signature on the last page is the box right after the declaration.
    last = rendered.page_count - 1
    [(_page, _x, decl_y, _w, _h)] = rendered.signature_boxes["declaration"]
    [(page, _x, y, _w, h)] = rendered.signature_boxes["party"][-1:]
    assert page == last and y + h < decl_y and decl_y - (y + h) < 20
    names = [s.field_name for s in report.signatures]
    assert f"Party{last + 1}" in names
