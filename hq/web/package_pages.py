"""The court package download of the supervision room (issue 16, decision 36).

``/room/statements/{statement}/package`` hands a supervisor or the legal office the
statement's court package as HQ builds it (`hq.court_package`): a zip that verifies with the
stand-alone verifier inside it against the unit root, like one the statement room exported.
The download is a view of the party's data, so the access log names the party (from the
statement catalog) as well as the device and the statement. Administrators run HQ; they do
not read parties' statements, so they are refused (403, logged like every refusal). When
HQ cannot build the package yet (no signed PDF, no countersigned head covering the signing,
no unit CA), the page says why (409).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hq.court_package import PackageUnavailable, build_court_package
from hq.state import HQState
from hq.web.frame import NO_QUERY, View, page_route
from hq.web.render import HEADERS, BadRequest, query_values
from hq.web.sessions import Session

__all__ = ["DOWNLOAD_ROLES", "STATEMENT_ID", "package_file_name", "routes"]

STATEMENT_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")
DOWNLOAD_ROLES = frozenset({"supervisor", "legal"})
# What a file name may not hold on any system the package is saved on.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def package_file_name(case_number: str, statement_id: str) -> str:
    """证据包_<case number>_<statement id's first 8>.zip, safe on every file system."""
    case = _UNSAFE.sub("_", case_number).strip(" ._") or "无案号"
    return f"证据包_{case}_{statement_id[:8]}.zip"


def _disposition(name: str) -> str:
    """An attachment with the UTF-8 name (RFC 6266) and an ASCII one for old clients."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "package.zip"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def package_download(state: HQState, request: Request, session: Session) -> View:
    query_values(request, NO_QUERY)
    statement = str(request.path_params["statement"])
    if STATEMENT_ID.fullmatch(statement) is None:
        raise BadRequest("statement")
    row = state.db.one("SELECT device, party FROM room_statements WHERE statement = ?",
                       (statement,))
    if row is None:
        return View("not_found.html", status=404, record=statement)
    device, party = str(row["device"]), None if row["party"] is None else str(row["party"])
    if session.user.role not in DOWNLOAD_ROLES:
        return View("forbidden_package.html", status=403, device=device, record=statement,
                    party=party)
    try:
        package = build_court_package(state, statement, requested_by=session.user.name)
    except PackageUnavailable as exc:
        return View("package_unavailable.html", {"reason": str(exc), "statement": statement},
                    status=409, device=device, record=statement, party=party)
    response = Response(package.data, media_type="application/zip", headers={
        **HEADERS,
        "Content-Disposition": _disposition(package_file_name(package.case_number,
                                                              statement)),
    })
    return View("", response=response, device=device, record=statement, party=package.party)


def routes(state: HQState) -> list[Route]:
    return [page_route(state, "/statements/{statement}/package", "statement-package",
                       package_download)]
