"""The room's statistics (统计), against a real HQ process on both lanes: statements reach HQ
as a device sends them (``statement`` and ``statement_context`` records built with the
protocol's classes, over the wire protocol), then the page's figures and each CSV download
are checked against what was sent: cases by matter and unit, statements per officer (an
officer id with a LIKE wildcard in it counts only its own), interview lengths, and the sync
delay per device (median and nearest-rank p90 of HQ's receipt time minus the end)."""

from __future__ import annotations

import csv
import io
import math
import os
import statistics
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from hq.web.statistics import CHART_BAR_W, chart, duration
from sync.protocol.context import CaseSnapshot, OfficerSnapshot, PartySnapshot, StatementContext
from sync.protocol.records import RecordKind
from sync.protocol.statement import ContentTurn, StatementContent
from tests.hq.client import Device, enrolled
from tests.hq.test_web_accounts import Visitor
from tests.hq.web_support import add_user, browser, hq_rows
from tests.support.hq_server import RunningHQ, start_hq

BEIJING = timezone(timedelta(hours=8))
SUPERVISOR = ("zhao", "Supervise-2026!")
# "off_1" and "offA1": a LIKE without escaping would count offA1's statements for off_1.
WANG = OfficerSnapshot("off_1", "王警官", "110001", "城关派出所")
LI = OfficerSnapshot("offA1", "李警官", "110002", "城关派出所")
ZHOU = OfficerSnapshot("off-3", "周警官", "110003", "城南派出所")
WU = OfficerSnapshot("off-4", "=吴警官", "110004", "城南派出所")  # a formula, in a CSV


@dataclass(frozen=True)
class Sent:
    statement: str
    device: str
    minutes: int


def party() -> PartySnapshot:
    return PartySnapshot(id=str(uuid.uuid4()), id_kind="resident_id",
                         id_number="110101199001011234", name="张三（合成）", sex="male",
                         nation="汉", birth_date=None,
                         address="合成地址", authority="合成公安局", valid_from=None,
                         valid_until=None, phone="", workplace="", source="manual")


def send_statement(device: Device, *, case: str, matter: str | None, kind: str,
                   minutes: int, ended_hours_ago: float,
                   officers: tuple[OfficerSnapshot, ...]) -> Sent:
    """A sealed statement's content, and (unless ``matter`` is None) its context."""
    ended = datetime.now(BEIJING) - timedelta(hours=ended_hours_ago)
    started = ended - timedelta(minutes=minutes)
    statement_id = str(uuid.uuid4())
    interviewer_a, interviewer_b, recorder = officers
    content = StatementContent(
        id=statement_id, case=case, kind=kind, place="询问室",
        started_at=started.isoformat(timespec="seconds"),
        ended_at=ended.isoformat(timespec="seconds"),
        interviewers=(interviewer_a.id, interviewer_b.id), recorder=recorder.id,
        interviewee="party", addendum_of=None,
        turns=(ContentTurn("t1", 1, "question", None, 1, "问"),))
    data = content.canonical_bytes()
    reply = device.send(device.entry(RecordKind.STATEMENT, statement_id, data), data)
    assert reply.status == 200, reply.body
    if matter is not None:
        named = tuple({o.id: o for o in officers}.values())
        context = StatementContext(statement_id, CaseSnapshot(case, f"{case}号", "案由", matter,
                                                              "地点"), party(), named)
        data = context.canonical_bytes()
        reply = device.send(device.entry(RecordKind.STATEMENT_CONTEXT, statement_id, data), data)
        assert reply.status == 200, reply.body
    return Sent(statement_id, device.id, minutes)


def csv_table(visitor: Visitor, query: str) -> list[list[str]]:
    status, headers, body = visitor.request("GET", f"/room/statistics?{query}")
    assert status == 200, body
    assert headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"]
    assert body.startswith("\ufeff")  # a spreadsheet then reads UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def beijing_days_ago(days: int) -> str:
    return (datetime.now(UTC).astimezone(BEIJING).date() - timedelta(days=days)).isoformat()


def test_the_bureau_s_figures_are_what_the_devices_sent(hq_server: RunningHQ) -> None:
    north, south = enrolled(hq_server), enrolled(hq_server)
    sent = [
        send_statement(north, case="C1", matter="治安管理", kind="inquiry", minutes=30,
                       ended_hours_ago=70, officers=(WANG, LI, LI)),
        send_statement(north, case="C1", matter="治安管理", kind="inquiry", minutes=60,
                       ended_hours_ago=47, officers=(LI, WANG, WANG)),
        # Zhou of the other unit interviews here: the statement is counted for Li's unit.
        send_statement(north, case="C2", matter="交通管理", kind="defence", minutes=45,
                       ended_hours_ago=22, officers=(LI, ZHOU, LI)),
        send_statement(south, case="C3", matter="治安管理", kind="inquiry", minutes=20,
                       ended_hours_ago=3, officers=(ZHOU, WU, WU)),
    ]
    # Before the default 30 days; and one whose context has not reached HQ.
    old = send_statement(south, case="C4", matter="消防管理", kind="inquiry", minutes=90,
                         ended_hours_ago=40 * 24, officers=(ZHOU, WU, WU))
    send_statement(south, case="C5", matter=None, kind="hearing", minutes=10,
                   ended_hours_ago=1, officers=(ZHOU, WU, WU))
    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    visitor = Visitor(hq_server)
    assert visitor.login(*SUPERVISOR)[0] == 303
    status, _headers, page = visitor.request("GET", "/room/statistics")
    assert status == 200
    assert "<script" not in page and "<svg" in page and "各执法事项案件数" in page

    # Cases by matter and unit: C1 counted once though it has two statements.
    cases = csv_table(visitor, "format=csv&table=cases")
    assert cases == [["执法事项", "单位", "案件数", "笔录数"],
                     ["交通管理", "城关派出所", "1", "1"], ["治安管理", "城关派出所", "1", "2"],
                     ["治安管理", "城南派出所", "1", "1"],
                     ["（案件信息未送达）", "（案件信息未送达）", "1", "1"]]
    assert "<b>4</b>案件" in page and "<b>5</b>笔录" in page

    # Statements per officer: interviewer, of them leading, recorder.
    officers = csv_table(visitor, "format=csv&table=officers")
    assert officers[0] == ["执法人员", "执法证号", "单位", "笔录数", "作为询问人", "其中主问",
                           "作为记录人"]
    assert officers[1:] == [
        ["周警官", "110003", "城南派出所", "3", "3", "2", "0"],
        ["李警官", "110002", "城关派出所", "3", "3", "2", "2"],
        ["'=吴警官", "110004", "城南派出所", "2", "2", "0", "2"],  # not a formula
        ["王警官", "110001", "城关派出所", "2", "2", "1", "1"]]

    # Interview lengths per kind: inquiry (30, 60, 20 min), defence 45, hearing 10.
    lengths = csv_table(visitor, "format=csv&table=lengths")
    assert lengths == [["笔录种类", "笔录数", "平均时长（秒）", "最短（秒）", "最长（秒）"],
                       ["询问笔录", "3", str(round((30 + 60 + 20) * 60 / 3)), "1200", "3600"],
                       ["听证笔录", "1", "600", "600", "600"],
                       ["陈述申辩笔录", "1", "2700", "2700", "2700"]]
    assert "平均询问时长" in page and "33 分 0 秒" in page  # (30+60+45+20+10)/5 minutes

    # Sync delay: HQ's receipt of the content minus the end, per device.
    rows = hq_rows(hq_server, "SELECT statement, device, content_ms, ended_ms FROM "
                   "room_statements")
    held = {r["statement"]: int(r["content_ms"]) - int(r["ended_ms"]) for r in rows}
    delays = csv_table(visitor, "format=csv&table=delays")
    assert delays[0] == ["终端", "终端名称", "笔录数", "中位延迟（秒）", "P90 延迟（秒）",
                         "最长（秒）"]
    expected = []
    for device in sorted({north.id, south.id}):
        mine = sorted(held[s] for s in held if s != old.statement
                      and next(r["device"] for r in rows if r["statement"] == s) == device)
        p90 = mine[math.ceil(0.9 * len(mine)) - 1]
        expected.append([device, "desk-1", str(len(mine)),
                         str(round(statistics.median(mine) / 1000)), str(round(p90 / 1000)),
                         str(round(mine[-1] / 1000))])
    assert delays[1:] == expected
    north_delays = sorted(held[s.statement] for s in sent[:3])
    assert 22 * 3600_000 <= north_delays[0] < 22 * 3600_000 + 60_000  # about 22 hours

    # One unit: only its statements and officers.
    south_only = csv_table(visitor, "format=csv&table=officers&unit=" + quote("城南派出所"))
    assert [r[0] for r in south_only[1:]] == ["'=吴警官", "周警官"]
    assert all(r[3] == "1" for r in south_only[1:])
    # An explicit period: only the statement of 40 days ago.
    day = (datetime.now(BEIJING) - timedelta(hours=40 * 24, minutes=90)).date().isoformat()
    only_old = csv_table(visitor, f"from={day}&to={day}&format=csv&table=cases")
    assert only_old[1:] == [["消防管理", "城南派出所", "1", "1"]]

    # Parameters are checked: a bad date, an inverted period, a table without a format.
    for query in ("from=2026-02-30", f"from={beijing_days_ago(0)}&to={beijing_days_ago(5)}",
                  "to=9999-12-31", "table=cases", "format=xls&table=cases",
                  "unit=a&unit=b"):
        assert visitor.request("GET", f"/room/statistics?{query}")[0] == 400, query
    # Each view is in the access log.
    logged = hq_rows(hq_server, "SELECT page, status FROM web_access_log WHERE user_name = ?",
                     (SUPERVISOR[0],))
    assert sum(1 for r in logged if r["page"] == "statistics" and r["status"] == 200) == 7


def test_the_statistics_page_in_a_browser(tmp_path: Path) -> None:
    """Debian's chromium: the figures as tables and SVG bar charts (no script), the period
    form, and a CSV download; a screenshot into ``SR_HQ_SCREENSHOTS`` (docs/screenshots/hq)."""
    hq = start_hq(tmp_path / "hq")
    try:
        north, south = enrolled(hq), enrolled(hq)
        for device, case, matter, officers, minutes, hours in (
                (north, "C1", "治安管理", (WANG, LI, LI), 35, 50),
                (north, "C1", "治安管理", (LI, WANG, WANG), 50, 26),
                (north, "C2", "交通管理", (LI, WANG, LI), 42, 20),
                (north, "C6", "食品安全", (WANG, LI, WANG), 65, 8),
                (south, "C3", "治安管理", (ZHOU, WU, WU), 28, 4),
                (south, "C7", "消防管理", (WU, ZHOU, ZHOU), 55, 2)):
            send_statement(device, case=case, matter=matter, kind="inquiry", minutes=minutes,
                           ended_hours_ago=hours, officers=officers)
        add_user(hq, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
        shots = Path(os.environ.get("SR_HQ_SCREENSHOTS") or tmp_path / "shots")
        shots.mkdir(parents=True, exist_ok=True)
        with browser() as chromium:
            context = chromium.new_context(viewport={"width": 1366, "height": 768},
                                           locale="zh-CN", accept_downloads=True)
            try:
                page = context.new_page()
                page.goto(f"{hq.url}/room/login")
                page.fill("input[name=name]", SUPERVISOR[0])
                page.fill("input[name=password]", SUPERVISOR[1])
                with page.expect_navigation():
                    page.click("button[type=submit]")
                page.locator("nav a", has_text="统计").click()
                page.wait_for_load_state()
                assert page.locator("h1").inner_text() == "统计"
                charts = page.locator("figure.chart svg")
                assert charts.count() == 5  # matters, units, officers, lengths, delays
                matters = page.locator("figure.chart", has_text="各执法事项案件数")
                assert matters.locator("rect").count() == 4
                assert "治安管理" in (matters.locator("svg").text_content() or "")
                assert page.locator("section.counts").inner_text().startswith("5")
                with page.expect_download() as download:
                    page.locator("#officers ~ p.download a").first.click()
                saved = tmp_path / "officers.csv"
                download.value.save_as(saved)
                rows = list(csv.reader(io.StringIO(saved.read_text("utf-8-sig"))))
                assert ["李警官", "110002", "城关派出所", "4", "4", "2", "2"] in rows
                page.screenshot(path=str(shots / "statistics.png"), full_page=True)
                # Another unit, chosen in the form.
                page.select_option("select[name=unit]", "城南派出所")
                with page.expect_navigation():
                    page.click("form.period button[type=submit]")
                assert "城南派出所" in page.locator("p.note").first.inner_text()
                assert page.locator("section.counts").inner_text().startswith("2")
            finally:
                context.close()
    finally:
        hq.stop()
    assert "Traceback" not in hq.log(), hq.log()


def test_bars_scale_to_the_largest_value_and_never_go_negative() -> None:
    bars = chart([("治安管理", 4, "4"), ("一个很长很长很长的执法事项名称", 1, "1"),
                  ("时钟超前的终端", -30, "−30 秒")])
    assert [b.width for b in bars] == [CHART_BAR_W, CHART_BAR_W / 4, 0]
    assert [b.y for b in bars] == [0, 28, 56] and bars[1].label.endswith("…")
    assert [b.width for b in chart([("x", -5, "")])] == [0]  # no negative SVG width
    assert duration(-61_000) == "−1 分 1 秒" and duration(3 * 86400_000) == "3 天 0 小时"


def test_an_interview_longer_than_twelve_hours_is_an_alert(hq_server: RunningHQ) -> None:
    add_user(hq_server, SUPERVISOR[0], "supervisor", SUPERVISOR[1])
    device = enrolled(hq_server)
    team = tuple(OfficerSnapshot(f"off-{n}", f"执法人员{n}", f"3307002100{n}", "示范中队")
                 for n in range(3))
    long = send_statement(device, case="c-long", matter="占道经营", kind="inquiry",
                          minutes=12 * 60 + 5, ended_hours_ago=1, officers=team)
    send_statement(device, case="c-short", matter="占道经营", kind="inquiry",
                   minutes=11 * 60 + 55, ended_hours_ago=1, officers=team)
    visitor = Visitor(hq_server)
    assert visitor.login(*SUPERVISOR)[0] == 303
    _status, _headers, page = visitor.request("GET", "/room/")
    alerts = page.split('<table class="alerts">', 1)[1].split("</table>", 1)[0]
    assert alerts.count("询问时间过长") == 1  # the one of 12 h 5 min, not of 11 h 55 min
    assert f'<a href="/room/statements/{long.statement}">' in alerts
    _status, _headers, page = visitor.request("GET", f"/room/devices/{device.id}")
    assert "询问时间过长" in page and long.statement in page
