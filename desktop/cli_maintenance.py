"""The `maintenance` subcommand of `statement-room`: repairs that lose nothing.

    statement-room maintenance rebuild-search --workdir DIR [--officer CERT] [--json]

`rebuild-search` rebuilds the full-text index from the records (turn texts, party names,
case causes). It is what the message of a search that met a damaged index page asks for; on
a healthy store it changes no result. Audited (`search.rebuilt`). Close every other window
on the store first: a damaged index is rebuilt into a rewritten store file.
"""

from __future__ import annotations

import argparse
import json
from gettext import gettext as _
from pathlib import Path
from typing import Any


def cmd_rebuild_search(args: argparse.Namespace) -> int:
    from desktop.cli_common import login_from_args
    from desktop.services.maintenance import rebuild_search

    with login_from_args(args) as store:
        result = rebuild_search(store)
    if args.json:
        print(json.dumps({"ok": True, "documents": result.documents,
                          "repaired": result.repaired}), flush=True)
    elif result.repaired:
        print(_("The search index was damaged; it was rebuilt from the records "
                "({count} documents) and its damaged pages left out of the store.").format(
                    count=result.documents))
    else:
        print(_("The search index was rebuilt from the records ({count} documents).").format(
            count=result.documents))
    return 0


def register(sub: Any) -> None:
    """Add the `maintenance` subcommand to the main parser."""
    maintenance = sub.add_parser("maintenance", help=_("repair the store's derived data"))
    actions = maintenance.add_subparsers(dest="maintenance_command", metavar="ACTION",
                                         required=True)
    rebuild = actions.add_parser(
        "rebuild-search", help=_("rebuild the full-text search index from the records"))
    rebuild.set_defaults(handler=cmd_rebuild_search)
    rebuild.add_argument("--workdir", type=Path, default=None,
                         help=_("store directory (default: ${env} or the user data directory)")
                         .format(env="STATEMENT_ROOM_HOME"))
    rebuild.add_argument("--officer", help=_("certificate number of the officer logging in"))
    rebuild.add_argument("--json", action="store_true", help=_("end with one JSON line"))
