"""What a party's signature on a read-back page is bound to: everything printed on that page.

The QR payload (`SR1:<statement id>:<content digest>:<page>/<pages>`) ties a paper page to the
statement's content, but the content digest covers only the record as data (the turns and
the interview's facts). A page also prints what is outside it: the typed declaration (阅读意见)
the party signs under, the form fields (第N次询问, interpreter, guardian), the party's name and
identity number in the header, the officers' names, a refusal, the date. A signature bound
only to the QR payload would survive a change to any of those, and the sealed PDF would show
the changed text above the party's signature.

`PrintedPage.binding` therefore hashes the page's QR payload together with every line of
text, ruled line and box the page draws, as drawn (text, position, size, style). Two
renderings of the same document give the same bindings (layout is deterministic); a change to
anything printed on a page gives that page a new binding and no other page's. Positions are
whole hundredths of a point, so the digest does not depend on how a float prints. The record
is JSON of lists of strings and integers only (no objects, so no key order to agree on),
written by the standard encoder in one pass: `canonical_json` would do as well at three times
the cost. A rendering keeps what it printed (`PrintedPage`) and the binding is computed only
when signing asks for it, so renderings nobody signs (previews, printouts; issue 13's
rendering budget) do not pay for it.

The QR payload and the content digest it carries are unchanged: verifiers that compare a
page's QR code with the statement's content digest read exactly what they read before.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from desktop.documents.layout import Rect, TextItem

# Names the encoding below; a different record layout must use another value.
PAGE_BINDING_FORMAT = "sr-page-binding/1"

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _hundredths(value: float) -> int:
    return round(value * 100)


@dataclass(frozen=True)
class PrintedPage:
    """What one rendered page shows the party: its QR payload and everything it draws.

    `texts` are every line the page draws (its running head, footer and body, in drawing
    order), `rules` its ruled lines and `boxes` its named boxes (name, rectangle).
    """

    qr_payload: str
    texts: tuple[TextItem, ...]
    rules: tuple[tuple[float, float, float, float], ...]
    boxes: tuple[tuple[str, Rect], ...]

    def binding(self) -> str:
        """The hex SHA-256 a party's signature on this page is bound to."""
        h = _hundredths
        record = [
            PAGE_BINDING_FORMAT,
            self.qr_payload,
            [[t.text, h(t.x), h(t.baseline), h(t.size), t.style, t.align, h(t.justify)]
             for t in self.texts],
            [[h(v) for v in rule] for rule in self.rules],
            [[name, h(box.x), h(box.y), h(box.w), h(box.h)]
             for name, box in sorted(self.boxes, key=lambda item: item[0])],
        ]
        return hashlib.sha256(_encode(record).encode("utf-8")).hexdigest()
