"""The real HQ as it answered before issue 16's record kinds existed, for the client's test
of an older HQ: ``python3 -m tests.sync_client.older_hq --data DIR serve ...``.

An HQ older than the client knows fewer kinds of record; everything else is the same code.
So this runs the current HQ with `parse_kind` narrowed to the kinds the HQ before issue 16
knew (`OLDER_KINDS`), on the two paths that parse a kind (a manifest's entries in
hq/records_api.py, and every signed entry through `OutboxEntry.from_json`): an unknown kind
is refused exactly as that HQ refused it, 400 ``bad_request`` "unknown record kind '…'"
(checked against the HQ of commit ae0ff12, whose hq/records_api.py is the current one).

With ``OLDER_HQ_REFUSES=records`` only the signed entry is refused, not the manifest: as
when, during an update, the manifest is answered by an HQ process already updated and the
record by one not yet updated behind the same address.
"""

from __future__ import annotations

import os
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

    # the manifest imported it by name (after the line above: it has the older one now)
    manifest_kind = _parse_kind if os.environ.get("OLDER_HQ_REFUSES") == "records" else (
        older_parse_kind)
    setattr(records_api, "parse_kind", manifest_kind)  # noqa: B010 (not in its __all__)
    return hq_main()


if __name__ == "__main__":
    sys.exit(main())
