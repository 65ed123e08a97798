"""The annex page of a signed statement that records its audio and video recording (同步录音录像).

The party signs every page of the statement during read-back, while the recording still runs:
what the recording is (its identifier, duration and SHA-256) is known only once it has been
stopped after those signatures, and no page the party signed may change afterwards (their
captures are bound to each page's printed content, `page_binding`). So the recording is
printed on an annex page (附页) appended to the read-back document just before it is
certified: it is not counted in the statement's "共 Y 页", carries no party signature box, and
is covered by the device's certification and every officer's and the seal's PAdES signature,
which sign the whole file (decision 45). It prints each recording's identifier, times,
duration (时长 hh:mm:ss), size, format and SHA-256, its pauses with their reasons, an
interruption and how much was kept, or the officer's written reason for recording without
one. The wording is the statement's own language (Chinese), never translated.

`render_annex` lays the page(s) out with the statement's `layout.Flow` in the embedded font;
`append_pages` adds them to the end of an unsigned PDF as one incremental update (pyHanko's
writer: each annex page becomes a form XObject on a new page), leaving the statement's own
pages byte for byte as the party saw them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.pdfgen.canvas import Canvas

from desktop.documents.draw import draw_texts, stamp_creation
from desktop.documents.fonts import FONT_NAME, register_fonts
from desktop.documents.layout import (
    BODY_LEADING,
    BODY_SIZE,
    FRAME,
    HEADER_LEADING,
    HEADER_SIZE,
    PAGE_HEIGHT,
    PAGE_NUMBER_BASELINE,
    PAGE_WIDTH,
    RUNNING_HEAD_BASELINE,
    SMALL_SIZE,
    TITLE_SIZE,
    Flow,
    TextItem,
)
from verification.pdf import ANNEX_PAGE_KEY

__all__ = ["AnnexPause", "AnnexRecording", "AnnexWaiver", "RecordingAnnex", "annex_lines",
           "append_pages", "clock_text", "render_annex"]

# Why a recording ended early, as the annex prints it.
INTERRUPTIONS = {
    "crash": "程序或计算机异常终止",
    "disk_full": "存储空间不足",
    "device": "录音录像设备故障",
}


@dataclass(frozen=True)
class AnnexPause:
    media_ms: int  # where in the recording it paused
    started_at: datetime
    ended_at: datetime | None  # None: the recording ended while paused
    reason: str


@dataclass(frozen=True)
class AnnexRecording:
    id: str
    started_at: datetime
    ended_at: datetime
    duration_ms: int
    sha256: str | None  # None: interrupted before anything of it was durably saved
    size: int | None
    codec: str
    width: int
    height: int
    fps: int
    interruption: str | None  # an `Interruption` value, None when stopped normally
    pauses: tuple[AnnexPause, ...] = ()


@dataclass(frozen=True)
class AnnexWaiver:
    reason: str
    officer: str  # name and certificate number
    at: datetime


@dataclass(frozen=True)
class RecordingAnnex:
    """What the annex prints about one statement's recording(s) or its waiver."""

    statement_id: str
    title: str  # 询问笔录 …
    case_number: str
    recordings: tuple[AnnexRecording, ...]
    waiver: AnnexWaiver | None


def clock_text(ms: int) -> str:
    """A media time or duration as hh:mm:ss (whole seconds, rounded down)."""
    seconds = max(0, ms) // 1000
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


_CODECS = {"libvpx-vp9": "VP9", "vp9": "VP9", "h264": "H.264", "libx264": "H.264"}


def _recording_lines(number: int, count: int, rec: AnnexRecording) -> list[str]:
    label = "录音录像" if count == 1 else f"录音录像（{number}）"
    codec = _CODECS.get(rec.codec, rec.codec)
    head = [
        f"{label}编号：{rec.id}",
        f"开始时间：{_when(rec.started_at)}　结束时间：{_when(rec.ended_at)}",
    ]
    if rec.sha256 is None:
        why = INTERRUPTIONS.get(rec.interruption or "", rec.interruption or "")
        return [*head, f"状态：录制中断（{why}），中断前未能保存任何录像内容。"]
    lines = [
        *head,
        f"时长：{clock_text(rec.duration_ms)}　大小：{rec.size} 字节",
        f"格式：MP4（{codec} 视频，Opus 音频），{rec.width}×{rec.height}，每秒 {rec.fps} 帧",
        f"SHA-256：{rec.sha256}",
    ]
    if rec.interruption is None:
        lines.append("状态：完整录制，询问结束后正常停止。")
    else:
        why = INTERRUPTIONS.get(rec.interruption, rec.interruption)
        lines.append(f"状态：录制中断（{why}）。中断前已保存的 {clock_text(rec.duration_ms)} "
                     "经校验完整保留，上列时长、大小和 SHA-256 即为保留部分。")
    if not rec.pauses:
        lines.append("暂停：无。")
    for index, pause in enumerate(rec.pauses, 1):
        until = (f"至 {_when(pause.ended_at)} 恢复" if pause.ended_at is not None
                 else "此后未恢复")
        lines.append(f"暂停（{index}）：于录像 {clock_text(pause.media_ms)} 处，"
                     f"{_when(pause.started_at)} 暂停，{until}；原因：{pause.reason.strip()}")
    return lines


def annex_lines(annex: RecordingAnnex) -> list[str]:
    """The paragraphs the annex prints, in order (also what tests read back)."""
    lines = [
        f"笔录：{annex.title}　案件编号：{annex.case_number}",
        f"笔录编号：{annex.statement_id}",
        "本附页在被询问人逐页签名后、询问人和记录人签名及单位盖章前生成，不计入笔录页数；"
        "其内容由询问人、记录人的电子签名和单位电子印章确认。",
    ]
    for number, rec in enumerate(annex.recordings, 1):
        lines.append("")
        lines.extend(_recording_lines(number, len(annex.recordings), rec))
    if annex.waiver is not None:
        lines.append("")
        lines.append(("本次询问部分未同步录音录像。" if annex.recordings
                      else "本次询问未同步录音录像。") + f"原因：{annex.waiver.reason.strip()}")
        lines.append(f"记录人：{annex.waiver.officer}　记录时间：{_when(annex.waiver.at)}")
    return lines


TITLE = "同步录音录像记录（附页）"


def render_annex(annex: RecordingAnnex, created_at: datetime) -> tuple[bytes, int]:
    """The annex as a PDF of its own (A4, the statement's font) and its page count."""
    register_fonts()
    flow = Flow()
    flow.line(TITLE, TITLE_SIZE * 0.8, TITLE_SIZE * 1.8, "title", "centre")
    for text in annex_lines(annex):
        if not text:
            flow.space(HEADER_LEADING / 2)
            continue
        flow.paragraph(text, BODY_SIZE if text.startswith(("录音录像", "本次询问")) else
                       HEADER_SIZE, BODY_LEADING if text.startswith("录音录像") else
                       HEADER_LEADING)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, invariant=1,
                    initialFontName=FONT_NAME, initialFontSize=BODY_SIZE)
    stamp_creation(canvas, created_at)
    count = len(flow.pages)
    for index, page in enumerate(flow.pages, 1):
        furniture = [
            TextItem(FRAME.x, RUNNING_HEAD_BASELINE, f"{annex.title} {annex.case_number} 附页",
                     SMALL_SIZE, "small"),
            TextItem(PAGE_WIDTH / 2, PAGE_NUMBER_BASELINE,
                     f"附页 第 {index} 页 共 {count} 页", 9.0, "body", "centre"),
        ]
        draw_texts(canvas, [*furniture, *page.texts])
        canvas.showPage()
    canvas.save()
    return buf.getvalue(), count


def _name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


def _dictionary(entries: dict[str, generic.PdfObject]) -> generic.DictionaryObject:
    result = generic.DictionaryObject()  # type: ignore[no-untyped-call]
    for key, value in entries.items():
        result[_name(key)] = value
    return result


def append_pages(pdf: bytes, pages_pdf: bytes) -> bytes:
    """`pdf` with every page of `pages_pdf` added at its end, as one incremental update.

    The original bytes stay the prefix of the result: the statement's pages are exactly the
    ones shown at read-back. Each added page shows the other document's page as a form
    XObject (text stays extractable). Only for a PDF not yet signed (certification follows).
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    source = PdfFileReader(io.BytesIO(pages_pdf))
    count = int(source.root["/Pages"]["/Count"])
    for index in range(count):
        xobject = writer.import_page_as_xobject(source, page_ix=index)
        content = generic.StreamObject(stream_data=b"q /Annex Do Q")
        corners = (0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)  # the statement's own A4 size
        box = generic.ArrayObject(
            [generic.FloatObject(v) for v in corners])  # type: ignore[no-untyped-call]
        page = _dictionary({
            "/Type": _name("/Page"), "/MediaBox": box,
            "/Resources": _dictionary({"/XObject": _dictionary({"/Annex": xobject})}),
            "/Contents": writer.add_object(content),
            # Not a page the party signs: the verifier expects no party field on it.
            ANNEX_PAGE_KEY: generic.BooleanObject(True),  # type: ignore[no-untyped-call]
        })
        writer.insert_page(page)  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()

