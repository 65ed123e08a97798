"""The supervision room's evidence (证据): the list, an item's page, and its medium.

The list reads the catalog (``room_evidence``, hq/catalog/evidence.py), newest first, filtered
by case (the statement page links here with ``?case=``), device or docking. An item's page
reads what the catalog does not keep from the sealed records: the item's custody (clock
offset, corrected start time, GPS track, drawn by `hq.web.evidence_plot`) and its docking's
ingest certificate, whose signature is checked here, on every view, against the key HQ
enrolled for the device that sent it (a certificate HQ holds is not taken on trust from the
check it passed on arrival). A body-worn recorder's item whose docking certificate never came
is said so, as the overview's alert says it. The medium is streamed by
`hq.web.evidence_media`, with Range for seeking.

Every view of an item, its page and each request of its medium, is in the access log with the
item's id, its device, and the party of its statement when HQ knows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hq.catalog.evidence import aware_ms
from hq.db import Database, Row
from hq.state import HQState
from hq.web import evidence_media, evidence_plot
from hq.web.frame import NO_QUERY, View, page_route
from hq.web.render import (
    ALERT_ID,
    DEVICE_ID,
    HEADERS,
    PAGE_NUMBER,
    BadRequest,
    query_values,
)
from hq.web.sessions import Session
from sync.protocol.canonical import parse_canonical
from sync.protocol.context import EvidenceItemRecord
from sync.protocol.ingest import IngestCertificate, IngestedFile
from sync.protocol.signing import Signed

__all__ = ["PAGE_SIZE", "routes", "size_text", "uncertified"]

PAGE_SIZE = 50
UUID = ALERT_ID  # items, cases and dockings are named by UUIDs, as alerts are
KIND_NAMES = {"photo": "照片", "video": "视频", "audio": "录音", "document": "文档",
              "other": "其他"}
_LIST_QUERY: dict[str, re.Pattern[str]] = {"case": UUID, "device": DEVICE_ID,
                                          "docking": UUID, "page": PAGE_NUMBER}
_NEWEST = "COALESCE(e.imported_ms, e.record_ms, e.medium_ms, 0)"
_ROW = ("SELECT e.*, s.case_number, s.party, d.docking AS certified, "
        "d.device AS certificate_device, d.certificate_sha256, d.received_ms AS certified_ms "
        "FROM room_evidence e LEFT JOIN room_statements s ON s.statement = e.statement "
        "LEFT JOIN room_dockings d ON d.docking = e.docking")


def size_text(size: object) -> str:
    """A size as a supervisor reads it, with the exact bytes."""
    if size is None:
        return "—"
    n = int(str(size))
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}（{n:,} 字节）"
    return f"{n} 字节"


def uncertified(db: Database) -> list[Row]:
    """Dockings some item names whose certificate HQ does not hold: per device and docking,
    how many items and since when (for the overview's alert)."""
    return db.all(
        "SELECT e.device, e.docking, count(*) AS items, min(e.record_ms) AS since "
        "FROM room_evidence e LEFT JOIN room_dockings d ON d.docking = e.docking "
        "WHERE e.docking IS NOT NULL AND d.docking IS NULL "
        "GROUP BY e.device, e.docking ORDER BY e.device, e.docking")


async def evidence_list(state: HQState, request: Request, session: Session) -> View:
    query = query_values(request, _LIST_QUERY)
    where, params = [], []
    for name, column in (("case", "e.case_id"), ("device", "e.device"),
                         ("docking", "e.docking")):
        if name in query:
            where.append(f"{column} = ?")
            params.append(query[name])
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    counted = state.db.one(f"SELECT count(*) AS n FROM room_evidence e{clause}", params)
    total = 0 if counted is None else int(counted["n"])
    pages = max(1, -(-total // PAGE_SIZE))
    number = int(query.get("page", "1"))
    if number > pages:
        raise BadRequest("page")
    rows = state.db.all(f"{_ROW}{clause} ORDER BY {_NEWEST} DESC, e.item LIMIT ? OFFSET ?",
                        (*params, PAGE_SIZE, (number - 1) * PAGE_SIZE))
    filters = {k: v for k, v in query.items() if k != "page"}
    return View("evidence_list.html", {
        "rows": rows, "total": total, "number": number, "pages": pages, "filters": filters,
        "KIND_NAMES": KIND_NAMES, "size_text": size_text}, device=query.get("device"))


@dataclass(frozen=True)
class Certificate:
    """A docking's certificate as HQ holds it, with the check made now."""

    body: IngestCertificate | None  # None: HQ could not read it
    key_id: str | None
    verified: bool
    problem: str | None
    this_file: IngestedFile | None


def _certificate(state: HQState, row: Row) -> Certificate | None:
    if row["certificate_sha256"] is None:
        return None
    try:
        data = b"".join(state.blobs.read(str(row["certificate_sha256"])))
        signed = Signed.from_json(parse_canonical(data), IngestCertificate)
    except ValueError:
        return Certificate(None, None, False, "总部保存的证书无法读取或已损坏", None)
    key = state.receiver.device_key(str(row["certificate_device"]))
    this = next((f for f in signed.body.files if f.id == row["item"]), None)
    if key is None:
        problem: str | None = "总部没有该终端的注册密钥"
    elif not signed.verify(key):
        problem = "签名与总部登记的终端密钥不符"
    elif signed.body.docking != row["docking"]:
        problem = "证书属于另一次对接"
    else:
        problem = None
    return Certificate(signed.body, signed.signature.key_id, problem is None, problem, this)


def _custody(state: HQState, row: Row) -> EvidenceItemRecord | None:
    if row["record_sha256"] is None:
        return None
    return EvidenceItemRecord.from_bytes(b"".join(state.blobs.read(str(row["record_sha256"]))))


def _item_row(state: HQState, request: Request) -> tuple[str, Row | None]:
    item = str(request.path_params["item"])
    if UUID.fullmatch(item) is None:
        raise BadRequest("item")
    return item, state.db.one(f"{_ROW} WHERE e.item = ?", (item,))


def _logged(view: View, row: Row) -> View:
    """``view`` with what the access log keeps of an item's view: the item, its device and
    the party of its statement (when HQ has the statement's context)."""
    view.device, view.record = str(row["device"]), str(row["item"])
    view.party = None if row["party"] is None else str(row["party"])
    return view


async def item_page(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    item, row = _item_row(state, request)
    if row is None:
        return View("not_found.html", status=404, record=item)
    damaged: list[str] = []  # what HQ holds of the item but cannot decrypt: altered at rest
    try:
        record = await run_in_threadpool(_custody, state, row)
    except ValueError:
        record = None
        damaged.append("证据记录（保管链）")
    certificate = await run_in_threadpool(_certificate, state, row)
    media_type = None
    if row["medium_sha256"] is not None:
        try:
            head = await run_in_threadpool(evidence_media.first_bytes, state.blobs,
                                           str(row["medium_sha256"]))
            media_type = evidence_media.media_type(head)
        except ValueError:
            damaged.append("证据文件")
    custody = {} if record is None else record.custody
    importer = None if record is None else state.db.one(
        "SELECT name, certificate_no FROM room_officers WHERE officer = ?", (record.imported_by,))
    track = evidence_plot.plot(evidence_plot.fixes(custody))
    gps = custody.get("gps")
    return _logged(View("evidence_item.html", {
        "e": row, "r": record, "importer": importer, "custody": custody, "c": certificate,
        "track": track, "damaged": damaged,
        "gps": gps if isinstance(gps, dict) else None, "media_type": media_type,
        "element": None if media_type is None else evidence_media.element_for(media_type),
        "corrected_ms": aware_ms(custody.get("start_utc_corrected")),
        "KIND_NAMES": KIND_NAMES, "size_text": size_text}), row)


async def item_media(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    item, row = _item_row(state, request)
    if row is None or row["medium_sha256"] is None:
        return View("not_found.html", status=404, record=item,
                    device=None if row is None else str(row["device"]))
    sha256 = str(row["medium_sha256"])
    try:
        head = await run_in_threadpool(evidence_media.first_bytes, state.blobs, sha256)
    except ValueError:  # altered at rest: nothing of it is sent
        damaged = Response("总部存储中的证据文件无法解密或已被改动。", status_code=500,
                           media_type="text/plain; charset=utf-8", headers=HEADERS)
        return _logged(View("", status=500, response=damaged), row)
    response = evidence_media.media_response(
        state.blobs, sha256, int(row["medium_size"]), evidence_media.media_type(head), item,
        request.headers.get("range"))
    return _logged(View("", status=response.status_code, response=response), row)


def routes(state: HQState) -> list[Route]:
    return [
        page_route(state, "/evidence", "evidence", evidence_list),
        page_route(state, "/evidence/{item}", "evidence-item", item_page),
        page_route(state, "/evidence/{item}/media", "evidence-media", item_media),
    ]
