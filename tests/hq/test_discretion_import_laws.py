"""`statement-room-hq discretion import` with the law library built from resources/laws
published: the starter table (CSV, and the same rows as .xlsx, which publish the same bytes)
is checked and published, a device fetches it and reads the same standard, and a table
citing an article the library does not hold is refused naming its row and column.

Needs helper LAW's `legal.library.markdown.read_library` and `legal.library.citations`
(issue 17): run after both branches are merged."""

from __future__ import annotations

import hashlib
from pathlib import Path

from legal.discretion.model import PartyType, Standard
from legal.library.markdown import read_library
from sync.protocol.refdata import RefManifest
from sync.protocol.signing import Signed
from tests.hq.client import enrolled
from tests.hq.test_discretion_import import (
    import_args,
    nothing_published,
    starter_rows,
    write_csv,
    write_xlsx,
)
from tests.legal.discretion_support import starter_standard
from tests.support.hq_server import RunningHQ

LAWS = Path(__file__).resolve().parents[2] / "resources" / "laws"


def publish_laws(hq: RunningHQ, tmp_path: Path) -> None:
    files = {p.name: p.read_bytes() for p in sorted(LAWS.glob("*.md")) if p.name != "SOURCE.md"}
    library = read_library(files, edition="测试", compiled="2026-12-07",
                           collection="LawRefBook/Laws", snapshot="2f4c5c2 (2025-04-19)",
                           origin="flk.npc.gov.cn")
    path = tmp_path / "laws.json"
    path.write_bytes(library.to_bytes())
    done = hq.admin("publish", "laws", str(path))
    assert done.returncode == 0, done.stderr


def test_the_starter_table_is_checked_and_published(hq_server: RunningHQ,
                                                     tmp_path: Path) -> None:
    publish_laws(hq_server, tmp_path)
    done = hq_server.admin(*import_args(write_csv(tmp_path / "基准.csv", starter_rows())),
                           "--lang", "en")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "discretion version 1 published"
    assert "12 matters, 35 tiers" in done.stdout
    assert "citations checked against laws version 1" in done.stdout
    assert "12 matters are not verified against the official gazette" in done.stdout
    again = hq_server.admin(*import_args(write_xlsx(tmp_path / "基准.xlsx", starter_rows())),
                            "--lang", "en")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == (
        "discretion version 1 unchanged: the same bytes are already published")

    device = enrolled(hq_server)
    reply = device.call("GET", "/v1/ref/manifest")
    offered = Signed.from_json(reply.json(), RefManifest).body.datasets["discretion"]
    data = device.call("GET", f"/v1/ref/discretion/{offered.version}").body
    assert hashlib.sha256(data).hexdigest() == offered.sha256
    standard = Standard.from_bytes(data)
    assert standard == starter_standard()
    # Illegal construction's share of the construction cost arrives as exact factors
    # (decision 52), from the CSV and from the .xlsx alike.
    building = standard.matter("示例-GH-001")
    assert building is not None
    assert building.statutory_factors[PartyType.UNIT].words() == "建设工程造价百分之十以下"
    general = building.tiers[0].factor(PartyType.INDIVIDUAL)
    assert general is not None and general.words() == "建设工程造价百分之五以上百分之十以下"
    assert standard.review_thresholds == {PartyType.INDIVIDUAL: 5000, PartyType.UNIT: 50_000}
    assert standard.hearing_thresholds == {PartyType.INDIVIDUAL: 10_000, PartyType.UNIT: 100_000}


def test_a_citation_the_library_does_not_hold_is_refused(hq_server: RunningHQ,
                                                         tmp_path: Path) -> None:
    publish_laws(hq_server, tmp_path)
    rows = [list(r) for r in starter_rows()]
    column = rows[0].index("处罚依据")
    assert rows[10][0] == "10"
    rows[10][column] = "《浙江省生活垃圾管理条例》第九十九条"
    done = hq_server.admin(*import_args(write_csv(tmp_path / "bad.csv", rows)), "--lang", "en")
    assert done.returncode == 1
    assert ("row 10, column 处罚依据: 《浙江省生活垃圾管理条例》第九十九条 is not in the law "
            "library") in done.stderr
    nothing_published(hq_server)
