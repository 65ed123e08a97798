"""Every kind of record the sync screens list has words of its own, never its wire name
(the penalty records of decision 53 included)."""

from __future__ import annotations

from desktop.ui.sync_dialogs import kind_words
from sync.protocol.records import RecordKind


def test_every_record_kind_has_its_own_words() -> None:
    words = {kind: kind_words(kind) for kind in RecordKind}
    assert all(text and text != kind.value for kind, text in words.items()), words
    assert len(set(words.values())) == len(words)  # no two kinds read the same
    assert words[RecordKind.PENALTY_DECISION] == "Penalty decision"
    assert words[RecordKind.PENALTY_DOCUMENT_PDF] == "Signed penalty document PDF"
