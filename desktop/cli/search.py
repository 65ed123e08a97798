"""`statement-room search QUERY`: full-text search of the statements an officer may read."""

from __future__ import annotations

import argparse
from gettext import gettext as _

from desktop.cli.common import Subparsers, add_json, command, emit, login_from_args


def cmd_search(args: argparse.Namespace) -> int:
    from desktop.services.search import search_statements
    from desktop.store.search import highlight

    with login_from_args(args) as store:
        hits = search_statements(store, args.query, args.limit)
    if args.json:
        emit(args, {"query": args.query, "hits": [
            {"statement": h.statement_id, "source": h.source, "snippet": h.snippet,
             "spans": [list(s) for s in h.spans], "score": h.score} for h in hits]})
        return 0
    if not hits:
        print(_("No statement contains 「{query}」.").format(query=args.query))
    for index, hit in enumerate(hits, 1):
        print(f"{index:>3}. {hit.statement_id}  {highlight(hit.snippet, hit.spans)}")
    return 0


def register(sub: Subparsers) -> None:
    """Add `search`."""
    search = command(sub, "search", cmd_search, _("search statements"), login=True)
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=20)
    add_json(search)
