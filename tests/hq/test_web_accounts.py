"""The supervision room's accounts and guards, over HTTP against a real HQ process: Argon2id
and RFC 6238 TOTP, the ``users`` CLI, login with lockout and CSRF, the cookie's flags, the
pages refused without a session or with bad parameters, and output escaped.

The browser itself is in test_web_browser.py; here http.client speaks to HQ as a browser
would, so each guard is seen at the status and header level."""

from __future__ import annotations

import base64
import http.client
import re
import subprocess
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from hq.db import open_database
from hq.web import totp
from hq.web.passwords import hash_password, verify_password
from hq.web.sessions import COOKIE, IDLE_MS, lookup, set_cookie, start_session
from hq.web.users import MAX_FAILURES, User
from hq.web.users import add_user as add_user_row
from sync.protocol.canonical import canonical_json
from sync.protocol.records import RecordKind
from tests.hq.client import Device, enrolled
from tests.hq.web_support import add_user, hq_rows, totp_now
from tests.support.hq_server import RunningHQ

SUPERVISOR = ("zhang", "Supervise-2026!")
ADMIN = ("root", "Administer-2026!")


@dataclass
class Visitor:
    """A cookie jar and http.client: enough of a browser to see statuses and headers."""

    hq: RunningHQ
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookie_headers: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, form: dict[str, str] | None = None
                ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.hq.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    self.set_cookie_headers.append(value)
                    for key, morsel in SimpleCookie(value).items():
                        if morsel.value and morsel["max-age"] != "0":
                            self.cookies[key] = morsel.value
                        else:
                            self.cookies.pop(key, None)
            return (response.status, {k.lower(): v for k, v in response.getheaders()},
                    response.read().decode("utf-8"))
        finally:
            connection.close()

    def csrf(self, page: str) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found, page
        return found.group(1)

    def login(self, name: str, password: str, code: str = "") -> tuple[int, str]:
        _status, _headers, page = self.request("GET", "/room/login")
        status, headers, body = self.request("POST", "/room/login", {
            "csrf": self.csrf(page), "name": name, "password": password, "code": code})
        return status, headers.get("location", body)


def test_passwords_are_argon2id_and_totp_follows_rfc_6238() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("argon2id$t=3,m=65536,p=4$")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterz", stored)
    assert not verify_password("correct horse battery", stored.replace("t=3", "t=9"))
    assert not verify_password("x", "plain text")
    assert hash_password("same") != hash_password("same")  # salted
    # RFC 6238 appendix B (SHA-1 secret "12345678901234567890"), the last six digits.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    for at, code in ((59, "287082"), (1111111109, "081804"), (1111111111, "050471"),
                     (1234567890, "005924"), (2000000000, "279037"), (20000000000, "353130")):
        assert totp.code_at(secret, at // totp.STEP_S) == code
        assert totp.matching_step(secret, code, at + totp.STEP_S) == at // totp.STEP_S
        assert totp.matching_step(secret, code, at + 3 * totp.STEP_S) is None
    assert totp.matching_step(secret, "28708", 59) is None


def test_the_users_cli_adds_lists_and_disables(hq_server: RunningHQ) -> None:
    assert add_user(hq_server, *SUPERVISOR[:1], "supervisor", SUPERVISOR[1]) is None
    secret = add_user(hq_server, ADMIN[0], "admin", ADMIN[1])
    assert secret is not None and re.fullmatch(r"[A-Z2-7]{32}", secret)

    def cli(*args: str, password: str = "") -> subprocess.CompletedProcess[str]:
        return hq_server.admin("--lang", "en", "users", *args, stdin=password + "\n")

    assert "already exists" in cli("add", "zhang", "--role", "legal",
                                   password="Another-2026!").stderr
    short = cli("add", "li", "--role", "legal", password="short")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    assert cli("add", "li", "--role", "auditor", password="Legal-2026!!").returncode == 2
    listed = cli("list").stdout
    assert "zhang  supervisor" in listed and "root  admin" in listed
    assert cli("disable", "zhang").returncode == 0
    assert "disabled" in cli("list").stdout.split("zhang", 1)[1].splitlines()[0]
    assert cli("disable", "nobody").returncode == 1
    # A disabled user cannot log in, with the same words as a wrong password.
    status, _ = Visitor(hq_server).login(*SUPERVISOR)
    assert status == 401
    # The password is nowhere in the database, only its Argon2id hash; the TOTP secret is
    # sealed under HQ's master key.
    rows = hq_rows(hq_server, "SELECT password_hash, totp_secret FROM web_users")
    assert all(r["password_hash"].startswith("argon2id$") for r in rows)
    [sealed] = [r["totp_secret"] for r in rows if r["totp_secret"] is not None]  # the admin's
    assert sealed.startswith("v1:") and secret not in sealed


def test_login_sets_a_strict_cookie_and_locks_after_repeated_failures(
        hq_server: RunningHQ) -> None:
    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    visitor = Visitor(hq_server)
    # The form's CSRF token must match its cookie.
    status, _headers, page = visitor.request("GET", "/room/login")
    assert status == 200
    status, _headers, page = visitor.request("POST", "/room/login", {
        "csrf": "x" * 43, "name": SUPERVISOR[0], "password": SUPERVISOR[1], "code": ""})
    assert status == 403 and "页面已过期" in page
    status, location = visitor.login(*SUPERVISOR)
    assert (status, location) == (303, "/room/")
    session_cookie = next(c for c in visitor.set_cookie_headers if "sr_hq_session=" in c)
    assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
    assert "Secure" not in session_cookie  # loopback over http; elsewhere it is Secure
    assert visitor.request("GET", "/room/")[0] == 200
    # Logout needs the session's CSRF token, and ends the session at HQ.
    _status, _headers, page = visitor.request("GET", "/room/")
    assert visitor.request("POST", "/room/logout", {"csrf": "y" * 43})[0] == 403
    assert visitor.request("POST", "/room/logout", {"csrf": visitor.csrf(page)})[0] == 303
    assert hq_rows(hq_server, "SELECT * FROM web_sessions") == []
    assert visitor.request("GET", "/room/")[0] == 303

    guesser = Visitor(hq_server)
    statuses = [guesser.login(SUPERVISOR[0], f"guess-{n}-password")[0]
                for n in range(MAX_FAILURES)]
    assert statuses == [401] * (MAX_FAILURES - 1) + [429]
    status, page = guesser.login(*SUPERVISOR)  # even the right password, while locked
    assert status == 429 and "已暂时锁定" in page
    # The administrators see the attempts on a real account in the access log.
    tries = [r["status"] for r in hq_rows(hq_server, "SELECT status FROM web_access_log WHERE "
                                          "user_name = ? AND page = 'login' ORDER BY at_ms",
                                          (SUPERVISOR[0],))]
    assert tries == [200] + [401] * (MAX_FAILURES - 1) + [429, 429]
    secret = add_user(hq_server, ADMIN[0], "admin", ADMIN[1])
    assert secret is not None
    admin = Visitor(hq_server)
    assert admin.login(*ADMIN, code=totp_now(secret))[0] == 303
    _status, _headers, page = admin.request("GET", "/room/admin/users")
    row = page.split("<td>zhang</td>", 1)[1].split("</tr>", 1)[0]
    assert "锁定至" in row


def test_an_administrator_needs_the_totp_code_and_never_the_same_twice(
        hq_server: RunningHQ) -> None:
    secret = add_user(hq_server, ADMIN[0], "admin", ADMIN[1])
    assert secret is not None
    visitor = Visitor(hq_server)
    assert visitor.login(*ADMIN)[0] == 401  # the password alone is not enough
    assert visitor.login(*ADMIN, code="000000" if totp_now(secret) != "000000" else "111111"
                         )[0] == 401
    code = totp_now(secret)
    assert visitor.login(*ADMIN, code=code) == (303, "/room/")
    assert Visitor(hq_server).login(*ADMIN, code=code)[0] == 401  # a replayed code


def test_pages_need_a_session_and_take_only_valid_parameters(hq_server: RunningHQ) -> None:
    secret = add_user(hq_server, ADMIN[0], "admin", ADMIN[1])
    assert secret is not None
    device = Device(hq_server)
    assert device.enrol(hq_server.enrol_code(), name="<script>alert(1)</script>").status == 200
    anonymous = Visitor(hq_server)
    for path in ("/room/", f"/room/devices/{device.id}", f"/room/devices/{device.id}/records/1",
                 "/room/alerts/00000000-0000-0000-0000-000000000000", "/room/admin/users",
                 "/room/admin/access-log"):
        status, headers, _ = anonymous.request("GET", path)
        assert (status, headers["location"]) == (303, "/room/login"), path
    assert anonymous.request("POST", "/room/admin/enrol-code", {"csrf": "z" * 43})[0] == 303

    admin = Visitor(hq_server)
    assert admin.login(*ADMIN, code=totp_now(secret))[0] == 303
    status, headers, page = admin.request("GET", "/room/")
    assert status == 200 and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    for path, expected in (("/room/?device=1", 400), ("/room/devices/ZZ", 400),
                           (f"/room/devices/{device.id}?x=1", 400),
                           ("/room/devices/0123456789abcdef", 404),
                           (f"/room/devices/{device.id}/records/1", 404),
                           (f"/room/devices/{device.id}/records/{2**64}", 400),
                           ("/room/alerts/not-an-id", 400),
                           ("/room/admin/access-log?page=0", 400),
                           ("/room/admin/access-log?page=1&page=2", 400),
                           ("/room/admin/access-log?page=99", 400),
                           ("/room/admin/access-log?page=1", 200)):
        assert admin.request("GET", path)[0] == expected, path
    # The enrolment code needs the session's CSRF token.
    assert admin.request("POST", "/room/admin/enrol-code", {"csrf": "z" * 43})[0] == 403
    _status, _headers, page = admin.request("GET", "/room/admin/users")
    status, _headers, page = admin.request("POST", "/room/admin/enrol-code",
                                           {"csrf": admin.csrf(page)})
    code = re.search(r'id="enrol-code">([0-9a-z]+-[0-9a-z]+)<', page)
    assert status == 200 and code is not None
    assert Device(hq_server).enrol(code.group(1)).status == 200  # a code that works
    # Every one of those views is in the log, refused ones with their status.
    logged = {(r["page"], r["status"]) for r in hq_rows(hq_server, "SELECT * FROM web_access_log")}
    assert {("overview", 200), ("overview", 400), ("device", 404), ("access-log", 400),
            ("enrol-code", 403), ("enrol-code", 200), ("login", 200)} <= logged


def test_the_legal_office_reads_but_is_refused_the_administrators_pages(
        hq_server: RunningHQ) -> None:
    add_user(hq_server, "li", "legal", "Legal-office-2026")
    legal = Visitor(hq_server)
    assert legal.login("li", "Legal-office-2026") == (303, "/room/")
    status, _headers, page = legal.request("GET", "/room/")
    assert status == 200 and "li（法制员（只读））" in page and "用户管理" not in page
    for path in ("/room/admin/users", "/room/admin/access-log"):
        status, _headers, page = legal.request("GET", path)
        assert status == 403 and "无权访问" in page


def test_sessions_expire_when_idle_and_the_cookie_is_secure_off_loopback(
        tmp_path: Path) -> None:
    db = open_database(tmp_path / "hq.db")
    try:
        add_user_row(db, b"\0" * 32, "zhang", "supervisor", "Supervise-2026!", 0)
        user = User("zhang", "supervisor")
        session_id = start_session(db, user, 1_000)

        def request(host: str, cookie: str) -> Request:
            return Request({"type": "http", "method": "GET", "path": "/room/", "scheme": "http",
                            "query_string": b"", "server": (host, 80),
                            "headers": [(b"host", host.encode()),
                                        (b"cookie", f"{COOKIE}={cookie}".encode())]})

        live = lookup(db, request("127.0.0.1", session_id), 1_000 + IDLE_MS - 1)
        assert live is not None and live.user == user  # and its idle expiry moved on
        assert lookup(db, request("127.0.0.1", session_id), 1_000 + 2 * IDLE_MS - 2) is not None
        assert lookup(db, request("127.0.0.1", session_id), 1_000 + 4 * IDLE_MS) is None
        assert lookup(db, request("127.0.0.1", "forged"), 2_000) is None
        # The database holds the session id's hash, never the id the cookie carries.
        assert db.one("SELECT 1 FROM web_sessions WHERE id_hash = ?", (session_id,)) is None

        response = Response()
        set_cookie(request("hq.bureau.example", ""), response, COOKIE, "v", None)
        assert "Secure" in response.headers["set-cookie"]
    finally:
        db.close()


def test_the_overview_derives_gap_and_clock_alerts(hq_server: RunningHQ) -> None:
    add_user(hq_server, *SUPERVISOR[:1], "supervisor", SUPERVISOR[1])
    device = enrolled(hq_server)
    data = b"pen capture"
    # Records 1 and 2 never arrive; the device's clock is 10 minutes behind HQ's.
    entry = device.entry(RecordKind.SIGNATURE_CAPTURE, "st/p/3", data, seq=3)
    behind = time.time_ns() // 1_000_000 - 10 * 60 * 1000
    body = {"v": 1, "entry": entry.to_json(), "payload_b64": base64.b64encode(data).decode()}
    reply = device.call("POST", "/v1/records", canonical_json(body),
                        {"Content-Type": "application/json"}, time_ms=behind)
    assert reply.status == 200, reply.body
    visitor = Visitor(hq_server)
    assert visitor.login(*SUPERVISOR)[0] == 303
    _status, _headers, page = visitor.request("GET", "/room/")
    alerts = page.split('<table class="alerts">', 1)[1].split("</table>", 1)[0]
    assert "记录序号缺失" in alerts and "缺失序号：1, 2" in alerts
    assert "终端时钟偏差过大" in alerts and "（阈值 300 秒）" in alerts
    assert re.search(r"时钟偏差 -(599|600)\.\d 秒", alerts)
    _status, _headers, page = visitor.request("GET", f"/room/devices/{device.id}")
    assert "记录序号缺失：1, 2" in page and "签名笔迹" in page
    assert re.search(r"终端时钟偏差过大：-(599|600)\.\d 秒", page)

