"""The room's "案件与笔录": search over statements, a statement's page, its pages as images.

- ``/room/statements`` (``?q=`` a query, ``&page=``): the statements, newest first, or those
  a query finds: the keyed index (hq/catalog/search.py, decision 34) gives candidates, and
  each is confirmed in its sealed content and context before it is listed. The party's name
  is shown, so the page is a view of every party it lists: one access-log row per party.
- ``/room/statements/{statement}``: the case, the party, the officers, the form fields, the
  turns, links to the device and its records, the verdict recomputed at HQ, the court
  package, the case's evidence, and the audit events with their inclusion proofs.
- ``/room/statements/{statement}/pages/{n}.png``: page n of the signed PDF, rendered in
  memory, with the room's headers.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hq.catalog import search
from hq.catalog.statements import iso_ms
from hq.db import Row
from hq.state import HQState
from hq.web import statement_records as sealed
from hq.web.frame import NO_QUERY, View, page_route
from hq.web.render import ALERT_ID, HEADERS, PAGE_NUMBER, BadRequest, query_values
from hq.web.sessions import Session

__all__ = ["PAGE_SIZE", "routes"]

PAGE_SIZE = 20
STATEMENT_ID = ALERT_ID  # the desktop's ids are UUIDs (v7), as HQ's alert ids
_QUERY = re.compile(rf"[^\x00-\x1f\x7f]{{1,{search.QUERY_CHARS}}}")
_KIND_NAMES = {"inquiry": "询问笔录", "interrogation": "讯问笔录", "scene": "现场笔录"}
_TURN_NAMES = {"question": "问", "answer": "答", "note": "注"}


@dataclass(frozen=True)
class Listed:
    """One row of the list: the catalog's row and what its sealed records say."""

    row: Row
    records: sealed.StatementRecords
    officers: list[str]


def _statement(request: Request) -> str:
    statement = str(request.path_params["statement"])
    if STATEMENT_ID.fullmatch(statement) is None:
        raise BadRequest("statement")
    return statement


def _catalog_row(state: HQState, statement: str) -> Row | None:
    return state.db.one("SELECT * FROM room_statements WHERE statement = ?", (statement,))


def _officer_names(state: HQState, row: Row, records: sealed.StatementRecords) -> list[str]:
    """The statement's officers by name: from its context, else from the room's roster."""
    if records.context.value is not None:
        return [o.name for o in records.context.value.officers]
    ids = list(dict.fromkeys([*json.loads(row["interviewers"] or "[]"),
                              *([row["recorder"]] if row["recorder"] else [])]))
    if not ids:
        return []
    names = {str(r["officer"]): str(r["name"]) for r in state.db.all(
        f"SELECT officer, name FROM room_officers WHERE officer IN ({', '.join('?' * len(ids))})",
        ids)}
    return [names.get(i, i) for i in ids]


def _listed(state: HQState, row: Row) -> Listed:
    records = sealed.read_records(state, row)
    return Listed(row, records, _officer_names(state, row, records))


def _found(state: HQState, query: str, number: int) -> tuple[list[Listed], bool]:
    """Page ``number`` of the confirmed hits of ``query``, and whether more follow. Candidates
    are opened newest first and only as far as the page needs."""
    key = search.installed_key()
    if key is None:
        return [], False
    wanted = number * PAGE_SIZE + 1
    hits: list[Listed] = []
    for statement in search.candidates(state.db, key, query):
        row = _catalog_row(state, statement)
        if row is None:
            continue
        listed = _listed(state, row)
        if search.confirm(listed.records.searchable, query):
            hits.append(listed)
            if len(hits) == wanted:
                break
    shown = hits[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    return shown, len(hits) == wanted


def _latest(state: HQState, number: int) -> tuple[list[Listed], bool]:
    rows = state.db.all(f"SELECT * FROM room_statements s {search.NEWEST_FIRST} "
                        "LIMIT ? OFFSET ?", (PAGE_SIZE + 1, (number - 1) * PAGE_SIZE))
    return [_listed(state, r) for r in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


async def statements_page(state: HQState, request: Request, session: Session) -> View:
    values = query_values(request, {"q": _QUERY, "page": PAGE_NUMBER})
    query = values.get("q", "").strip()
    number = int(values.get("page", "1"))
    if query and not search.normalise(query):
        query = ""
    listed, more = (await asyncio.to_thread(_found, state, query, number) if query
                    else await asyncio.to_thread(_latest, state, number))
    parties = tuple(dict.fromkeys(
        x.records.context.value.party.id for x in listed if x.records.context.value))
    return View("statements.html", {
        "q": query, "listed": listed, "number": number, "more": more,
        "unindexed": search.unindexed(state.db), "KIND_NAMES": _KIND_NAMES},
        parties=parties)


async def statement_page(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    statement = _statement(request)
    row = _catalog_row(state, statement)
    if row is None:
        return View("not_found.html", status=404, record=statement)
    records = await asyncio.to_thread(sealed.read_records, state, row)
    content, context = records.content.value, records.context.value
    subjects = {statement, *(t.id for t in content.turns)} if content else {statement}
    try:
        events, head = await asyncio.to_thread(sealed.statement_events, state,
                                               str(row["device"]), subjects)
        events_problem = None
    except (OSError, ValueError):  # a leaf batch altered or gone from the blob store
        events, head = [], None
        events_problem = "总部保存的审计事件无法读取（文件缺失或已被改动）"
    pdf = await asyncio.to_thread(sealed.read_pdf, state, row)
    pages = None if pdf.value is None else await asyncio.to_thread(sealed.page_count,
                                                                   pdf.value)
    # Imported here: pyHanko is a third of a second to import, which HQ's start (and a
    # restart while devices retry) should not pay before anyone opens a statement.
    from hq.verdicts import statement_verdict

    # 100-200 ms of CPU when not cached (hq/verdicts.py): off the event loop
    verdict = await asyncio.to_thread(statement_verdict, state, statement)
    held = state.db.all("SELECT device, device_seq, kind, received_ms FROM records WHERE "
                        "entity_id = ? AND kind IN ('statement', 'statement_context', "
                        "'statement_pdf') ORDER BY log_index", (statement,))
    return View("statement.html", {
        "s": row, "content": content, "context": context, "records": records,
        "officers": _officer_names(state, row, records), "events": events, "head": head,
        "events_problem": events_problem,
        "refusal_ms": iso_ms(content.refusal.at) if content and content.refusal else None,
        "pdf": pdf, "pages": pages, "held": held,
        "verdict": verdict,
        "KIND_NAMES": _KIND_NAMES, "TURN_NAMES": _TURN_NAMES},
        device=str(row["device"]), record=statement,
        party=context.party.id if context else row["party"])


async def page_image(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    statement = _statement(request)
    number = str(request.path_params["n"])
    if PAGE_NUMBER.fullmatch(number) is None:
        raise BadRequest("page")
    row = _catalog_row(state, statement)
    if row is None:
        return View("not_found.html", status=404, record=statement)
    device, party = str(row["device"]), None if row["party"] is None else str(row["party"])
    pdf = await asyncio.to_thread(sealed.read_pdf, state, row)
    png = None
    if pdf.value is not None:
        png = await asyncio.to_thread(sealed.page_png, pdf.value, int(number))
    if png is None:
        return View("not_found.html", status=404, device=device, record=statement, party=party)
    return View("", response=Response(png, media_type="image/png", headers=HEADERS),
                device=device, record=statement, party=party)


def routes(state: HQState) -> list[Route]:
    return [
        page_route(state, "/statements", "statements", statements_page),
        page_route(state, "/statements/{statement}", "statement", statement_page),
        page_route(state, "/statements/{statement}/pages/{n}.png", "statement-page",
                   page_image),
    ]
