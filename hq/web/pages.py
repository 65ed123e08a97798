"""The supervision room's first pages (监察总览, devices, alerts, records, and the
administrators' users, enrolment code and access log), each served in `hq.web.frame`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from hq import admin
from hq.state import HQState, now_ms
from hq.web import access_log, queries, sessions, users
from hq.web.frame import CSRF_TOKEN, NO_QUERY, View, page_route, path_device
from hq.web.render import ALERT_ID, PAGE_NUMBER, BadRequest, form_fields, query_values
from hq.web.sessions import Session

__all__ = ["routes"]


async def overview(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    return View("overview.html", {"o": queries.overview(state.db),
                                  "clock_limit_s": queries.CLOCK_ALERT_MS // 1000})


async def device_page(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    device_id = path_device(request)
    detail = queries.device_detail(state.db, device_id)
    if detail is None:
        return View("not_found.html", status=404, device=device_id)
    return View("device.html", {
        "d": detail.device, "officers": detail.officers, "records": detail.records,
        "alerts": detail.alerts, "derived": detail.derived,
        "quarantined": detail.quarantined}, device=device_id)


async def record_page(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    device_id = path_device(request)
    seq = int(request.path_params["seq"])
    if seq >= 2**63:  # beyond SQL's INTEGER: no record has it
        raise BadRequest("seq")
    row = queries.record(state.db, device_id, seq)
    if row is None:
        return View("not_found.html", status=404, device=device_id)
    return View("record.html", {"r": row}, device=device_id, record=str(row["entity_id"]))


async def alert_page(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    alert_id = str(request.path_params["alert"])
    if ALERT_ID.fullmatch(alert_id) is None:
        raise BadRequest("alert")
    row = queries.alert(state.db, alert_id)
    if row is None:
        return View("not_found.html", status=404)
    device = None if row["device"] is None else str(row["device"])
    return View("alert.html", {
        "a": row, "quarantined": queries.quarantined_for(state.db, device) if device else [],
        "d": queries.device(state.db, device) if device else None}, device=device)


async def users_page(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    return View("users.html", {"users": users.list_users(state.db), "code": None,
                               "now": now_ms()})


async def enrol_code(state: HQState, request: Request, session: Session) -> View:
    form = await form_fields(request, {"csrf": CSRF_TOKEN})
    if not sessions.tokens_match(session.csrf, form.get("csrf")):
        return View("forbidden.html", status=403)
    return View("users.html", {"users": users.list_users(state.db),
                               "code": admin.new_enrol_code(state.db), "now": now_ms()})


async def access_page(state: HQState, request: Request, session: Session) -> View:
    number = int(query_values(request, {"page": PAGE_NUMBER}).get("page", "1"))
    total = access_log.count(state.db)
    pages = max(1, -(-total // access_log.PAGE_SIZE))
    if number > pages:
        raise BadRequest("page")
    return View("access_log.html", {"rows": access_log.entries(state.db, number),
                                    "number": number, "pages": pages, "total": total})


def routes(state: HQState) -> list[Route]:
    return [
        page_route(state, "/", "overview", overview),
        page_route(state, "/devices/{device}", "device", device_page),
        page_route(state, "/devices/{device}/records/{seq:int}", "record", record_page),
        page_route(state, "/alerts/{alert}", "alert", alert_page),
        page_route(state, "/admin/users", "users", users_page, admin_only=True),
        page_route(state, "/admin/enrol-code", "enrol-code", enrol_code, admin_only=True,
                   methods=("POST",)),
        page_route(state, "/admin/access-log", "access-log", access_page, admin_only=True),
    ]
