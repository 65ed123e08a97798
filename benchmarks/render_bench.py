"""Render a 10-page statement to PDF, against bare reportlab drawing the same lines.

- ours: `desktop.documents.render.render_statement` on a synthetic inquiry statement
  (questions and long answers, Chinese text with digits and punctuation) that lays out to
  exactly `PAGES` pages: layout, running heads, QR code, hash, party box, page numbers,
  signature block, as the product renders it.
- anchor: bare reportlab in the same process: a `Canvas` with the same options, the same
  vendored TrueType font (registered once, under its own name, like the product's
  once-per-process registration) and the same lines of text at the same positions, taken
  from the product's own layout of the same document, on the same number of pages; no
  furniture, no QR code. The layout itself is not timed in the anchor: it is the work a
  bare script would not do, so it counts against us.
  reportlab's settings are per process: the product's font registration turns off ASCII85
  stream wrapping (`fonts.register_fonts`), so the anchor writes binary streams too, which
  makes it faster, not slower.

Both run interleaved (rotating order), after a warm-up of each; the medians of wall time
(`perf_counter`) and CPU time (`process_time`) are compared. The target is ours / anchor
<= 1.5 in wall time (issue 13). `meets_target` is information for people; the exit code only
says the benchmark ran. With `--smoke` there are a few samples (CI).

    python3 benchmarks/render_bench.py [--samples N] [--smoke]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from desktop.documents.fonts import font_path
from desktop.documents.layout import BODY_SIZE, PAGE_HEIGHT, PAGE_WIDTH, Page
from desktop.documents.render import StatementDocument, _layout, document_date, render_statement
from desktop.domain.model import (
    Case,
    IdKind,
    Officer,
    Party,
    Sex,
    Statement,
    StatementKind,
    Turn,
    TurnKind,
)
from desktop.store.statements import content_digest

PAGES = 10
TARGET_RATIO = 1.5
ANCHOR_FONT = "BenchWenQuanYi"
CST = timezone(timedelta(hours=8))
START = datetime(2026, 11, 27, 9, 0, tzinfo=CST)
STATEMENT_ID = "01936f3a-7c00-7000-8000-00000000b000"
PHRASES = [
    "2026年11月27日上午8时30分左右，我驾驶车牌号为浙G12345的小型轿车到和平路88号附近办事，",
    "因为附近停车场已满（约有120个车位），我就把车停在了人行道上，",
    "当时没有看到“禁止停车”的标志牌；执法人员到场后向我出示了执法证件，并告知我违停的事实。",
    "我承认当时的行为违反了《城市道路管理条例》的相关规定——对此我没有异议！",
    "车辆登记在我本人名下，行驶证编号为330100-2026-0042，保险单号PICC-ZJ-98765。",
    "以后我会注意遵守规定，把车停到指定的停车位或者公共停车场里，不再占用人行道。",
]


def document(pairs: int) -> StatementDocument:
    """A statement of `pairs` question/answer pairs with answers of about 600 characters."""
    turns: list[Turn] = []
    for i in range(pairs):
        answer, n = "", i
        while len(answer) < 600:
            answer += PHRASES[n % len(PHRASES)]
            n += 1
        for kind, text in ((TurnKind.QUESTION, f"第{i + 1}个问题：请你说明相关情况。"),
                           (TurnKind.ANSWER, answer)):
            turns.append(Turn(id=f"turn-{len(turns) + 1}", statement_id=STATEMENT_ID,
                              seq=len(turns) + 1, kind=kind, text=text,
                              recorded_at=START + timedelta(minutes=len(turns))))
    officers = [Officer(id=f"officer-{n}", name=name, certificate_no=f"3301001234{n}",
                        unit="东城区综合行政执法局")
                for n, name in ((1, "张建国"), (2, "李明华"), (3, "王晓燕"))]
    statement = Statement(
        id=STATEMENT_ID, case_id="case-1", kind=StatementKind.INQUIRY,
        place="东城区综合行政执法局询问室1", started_at=START,
        ended_at=START + timedelta(minutes=75), interviewer_ids=(officers[0].id, officers[1].id),
        recorder_id=officers[2].id, interviewee_id="party-1", turns=tuple(turns))
    party = Party(id="party-1", id_kind=IdKind.RESIDENT_ID, id_number="110101199003071234",
                  name="赵某某", sex=Sex.MALE, nation="汉", birth_date=date(1990, 3, 7),
                  address="北京市东城区某某街道某某胡同12号院3号楼2单元501室",
                  phone="13800001234", workplace="某某科技有限公司")
    case = Case(id="case-1", number="东综执罚〔2026〕第0123号", cause="机动车人行道违法停车",
                matter="人行道违停", place="和平路88号")
    title = tomllib.loads((resources.files("resources.templates") / "inquiry.toml")
                          .read_text("utf-8"))["title"]
    return StatementDocument(statement=statement, case=case, party=party,
                             interviewer1=officers[0], interviewer2=officers[1],
                             recorder=officers[2], unit="东城区综合行政执法局", title=title,
                             content_digest=content_digest(statement),
                             declaration="以上笔录我看过，和我说的相符。")


def laid_out(doc: StatementDocument) -> list[Page]:
    """The pages as the renderer lays them out, dated as it dates them."""
    return _layout(doc, document_date(doc, datetime.now(UTC)))


def ten_pages() -> StatementDocument:
    """The smallest synthetic statement that lays out to `PAGES` pages."""
    pairs = 1
    while len(laid_out(document(pairs))) < PAGES:
        pairs += 1
    doc = document(pairs)
    if len(laid_out(doc)) != PAGES:
        raise RuntimeError(f"could not make a {PAGES}-page statement")
    return doc


def anchor_renderer(doc: StatementDocument) -> Callable[[], bytes]:
    """Bare reportlab: the same lines in the same font at the same places, nothing else."""
    if ANCHOR_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(ANCHOR_FONT, str(font_path())))
    pages = [[(item.x, item.baseline, item.size, item.text) for item in page.texts]
             for page in laid_out(doc)]

    def render() -> bytes:
        buf = io.BytesIO()
        canvas = Canvas(buf, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1,
                        invariant=1, initialFontName=ANCHOR_FONT, initialFontSize=BODY_SIZE)
        for lines in pages:
            for x, y, size, text in lines:
                canvas.setFont(ANCHOR_FONT, size)
                canvas.drawString(x, y, text)
            canvas.showPage()
        canvas.save()
        return buf.getvalue()

    return render


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--smoke", action="store_true", help="a few samples (CI)")
    args = parser.parse_args()
    samples = 3 if args.smoke else args.samples
    doc = ten_pages()
    anchor = anchor_renderer(doc)
    systems: dict[str, Callable[[], object]] = {
        "anchor": anchor, "ours": lambda: render_statement(doc)}
    pages = render_statement(doc).page_count  # also the warm-up of ours
    if pages != PAGES:
        raise RuntimeError(f"rendered {pages} pages, expected {PAGES}")
    anchor()
    wall: dict[str, list[float]] = {name: [] for name in systems}
    cpu: dict[str, list[float]] = {name: [] for name in systems}
    names = list(systems)
    for i in range(samples):
        for name in names[i % 2:] + names[:i % 2]:  # rotate which one runs first
            w, c = timed(systems[name])
            wall[name].append(w)
            cpu[name].append(c)
    med = {name: statistics.median(values) for name, values in wall.items()}
    cmed = {name: statistics.median(values) for name, values in cpu.items()}
    ratio = med["ours"] / med["anchor"]
    print(json.dumps({
        "benchmark": "render",
        "pages": PAGES,
        "samples": samples,
        "wall_ms": {name: round(value * 1000, 2) for name, value in med.items()},
        "cpu_ms": {name: round(value * 1000, 2) for name, value in cmed.items()},
        "ratio": round(ratio, 3),
        "cpu_ratio": round(cmed["ours"] / cmed["anchor"], 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio <= TARGET_RATIO,
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
