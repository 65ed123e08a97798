"""Statement PDFs: text extractable, fonts embedded, clean pagination, boxes and QR per page.

The statements are synthetic domain objects (no store). The checks read the PDF back with
poppler (pdftotext, pdffonts, pdftoppm), which CI installs.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas

from desktop.documents import render as render_module
from desktop.documents.layout import (
    BODY_LEADING,
    FRAME,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    PARTY_BOX,
    QR_RECT,
    SEPARATOR_Y,
    Rect,
    wrap,
)
from desktop.documents.qr import draw_qr
from desktop.documents.render import (
    BOX_NAMES,
    DECLARATION_BOX,
    RenderedStatement,
    StatementDocument,
    qr_payload,
    render_statement,
)
from desktop.domain.model import (
    Case,
    IdKind,
    Officer,
    OpeningItem,
    Party,
    Sex,
    SignatureRefusal,
    Statement,
    StatementForm,
    StatementKind,
    Turn,
    TurnKind,
)
from desktop.store.statements import content_digest
from tests.poppler import poppler_tool

CST = timezone(timedelta(hours=8))
START = datetime(2026, 11, 27, 9, 0, tzinfo=CST)
STATEMENT_ID = "01936f3a-7c00-7000-8000-000000000001"

OPENING = [
    ("我们是东城区综合行政执法局的执法人员张建国、李明华，执法证号分别为33010012341、"
     "33010012342，现向你出示执法证件，请你过目。你看清楚了吗？", OpeningItem.IDENTIFICATION),
    ("看清楚了。", None),
    ("你有如实回答询问、协助调查的义务，不得作伪证或者隐匿证据；你有陈述和申辩的权利。"
     "你听清楚了吗？", OpeningItem.RIGHTS_NOTICE),
    ("听清楚了。", None),
    ("执法人员与本案有直接利害关系的，你有权申请回避。你是否申请回避？", OpeningItem.RECUSAL),
    ("不申请回避。", None),
]
PHRASES = [
    "2026年11月27日上午8时30分左右，我驾驶车牌号为浙G12345的小型轿车到和平路88号附近办事，",
    "因为附近停车场已满（约有120个车位），我就把车停在了人行道上，",
    "当时没有看到“禁止停车”的标志牌；执法人员到场后向我出示了执法证件，并告知我违停的事实。",
    "我承认当时的行为违反了《城市道路管理条例》的相关规定——对此我没有异议！",
    "车辆登记在我本人名下，行驶证编号为330100-2026-0042，保险单号PICC-ZJ-98765。",
    "我的手机号码是13800001234，平时在滨江区某某科技有限公司上班，月收入约8,500元。",
    "以后我会注意遵守规定，把车停到指定的停车位或者公共停车场里，不再占用人行道。",
    "问我是否知道当天停车的具体位置，我记得是在和平路与解放路交叉口东北角约50米处……",
]



def long_answer(n: int, length: int = 1600) -> str:
    out, i = "", n
    while len(out) < length:
        out += PHRASES[i % len(PHRASES)]
        i += 1
    return out


def officer(n: int, name: str) -> Officer:
    return Officer(id=f"officer-{n}", name=name, certificate_no=f"3301001234{n}",
                   unit="东城区综合行政执法局")


def make_document(qa: list[tuple[str, str]], *, notes: dict[int, str] | None = None,
                  declaration: str | None = "以上笔录我看过，和我说的相符。",
                  refusal: SignatureRefusal | None = None,
                  kind: StatementKind = StatementKind.INQUIRY) -> StatementDocument:
    """A statement of question/answer pairs (plus recorder notes after pair i)."""
    turns: list[Turn] = []
    pairs = [(OPENING[i][0], OPENING[i + 1][0]) for i in range(0, len(OPENING), 2)] + qa
    tags = [OPENING[i][1] for i in range(0, len(OPENING), 2)]
    for i, (question, answer) in enumerate(pairs):
        for kind_, text in ((TurnKind.QUESTION, question), (TurnKind.ANSWER, answer)):
            turns.append(Turn(id=f"turn-{len(turns) + 1}", statement_id=STATEMENT_ID,
                              seq=len(turns) + 1, kind=kind_, text=text,
                              recorded_at=START + timedelta(minutes=len(turns)),
                              tag=tags[i] if i < len(tags) and kind_ is TurnKind.QUESTION
                              else None))
        if notes and i in notes:
            turns.append(Turn(id=f"turn-{len(turns) + 1}", statement_id=STATEMENT_ID,
                              seq=len(turns) + 1, kind=TurnKind.NOTE, text=notes[i],
                              recorded_at=START + timedelta(minutes=len(turns))))
    officers = (officer(1, "张建国"), officer(2, "李明华"), officer(3, "王晓燕"))
    statement = Statement(
        id=STATEMENT_ID, case_id="case-1", kind=kind, place="东城区综合行政执法局询问室1",
        started_at=START, ended_at=START + timedelta(minutes=75),
        interviewer_ids=(officers[0].id, officers[1].id), recorder_id=officers[2].id,
        interviewee_id="party-1", turns=tuple(turns), refusal=refusal)
    party = Party(id="party-1", id_kind=IdKind.RESIDENT_ID, id_number="110101199003071234",
                  name="赵某某", sex=Sex.MALE, nation="汉", birth_date=date(1990, 3, 7),
                  address="北京市东城区某某街道某某胡同12号院3号楼2单元501室",
                  phone="13800001234", workplace="某某科技有限公司")
    case = Case(id="case-1", number="东综执罚〔2026〕第0123号", cause="机动车人行道违法停车",
                matter="人行道违停", place="和平路88号")
    title = tomllib.loads((resources.files("resources.templates") / f"{kind.value}.toml")
                          .read_text("utf-8"))["title"]
    return StatementDocument(statement=statement, case=case, party=party,
                             interviewer1=officers[0], interviewer2=officers[1],
                             recorder=officers[2], unit="东城区综合行政执法局", title=title,
                             content_digest=content_digest(statement), declaration=declaration)


def short_document() -> StatementDocument:
    return make_document([("你今天上午是否把车停在了和平路的人行道上？", "是的，车牌号浙G12345。")],
                         notes={1: "当事人查看现场照片"})


def three_page_document() -> StatementDocument:
    qa = [("请你详细陈述当天的经过。", long_answer(0, 900)),
          ("车辆是谁的？", "是我本人的，登记在我名下。"),
          ("你对违法事实有无异议？", long_answer(3, 700)),
          ("你还有什么要补充的吗？", "没有了。")]
    return make_document(qa, notes={2: "当事人沉默约一分钟"}, declaration=None)


def long_document() -> StatementDocument:
    qa = [(f"第{i + 1}个问题：请你说明相关情况（编号Q-{i + 1:03d}）。", long_answer(i))
          for i in range(17)]
    doc = make_document(qa, notes={5: "当事人要求喝水，询问暂停5分钟"})
    assert len(doc.statement.turns) >= 40
    return doc


# --- poppler ---------------------------------------------------------------------------------

def tool(name: str) -> str:
    return poppler_tool(name)


def run(args: list[str], pdf: bytes, tmp_path: Path) -> str:
    src = tmp_path / "statement.pdf"
    src.write_bytes(pdf)
    to_stdout = ["-"] if args[0] == "pdftotext" else []
    done = subprocess.run([tool(args[0]), *args[1:], str(src), *to_stdout], capture_output=True,
                          check=True)
    return done.stdout.decode("utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    rect: Rect  # PDF points, origin bottom left


def words(pdf: bytes, tmp_path: Path) -> list[Word]:
    xhtml = run(["pdftotext", "-bbox"], pdf, tmp_path)
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    out = []
    for index, page in enumerate(ET.fromstring(xhtml).iter("{http://www.w3.org/1999/xhtml}page")):
        height = float(page.get("height", "0"))
        for w in page.findall("h:word", ns):
            x0, y0, x1, y1 = (float(w.get(k, "0")) for k in ("xMin", "yMin", "xMax", "yMax"))
            out.append(Word(index, w.text or "", Rect(x0, height - y1, x1 - x0, y1 - y0)))
    return out


def body_text(ws: list[Word]) -> str:
    """The text inside the frame of every page, in order (running heads and footers left out)."""
    return "".join(w.text for w in ws if FRAME.contains(w.rect, tolerance=0.5))


def expected_turns(doc: StatementDocument) -> list[str]:
    return [squash(render_module._turn_text(t.kind, t.text)) for t in doc.statement.turns]


@pytest.fixture(scope="module")
def short() -> tuple[StatementDocument, RenderedStatement]:
    doc = short_document()
    return doc, render_statement(doc)


@pytest.fixture(scope="module")
def long() -> tuple[StatementDocument, RenderedStatement]:
    doc = long_document()
    return doc, render_statement(doc)


# --- tests -----------------------------------------------------------------------------------

def test_every_turn_and_the_header_extract_as_text(short: tuple[StatementDocument,
                                                                RenderedStatement],
                                                   tmp_path: Path) -> None:
    doc, out = short
    text = squash(run(["pdftotext", "-enc", "UTF-8"], out.pdf, tmp_path))
    assert "询问笔录" in text
    for turn in doc.statement.turns:
        assert squash(turn.text) in text
    for needed in ("问：你今天上午", "答：是的", "（当事人查看现场照片）", "赵某某",
                   "110101199003071234", "33010012341", "东综执罚〔2026〕第0123号",
                   "机动车人行道违法停车",
                   "2026年11月27日09时00分至2026年11月27日10时15分", "以上笔录我看过",
                   "被询问人签名（捺印）："):
        assert needed in text
    assert f"第1页共{out.page_count}页" in text


def test_fonts_are_all_embedded_and_none_is_a_base14_font(
        long: tuple[StatementDocument, RenderedStatement], tmp_path: Path) -> None:
    listing = run(["pdffonts"], long[1].pdf, tmp_path).splitlines()
    assert listing[0].split()[:2] == ["name", "type"]
    header = listing[0]
    emb = header.index("emb")
    rows = listing[2:]
    assert rows, "no fonts listed"
    for row in rows:
        assert row[emb:emb + 3] == "yes", row
        assert not re.search(r"Helvetica|Times|Courier|Symbol|Zapf", row), row
        assert "WenQuanYiMicroHei" in row


def test_page_numbers_on_every_page(long: tuple[StatementDocument, RenderedStatement],
                                    tmp_path: Path) -> None:
    doc, out = long
    assert out.page_count > 10
    pages = run(["pdftotext", "-enc", "UTF-8"], out.pdf, tmp_path).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == out.page_count
    for n, page in enumerate(pages, start=1):
        assert f"第 {n} 页 共 {out.page_count} 页" in page
        assert f"笔录摘要 {doc.content_digest[:16]}-{n:02d}" in page
        assert "被询问人签名（捺印）：" in page


def test_long_statement_paginates_without_overflow_or_loss(
        long: tuple[StatementDocument, RenderedStatement], tmp_path: Path) -> None:
    doc, out = long
    ws = words(out.pdf, tmp_path)
    assert {w.page for w in ws} == set(range(out.page_count))
    page_rect = Rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT)
    head = squash(f"询问笔录（续）案件编号：{doc.case.number}")
    for w in ws:
        assert page_rect.contains(w.rect), w
        n = w.page + 1
        if FRAME.contains(w.rect, tolerance=0.5):
            continue
        if w.rect.y > FRAME.top:  # the running head of pages 2..N, nothing else
            assert w.page > 0 and squash(w.text) in head, w
        else:  # the footer band below the frame holds only the page furniture
            furniture = squash(f"被询问人签名（捺印）：笔录摘要 {doc.content_digest[:16]}-{n:02d}"
                               f"第 {n} 页 共 {out.page_count} 页")
            assert w.rect.top <= SEPARATOR_Y and squash(w.text) in furniture, w
    body = squash(body_text(ws))
    expected = "".join(expected_turns(doc))
    assert expected in body, "turn text lost or reordered across pages"


def test_lines_never_exceed_the_frame_width() -> None:
    from desktop.documents.fonts import text_width
    from desktop.documents.layout import BODY_SIZE

    text = long_answer(1, 3000) + "A" * 300 + "（" * 5 + "。" * 5 + "浙G12345" * 40
    lines = wrap(text, BODY_SIZE, FRAME.w)
    assert squash("".join(lines)) == squash(text)
    for line in lines:
        assert text_width(line, BODY_SIZE) <= FRAME.w + 1e-6
        assert line[0] not in "，。、；：？！）》”" or set(line) <= set("。")
    assert any("浙G12345" in line for line in lines)


def test_signature_boxes_are_on_the_page_and_clear_of_text(
        long: tuple[StatementDocument, RenderedStatement], tmp_path: Path) -> None:
    _, out = long
    last = out.page_count - 1
    assert set(out.signature_boxes) == set(BOX_NAMES)
    assert [b[0] for b in out.signature_boxes["party"]] == list(range(out.page_count))
    for name in BOX_NAMES[1:]:
        assert [b[0] for b in out.signature_boxes[name]] == [last], name
    page_rect = Rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT)
    ws = words(out.pdf, tmp_path)
    placed = [(page, Rect(x, y, w, h)) for boxes in out.signature_boxes.values()
              for page, x, y, w, h in boxes]
    for page, box in placed:
        assert page_rect.contains(box)
        for word in ws:
            assert not (word.page == page and word.rect.intersects(box)), (box, word)
        for other_page, other in placed:
            assert other is box or other_page != page or not box.intersects(other)
    *footers, (_last, x, y, width, height) = out.signature_boxes["party"]
    for _page, fx, fy, fw, fh in footers:
        assert Rect(fx, fy, fw, fh) == PARTY_BOX
        assert not PARTY_BOX.intersects(FRAME) and not PARTY_BOX.intersects(QR_RECT)
    # The last page's box follows the declaration, inside the frame, as large as the
    # footer's, and above the officers' grid.
    assert FRAME.contains(Rect(x, y, width, height)) and (width, height) == (PARTY_BOX.w,
                                                                              PARTY_BOX.h)
    assert y > out.signature_boxes["interviewer1"][0][2] + 40.0


def test_qr_payload_per_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[str] = []
    def spy(canvas: Canvas, payload: str) -> None:
        seen.append(payload)
        draw_qr(canvas, payload)

    monkeypatch.setattr("desktop.documents.render.draw_qr", spy)
    doc = three_page_document()
    out = render_statement(doc)
    expected = [f"SR1:{STATEMENT_ID}:{doc.content_digest}:{n}/{out.page_count}"
                for n in range(1, out.page_count + 1)]
    assert seen == expected == list(out.qr_payloads)
    assert qr_payload(STATEMENT_ID, doc.content_digest, 1, 3) == (
        f"SR1:{STATEMENT_ID}:{doc.content_digest}:1/3")
    # Every page shows the code: its square is about half dark modules, half light.
    from PIL import Image

    dpi = 72
    src = tmp_path / "qr.pdf"
    src.write_bytes(out.pdf)
    subprocess.run([tool("pdftoppm"), "-png", "-r", str(dpi), str(src), str(tmp_path / "p")],
                   check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == out.page_count
    for image_path in images:
        with Image.open(image_path) as image:
            gray = image.convert("L")
            top = PAGE_HEIGHT - QR_RECT.top
            inner = gray.crop((int(QR_RECT.x + 6), int(top + 6), int(QR_RECT.right - 6),
                               int(top + QR_RECT.h - 6)))
            histogram = inner.histogram()
            dark = sum(histogram[:128]) / sum(histogram)
            assert 0.3 < dark < 0.7, (image_path.name, dark)


def test_three_page_sample_and_blank_declaration(tmp_path: Path) -> None:
    doc = three_page_document()
    out = render_statement(doc)
    assert out.page_count == 3
    text = squash(run(["pdftotext", "-enc", "UTF-8"], out.pdf, tmp_path))
    assert "（由被询问人亲笔书写：以上笔录我看过（或向我宣读过），和我说的相符。）" in text
    assert "（当事人沉默约一分钟）" in text


def test_refusal_kind_wording_and_digest_check(tmp_path: Path) -> None:
    refusal = SignatureRefusal(reason="认为处罚过重", witness_name="孙某某",
                               recorded_at=START + timedelta(minutes=80))
    doc = make_document([("你是否签名？", "我不签。")], refusal=refusal, declaration=None,
                        kind=StatementKind.INSPECTION)
    out = render_statement(doc)
    text = squash(run(["pdftotext", "-enc", "UTF-8"], out.pdf, tmp_path))
    assert "现场检查（勘验）笔录" in text
    assert "当事人拒绝签名，理由：认为处罚过重。见证人：孙某某" in text
    assert "检查人：张建国" in text
    assert "孙某某" in text
    with pytest.raises(ValueError):
        render_statement(replace(doc, content_digest="abc"))


def test_rendering_is_deterministic() -> None:
    doc = short_document()
    at = datetime(2026, 11, 27, 10, 16, tzinfo=CST)
    assert render_statement(doc, at).pdf == render_statement(doc, at).pdf


def test_an_overlong_declaration_still_stays_inside_the_frame(tmp_path: Path) -> None:
    declaration = long_answer(2, 4000)
    doc = make_document([("你对笔录有何意见？", "见阅读意见。")], declaration=declaration)
    out = render_statement(doc)
    ws = words(out.pdf, tmp_path)
    for word in ws:
        assert word.rect.top <= SEPARATOR_Y or FRAME.contains(word.rect, tolerance=0.5) or (
            word.page > 0 and word.rect.y > FRAME.top), word
    assert squash(declaration) in squash(body_text(ws))
    last = out.page_count - 1
    assert all(out.signature_boxes[name][0][0] == last for name in BOX_NAMES[1:])


def test_a_question_opened_but_never_asked_is_not_printed(tmp_path: Path) -> None:
    doc = make_document([("车是你停的吗？", "是我停的。"), ("", "")])
    text = run(["pdftotext", "-enc", "UTF-8"], render_statement(doc).pdf, tmp_path)
    lines = [line.strip() for line in text.splitlines()]
    assert "问：" not in lines  # the empty question after the last answer
    assert lines.count("答：") == 1  # an empty answer stays visible: nothing was said


def test_a_handwritten_declaration_gets_its_box_on_the_last_page(tmp_path: Path) -> None:
    doc = three_page_document()
    out = render_statement(doc)
    last = out.page_count - 1
    assert set(out.signature_boxes) == {*BOX_NAMES, DECLARATION_BOX}
    [(page, x, y, w, h)] = out.signature_boxes[DECLARATION_BOX]
    box = Rect(x, y, w, h)
    assert page == last
    assert FRAME.contains(box) and w == pytest.approx(FRAME.w)
    assert h >= 3 * BODY_LEADING  # two lines of handwriting, not a single printed line
    ws = words(out.pdf, tmp_path)
    hint = [w for w in ws if w.page == last and "亲笔书写" in w.text]
    assert hint and all(word.rect.y >= box.top for word in hint)  # the hint is above it
    for word in ws:
        assert not (word.page == last and word.rect.intersects(box)), word
    for name in BOX_NAMES[1:]:
        [(other_page, ox, oy, ow, oh)] = out.signature_boxes[name]
        assert other_page == last and not box.intersects(Rect(ox, oy, ow, oh)), name
        assert oy + oh < box.y  # the officers' grid comes after the declaration


@pytest.mark.parametrize("declaration", ["以上笔录我看过，和我说的相符。", "   "])
def test_the_declaration_box_exists_only_when_it_is_handwritten(declaration: str) -> None:
    out = render_statement(make_document([("车是你停的吗？", "是我停的。")],
                                         declaration=declaration))
    assert (DECLARATION_BOX in out.signature_boxes) == (not declaration.strip())


# --- the form's own fields (issue 14 §1, §3) -------------------------------------------------

def form_document(**form: object) -> StatementDocument:
    """A short statement with a break (休息) noted, and the given form fields."""
    doc = make_document([("你今天上午是否把车停在了人行道上？", "是的。"),
                         ("你还有什么要补充的吗？", "没有了。")],
                        notes={1: "09:40—09:55 休息"}, declaration=None)
    statement = replace(doc.statement, form=StatementForm(**form))  # type: ignore[arg-type]
    return replace(doc, statement=statement, content_digest=content_digest(statement))


def test_number_interpreter_guardian_and_break_are_printed_where_the_form_has_them(
        tmp_path: Path) -> None:
    doc = form_document(sequence=2, interpreter="测试翻译", interpreter_language="英语",
                        guardian="测试家长", guardian_relation="父亲")
    out = render_statement(doc)
    ws = words(out.pdf, tmp_path)
    text = squash(run(["pdftotext", "-enc", "UTF-8"], out.pdf, tmp_path))
    # 第2次询问 on the title's line, at the right of the frame.
    [number] = [w for w in ws if w.page == 0 and squash(w.text) == "第2次询问"]
    [title] = [w for w in ws if w.page == 0 and "询问笔录" in squash(w.text)]
    assert abs(number.rect.y - title.rect.y) < title.rect.h
    assert number.rect.right == pytest.approx(FRAME.right, abs=1.0)
    # The header names them after the party, before the cause.
    header = text[:text.index("案由")]
    assert "翻译人员：测试翻译（翻译语种：英语）" in header
    assert "监护人（法定代理人）：测试家长（与被询问人关系：父亲）" in header
    assert header.index("工作单位") < header.index("翻译人员") < header.index("监护人")
    # The break, in brackets with its times; 以下空白 right after the last turn.
    body = squash(body_text(ws))
    assert "（09:40—09:55休息）" in body
    last_turn = body.index("答：没有了。")
    assert body.index("（以下空白）") == last_turn + len("答：没有了。")
    # In the closing: their names with a line to sign, after the party's signature.
    closing = text[text.index("阅读意见"):]
    assert "翻译人员：测试翻译签名：" in closing
    assert "监护人（法定代理人）：测试家长签名：" in closing
    assert closing.index("被询问人签名（捺印）：") < closing.index("翻译人员：测试翻译")


def test_without_interpreter_or_guardian_nothing_of_them_is_printed(tmp_path: Path) -> None:
    text = squash(run(["pdftotext", "-enc", "UTF-8"],
                      render_statement(form_document(sequence=1)).pdf, tmp_path))
    assert "第1次询问" in text
    assert "翻译人员" not in text and "监护人" not in text
    addendum = squash(run(["pdftotext", "-enc", "UTF-8"],
                          render_statement(form_document()).pdf, tmp_path))
    assert "次询问" not in addendum  # not numbered


def test_the_party_signs_and_dates_right_after_the_declaration_and_the_seal_is_dated(
        tmp_path: Path) -> None:
    doc = form_document(sequence=1)  # ended 10:15 on 2026-11-27: the read-back's day
    out = render_statement(doc, created_at=datetime(2026, 11, 28, 8, 0, tzinfo=CST))
    ws = [w for w in words(out.pdf, tmp_path) if w.page == out.page_count - 1]
    [(_page, x, y, w, h)] = out.signature_boxes[DECLARATION_BOX]
    declaration = Rect(x, y, w, h)
    [(_page, x, y, w, h)] = out.signature_boxes["party"][-1:]
    party = Rect(x, y, w, h)
    assert party.top < declaration.y and declaration.y - party.top < 20.0  # right after it
    label = [word for word in ws if "被询问人签名" in word.text]
    assert label and all(abs(word.rect.y + word.rect.h / 2 - (party.y + party.h / 2)) < 12
                         and word.rect.right <= party.x for word in label)
    text = squash(run(["pdftotext", "-enc", "UTF-8"], out.pdf, tmp_path))
    assert "日期：2026年11月27日" in text  # below the party's box
    [seal] = [word for word in ws if "印章" in word.text]  # beside the seal: filled, not blank
    assert any(squash(word.text).endswith("2026年11月27日") and word.rect.x > seal.rect.x
               and abs(word.rect.y - seal.rect.y) < 2.0 for word in ws)
    assert "年月日" not in text
    # The footer of the last page has no second party box.
    assert not any(word.rect.top <= SEPARATOR_Y and "签名" in word.text for word in ws)


def test_the_pdf_creation_date_is_the_time_of_rendering(tmp_path: Path) -> None:
    doc = short_document()
    at = datetime(2026, 11, 27, 10, 16, 5, tzinfo=CST)
    info = run(["pdfinfo", "-isodates"], render_statement(doc, created_at=at).pdf, tmp_path)
    assert re.search(r"^CreationDate:\s+2026-11-27T10:16:05\+08$", info, re.MULTILINE), info
    before = datetime.now().astimezone().replace(microsecond=0)
    info = run(["pdfinfo", "-isodates"], render_statement(doc).pdf, tmp_path)
    found = re.search(r"^CreationDate:\s+(\S+?)([+-]\d\d)?$", info, re.MULTILINE)
    assert found, info
    hours = int(found.group(2) or 0)
    created = datetime.fromisoformat(found.group(1)).replace(
        tzinfo=timezone(timedelta(hours=hours)))
    assert before <= created <= datetime.now().astimezone() + timedelta(seconds=1)
