"""Common questions HQ sends down, shown beside the unit's own (`resources/templates/phrases.toml`).

HQ's ``templates`` reference dataset (docs/protocols/sync.md §7, accepted and verified by
`desktop.services.refdata`) is JSON: ``{"phrases": [{"label": …, "text": …}, …]}``. The
unit's phrases keep their Ctrl+1..9 shortcuts; HQ's come after them in the list, without a
shortcut, so an update from HQ never moves a key an officer has learnt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.store import refdata
from desktop.store.store import Store

__all__ = ["TEMPLATES", "HqPhrase", "hq_phrases"]

TEMPLATES = "templates"


@dataclass(frozen=True)
class HqPhrase:
    label: str
    text: str


def hq_phrases(store: Store) -> tuple[HqPhrase, ...]:
    """The phrases of the templates dataset held; none before HQ has sent one."""
    with store.reading() as conn:
        held = refdata.dataset(conn, TEMPLATES)
    if held is None:
        return ()
    try:
        listed = json.loads(held.data.decode("utf-8")).get("phrases", [])
        phrases = tuple(HqPhrase(label=str(item["label"]), text=str(item["text"]))
                        for item in listed)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(_("HQ's common questions (templates version {version}) cannot be "
                          "read ({problem}).").format(version=held.version, problem=exc)
                        ) from exc
    return tuple(p for p in phrases if p.label.strip() and p.text.strip())
