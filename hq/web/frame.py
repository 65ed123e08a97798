"""The frame every supervision-room page is served in: a live session, the role check, the
access log, then the page.

A page is a handler that returns a `View`: the template and its values, or a ready `response`
for what is not a page (a page image, a medium, a package download), and the ids it showed
(device, record, party). `page_route` wraps a handler: no live session is a redirect to the
login page; a page for administrators shown to another role is a 403 (logged like any view:
who tried matters); a `BadRequest` from the handler is a 400; every outcome is written to
the access log with the user, the page's name, the status and the ids before anything is
sent. Each module of pages exports ``routes(state)`` built with `page_route`; `hq.web.room`
mounts them all.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hq.state import HQState, now_ms
from hq.web import access_log, sessions
from hq.web.render import DEVICE_ID, BadRequest, html
from hq.web.sessions import Session

__all__ = ["CSRF_TOKEN", "LOGIN_PATH", "NO_QUERY", "Handler", "View", "page_route",
           "path_device"]

LOGIN_PATH = "/room/login"
CSRF_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
NO_QUERY: dict[str, re.Pattern[str]] = {}


@dataclass
class View:
    """What a handler shows: a template with its values (or a ready `response`), its status,
    and the ids of what it showed, for the access log."""

    template: str
    values: dict[str, object] = field(default_factory=dict)
    status: int = 200
    device: str | None = None
    record: str | None = None
    party: str | None = None
    response: Response | None = None
    # A page showing several parties (a list of statements): one access-log row each.
    parties: tuple[str, ...] = ()


Handler = Callable[[HQState, Request, Session], Awaitable[View]]


def page_route(state: HQState, path: str, name: str, handler: Handler, *,
               admin_only: bool = False, methods: tuple[str, ...] = ("GET",)) -> Route:
    """The route serving ``handler`` at ``path`` (under ``/room``) as the page ``name``."""
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
        for party in view.parties or (view.party,):
            access_log.record_view(state.db, session.user, name, view.status, now_ms(),
                                   device=view.device, record=view.record, party=party)
        if view.response is not None:
            return view.response
        values = {"user": session.user, "csrf": session.csrf, "page": name, **view.values}
        return html(view.template, values, view.status)
    return Route(path, endpoint, methods=list(methods))


def path_device(request: Request) -> str:
    """The ``{device}`` of the path, checked (a 400 otherwise)."""
    device = str(request.path_params["device"])
    if DEVICE_ID.fullmatch(device) is None:
        raise BadRequest("device")
    return device
