"""The supervision room's pages (监察总览, devices, alerts, records, and the administrators'
users, enrolment code and access log), each behind a session and written to the access log.

`_page` wraps every page: no live session is a redirect to the login page; a page for
administrators shown to another role is a 403 (logged like any view: who tried matters);
otherwise the handler returns a `View` naming the template and the ids it shows, which are
logged with the user, the page and the status before the page is rendered.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hq import admin
from hq.state import HQState, now_ms
from hq.web import access_log, queries, sessions, users
from hq.web.render import (
    ALERT_ID,
    DEVICE_ID,
    PAGE_NUMBER,
    BadRequest,
    form_fields,
    html,
    query_values,
)
from hq.web.sessions import Session

__all__ = ["LOGIN_PATH", "page_routes"]

LOGIN_PATH = "/room/login"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
_NO_QUERY: dict[str, re.Pattern[str]] = {}


@dataclass
class View:
    template: str
    values: dict[str, object] = field(default_factory=dict)
    status: int = 200
    device: str | None = None
    record: str | None = None


Handler = Callable[[HQState, Request, Session], Awaitable[View]]


def _page(state: HQState, name: str, handler: Handler, *, admin_only: bool = False
          ) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        session = sessions.lookup(state.db, request, now_ms())
        if session is None:
            return RedirectResponse(LOGIN_PATH, status_code=303)
        if admin_only and not session.user.is_admin:
            view = View("forbidden.html", status=403)
        else:
            try:
                view = await handler(state, request, session)
            except BadRequest:
                view = View("bad_request.html", status=400)
        access_log.record_view(state.db, session.user, name, view.status, now_ms(),
                               device=view.device, record=view.record)
        values = {"user": session.user, "csrf": session.csrf, "page": name, **view.values}
        return html(view.template, values, view.status)
    return endpoint


async def overview(state: HQState, request: Request, session: Session) -> View:
    query_values(request, _NO_QUERY)
    return View("overview.html", {"o": queries.overview(state.db),
                                  "clock_limit_s": queries.CLOCK_ALERT_MS // 1000})


def _device_id(request: Request) -> str:
    device = str(request.path_params["device"])
    if DEVICE_ID.fullmatch(device) is None:
        raise BadRequest("device")
    return device


async def device_page(state: HQState, request: Request, session: Session) -> View:
    query_values(request, _NO_QUERY)
    device_id = _device_id(request)
    detail = queries.device_detail(state.db, device_id)
    if detail is None:
        return View("not_found.html", status=404, device=device_id)
    return View("device.html", {
        "d": detail.device, "officers": detail.officers, "records": detail.records,
        "alerts": detail.alerts, "derived": detail.derived,
        "quarantined": detail.quarantined}, device=device_id)


async def record_page(state: HQState, request: Request, session: Session) -> View:
    query_values(request, _NO_QUERY)
    device_id = _device_id(request)
    seq = int(request.path_params["seq"])
    if seq >= 2**63:  # beyond SQL's INTEGER: no record has it
        raise BadRequest("seq")
    row = queries.record(state.db, device_id, seq)
    if row is None:
        return View("not_found.html", status=404, device=device_id)
    return View("record.html", {"r": row}, device=device_id, record=str(row["entity_id"]))


async def alert_page(state: HQState, request: Request, session: Session) -> View:
    query_values(request, _NO_QUERY)
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
    query_values(request, _NO_QUERY)
    return View("users.html", {"users": users.list_users(state.db), "code": None,
                               "now": now_ms()})


async def enrol_code(state: HQState, request: Request, session: Session) -> View:
    form = await form_fields(request, {"csrf": _TOKEN})
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


def page_routes(state: HQState) -> list[Route]:
    def route(path: str, name: str, handler: Handler, *, admin_only: bool = False,
              methods: tuple[str, ...] = ("GET",)) -> Route:
        return Route(path, _page(state, name, handler, admin_only=admin_only),
                     methods=list(methods))

    return [
        route("/", "overview", overview),
        route("/devices/{device}", "device", device_page),
        route("/devices/{device}/records/{seq:int}", "record", record_page),
        route("/alerts/{alert}", "alert", alert_page),
        route("/admin/users", "users", users_page, admin_only=True),
        route("/admin/enrol-code", "enrol-code", enrol_code, admin_only=True,
              methods=("POST",)),
        route("/admin/access-log", "access-log", access_page, admin_only=True),
    ]
