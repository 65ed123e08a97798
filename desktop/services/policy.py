"""Evidence policies: what leaves a recorder and which digests its files get.

Deleting a recorder's files after a verified import (`delete_originals`) and computing SM3
digests of evidence besides SHA-256 (`sm3`) decide what evidence exists and how it can be
checked later, so each change is an event of the audit trail (design brief §4: "settings
change"), recorded with the officer who made it. The choice itself lives in the settings
file (`desktop.config.Settings`); this service only records that it changed.
"""

from __future__ import annotations

from desktop.domain.model import Action
from desktop.store.store import Store

EVIDENCE_POLICIES = frozenset({"delete_originals", "sm3"})


def record_policy_change(store: Store, name: str, value: bool) -> None:
    """Write the change of the evidence policy `name` to `value` into the audit trail."""
    if name not in EVIDENCE_POLICIES:
        raise ValueError(f"not an evidence policy: {name!r}")  # a bug, not a user's mistake
    with store.transaction() as tx:
        tx.audit(Action.SETTING_CHANGED, name, value=value)
