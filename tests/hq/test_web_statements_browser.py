"""The room's "案件与笔录" in a real browser: Debian's chromium, headless, under Playwright.

A store made with `statement-room init` signs a statement with the desktop's own code and
syncs it to one HQ process with the real sync engine; the test device sends its context (as
in test_web_statements.py). In the browser a supervisor logs in, opens 案件与笔录, finds the
statement by searching two characters of the party's name, opens it, and sees the party, the
turns, the audit events proven under the countersigned head and the signed PDF's pages as
images (each loaded by the browser: the CSP lets the room's own images through).

Screenshots go to a temporary folder, or to ``docs/screenshots/hq/`` with
``SR_HQ_SCREENSHOTS=docs/screenshots/hq``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.cli.helpers import last_json, run_cli
from tests.cli.test_cli_end_to_end import CASE_NUMBER, FIRST, login, ok, set_up_unit
from tests.hq.test_web_browser import log_in, page
from tests.hq.test_web_statements import ANSWER, PARTY_NAME, Signed, signed_statement, synced
from tests.hq.web_support import add_user, hq_rows
from tests.support.hq_server import RunningHQ, start_hq

__all__ = ["page"]

SUPERVISOR = ("李监察", "Supervise-2026!")


@dataclass
class Room:
    hq: RunningHQ
    statement: str
    device: str
    shots: Path


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    base = tmp_path_factory.mktemp("statements-room")
    hq = start_hq(base / "hq")
    try:
        store, _ca = set_up_unit(base)
        statement = signed_statement(store)
        shown = last_json(ok(run_cli("statement", "show", "--workdir", str(store), statement,
                                     "--json", env=login(FIRST))).stdout)
        signed = Signed(store, statement, (*shown["interviewers"], shown["recorder"]))
        (base / "synced").mkdir()
        device = synced(signed, hq, base / "synced")
        add_user(hq, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
        shots = Path(os.environ.get("SR_HQ_SCREENSHOTS") or base / "shots")
        shots.mkdir(parents=True, exist_ok=True)
        yield Room(hq, statement, device, shots)
    finally:
        hq.stop()
    assert "Traceback" not in hq.log(), hq.log()


def shot(room: Room, page: Page, name: str) -> None:
    page.screenshot(path=str(room.shots / f"{name}.png"), full_page=True)


def test_a_supervisor_finds_a_statement_and_sees_its_turns_proofs_and_pages(
        room: Room, page: Page) -> None:
    log_in(room.hq.url, page, SUPERVISOR)
    page.locator("nav a", has_text="案件与笔录").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "案件与笔录"
    latest = page.locator("table.statements tbody tr")
    assert latest.count() == 1 and PARTY_NAME in latest.first.inner_text()
    shot(room, page, "10-statements")

    page.fill("input[name=q]", PARTY_NAME[2:])  # two characters of the party's name
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    assert f"检索“{PARTY_NAME[2:]}”" in page.locator("main").inner_text()
    found = page.locator("table.statements tbody tr")
    assert found.count() == 1
    row = found.first.inner_text()
    assert CASE_NUMBER in row and PARTY_NAME in row and FIRST[0] in row
    shot(room, page, "11-statements-search")

    found.first.locator("a", has_text=CASE_NUMBER).click()
    page.wait_for_load_state()
    assert page.url == f"{room.hq.url}/room/statements/{room.statement}"
    assert page.locator("dd.party-name").inner_text() == PARTY_NAME
    turns = page.locator("ol.turns li")
    assert turns.count() > 4 and ANSWER in page.locator("ol.turns").inner_text()
    head = hq_rows(room.hq, "SELECT tree_size FROM audit_heads WHERE device = ?",
                   (room.device,))[0]["tree_size"]
    proofs = page.locator("table.events tbody tr", has_text=f"已验证包含于第 {head} 号树头")
    assert proofs.count() >= 3
    assert page.locator("table.events", has_text="未能验证").count() == 0
    images = page.locator("section.pages img")
    assert images.count() >= 1
    images.last.scroll_into_view_if_needed()
    for index in range(images.count()):  # every page image loaded, at its natural size
        width = images.nth(index).evaluate("img => img.naturalWidth")
        assert width == 794
    shot(room, page, "12-statement")
