"""The real HQ as it answered before issue 16's record kinds existed, for the client's test
of an older HQ: ``python3 -m tests.sync_client.older_hq --data DIR serve ...``.

An HQ older than the client knows fewer kinds of record; everything else is the same code.
So this runs the current HQ with `parse_kind` narrowed to the kinds the HQ before issue 16
knew (`OLDER_KINDS`), on the two paths that parse a kind (a manifest's entries in
hq/records_api.py, and every signed entry through `OutboxEntry.from_json`): an unknown kind
is refused exactly as that HQ refused it, 400 ``bad_request`` "unknown record kind '…'"
(checked against the HQ of commit ae0ff12, whose hq/records_api.py is the current one).
"""

from __future__ import annotations

import sys

from sync.protocol import records
from sync.protocol.records import RecordKind

NEWER_KINDS = frozenset({RecordKind.STATEMENT_CONTEXT, RecordKind.EVIDENCE_RECORD})
OLDER_KINDS = frozenset(RecordKind) - NEWER_KINDS
_parse_kind = records.parse_kind


def older_parse_kind(name: str) -> RecordKind:
    """`parse_kind` as the HQ before issue 16 had it."""
    kind = _parse_kind(name)
    if kind not in OLDER_KINDS:
        raise ValueError(f"unknown record kind {name!r}")
    return kind


def main() -> int:
    records.parse_kind = older_parse_kind  # OutboxEntry.from_json looks it up here
    from hq import records_api
    from hq.cli import main as hq_main

    # the manifest imported it by name
    setattr(records_api, "parse_kind", older_parse_kind)  # noqa: B010 (not in its __all__)
    return hq_main()


if __name__ == "__main__":
    sys.exit(main())
