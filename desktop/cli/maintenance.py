"""The `maintenance` subcommand of `statement-room`: repairs that lose nothing.

    statement-room maintenance rebuild-search --workdir DIR [--officer CERT] [--json]

`rebuild-search` rebuilds the full-text index from the records (turn texts, party names,
case causes). It is what the message of a search that met a damaged index page asks for; on
a healthy store it changes no result. Audited (`search.rebuilt`). Close every other window
on the store first: a damaged index is rebuilt into a rewritten store file.
"""

from __future__ import annotations

import argparse
from gettext import gettext as _

from desktop.cli.common import Subparsers, add_json, command, group, login_from_args, print_json


def cmd_rebuild_search(args: argparse.Namespace) -> int:
    from desktop.services.maintenance import rebuild_search

    with login_from_args(args) as store:
        result = rebuild_search(store)
    if args.json:
        print_json({"ok": True, "documents": result.documents, "repaired": result.repaired})
    elif result.repaired:
        print(_("The search index was damaged; it was rebuilt from the records "
                "({count} documents) and its damaged pages left out of the store.").format(
                    count=result.documents))
    else:
        print(_("The search index was rebuilt from the records ({count} documents).").format(
            count=result.documents))
    return 0


def register(sub: Subparsers) -> None:
    """Add `maintenance rebuild-search`."""
    actions = group(sub, "maintenance", _("repair the store's derived data"),
                    "maintenance_command", metavar="ACTION")
    rebuild = command(actions, "rebuild-search", cmd_rebuild_search,
                      _("rebuild the full-text search index from the records"), login=True)
    add_json(rebuild)
