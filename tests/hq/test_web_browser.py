"""The supervision room in a real browser: Debian's chromium, headless, driven by Playwright.

One HQ process and one store made with `statement-room init` serve the whole module: the
store enrols and syncs, is then put back to an older backup and works on, so its next sync
raises HQ's rolled-back-store alert (as in test_audit_leaves.py). Then, in the browser: a
supervisor logs in, sees the device with its last sync and officers, the alert, the device's
page and one of its records; is refused the administrators' pages (403 in the browser); an
administrator cannot log in without the TOTP code and can with it, sees the users, issues an
enrolment code and reads the access log, where every view above is.

Screenshots of every page go to a temporary folder, or to ``docs/screenshots/hq/`` with
``SR_HQ_SCREENSHOTS=docs/screenshots/hq python3 -m pytest tests/hq/test_web_browser.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response

from desktop.services.backup import create_backup
from desktop.services.backup_restore import restore_backup
from desktop.services.sync_round import enrol, run_round
from tests.cli.helpers import run_cli
from tests.cli.test_cli_end_to_end import ADMIN as OFFICER
from tests.cli.test_cli_end_to_end import UNIT, login, ok
from tests.hq.test_audit_leaves import add_events, device_id, open_store
from tests.hq.web_support import add_user, browser, hq_rows, totp_now
from tests.support.hq_server import RunningHQ, start_hq

SUPERVISOR = ("张监察", "Supervise-2026!")
ADMIN = ("root", "Administer-2026!")


@dataclass
class Room:
    hq: RunningHQ
    device: str
    admin_secret: str
    shots: Path


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    base = tmp_path_factory.mktemp("room")
    hq = start_hq(base / "hq")
    try:
        workdir = base / "store"
        ok(run_cli("init", "--workdir", str(workdir), "--name", OFFICER[0], "--certificate",
                   OFFICER[1], "--unit", UNIT, env=login(OFFICER)))
        store = open_store(workdir)
        try:
            enrol(store, hq.url, hq.enrol_code())
            assert run_round(store).complete
            device = device_id(store)
            create_backup(store, base / "drive")
            add_events(store, 20)
            assert run_round(store).complete
        finally:
            store.close()
        restore_backup(base / "drive", workdir, OFFICER[1], OFFICER[2], force=True)
        rolled = open_store(workdir)
        try:
            add_events(rolled, 30)
            run_round(rolled)  # refused by HQ: the rolled-back store's alert
        finally:
            rolled.close()
        add_user(hq, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
        secret = add_user(hq, ADMIN[0], "admin", ADMIN[1])
        assert secret is not None
        shots = Path(os.environ.get("SR_HQ_SCREENSHOTS") or base / "shots")
        shots.mkdir(parents=True, exist_ok=True)
        yield Room(hq, device, secret, shots)
    finally:
        hq.stop()
    assert "Traceback" not in hq.log(), hq.log()


@pytest.fixture
def page() -> Iterator[Page]:
    """A page of a browser of its own (Playwright's threads end with it)."""
    with browser() as chromium:
        context = chromium.new_context(viewport={"width": 1366, "height": 768},
                                       locale="zh-CN")
        try:
            yield context.new_page()
        finally:
            context.close()


def shot(room: Room, page: Page, name: str) -> None:
    page.screenshot(path=str(room.shots / f"{name}.png"), full_page=True)


def log_in(hq_url: str, page: Page, user: tuple[str, str], code: str = "") -> Response:
    """Log in to the room at ``hq_url`` through its form, as a person would."""
    page.goto(f"{hq_url}/room/")
    assert page.url.endswith("/room/login")  # no page without a session
    page.fill("input[name=name]", user[0])
    page.fill("input[name=password]", user[1])
    if code:
        page.fill("input[name=code]", code)
    with page.expect_navigation() as navigation:
        page.click("button[type=submit]")
    return navigation.value


def test_a_supervisor_sees_the_synced_device_and_the_alert_of_its_rolled_back_store(
        room: Room, page: Page) -> None:
    page.goto(f"{room.hq.url}/room/login")
    shot(room, page, "1-login")
    log_in(room.hq.url, page, SUPERVISOR)
    assert page.url == f"{room.hq.url}/room/"
    assert page.locator("h1").inner_text() == "监察总览"
    assert f"{SUPERVISOR[0]}（监察员）" in page.locator("header").inner_text()
    devices = page.locator("table", has_text="最近同步")
    row = devices.locator("tr", has_text=room.device)
    assert row.count() == 1
    assert "在用" in row.inner_text() and OFFICER[0] in row.inner_text()  # its officer
    assert "已会签至" in row.inner_text()
    alerts = page.locator("table.alerts")
    alert = alerts.locator("tr", has_text="审计链不一致（疑似存储被回滚）")
    assert alert.count() >= 1 and room.device in alert.first.inner_text()
    # Administrators' links are not offered to a supervisor.
    assert page.locator("nav a", has_text="用户管理").count() == 0
    shot(room, page, "2-overview")

    alert.first.locator("a", has_text="审计链不一致").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "告警：审计链不一致（疑似存储被回滚）"
    assert "rolled-back" in page.locator("dd.msg").inner_text()
    assert "恢复为旧备份" in page.locator("p.hint").inner_text()
    shot(room, page, "3-alert")

    page.locator("dd a", has_text=room.device).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == f"终端 {room.device}"
    facts = page.locator("dl.facts").inner_text()
    countersigned = hq_rows(room.hq, "SELECT tree_size FROM audit_heads WHERE device = ?",
                            (room.device,))[0]["tree_size"]
    assert f"总部持有 {countersigned} 条审计事件" in facts
    assert f"{countersigned} 条，根哈希" in facts  # the last countersigned head
    records = page.locator("table", has_text="回执").last
    held = hq_rows(room.hq, "SELECT count(*) AS n FROM records WHERE device = ?",
                   (room.device,))[0]["n"]
    assert page.locator("h2", has_text=f"记录（{held}）").count() == 1
    shot(room, page, "4-device")

    records.locator("tbody tr a").first.click()
    page.wait_for_load_state()
    assert page.locator("dt", has_text="SHA-256").count() == 1
    shot(room, page, "5-record")


def test_a_supervisor_cannot_reach_the_administrators_pages(room: Room, page: Page) -> None:
    log_in(room.hq.url, page, SUPERVISOR)
    for path in ("/room/admin/users", "/room/admin/access-log"):
        response = page.goto(f"{room.hq.url}{path}")
        assert response is not None and response.status == 403
        assert page.locator("h1").inner_text() == "无权访问"
    shot(room, page, "6-forbidden")
    # Nor issue an enrolment code, even with its own session's CSRF token.
    token = page.locator("input[name=csrf]").first.input_value()
    answer = page.request.post(f"{room.hq.url}/room/admin/enrol-code", form={"csrf": token})
    assert answer.status == 403 and "enrol-code" not in answer.text()


def test_an_administrator_gives_the_totp_code_and_reads_who_looked_at_what(
        room: Room, page: Page) -> None:
    response = log_in(room.hq.url, page, ADMIN)  # without the code
    assert response.status == 401 and page.url.endswith("/room/login")
    assert "管理员须输入动态验证码" in page.locator("p.error").inner_text()
    shot(room, page, "7-login-refused")
    page.fill("input[name=password]", ADMIN[1])
    page.fill("input[name=code]", totp_now(room.admin_secret))
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == f"{room.hq.url}/room/"

    page.locator("nav a", has_text="用户管理").click()
    page.wait_for_load_state()
    table = page.locator("table").inner_text()
    assert SUPERVISOR[0] in table and "监察员" in table and "管理员" in table
    page.click("text=生成终端注册码")
    page.wait_for_load_state()
    assert page.locator("#enrol-code").inner_text().count("-") == 1
    shot(room, page, "8-users")

    page.locator("nav a", has_text="访问记录").click()
    page.wait_for_load_state()
    log = page.locator("table").inner_text()
    shot(room, page, "9-access-log")
    # Every view of the tests before is in the log, by whom, which page and which ids.
    rows = hq_rows(room.hq, "SELECT * FROM web_access_log ORDER BY at_ms")
    seen = {(r["user_name"], r["page"], r["status"], r["device"]) for r in rows}
    supervisor = SUPERVISOR[0]
    assert {(supervisor, "login", 200, None), (supervisor, "overview", 200, None),
            (supervisor, "alert", 200, room.device), (supervisor, "device", 200, room.device),
            (supervisor, "record", 200, room.device), (supervisor, "users", 403, None),
            (supervisor, "access-log", 403, None), (supervisor, "enrol-code", 403, None),
            (ADMIN[0], "users", 200, None), (ADMIN[0], "enrol-code", 200, None),
            (ADMIN[0], "access-log", 200, None)} <= seen
    record = next(r for r in rows if r["page"] == "record")
    assert record["record"] in log  # the record's id, as the page showed it
    assert "告警详情" in log and "终端详情" in log and room.device in log
