"""`statement-room laws status|search QUERY|cite TEXT`: the law library HQ sent.

`status` says which library is held (its dataset version, edition, statutes and articles);
`search` lists articles containing the words (or of a statute whose name they are), each with
its statute, level, status and version date; `cite` resolves citations such as
《行政处罚法》第三十三条第二款 and prints the text they quote from the held version. Statutes and
their texts print as they are (Chinese law); everything else is in the officer's language.
Anything synthetic (test or benchmark data) is marked so on every line that shows it.
"""

from __future__ import annotations

import argparse
from gettext import gettext as _
from typing import Any

from desktop.cli.common import Subparsers, add_json, command, emit, group, login_from_args
from desktop.domain.errors import UserError

LIMIT_MAX = 1000


def _synthetic(flag: bool) -> str:
    return _(" [synthetic: not a real statute]") if flag else ""


def cmd_status(args: argparse.Namespace) -> int:
    from desktop.services import law_library

    with login_from_args(args) as store:
        held = law_library.held(store)
    if held is None:
        emit(args, {"held": False})
        if not args.json:
            print(_("No law library is held on this device yet: HQ publishes it as reference "
                    "data; sync with HQ to receive it."))
        return 0
    emit(args, {"held": True, "version": held.version, "sha256": held.sha256,
                "edition": held.edition, "compiled": held.compiled,
                "statutes": held.statutes, "articles": held.articles,
                "synthetic": held.synthetic, "problem": held.problem})
    if args.json:
        return 0
    if held.problem is not None:
        print(_("The law library from HQ (laws version {version}) cannot be read ({problem}); "
                "ask HQ to publish it again.").format(version=held.version,
                                                      problem=held.problem))
        return 1
    print(_("Law library 「{edition}」 (laws version {version}, compiled {compiled}): "
            "{statutes} statutes, {articles} articles.").format(
        edition=held.edition, version=held.version, compiled=held.compiled,
        statutes=held.statutes, articles=held.articles) + _synthetic(held.synthetic))
    return 0


def _statute_line(short_title: str, label: str, level: str, status: str, version_date: str,
                  synthetic: bool) -> str:
    from desktop.services.law_library import level_words, status_words

    return _("《{statute}》{article} ({level}, {status}, version of {date})").format(
        statute=short_title, article=label, level=level_words(level),
        status=status_words(status), date=version_date) + _synthetic(synthetic)


def cmd_search(args: argparse.Namespace) -> int:
    from desktop.services import law_library
    from desktop.store.search import highlight

    query = args.query.strip()
    if not query:
        raise UserError(_("Give the words to search for."))
    if not 1 <= args.limit <= LIMIT_MAX:
        raise UserError(_("--limit must be between 1 and {high}.").format(high=LIMIT_MAX))
    with login_from_args(args) as store:
        hits = law_library.search(store, query, limit=args.limit)
        held = law_library.held(store)
    version = held.version if held is not None else None
    emit(args, {"query": query, "library_version": version, "hits": [
        {"statute": h.statute_id, "title": h.title, "short_title": h.short_title,
         "level": h.level, "status": h.status, "version_date": h.version_date,
         "effective_date": h.effective_date, "synthetic": h.synthetic, "article": h.label,
         "number": h.number, "suffix": h.suffix, "chapter": h.chapter,
         "title_hit": h.title_hit, "snippet": h.snippet, "spans": [list(s) for s in h.spans]}
        for h in hits]})
    if args.json:
        return 0
    if not hits:
        print(_("No article contains 「{query}」 (laws version {version}).").format(
            query=query, version=version))
        return 0
    for index, hit in enumerate(hits, 1):
        print(f"{index:>3}. " + _statute_line(hit.short_title, hit.label, hit.level,
                                              hit.status, hit.version_date, hit.synthetic))
        print("     " + highlight(hit.snippet, hit.spans).replace("\n", " "))
    return 0


def _cited(cited: Any) -> dict[str, Any]:
    return {"citation": cited.canonical, "statute": cited.statute.id,
            "title": cited.statute.title, "level": cited.statute.level.value,
            "status": cited.statute.status.value, "version_date": cited.statute.version_date,
            "effective_date": cited.statute.effective_date,
            "synthetic": cited.statute.synthetic, "article": cited.article.label,
            "paragraph": cited.citation.paragraph, "item": cited.citation.item,
            "text": cited.text, "library_version": cited.library_version}


def cmd_cite(args: argparse.Namespace) -> int:
    from desktop.services import law_library

    if not args.text.strip():
        raise UserError(_("Give the citation to look up, such as 《行政处罚法》第三十三条."))
    with login_from_args(args) as store:
        found = law_library.cite(store, args.text)
    emit(args, {"citations": [_cited(c) for c in found]})
    if args.json:
        return 0
    for number, cited in enumerate(found):
        if number:
            print()
        print(_("{citation} ({level}, {status}, version of {date}; laws version "
                "{version})").format(
            citation=cited.canonical, level=law_library.level_words(cited.statute.level),
            status=law_library.status_words(cited.statute.status), version=cited.library_version,
            date=cited.statute.version_date) + _synthetic(cited.statute.synthetic))
        print(cited.text)
    return 0


def register(sub: Subparsers) -> None:
    """Add `laws` and its actions."""
    actions = group(sub, "laws", _("the law library from HQ: search it, look up citations"),
                    "laws_command")
    add_json(command(actions, "status", cmd_status, _("which law library is held"),
                     login=True))
    search = command(actions, "search", cmd_search, _("search the statutes' articles"),
                     login=True)
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=20,
                        help=_("at most this many articles (1 to {high})").format(
                            high=LIMIT_MAX))
    add_json(search)
    cite = command(actions, "cite", cmd_cite, _("the text of a citation, such as "
                                                "《行政处罚法》第三十三条第二款"), login=True)
    cite.add_argument("text")
    add_json(cite)
