"""`statement-room-hq discretion import` against a real HQ: a table (CSV with or without a
BOM, or an .xlsx written here with openpyxl) that does not read as a standard, or whose tier
leaves its statutory range, is refused naming the row and the column; with no law library
published (or one HQ cannot read) nothing is published, since the citations cannot be
checked. Nothing refused reaches the datasets devices fetch.

The imports that succeed need the law library's citation parser (helper LAW, issue 17):
tests/hq/test_discretion_import_laws.py."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook  # type: ignore[import-untyped]

from resources.discretion import STARTER, starter_csv
from tests.support.hq_server import RunningHQ


def starter_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(starter_csv())))


def write_csv(path: Path, rows: list[list[str]], *, bom: bool = True) -> Path:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path.write_text(("\ufeff" if bom else "") + out.getvalue(), encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    """The table as the bureau's Excel would hold it: amounts that are numbers as numbers."""
    book = Workbook()
    sheet = book.active
    sheet.title = "裁量基准"
    sheet.append(["示例裁量基准（合成，测试用）"])  # a title above the header, as published
    sheet.append([])
    for row in rows:
        sheet.append([int(v) if v.isdigit() else (v or None) for v in row])
    book.save(path)
    return path


def import_args(path: Path) -> list[str]:
    return ["discretion", "import", str(path), "--id", str(STARTER["id"]), "--title",
            str(STARTER["title"]), "--version-date", str(STARTER["version_date"]),
            "--effective-date", str(STARTER["effective_date"]), "--issuer",
            str(STARTER["issuer"]), "--example", "--hearing-threshold", "individual=10000",
            "--hearing-threshold", "unit=100000", "--review-threshold", "个人=5000",
            "--review-threshold", "unit=50000"]


def nothing_published(hq: RunningHQ) -> None:
    listed = hq.admin("datasets")
    assert listed.returncode == 0 and "discretion" not in listed.stdout


def test_without_a_law_library_nothing_is_published(hq_server: RunningHQ,
                                                     tmp_path: Path) -> None:
    for path in (write_csv(tmp_path / "基准.csv", starter_rows()),
                 write_csv(tmp_path / "no-bom.csv", starter_rows(), bom=False),
                 write_xlsx(tmp_path / "基准.xlsx", starter_rows())):
        done = hq_server.admin(*import_args(path), "--lang", "en")
        assert done.returncode == 1, done.stderr
        assert "no law library is published: publish the laws dataset first" in done.stderr
    nothing_published(hq_server)


def test_a_bad_table_is_refused_naming_row_and_column(hq_server: RunningHQ,
                                                      tmp_path: Path) -> None:
    rows = starter_rows()
    header = rows[0]
    outside = [list(r) for r in rows]
    row_5 = outside[5]
    assert row_5[0] == "5"
    row_5[header.index("裁量幅度（个人）")] = "200元以上600元以下"  # statutory 50-500
    no_tier = [list(r) for r in rows]
    no_tier[9][header.index("阶次")] = "特别严重"
    for path, where in (
            (write_csv(tmp_path / "outside.csv", outside),
             "row 5, column 裁量幅度（个人）: 200-600 yuan is outside the statutory range 50-500"),
            (write_xlsx(tmp_path / "outside.xlsx", outside),
             "row 5, column 裁量幅度（个人）: 200-600 yuan is outside the statutory range 50-500"),
            (write_xlsx(tmp_path / "tier.xlsx", no_tier), "row 9, column 阶次")):
        done = hq_server.admin(*import_args(path), "--lang", "en")
        assert done.returncode == 1 and where in done.stderr, done.stderr
        assert "the discretion table was not published" in done.stderr
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(starter_csv().encode("gb18030"))
    done = hq_server.admin(*import_args(gbk), "--lang", "en")
    assert done.returncode == 1 and "is not UTF-8 text" in done.stderr
    text = write_csv(tmp_path / "table.txt", rows)
    done = hq_server.admin(*import_args(text), "--lang", "en")
    assert done.returncode == 1 and "must be a .csv or an .xlsx file" in done.stderr
    missing = hq_server.admin(*import_args(tmp_path / "none.csv"), "--lang", "en")
    assert missing.returncode == 2 and "none.csv" in missing.stderr
    bad_threshold = hq_server.admin(*import_args(gbk), "--review-threshold", "everyone=5")
    assert bad_threshold.returncode == 2 and "individual=N" in bad_threshold.stderr
    nothing_published(hq_server)


def test_a_law_library_hq_cannot_read_refuses_the_import(hq_server: RunningHQ,
                                                         tmp_path: Path) -> None:
    laws = tmp_path / "laws.json"
    laws.write_bytes(b'{"format": "not a library"}')
    assert hq_server.admin("publish", "laws", str(laws)).returncode == 0
    done = hq_server.admin(*import_args(write_csv(tmp_path / "t.csv", starter_rows())),
                           "--lang", "en")
    assert done.returncode == 1
    assert "the published law library (laws version 1) cannot be read" in done.stderr
    nothing_published(hq_server)
