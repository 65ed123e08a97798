"""Logging in and out of the supervision room, and its static files.

The login form is the only page served without a session. Its CSRF token is a double-submit
one (a random value in a short-lived SameSite=Strict cookie and in the form), since there is
no session yet to hold it; every later form carries the session's own token. Argon2id runs in
a worker thread (a quarter second of CPU must not stall the sync protocol on the same event
loop); the database is touched only from the loop.
"""

from __future__ import annotations

import re
import secrets
from importlib import resources
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hq.keys import load_master_key
from hq.state import HQState, now_ms
from hq.web import access_log, sessions, users
from hq.web.frame import LOGIN_PATH
from hq.web.render import BadRequest, form_fields, html, query_values

__all__ = ["login_routes"]

_LOGIN_COOKIE = "sr_hq_login"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
_FIELDS = {"csrf": _TOKEN, "name": re.compile(r".{0,200}", re.S),
           "password": re.compile(r".{0,1000}", re.S), "code": re.compile(r"[0-9 ]{0,12}")}
_FONT = "WenQuanYiMicroHei.ttf"


def _font_path() -> Path:
    return Path(str(resources.files("resources") / "fonts" / _FONT))


def _login_form(request: Request, error: str | None, status: int, name: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    response = html("login.html", {"user": None, "csrf": token, "error": error, "name": name},
                    status)
    sessions.set_cookie(request, response, _LOGIN_COOKIE, token, 600)
    return response


def login_routes(state: HQState) -> list[Route | Mount]:
    master_key = load_master_key(state.config.data_dir)  # opens the administrators' TOTP

    async def show(request: Request) -> Response:
        try:
            query_values(request, {})
        except BadRequest:
            return html("bad_request.html", {"user": None}, 400)
        if sessions.lookup(state.db, request, now_ms()) is not None:
            return RedirectResponse("/room/", status_code=303)
        return _login_form(request, None, 200)

    async def submit(request: Request) -> Response:
        try:
            form = await form_fields(request, _FIELDS)
        except BadRequest:
            return html("bad_request.html", {"user": None}, 400)
        if not sessions.tokens_match(request.cookies.get(_LOGIN_COOKIE, ""), form.get("csrf")):
            return _login_form(request, "页面已过期，请重新登录。", 403)
        name = form.get("name", "").strip()
        row = users.login_row(state.db, name)
        password_ok = await run_in_threadpool(users.password_matches, row,
                                              form.get("password", ""))
        result, user = users.conclude_login(state.db, master_key, row, password_ok,
                                            form.get("code", "").replace(" ", ""), now_ms())
        if user is None and row is not None:  # a failed login on a real account is kept
            status = 429 if result is users.LoginResult.LOCKED else 401
            access_log.record_view(state.db, users.User(str(row["name"]), str(row["role"])),
                                   "login", status, now_ms())
        if result is users.LoginResult.LOCKED:
            return _login_form(request, "登录失败次数过多，该账号已暂时锁定，请十五分钟后再试。",
                               429, name)
        if user is None:
            return _login_form(request, "登录失败：用户名、密码或动态验证码不正确"
                               "（管理员须输入动态验证码）。", 401, name)
        session_id = sessions.start_session(state.db, user, now_ms())
        access_log.record_view(state.db, user, "login", 200, now_ms())
        response = RedirectResponse("/room/", status_code=303)
        sessions.set_cookie(request, response, sessions.COOKIE, session_id, None)
        sessions.set_cookie(request, response, _LOGIN_COOKIE, "", 0)
        return response

    async def logout(request: Request) -> Response:
        session = sessions.lookup(state.db, request, now_ms())
        if session is not None:
            try:
                form = await form_fields(request, {"csrf": _TOKEN})
            except BadRequest:
                return html("bad_request.html", {"user": None}, 400)
            if not sessions.tokens_match(session.csrf, form.get("csrf")):
                return html("forbidden.html", {"user": None}, 403)
            sessions.end_session(state.db, session)
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        sessions.set_cookie(request, response, sessions.COOKIE, "", 0)
        return response

    async def font(request: Request) -> Response:
        return FileResponse(_font_path(), media_type="font/ttf",
                            headers={"Cache-Control": "public, max-age=86400"})

    static = Path(__file__).parent / "static"
    return [
        Route("/login", show, methods=["GET"]),
        Route("/login", submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route(f"/static/{_FONT}", font, methods=["GET"]),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
