"""Import the bureau's discretion standard (裁量基准) from its published table and publish it
as the ``discretion`` dataset (`hq.refdata.publish`), for every device to pull:

    statement-room-hq discretion import FILE(.csv|.xlsx) --id ID --title T
        --version-date YYYY-MM-DD --effective-date YYYY-MM-DD --issuer I [--example]
        [--source DOC] [--hearing-threshold individual=N] [--hearing-threshold unit=N]
        [--review-threshold individual=N] [--review-threshold unit=N]
        [--no-hearing-threshold individual|unit]

The table is CSV (UTF-8, with or without a BOM, as Excel saves "CSV UTF-8") or an Excel
workbook (.xlsx, its first sheet; a title above the header row is skipped); its columns are
`legal.discretion.table`'s. Before anything is published, every check a decision will rely
on is made, and any failure refuses the whole table, naming the row and the column:

- the table reads as a standard (amounts, tiers, flags), and every tier's range lies within
  the statutory range of its matter (`legal.discretion.table.build_standard`);
- rows marked as an example (示例 opening their code, source or remarks, as the starter
  standard's are) are published only with ``--example``: otherwise devices would show an
  example as the bureau's own standard, without its 示例 label;
- a party type the standard fines has a hearing threshold (较大数额, art. 63), or the
  administrator declares with ``--no-hearing-threshold PARTY`` that it has none (recorded in
  the dataset, `Standard.no_hearing_threshold`): otherwise no fine would ever give that party
  a hearing right, silently; devices say the right was not judged by the amount;
- a law library (``laws``) is published, and every citation of every matter (违法依据,
  处罚依据) resolves in its current version (`legal.library.citations.resolve`): a standard
  must never cite an article the devices cannot show.

The summary says what was published (or that the same bytes already were), how many matters
and tiers, against which law library version the citations were checked, and how many rows
are not verified against the gazette. Messages are in the operator's language (`hq.i18n`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from gettext import gettext as _
from gettext import ngettext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hq.config import HQConfig
from legal.discretion.model import Matter, PartyType, Standard, StandardError
from legal.discretion.table import LINE, build_standard, rows_from_csv, rows_from_lines
from legal.library.model import Library, LibraryError

if TYPE_CHECKING:  # the server's modules load only when a table is imported (a light CLI)
    from hq.state import HQState

__all__ = ["COMMANDS", "DiscretionImportError", "ImportResult", "add_commands",
           "import_standard", "read_table", "run"]

COMMANDS = ("discretion",)
_PARTY_WORDS = {"individual": PartyType.INDIVIDUAL, "个人": PartyType.INDIVIDUAL,
                "unit": PartyType.UNIT, "单位": PartyType.UNIT}


class DiscretionImportError(ValueError):
    """The table was refused: the message (in the operator's language) says where and why."""


class ImportResult:
    def __init__(self, version: int, new: bool, standard: Standard, laws_version: int,
                 citations: int) -> None:
        self.version, self.new, self.standard = version, new, standard
        self.laws_version, self.citations = laws_version, citations


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps 200 as 200.0
    return str(value).strip()


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of a .csv or .xlsx table, keyed by its header."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DiscretionImportError(_("{file} is not UTF-8 text: save the table as "
                                          "\"CSV UTF-8\" or as .xlsx").format(file=path.name)
                                        ) from exc
        return rows_from_csv(text)
    if suffix == ".xlsx":
        import openpyxl  # type: ignore[import-untyped]

        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise DiscretionImportError(_("{file} cannot be read as an Excel workbook: "
                                          "{problem}").format(file=path.name, problem=exc)
                                        ) from exc
        try:
            sheet = workbook.worksheets[0]
            lines = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
        return rows_from_lines(lines)
    raise DiscretionImportError(_("{file}: the table must be a .csv or an .xlsx file").format(
        file=path.name))


def _first_rows(rows: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """Matter code -> where its first row is (序号, else the line), as the table names it."""
    where: dict[str, str] = {}
    for index, row in enumerate(rows):
        code = (row.get("事项代码") or "").strip()
        if code and code not in where:
            number = (row.get("序号") or "").strip()
            where[code] = f"row {number}" if number else f"line {row.get(LINE) or index + 2}"
    return where


def _current_laws(state: HQState) -> tuple[int, Library]:
    from hq.refdata import current_versions

    held = current_versions(state.db).get("laws")
    if held is None:
        raise DiscretionImportError(_("no law library is published: publish the laws dataset "
                                      "first, so that the standard's citations can be checked"))
    data = b"".join(state.blobs.read(held[0].sha256))
    try:
        return held[0].version, Library.from_bytes(data)
    except LibraryError as exc:
        raise DiscretionImportError(_("the published law library (laws version {version}) "
                                      "cannot be read: {problem}").format(
            version=held[0].version, problem=exc)) from exc


def _check_citations(standard: Standard, library: Library,
                     where: Mapping[str, str]) -> int:
    """Resolve every citation of every matter; refuse naming row and column. This is the one
    place HQ depends on the citation parser (`legal.library.citations`)."""
    from legal.library.citations import CitationError, resolve

    problems: list[str] = []
    checked = 0
    for matter in standard.matters:
        for column, citations in (("违法依据", matter.violation_basis),
                                  ("处罚依据", matter.penalty_basis)):
            for citation in citations:
                checked += 1
                try:
                    resolve(library, citation)
                except CitationError as exc:
                    problems.append(_("{where}, column {column}: {citation} is not in the law "
                                      "library ({problem})").format(
                        where=where.get(matter.code, matter.code), column=column,
                        citation=citation, problem=exc))
    if problems:
        raise DiscretionImportError("\n".join(problems))
    return checked


_EXAMPLE_MARK = "示例"
_PARTY_NAMES = {PartyType.INDIVIDUAL: "individual", PartyType.UNIT: "unit"}


def _marked_example(matter: Matter) -> bool:
    """Whether the matter's rows say they are an example: 示例 opening the code, the source
    (of the matter or of a tier) or the remarks, as the starter standard marks every row."""
    return any(text.strip().startswith(_EXAMPLE_MARK) for text in (
        matter.code, matter.source, matter.remarks, *(t.source for t in matter.tiers)))


def _check_example(standard: Standard, where: Mapping[str, str]) -> None:
    """Refuse rows marked as an example in a standard not published as one."""
    if standard.example:
        return
    marked = [where.get(m.code, m.code) for m in standard.matters if _marked_example(m)]
    if marked:
        shown = ", ".join(marked[:5]) + (", …" if len(marked) > 5 else "")
        raise DiscretionImportError(ngettext(
            "{n} matter is marked as an example (示例 in its code, source or remarks: {rows}) "
            "but --example was not given: publish an example standard with --example, so "
            "devices show it as one, or remove the marks from the bureau's own table",
            "{n} matters are marked as an example (示例 in their code, source or remarks: "
            "{rows}) but --example was not given: publish an example standard with "
            "--example, so devices show it as one, or remove the marks from the bureau's own "
            "table", len(marked)).format(n=len(marked), rows=shown))


def _check_hearing_thresholds(standard: Standard) -> None:
    """Refuse a standard that fines a party type with no hearing threshold for it, unless
    the administrator declared there is none; and a declaration beside a threshold."""
    problems: list[str] = []
    for party in PartyType:
        name = _PARTY_NAMES[party]
        declared = party in standard.no_hearing_threshold
        if declared and party in standard.hearing_thresholds:
            problems.append(_("--no-hearing-threshold {party} contradicts --hearing-threshold "
                              "{party}={yuan}: give one of them").format(
                party=name, yuan=standard.hearing_thresholds[party]))
            continue
        fines = any(t.fines_party(party) for m in standard.matters for t in m.tiers)
        if fines and not declared and party not in standard.hearing_thresholds:
            problems.append(_("the standard fines party type {party} but sets no hearing "
                              "threshold for it (较大数额罚款, art. 63): give "
                              "--hearing-threshold {party}=YUAN, or --no-hearing-threshold "
                              "{party} to publish it without one (devices then say that the "
                              "hearing right was not judged by the amount)").format(party=name))
    if problems:
        raise DiscretionImportError("\n".join(problems))


def import_standard(state: HQState, rows: Sequence[Mapping[str, str]], *, id: str, title: str,
                    version_date: str, effective_date: str, issuer: str, example: bool,
                    hearing_thresholds: Mapping[PartyType, int] | None = None,
                    review_thresholds: Mapping[PartyType, int] | None = None,
                    no_hearing_threshold: Collection[PartyType] = (),
                    source: str = "") -> ImportResult:
    """Check the table (see the module docstring) and publish it as ``discretion``.
    ``no_hearing_threshold``: the party types the administrator declares the standard sets
    no hearing threshold for, although it fines them (recorded in the dataset)."""
    from hq.refdata import publish

    try:
        standard = build_standard(rows, id=id, title=title, version_date=version_date,
                                  effective_date=effective_date, issuer=issuer, example=example,
                                  hearing_thresholds=hearing_thresholds,
                                  review_thresholds=review_thresholds, source=source)
    except StandardError as exc:
        raise DiscretionImportError(str(exc)) from exc
    standard = replace(standard, no_hearing_threshold=tuple(
        p for p in PartyType if p in set(no_hearing_threshold)))
    _check_example(standard, _first_rows(rows))
    _check_hearing_thresholds(standard)
    laws_version, library = _current_laws(state)
    checked = _check_citations(standard, library, _first_rows(rows))
    version, new = publish(state, "discretion", standard.to_bytes())
    return ImportResult(version, new, standard, laws_version, checked)


# -- the command line ----------------------------------------------------------------------

def _threshold(text: str) -> tuple[PartyType, int]:
    party, _sep, amount = text.partition("=")
    if party.strip() not in _PARTY_WORDS or not amount.strip().isdigit():
        raise argparse.ArgumentTypeError(_("{text!r}: write individual=N or unit=N (yuan)")
                                         .format(text=text))
    return _PARTY_WORDS[party.strip()], int(amount)


def _party(text: str) -> PartyType:
    if text.strip() not in _PARTY_WORDS:
        raise argparse.ArgumentTypeError(_("{text!r}: write individual or unit").format(
            text=text))
    return _PARTY_WORDS[text.strip()]


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]
                 ) -> list[argparse.ArgumentParser]:
    """Add `discretion import`; the parsers of its actions (for the shared options)."""
    discretion = commands.add_parser("discretion", help=_("the bureau's discretion standard"))
    actions = discretion.add_subparsers(dest="discretion_command", required=True)
    imported = actions.add_parser("import", help=_("check a discretion table (.csv or .xlsx) "
                                                   "and publish it as the discretion dataset"))
    imported.add_argument("file", type=Path, help=_("the table: .csv (UTF-8) or .xlsx"))
    imported.add_argument("--id", required=True, help=_("the standard's id, stable across its "
                                                        "versions"))
    imported.add_argument("--title", required=True, help=_("the standard's title"))
    imported.add_argument("--version-date", required=True, help=_("this version's date "
                                                                  "(YYYY-MM-DD)"))
    imported.add_argument("--effective-date", required=True, help=_("the date it applies from "
                                                                    "(YYYY-MM-DD)"))
    imported.add_argument("--issuer", required=True, help=_("who published it"))
    imported.add_argument("--source", default="", help=_("the document that published it"))
    imported.add_argument("--example", action="store_true",
                          help=_("an example standard, shown as one wherever it appears"))
    for flag, what in (("--hearing-threshold", _("the fine from which the party has a right "
                                                 "to a hearing (art. 63)")),
                       ("--review-threshold", _("the fine from which legal review is "
                                                "required (art. 58)"))):
        imported.add_argument(flag, type=_threshold, action="append", default=[],
                              metavar="PARTY=YUAN", help=what)
    imported.add_argument("--no-hearing-threshold", type=_party, action="append", default=[],
                          metavar="PARTY", help=_(
                              "publish a standard that fines this party type without a "
                              "hearing threshold (recorded in the dataset; devices say the "
                              "hearing right was not judged by the amount)"))
    return [imported]


def run(config: HQConfig, args: argparse.Namespace) -> int:
    from hq.state import open_hq

    try:
        rows = read_table(args.file)
    except OSError as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    except DiscretionImportError as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 1
    try:
        state = open_hq(config)
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    try:
        result = import_standard(
            state, rows, id=args.id, title=args.title, version_date=args.version_date,
            effective_date=args.effective_date, issuer=args.issuer, example=args.example,
            source=args.source, hearing_thresholds=dict(args.hearing_threshold),
            review_thresholds=dict(args.review_threshold),
            no_hearing_threshold=args.no_hearing_threshold)
    except DiscretionImportError as exc:
        print(_("statement-room-hq: the discretion table was not published:\n{reasons}").format(
            reasons=exc), file=sys.stderr)
        return 1
    finally:
        state.close()
    _summary(result)
    return 0


def _summary(result: ImportResult) -> None:
    standard: Any = result.standard
    tiers = sum(len(m.tiers) for m in standard.matters)
    unverified = sum(1 for m in standard.matters if not m.verified)
    print((_("discretion version {version} published") if result.new else
           _("discretion version {version} unchanged: the same bytes are already published")
           ).format(version=result.version))
    print(_("{title} ({id}), version of {date}, in force from {effective}").format(
        title=standard.title, id=standard.id, date=standard.version_date,
        effective=standard.effective_date))
    print(ngettext("{n} matter", "{n} matters", len(standard.matters)).format(
        n=len(standard.matters)) + ", " + ngettext("{n} tier", "{n} tiers", tiers).format(
        n=tiers))
    print(ngettext("{n} citation checked against laws version {laws}",
                   "{n} citations checked against laws version {laws}", result.citations
                   ).format(n=result.citations, laws=result.laws_version))
    if unverified:
        print(ngettext("{n} matter is not verified against the official gazette",
                       "{n} matters are not verified against the official gazette",
                       unverified).format(n=unverified))
    if standard.example:
        print(_("an example standard: devices show it as one"))
    for party in standard.no_hearing_threshold:
        print(_("no hearing threshold for party type {party}, as declared: devices say the "
                "hearing right was not judged by the amount").format(
            party=_PARTY_NAMES[party]))
