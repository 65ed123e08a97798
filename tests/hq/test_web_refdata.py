"""The room's reference data page (基础数据), against a real HQ process on both lanes: an
administrator publishes from the page through the same `hq.refdata.publish` as the command
line (the device then gets exactly those bytes under HQ's signed manifest), a supervisor is
refused, a form without the session's CSRF token is refused, and a device fetching a dataset
shows up in the device x dataset table, marked when it runs an older version."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from sync.protocol.refdata import RefManifest
from sync.protocol.signing import Signed
from tests.hq.client import Device, enrolled
from tests.hq.test_refdata import publish as publish_by_cli
from tests.hq.test_web_accounts import Visitor
from tests.hq.web_support import add_user, browser, hq_rows, totp_now
from tests.support.hq_server import RunningHQ, start_hq

SUPERVISOR = ("qian", "Supervise-2026!")
ADMIN = ("sun", "Administer-2026!")
PHRASES = {"phrases": [{"label": "告知权利", "text": "你有陈述和申辩的权利。"}]}


def device_row(page: str, device: str) -> str:
    """The device x dataset table's row of ``device``, its tags stripped."""
    table = page.split('class="refdata-devices"', 1)[1].split("</table>", 1)[0]
    row = table.split(f">{device}</a>", 1)[1].split("</tr>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))


def fetch_current(device: Device, name: str) -> bytes:
    reply = device.call("GET", "/v1/ref/manifest")
    manifest = Signed.from_json(reply.json(), RefManifest)
    assert device.pinned is not None and manifest.verify(device.pinned)
    offered = manifest.body.datasets[name]
    data = device.call("GET", f"/v1/ref/{name}/{offered.version}").body
    assert hashlib.sha256(data).hexdigest() == offered.sha256
    return data


def test_an_administrator_publishes_and_sees_which_device_runs_which_version(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    early, late = enrolled(hq_server), enrolled(hq_server)
    publish_by_cli(hq_server, tmp_path, "roster", b'{"officers": []}')
    secret = add_user(hq_server, ADMIN[0], "admin", ADMIN[1])
    assert secret is not None
    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    admin = Visitor(hq_server)
    assert admin.login(*ADMIN, code=totp_now(secret))[0] == 303
    status, _headers, page = admin.request("GET", "/room/refdata")
    assert status == 200 and "服务器命令行" in page  # roster 1 came from the command line
    assert "未获取" in device_row(page, early.id)
    token = admin.csrf(page)

    # Publish templates from the page; the text as typed, CRLF line ends made LF.
    text = json.dumps(PHRASES, ensure_ascii=False, indent=1)
    status, _headers, page = admin.request("POST", "/room/refdata/publish", {
        "csrf": token, "name": "templates", "data": text.replace("\n", "\r\n")})
    assert status == 200 and "第 1 版已发布" in page
    status, _headers, page = admin.request("POST", "/room/refdata/publish", {
        "csrf": token, "name": "templates", "data": text})
    assert status == 200 and "未发布新版本" in page  # the same bytes publish nothing
    rows = hq_rows(hq_server, "SELECT name, version, published_by, sha256 FROM ref_datasets "
                   "ORDER BY name, version")
    assert [(r["name"], r["version"], r["published_by"]) for r in rows] == [
        ("roster", 1, None), ("templates", 1, ADMIN[0])]
    assert rows[1]["sha256"] in page
    # The device receives exactly the text, under HQ's signed manifest.
    assert fetch_current(early, "templates") == text.encode("utf-8")
    assert fetch_current(early, "roster") == b'{"officers": []}'
    assert fetch_current(late, "roster") == b'{"officers": []}'

    # A newer roster: the device that has not fetched it yet runs an older version.
    status, _headers, page = admin.request("POST", "/room/refdata/publish", {
        "csrf": token, "name": "roster", "data": '{"officers": [{"name": "王警官"}]}'})
    assert status == 200 and "第 2 版已发布" in page
    fetch_current(late, "roster")
    status, _headers, page = admin.request("GET", "/room/refdata")
    early_row, late_row = device_row(page, early.id), device_row(page, late.id)
    assert "第 1 版 （旧版本）" in early_row and "第 1 版" in early_row.split("（旧版本）")[1]
    assert "第 2 版" in late_row and "旧版本" not in late_row and "未获取" in late_row
    fetched = hq_rows(hq_server, "SELECT device, name, version FROM ref_fetches "
                      "ORDER BY device, name")
    assert {(r["device"], r["name"], r["version"]) for r in fetched} == {
        (early.id, "roster", 1), (early.id, "templates", 1), (late.id, "roster", 2)}
    # Fetching an older version again does not make the device look older.
    late.call("GET", "/v1/ref/roster/1")
    assert ("roster", 2) in {(r["name"], r["version"]) for r in hq_rows(
        hq_server, "SELECT name, version FROM ref_fetches WHERE device = ?", (late.id,))}

    # No CSRF token, or another one: refused, nothing published.
    for form in ({"name": "roster", "data": "{}"},
                 {"csrf": "x" * 43, "name": "roster", "data": "{}"}):
        assert admin.request("POST", "/room/refdata/publish", form)[0] == 403
    # An unknown dataset name is refused like the command line refuses it.
    assert admin.request("POST", "/room/refdata/publish", {
        "csrf": token, "name": "Roster!", "data": "{}"})[0] == 400
    assert len(hq_rows(hq_server, "SELECT * FROM ref_datasets")) == 3

    # A supervisor sees the page, without the form, and may not publish.
    supervisor = Visitor(hq_server)
    assert supervisor.login(*SUPERVISOR)[0] == 303
    status, _headers, page = supervisor.request("GET", "/room/refdata")
    assert status == 200 and "发布新版本" not in page and "第 2 版" in page
    status, _headers, page = supervisor.request("POST", "/room/refdata/publish", {
        "csrf": supervisor.csrf(page), "name": "roster", "data": "{}"})
    assert status == 403
    assert len(hq_rows(hq_server, "SELECT * FROM ref_datasets")) == 3

    # Who published what, and who tried, is in the access log.
    logged = {(r["user_name"], r["page"], r["status"], r["record"]) for r in hq_rows(
        hq_server, "SELECT * FROM web_access_log")}
    assert {(ADMIN[0], "refdata-publish", 200, "templates/1"),
            (ADMIN[0], "refdata-publish", 200, "roster/2"),
            (ADMIN[0], "refdata-publish", 403, None),
            (SUPERVISOR[0], "refdata-publish", 403, None),
            (SUPERVISOR[0], "refdata", 200, None)} <= logged


def test_publishing_in_a_browser(tmp_path: Path) -> None:
    """Debian's chromium: an administrator publishes a roster with the page's form and sees
    the device x dataset table; a screenshot into ``SR_HQ_SCREENSHOTS``."""
    hq = start_hq(tmp_path / "hq")
    try:
        up_to_date, behind = enrolled(hq), enrolled(hq)
        publish_by_cli(hq, tmp_path, "roster", b'{"officers": []}')
        publish_by_cli(hq, tmp_path, "templates", json.dumps(PHRASES).encode())
        fetch_current(behind, "roster")
        secret = add_user(hq, ADMIN[0], "admin", ADMIN[1])
        assert secret is not None
        shots = Path(os.environ.get("SR_HQ_SCREENSHOTS") or tmp_path / "shots")
        shots.mkdir(parents=True, exist_ok=True)
        with browser() as chromium:
            context = chromium.new_context(viewport={"width": 1366, "height": 768},
                                           locale="zh-CN")
            try:
                page = context.new_page()
                page.goto(f"{hq.url}/room/login")
                page.fill("input[name=name]", ADMIN[0])
                page.fill("input[name=password]", ADMIN[1])
                page.fill("input[name=code]", totp_now(secret))
                with page.expect_navigation():
                    page.click("button[type=submit]")
                page.locator("nav a", has_text="基础数据").click()
                page.wait_for_load_state()
                assert page.locator("h1").inner_text() == "基础数据"
                page.select_option("select[name=name]", "roster")
                page.fill("textarea[name=data]", json.dumps(
                    {"officers": [{"name": "王警官", "number": "110001"}]},
                    ensure_ascii=False, indent=1))
                with page.expect_navigation() as navigation:
                    page.click("form.publish button[type=submit]")
                assert navigation.value.status == 200
                assert "第 2 版已发布" in page.locator("p.published").inner_text()
                fetch_current(up_to_date, "roster")
                fetch_current(up_to_date, "templates")
                page.goto(f"{hq.url}/room/refdata")
                table = page.locator("table.refdata-devices")
                assert "旧版本" not in table.locator("tr", has_text=up_to_date.id).inner_text()
                assert "旧版本" in table.locator("tr", has_text=behind.id).inner_text()
                versions = page.locator("table.refdata-versions").first.inner_text()
                assert ADMIN[0] in versions and "服务器命令行" in versions
                page.screenshot(path=str(shots / "refdata.png"), full_page=True)
            finally:
                context.close()
    finally:
        hq.stop()
    assert "Traceback" not in hq.log(), hq.log()
