"""基础数据: the reference datasets HQ publishes, which device runs which version, and (for
administrators) publishing a new version from the room (issue 16).

Every version of every dataset is listed (version, SHA-256, size, when, by whom: a room user,
or HQ's command line). The device x dataset table shows, per device, the last version of each
dataset it fetched (`hq.refdata.record_fetch`: a device fetches only versions newer than the
ones it holds, so the last fetched is the one it runs), marked when older than the current
version or when the device never fetched one.

Publishing goes through `hq.refdata.publish`, as ``statement-room-hq publish`` does (one way:
the same dataset names, the same "same bytes publish nothing", the same version numbering).
The datasets are JSON text, so the form is a textarea sent urlencoded, parsed by the room's
own form parser with a larger limit (no ``python-multipart`` dependency for a file input,
decision 32); the text is published as UTF-8 with LF line ends (browsers send CRLF), so the
same text pasted twice is the same version. The publication is in the access log (user, time,
and the version as the row's record) and the version keeps its publisher.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.routing import Route

from hq import admin
from hq.db import Database, Row
from hq.refdata import DATASETS, current_versions, publish
from hq.state import HQState
from hq.web import sessions
from hq.web.frame import CSRF_TOKEN, NO_QUERY, View, page_route
from hq.web.render import BadRequest, form_fields, query_values
from hq.web.sessions import Session

__all__ = ["DATASET_NAMES", "PUBLISH_LIMIT", "routes"]

DATASET_NAMES = {"roster": "人员名册", "templates": "笔录模板与常用问题",
                 "revocations": "证书吊销列表", "laws": "法律法规库", "discretion": "裁量基准"}
PUBLISH_LIMIT = 8 * 1024 * 1024  # urlencoded: Chinese text takes 9 bytes a character
_FORM = {"csrf": CSRF_TOKEN, "name": re.compile("|".join(DATASETS)),
         "data": re.compile(r"[^\x00]+", re.DOTALL)}


def device_versions(db: Database) -> list[dict[str, object]]:
    """Each device (revoked ones last) with, per dataset, the version it last fetched."""
    fetched: dict[str, dict[str, Row]] = {}
    for row in db.all("SELECT device, name, version, fetched_ms FROM ref_fetches"):
        fetched.setdefault(str(row["device"]), {})[str(row["name"])] = row
    devices = db.all("SELECT device, name, revoked_ms, last_seen_ms FROM devices "
                     "ORDER BY enrolled_ms")
    return [{"device": d, "fetched": fetched.get(str(d["device"]), {})}
            for d in sorted(devices, key=lambda d: d["revoked_ms"] is not None)]


def _page(state: HQState, **more: object) -> dict[str, object]:
    versions: dict[str, list[Row]] = {}
    for row in admin.datasets(state.db):
        versions.setdefault(str(row["name"]), []).insert(0, row)  # newest first
    current = {name: held.version for name, (held, _) in current_versions(state.db).items()}
    return {"datasets": DATASETS, "names": DATASET_NAMES, "versions": versions,
            "current": current, "devices": device_versions(state.db), "published": None,
            "error": None, **more}


async def refdata_page(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    return View("refdata.html", _page(state))


async def publish_page(state: HQState, request: Request, session: Session) -> View:
    form = await form_fields(request, _FORM, limit=PUBLISH_LIMIT)
    if not sessions.tokens_match(session.csrf, form.get("csrf")):
        return View("forbidden.html", status=403)
    if "name" not in form or "data" not in form:
        raise BadRequest("form")
    name, text = form["name"], form["data"].replace("\r\n", "\n")
    try:
        version, new = publish(state, name, text.encode("utf-8"), by=session.user.name)
    except ValueError as exc:  # what the command line would refuse, in its words
        return View("refdata.html", _page(state, error=str(exc)), status=400)
    return View("refdata.html", _page(state, published={"name": name, "version": version,
                                                        "new": new}),
                record=f"{name}/{version}")


def routes(state: HQState) -> list[Route]:
    return [
        page_route(state, "/refdata", "refdata", refdata_page),
        page_route(state, "/refdata/publish", "refdata-publish", publish_page,
                   admin_only=True, methods=("POST",)),
    ]
