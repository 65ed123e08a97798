"""Every citation the starter standard and the engine print resolves in the law library built
from resources/laws (the shipped statute texts): the matters' violation and penalty bases, and
every article of the Administrative Penalty Law the engine's steps cite.

Needs helper LAW's `legal.library.markdown.read_library` and `legal.library.citations`
(issue 17): run after both branches are merged."""

from __future__ import annotations  # noqa: I001 (legal.library.citations arrives with LAW)

from dataclasses import replace
from pathlib import Path

from legal.discretion.engine import choose, evaluate, provides_for
from legal.discretion.evaluation import Deviation, DeviationKind, Facts, Thresholds
from legal.discretion.model import STATUTORY_CONDITIONS, PartyType
from legal.library.model import Library
from legal.library.citations import CitationError, resolve
from legal.library.markdown import read_library
from tests.legal.discretion_support import SIDEWALK, starter_standard

LAWS = Path(__file__).resolve().parents[2] / "resources" / "laws"


def _library() -> Library:
    files = {p.name: p.read_bytes() for p in sorted(LAWS.glob("*.md")) if p.name != "SOURCE.md"}
    return read_library(files, edition="测试", compiled="2026-12-07",
                        collection="LawRefBook/Laws", snapshot="2f4c5c2 (2025-04-19)",
                        origin="flk.npc.gov.cn")


def test_every_citation_of_the_starter_standard_and_the_engine_resolves() -> None:
    library = _library()
    standard = starter_standard()
    citations: set[str] = set()
    for matter in standard.matters:
        citations.update(matter.violation_basis, matter.penalty_basis)
        for party in PartyType:
            if not provides_for(matter, party):
                continue  # refused: the clause does not provide for this party type
            for code in ("", *STATUTORY_CONDITIONS):
                facts = Facts(matter.code, party, frozenset({code} - {""}),
                              violation_date="2024-01-01", violation_ended="2024-02-01",
                              discovered_date="2024-03-01", on_the_spot=True)
                evaluation = evaluate(standard, facts)
                citations.update(c for s in evaluation.steps for c in s.citations)
    sidewalk = evaluate(standard, Facts(SIDEWALK, PartyType.INDIVIDUAL,
                                        frozenset({"eliminated_harm", "age_14_to_18"})))
    mitigated = choose(sidewalk, waive=False, amount=10,
                       deviation=Deviation(DeviationKind.MITIGATED, "合成理由"))
    citations.update(mitigated.steps[0].citations)
    # The steps a choice adds on the hearing right and legal review, either way.
    general = evaluate(standard, Facts(SIDEWALK, PartyType.INDIVIDUAL, frozenset()))
    low = replace(general, thresholds=Thresholds(hearing=150, review=150))
    heavier = choose(low, waive=False, amount=200,
                     deviation=Deviation(DeviationKind.HEAVIER, "合成理由"))
    both = replace(low, hearing_right=True, legal_review_required=True)
    lighter = choose(both, waive=False, amount=20,
                     deviation=Deviation(DeviationKind.LIGHTER, "合成理由"))
    assert {s.rule for s in heavier.steps} >= {"art63", "art58"}
    assert {s.rule for s in lighter.steps} >= {"art63", "art58"}
    citations.update(c for s in (*heavier.steps, *lighter.steps) for c in s.citations)
    unresolved = {}
    for citation in sorted(citations):
        try:
            resolve(library, citation)
        except CitationError as exc:
            unresolved[citation] = str(exc)
    assert not unresolved
    assert len(citations) > 30
