"""`statement-room search QUERY`: full-text search of the statements an officer may read.

An empty query and a `--limit` below 1 are refused before the store is opened: answering
them "no match" would tell the officer something untrue.
"""

from __future__ import annotations

import argparse
from gettext import gettext as _

from desktop.cli.common import (
    Subparsers,
    add_json,
    add_search_arguments,
    command,
    emit,
    login_from_args,
    search_query,
)


def cmd_search(args: argparse.Namespace) -> int:
    from desktop.services.search import search_statements
    from desktop.store.search import highlight

    query = search_query(args)
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
    add_search_arguments(search)
    add_json(search)
