"""统计: the figures the bureau reports, for a period and optionally a unit (issue 16).

- cases by enforcement matter (执法事项) and unit, and the statements taken in them;
- statements per officer (as interviewer, of them as the leading one, and as recorder), with
  the names the statements' contexts gave (``room_officers``);
- the average interview length (end minus start, as the desktop recorded them) per kind;
- the sync delay: HQ's receipt of the statement's content minus the interview's end, median
  and 90th percentile per device (how long a sealed statement waits before HQ holds it).

The period is ``?from=YYYY-MM-DD&to=YYYY-MM-DD``, Beijing dates, both included (default: the
last 30 days, today included); a statement belongs to it by its start, and a case by having
a statement that started in it. ``?unit=`` keeps the statements of one unit (the leading
interviewer's, `hq.catalog.statements`). Everything is read from HQ's own derived tables,
never from a sealed record: counts, sums and averages are SQL that runs on SQLite and
PostgreSQL alike; percentiles (no common SQL for them) are taken from the ordered delays.
Each table is also a CSV download (``&format=csv&table=…``, UTF-8 with a BOM so a
spreadsheet reads the Chinese), its text cells guarded against formula injection.
"""

from __future__ import annotations

import csv
import io
import math
import re
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hq.db import Database, Row
from hq.state import HQState
from hq.web.frame import View, page_route
from hq.web.render import HEADERS, BadRequest, query_values
from hq.web.sessions import Session

__all__ = ["KIND_NAMES", "TABLES", "Bar", "Period", "figures", "routes"]

_BEIJING = timezone(timedelta(hours=8))
DEFAULT_DAYS = 30
MAX_DAYS = 366 * 10  # a decade: anything longer is a typo
_DATE = re.compile(r"20[0-9]{2}-[0-9]{2}-[0-9]{2}")  # this century: no date overflows
_QUERY = {"from": _DATE, "to": _DATE,
          "unit": re.compile(r"[^\x00-\x1f\x7f]{0,100}"),  # empty: every unit
          "format": re.compile(r"csv"),
          "table": re.compile(r"cases|officers|lengths|delays")}
TABLES = ("cases", "officers", "lengths", "delays")
KIND_NAMES = {"inquiry": "询问笔录", "inspection": "现场检查（勘验）笔录",
              "defence": "陈述申辩笔录", "hearing": "听证笔录", "addendum": "补充笔录"}
UNKNOWN = "（案件信息未送达）"  # a statement whose context HQ has not received yet
# An officer id escaped for LIKE (its % and _ are not wildcards), on both engines; every
# literal is a parameter, since psycopg reads a % in the SQL as a placeholder.
_LIKE_ID = "replace(replace(replace(o.officer, ?, ?), ?, ?), ?, ?)"
_LIKE_ID_VALUES = ("\\", "\\\\", "%", "\\%", "_", "\\_")


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    unit: str | None

    @property
    def start_ms(self) -> int:
        return _midnight_ms(self.first)

    @property
    def end_ms(self) -> int:  # exclusive: the midnight after the last day
        return _midnight_ms(self.last + timedelta(days=1))

    def where(self, alias: str = "") -> tuple[str, tuple[object, ...]]:
        """The condition keeping this period's (and unit's) statements, and its values."""
        sql = f"{alias}started_ms >= ? AND {alias}started_ms < ?"
        values: tuple[object, ...] = (self.start_ms, self.end_ms)
        if self.unit is not None:
            sql += f" AND {alias}unit = ?"
            values += (self.unit,)
        return sql, values

    def query(self, **more: str) -> str:
        values = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.unit is not None:
            values["unit"] = self.unit
        return urlencode({**values, **more})


def _midnight_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=_BEIJING).timestamp() * 1000)


def _period(values: dict[str, str], today: date) -> Period:
    try:
        last = date.fromisoformat(values["to"]) if "to" in values else today
        first = (date.fromisoformat(values["from"]) if "from" in values
                 else last - timedelta(days=DEFAULT_DAYS - 1))
    except ValueError:  # 2026-02-30
        raise BadRequest("date") from None
    if first > last or (last - first).days > MAX_DAYS:
        raise BadRequest("period")
    return Period(first, last, values.get("unit") or None)


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, the value shown, and its length in the SVG."""

    label: str
    shown: str
    width: float
    y: int


CHART_LABEL_W, CHART_BAR_W, CHART_ROW_H = 150, 320, 28


def chart(items: list[tuple[str, float, str]]) -> list[Bar]:
    """Horizontal bars for (label, value, value as shown), scaled to the largest value."""
    top = max((value for _, value, _ in items), default=0.0)
    top = top if top > 0 else 1  # all zero or negative (a device clock ahead): no bars
    return [Bar(label if len(label) <= 11 else label[:10] + "…", shown,
                round(max(value, 0) / top * CHART_BAR_W, 1), index * CHART_ROW_H)
            for index, (label, value, shown) in enumerate(items)]


def duration(ms: float | None) -> str:
    """A length of time as the bureau writes it (秒, 分, 小时, 天)."""
    if ms is None:
        return "—"
    sign, seconds = ("−" if ms < 0 else ""), round(abs(ms) / 1000)
    if seconds < 60:
        return f"{sign}{seconds} 秒"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{sign}{minutes} 分 {seconds} 秒"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{sign}{hours} 小时 {minutes} 分"
    days, hours = divmod(hours, 24)
    return f"{sign}{days} 天 {hours} 小时"


def _seconds(ms: float | None) -> int | None:
    return None if ms is None else round(ms / 1000)


def _nearest_rank(ordered: list[int], share: float) -> int:
    """The smallest value at least ``share`` of the values do not exceed (nearest rank)."""
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def _sorted(rows: list[Row], *keys: str) -> list[Row]:
    # Chinese text is ordered by code point here: PostgreSQL's collation and SQLite's binary
    # order differ, and a report must not change with the engine. What is unknown goes last.
    return sorted(rows, key=lambda r: (-int(r[keys[0]]),
                                       *((str(r[k]) == "", str(r[k])) for k in keys[1:])))


def cases(db: Database, period: Period) -> dict[str, object]:
    where, values = period.where()
    grouped = [f"COALESCE({c}, '') AS {c}" for c in ("matter", "unit")]
    rows = db.all(f"SELECT {', '.join(grouped)}, count(DISTINCT case_id) AS cases, "
                  f"count(*) AS statements FROM room_statements WHERE {where} "
                  "GROUP BY COALESCE(matter, ''), COALESCE(unit, '')", values)
    by = {}
    for column in ("matter", "unit"):
        by[column] = _sorted(db.all(
            f"SELECT COALESCE({column}, '') AS label, count(DISTINCT case_id) AS cases "
            f"FROM room_statements WHERE {where} GROUP BY COALESCE({column}, '')", values),
            "cases", "label")
    total = db.one(f"SELECT count(DISTINCT case_id) AS cases, count(*) AS statements "
                   f"FROM room_statements WHERE {where}", values)
    assert total is not None  # an aggregate always gives one row
    return {"rows": _sorted(rows, "cases", "matter", "unit"),
            "cases": int(total["cases"]), "statements": int(total["statements"]),
            "by_matter": chart([(str(r["label"]) or UNKNOWN, int(r["cases"]), str(r["cases"]))
                                for r in by["matter"]]),
            "by_unit": chart([(str(r["label"]) or UNKNOWN, int(r["cases"]), str(r["cases"]))
                              for r in by["unit"]])}


def officers(db: Database, period: Period) -> dict[str, object]:
    where, values = period.where("s.")
    # The interviewers are the JSON list ["lead", "other"] (hq.catalog.statements).
    like = f"s.interviewers LIKE ? || {_LIKE_ID} || ? ESCAPE ?"
    named = (like, ('%"', *_LIKE_ID_VALUES, '"%', "\\"))
    leads = (like, ('["', *_LIKE_ID_VALUES, '"%', "\\"))
    rows = db.all(
        f"SELECT o.officer, o.name, o.certificate_no, o.unit, "
        f"sum(CASE WHEN {named[0]} THEN 1 ELSE 0 END) AS interviewer, "
        f"sum(CASE WHEN {leads[0]} THEN 1 ELSE 0 END) AS lead, "
        "sum(CASE WHEN s.recorder = o.officer THEN 1 ELSE 0 END) AS recorder, "
        "count(*) AS statements FROM room_officers o JOIN room_statements s "
        f"ON (s.recorder = o.officer OR {named[0]}) "
        f"WHERE {where} GROUP BY o.officer, o.name, o.certificate_no, o.unit",
        (*named[1], *leads[1], *named[1], *values))
    rows = _sorted(rows, "statements", "name", "officer")
    return {"rows": rows,
            "chart": chart([(str(r["name"]), int(r["statements"]), str(r["statements"]))
                            for r in rows])}


def lengths(db: Database, period: Period) -> dict[str, object]:
    where, values = period.where()
    measured = f"{where} AND ended_ms IS NOT NULL"
    rows = db.all("SELECT kind, count(*) AS statements, avg(ended_ms - started_ms) AS mean_ms, "
                  "min(ended_ms - started_ms) AS min_ms, max(ended_ms - started_ms) AS max_ms "
                  f"FROM room_statements WHERE {measured} GROUP BY kind", values)
    total = db.one("SELECT count(*) AS statements, avg(ended_ms - started_ms) AS mean_ms "
                   f"FROM room_statements WHERE {measured}", values)
    assert total is not None
    for row in rows:  # PostgreSQL's avg of integers is a Decimal
        row["mean_ms"] = float(row["mean_ms"])
        row["name"] = KIND_NAMES.get(str(row["kind"]), str(row["kind"]))
    rows = _sorted(rows, "statements", "name")
    mean = None if total["mean_ms"] is None else float(total["mean_ms"])
    return {"rows": rows, "statements": int(total["statements"]), "mean_ms": mean,
            "chart": chart([(str(r["name"]), r["mean_ms"], duration(r["mean_ms"]))
                            for r in rows])}


def delays(db: Database, period: Period) -> dict[str, object]:
    where, values = period.where("s.")
    ordered = db.all("SELECT s.device, d.name, s.content_ms - s.ended_ms AS delay_ms "
                     "FROM room_statements s LEFT JOIN devices d ON d.device = s.device "
                     f"WHERE {where} AND s.ended_ms IS NOT NULL AND s.content_ms IS NOT NULL "
                     "ORDER BY s.device, delay_ms", values)
    per_device: dict[str, tuple[str, list[int]]] = {}
    for row in ordered:
        name = "" if row["name"] is None else str(row["name"])
        per_device.setdefault(str(row["device"]), (name, []))[1].append(int(row["delay_ms"]))
    rows: list[dict[str, object]] = []
    bars: list[tuple[str, float, str]] = []
    for device, (name, found) in sorted(per_device.items()):
        median = float(statistics.median(found))
        rows.append({"device": device, "name": name, "statements": len(found),
                     "median_ms": median, "p90_ms": _nearest_rank(found, 0.9),
                     "max_ms": found[-1]})
        bars.append((f"{name}·{device[:4]}" if name else device, median, duration(median)))
    return {"rows": rows, "chart": chart(bars)}


def units(db: Database) -> list[str]:
    """Every unit a statement was counted for, for the page's choice of unit."""
    return sorted(str(r["unit"]) for r in db.all(
        "SELECT DISTINCT unit FROM room_statements WHERE unit IS NOT NULL"))


def figures(db: Database, period: Period) -> dict[str, dict[str, object]]:
    return {"cases": cases(db, period), "officers": officers(db, period),
            "lengths": lengths(db, period), "delays": delays(db, period)}


def _csv_rows(table: str, found: dict[str, object]) -> list[list[object]]:
    rows = found["rows"]
    assert isinstance(rows, list)
    if table == "cases":
        return [["执法事项", "单位", "案件数", "笔录数"],
                *([r["matter"] or UNKNOWN, r["unit"] or UNKNOWN, r["cases"], r["statements"]]
                  for r in rows)]
    if table == "officers":
        return [["执法人员", "执法证号", "单位", "笔录数", "作为询问人", "其中主问", "作为记录人"],
                *([r["name"], r["certificate_no"], r["unit"], r["statements"], r["interviewer"],
                   r["lead"], r["recorder"]] for r in rows)]
    if table == "lengths":
        return [["笔录种类", "笔录数", "平均时长（秒）", "最短（秒）", "最长（秒）"],
                *([r["name"], r["statements"], _seconds(r["mean_ms"]), _seconds(r["min_ms"]),
                   _seconds(r["max_ms"])] for r in rows)]
    return [["终端", "终端名称", "笔录数", "中位延迟（秒）", "P90 延迟（秒）", "最长（秒）"],
            *([r["device"], r["name"], r["statements"], _seconds(r["median_ms"]),
               _seconds(r["p90_ms"]), _seconds(r["max_ms"])] for r in rows)]


def _cell(value: object) -> object:
    # A text cell a spreadsheet would read as a formula is written as text (OWASP's advice);
    # names and units come from devices, and the file is opened by the bureau's office.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def csv_response(table: str, found: dict[str, object], period: Period) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in _csv_rows(table, found):
        writer.writerow([_cell(v) for v in row])
    name = f"statistics-{table}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"),
                    media_type="text/csv; charset=utf-8",
                    headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})


async def statistics_page(state: HQState, request: Request, session: Session) -> View:
    values = query_values(request, _QUERY)
    if ("format" in values) != ("table" in values):
        raise BadRequest("format")
    period = _period(values, datetime.now(UTC).astimezone(_BEIJING).date())
    if "table" in values:
        table = values["table"]
        found = {"cases": cases, "officers": officers, "lengths": lengths,
                 "delays": delays}[table](state.db, period)
        return View("statistics.html", response=csv_response(table, found, period))
    return View("statistics.html", {
        "period": period, "f": figures(state.db, period), "units": units(state.db),
        "csv": {t: "/room/statistics?" + period.query(format="csv", table=t) for t in TABLES},
        "duration": duration, "unknown": UNKNOWN, "chart_label_w": CHART_LABEL_W,
        "chart_bar_w": CHART_BAR_W, "chart_row_h": CHART_ROW_H})


def routes(state: HQState) -> list[Route]:
    return [page_route(state, "/statistics", "statistics", statistics_page)]
