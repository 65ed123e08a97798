"""``statement-room-hq laws import PATH...``: build the law library from statute texts and
publish it as the ``laws`` reference dataset (issue 17).

The texts are the Markdown files of the LawRefBook collection (resources/laws and its
SOURCE.md), read by `legal.library.markdown`: a directory (every ``*.md`` in it but its
SOURCE.md and README.md) or named files. The library records, for every statute, the
collection, its snapshot, the file and the SHA-256 of the file's bytes, so each article a
device shows can be traced to the bytes it came from. The defaults describe resources/laws;
another collection or snapshot is named with ``--collection``/``--snapshot``/``--origin``.
``--level FILE=LEVEL`` corrects the level the reader infers for one file.

Nothing is published unless every file reads: a text the reader refuses stops the import
with the file and line. The summary (statutes, articles, provenance) is printed before the
publication; publishing the same library again publishes nothing (`hq.refdata.publish`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from gettext import gettext as _
from gettext import ngettext
from pathlib import Path

from hq.config import HQConfig
from legal.library.markdown import read_library
from legal.library.model import Level, Library, LibraryError

__all__ = ["DEFAULT_COLLECTION", "DEFAULT_ORIGIN", "DEFAULT_SNAPSHOT", "add_laws_parser",
           "build", "collect", "run_laws", "summary"]

DEFAULT_COLLECTION = "LawRefBook/Laws"
DEFAULT_SNAPSHOT = "2f4c5c2 (2025-04-19)"
DEFAULT_ORIGIN = "flk.npc.gov.cn"
NOT_STATUTES = ("SOURCE.md", "README.md")  # a collection's own notes


def collect(paths: Sequence[Path]) -> dict[str, bytes]:
    """File name -> bytes of every statute file under ``paths`` (directories or files)."""
    files: dict[str, bytes] = {}
    for path in paths:
        found = (sorted(p for p in path.glob("*.md") if p.name not in NOT_STATUTES)
                 if path.is_dir() else [path])
        if path.is_dir() and not found:
            raise LibraryError(_("{path}: no statute file (*.md) in this folder").format(
                path=path))
        for file in found:
            if file.name in files:
                raise LibraryError(_("{name} is named twice").format(name=file.name))
            files[file.name] = file.read_bytes()
    return files


def _levels(pairs: Sequence[str]) -> dict[str, Level]:
    levels: dict[str, Level] = {}
    for pair in pairs:
        file, _sep, level = pair.rpartition("=")
        try:
            levels[file] = Level(level)
        except ValueError:
            raise LibraryError(_("--level {pair}: give FILE=LEVEL, LEVEL one of {levels}").format(
                pair=pair, levels=", ".join(v.value for v in Level))) from None
        if not file:
            raise LibraryError(_("--level {pair}: the file is missing").format(pair=pair))
    return levels


def build(paths: Sequence[Path], *, edition: str | None, compiled: str | None,
          collection: str, snapshot: str, origin: str,
          levels: Sequence[str] = ()) -> Library:
    """The library of the statute files under ``paths``; raises LibraryError (or OSError)."""
    day = compiled or datetime.now(UTC).date().isoformat()
    return read_library(collect(paths), edition=edition or f"{collection} {snapshot}",
                        compiled=day, collection=collection, snapshot=snapshot, origin=origin,
                        levels=_levels(levels))


def summary(library: Library) -> list[str]:
    """What was read, one line for the library and one per statute (the operator's words)."""
    articles = sum(len(s.articles) for s in library.statutes)
    first = library.statutes[0].source
    lines = [ngettext("Law library 「{edition}」 compiled {compiled}: {count} statute, "
                      "{articles} articles", "Law library 「{edition}」 compiled {compiled}: "
                      "{count} statutes, {articles} articles", len(library.statutes)).format(
        edition=library.edition, compiled=library.compiled, count=len(library.statutes),
        articles=articles),
        _("Source: {collection}, snapshot {snapshot}, from {origin}; not verified against "
          "the official gazette").format(collection=first.collection, snapshot=first.snapshot,
                                         origin=first.origin or "-")]
    for statute in library.statutes:
        lines.append("  " + _("{title} ({version}, {level}, {articles} articles, in force "
                              "from {effective}) {file} sha256 {sha}").format(
            title=statute.title, version=statute.version_date, level=statute.level.value,
            articles=len(statute.articles), effective=statute.effective_date or "-",
            file=statute.source.file, sha=statute.source.sha256[:12]))
    return lines


def add_laws_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]
                    ) -> list[argparse.ArgumentParser]:
    """The ``laws`` command and its subcommands (returned, so the caller adds ``--data`` and
    ``--lang`` to each)."""
    laws = commands.add_parser("laws", help=_("the law library devices search"))
    actions = laws.add_subparsers(dest="laws_command", required=True)
    imported = actions.add_parser("import", help=_("read statute texts (Markdown) and publish "
                                                   "them as the laws dataset"))
    imported.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                          help=_("a folder of statute files, or files"))
    imported.add_argument("--edition", help=_("the edition's name devices show (default: the "
                                              "collection and snapshot)"))
    imported.add_argument("--compiled", help=_("the date the edition was compiled, YYYY-MM-DD "
                                               "(default: today)"))
    imported.add_argument("--collection", default=DEFAULT_COLLECTION,
                          help=_("where the texts come from (default: {value})").format(
                              value=DEFAULT_COLLECTION))
    imported.add_argument("--snapshot", default=DEFAULT_SNAPSHOT,
                          help=_("the collection's version (default: {value})").format(
                              value=DEFAULT_SNAPSHOT))
    imported.add_argument("--origin", default=DEFAULT_ORIGIN,
                          help=_("where the collection took them from (default: {value})"
                                 ).format(value=DEFAULT_ORIGIN))
    imported.add_argument("--level", action="append", default=[], metavar="FILE=LEVEL",
                          help=_("correct one file's level ({levels})").format(
                              levels=", ".join(v.value for v in Level)))
    return list(actions.choices.values())


def run_laws(config: HQConfig, args: argparse.Namespace) -> int:
    """``laws import``: read, summarise, publish."""
    from hq.refdata import publish
    from hq.state import open_hq

    if args.compiled is not None:
        try:
            datetime.strptime(args.compiled, "%Y-%m-%d")
        except ValueError:
            print(_("statement-room-hq: --compiled {value} is not a date YYYY-MM-DD").format(
                value=args.compiled), file=sys.stderr)
            return 2
    try:
        library = build(args.paths, edition=args.edition, compiled=args.compiled,
                        collection=args.collection, snapshot=args.snapshot,
                        origin=args.origin, levels=args.level)
    except (LibraryError, OSError) as exc:
        print(_("statement-room-hq: the law library was not published: {reason}").format(
            reason=exc), file=sys.stderr)
        return 2
    for line in summary(library):
        print(line)
    try:
        state = open_hq(config)
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    try:
        version, new = publish(state, "laws", library.to_bytes())
    except ValueError as exc:
        print(f"statement-room-hq: {exc}", file=sys.stderr)
        return 2
    finally:
        state.close()
    print((_("{name} version {version} published") if new else
           _("{name} version {version} unchanged: the same bytes are already published")
           ).format(name="laws", version=version))
    return 0
