"""Issue 16's acceptance on the demo itself: the headless demo runs with its own HQ (which
takes the demo unit's root, so it issues the device's certificate and judges statements),
then that HQ serves the supervision room. In a real browser a supervisor finds the demo's
statement by a word the party said, sees the verdict HQ recomputed ("验证通过") and the audit
events proven under the device's countersigned tree head, follows the case's evidence to a
body-worn recorder's clip and sees its GPS track drawn; every view of the party is in HQ's
access log, with the party's id.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from desktop.services.demo import run_demo
from tests.hq.test_web_browser import log_in, page
from tests.hq.web_support import add_user, hq_rows
from tests.support.hq_server import RunningHQ, start_hq

__all__ = ["page"]

SUPERVISOR = ("王监察", "Supervise-2026!")
WORD = "人行道"  # in the demo party's answers (the demo searches it too)


@dataclass
class Demo:
    hq: RunningHQ
    result: dict[str, Any]
    shots: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    workdir = tmp_path_factory.mktemp("demo") / "demo-store"
    result = run_demo(workdir, lambda _line: None, with_hq=True)
    assert result["sync"]["pending"] == 0
    hq = start_hq(workdir / "hq")  # the demo's HQ, serving again after the demo ended
    try:
        add_user(hq, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
        shots = Path(os.environ.get("SR_HQ_SCREENSHOTS") or workdir.parent / "shots")
        shots.mkdir(parents=True, exist_ok=True)
        yield Demo(hq, result, shots)
    finally:
        hq.stop()
    assert "Traceback" not in hq.log(), hq.log()


def test_a_supervisor_finds_the_demo_statement_with_its_verdict_proofs_and_gps_track(
        demo: Demo, page: Page) -> None:
    log_in(demo.hq.url, page, SUPERVISOR)
    page.locator("nav a", has_text="案件与笔录").click()
    page.wait_for_load_state()
    page.fill("input[name=q]", WORD)
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    found = page.locator("table.statements tbody tr")
    assert found.count() == 1
    found.first.locator("a").first.click()
    page.wait_for_load_state()
    statement = demo.result["statement"]
    assert page.url == f"{demo.hq.url}/room/statements/{statement}"

    verdict = page.locator("section.verdict")
    assert verdict.locator("p.ok").inner_text().startswith("验证通过")
    assert verdict.locator("td.bad").count() == 0
    head = hq_rows(demo.hq, "SELECT tree_size FROM audit_heads")[0]["tree_size"]
    proven = page.locator("table.events tbody tr", has_text=f"已验证包含于第 {head} 号树头")
    assert proven.count() >= 3
    assert page.locator("table.events", has_text="未能验证").count() == 0
    page.screenshot(path=str(demo.shots / "20-demo-statement.png"), full_page=True)

    # The penalty the demo decided reached HQ in its last round (decision 53): the case page
    # shows the amount and both signed documents, verified, for the supervisor to download.
    page.locator("a", has_text="查看本案的处罚决定、法制审核与文书").click()
    page.wait_for_load_state()
    penalty = demo.result["penalty"]
    assert page.locator("section.decisions dd.amount").inner_text().startswith(
        f"罚款人民币 {penalty['amount']} 元")
    numbers = page.locator("table.documents td.number").all_inner_texts()
    assert numbers == [d["number"] for d in penalty["documents"]]
    verdicts = page.locator("table.documents td span.ok").all_inner_texts()
    assert len(verdicts) == 2 and all(v.startswith("验证通过") for v in verdicts), verdicts
    assert page.locator("table.documents a", has_text="下载签名PDF").count() == 2
    page.screenshot(path=str(demo.shots / "22-demo-case-penalty.png"), full_page=True)
    page.go_back()

    page.locator("a", has_text="查看本案证据").click()
    page.wait_for_load_state()
    rows = page.locator("main table tbody tr")
    assert rows.count() == demo.result["evidence"]
    items = hq_rows(demo.hq, "SELECT item FROM room_evidence WHERE has_gps = 1 "
                             "ORDER BY item")
    assert items, "the demo's recorder has clips with a GPS sidecar"
    page.goto(f"{demo.hq.url}/room/evidence/{items[0]['item']}")
    track = page.locator("svg.track path")
    assert track.count() >= 1
    page.screenshot(path=str(demo.shots / "21-demo-gps-track.png"), full_page=True)

    views = hq_rows(demo.hq, "SELECT page, party FROM web_access_log WHERE user_name = ? "
                             "AND party IS NOT NULL", (SUPERVISOR[0],))
    assert {v["party"] for v in views} == {demo.result["party"]}
    assert {"statements", "statement", "evidence-item"} <= {v["page"] for v in views}
