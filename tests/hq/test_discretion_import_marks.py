"""`statement-room-hq discretion import` refuses what devices would otherwise show wrong,
against a real HQ with the law library of resources/laws published:

- rows marked as an example (the starter table's 示例 codes, sources and remarks) without
  `--example`: devices would show the example as the bureau's own standard;
- a party type the standard fines with no hearing threshold (较大数额, art. 63) unless the
  administrator says so with `--no-hearing-threshold PARTY`: the declaration is published
  in the dataset, and the device's engine says the hearing right was not judged by amount.
"""

from __future__ import annotations

from pathlib import Path

from legal.discretion.engine import evaluate
from legal.discretion.evaluation import Facts
from legal.discretion.model import PartyType, Standard
from sync.protocol.refdata import RefManifest
from sync.protocol.signing import Signed
from tests.hq.client import enrolled
from tests.hq.test_discretion_import import (
    import_args,
    nothing_published,
    starter_rows,
    write_csv,
)
from tests.hq.test_discretion_import_laws import publish_laws
from tests.support.hq_server import RunningHQ


def without(args: list[str], *dropped: str) -> list[str]:
    """`args` without the flags (and their values) named: "--example", or a flag=value pair
    such as "--hearing-threshold individual=10000"."""
    out: list[str] = []
    index = 0
    while index < len(args):
        if args[index] in dropped:
            index += 1
            continue
        if index + 1 < len(args) and f"{args[index]} {args[index + 1]}" in dropped:
            index += 2
            continue
        out.append(args[index])
        index += 1
    return out


def published(hq: RunningHQ) -> Standard:
    device = enrolled(hq)
    offered = Signed.from_json(device.call("GET", "/v1/ref/manifest").json(),
                               RefManifest).body.datasets["discretion"]
    return Standard.from_bytes(device.call("GET",
                                           f"/v1/ref/discretion/{offered.version}").body)


def own_rows() -> list[list[str]]:
    """The starter rows with every 示例 mark taken off: what a bureau's own table looks like."""
    return [[cell.removeprefix("示例-").removeprefix("示例：").removeprefix("示例")
             for cell in row] for row in starter_rows()]


def test_example_rows_need_the_example_flag(hq_server: RunningHQ, tmp_path: Path) -> None:
    publish_laws(hq_server, tmp_path)
    starter = write_csv(tmp_path / "基准.csv", starter_rows())
    done = hq_server.admin(*without(import_args(starter), "--example"), "--lang", "en")
    assert done.returncode == 1, done.stdout
    assert "the discretion table was not published" in done.stderr
    assert ("12 matters are marked as an example (示例 in their code, source or remarks: "
            "row 1, row 4, ") in done.stderr
    assert "but --example was not given" in done.stderr
    nothing_published(hq_server)
    # The bureau's own table, without the marks, needs no flag and is not an example.
    own = write_csv(tmp_path / "own.csv", own_rows())
    done = hq_server.admin(*without(import_args(own), "--example"), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "an example standard" not in done.stdout
    standard = published(hq_server)
    assert not standard.example and standard.matter("JT-001") is not None


def test_a_fined_party_without_a_hearing_threshold_is_refused_unless_declared(
        hq_server: RunningHQ, tmp_path: Path) -> None:
    publish_laws(hq_server, tmp_path)
    table = write_csv(tmp_path / "基准.csv", starter_rows())
    silent = without(import_args(table), "--hearing-threshold individual=10000")
    done = hq_server.admin(*silent, "--lang", "en")
    assert done.returncode == 1
    assert ("the standard fines party type individual but sets no hearing threshold for it "
            "(较大数额罚款, art. 63): give --hearing-threshold individual=YUAN, or "
            "--no-hearing-threshold individual to publish it without one") in done.stderr
    assert "party type unit" not in done.stderr  # the unit's threshold is given
    nothing_published(hq_server)

    both = hq_server.admin(*import_args(table), "--no-hearing-threshold", "individual",
                           "--lang", "en")
    assert both.returncode == 1
    assert ("--no-hearing-threshold individual contradicts --hearing-threshold "
            "individual=10000") in both.stderr
    nothing_published(hq_server)

    declared = hq_server.admin(*silent, "--no-hearing-threshold", "individual", "--lang", "en")
    assert declared.returncode == 0, declared.stderr
    assert ("no hearing threshold for party type individual, as declared: devices say the "
            "hearing right was not judged by the amount") in declared.stdout
    standard = published(hq_server)
    assert standard.no_hearing_threshold == (PartyType.INDIVIDUAL,)
    assert standard.hearing_thresholds == {PartyType.UNIT: 100_000}
    # What the device's engine then says of a fine for an individual (占用城市道路, 6,000).
    evaluation = evaluate(standard, Facts("示例-DL-001", PartyType.INDIVIDUAL, frozenset()))
    said = [s.text for s in evaluation.steps if s.rule == "art63"]
    assert said and "（发布时已声明不设），未依罚款数额判断当事人是否有要求听证的权利" in said[0]
