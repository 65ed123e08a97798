"""`statement-room search QUERY`: full-text search of the statements an officer may read.

An empty query and a `--limit` below 1 are refused before the store is opened: answering
them "no match" would tell the officer something untrue.
"""

from __future__ import annotations

import argparse
from gettext import gettext as _

from desktop.cli.common import Subparsers, add_json, command, emit, login_from_args
from desktop.domain.errors import UserError

LIMIT_MAX = 1000  # more hits than anyone reads in a terminal; a script pages by case instead


def cmd_search(args: argparse.Namespace) -> int:
    from desktop.services.search import search_statements
    from desktop.store.search import highlight

    query = args.query.strip()
    if not query:
        raise UserError(_("Give the words to search for."))
    if not 1 <= args.limit <= LIMIT_MAX:
        raise UserError(_("--limit must be between 1 and {high}.").format(high=LIMIT_MAX))
    with login_from_args(args) as store:
        hits = search_statements(store, query, args.limit)
    if args.json:
        emit(args, {"query": query, "hits": [
            {"statement": h.statement_id, "source": h.source, "snippet": h.snippet,
             "spans": [list(s) for s in h.spans], "score": h.score} for h in hits]})
        return 0
    if not hits:
        print(_("No statement contains 「{query}」.").format(query=query))
    for index, hit in enumerate(hits, 1):
        print(f"{index:>3}. {hit.statement_id}  {highlight(hit.snippet, hit.spans)}")
    return 0


def register(sub: Subparsers) -> None:
    """Add `search`."""
    search = command(sub, "search", cmd_search, _("search statements"), login=True)
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=20,
                        help=_("at most this many hits (1 to {high})").format(high=LIMIT_MAX))
    add_json(search)
