"""The penalty screens of issue 17 that follow the discretion panel: the legal reviewer's
queue (`ReviewQueue`, shown only to legal reviewers) and a decision's documents with their
read-back, receipt and signatures (`open_documents`, `PenaltyDocumentsDialog`).

The modules load lazily: the main window imports this package only for a legal reviewer's
tab, and the discretion panel only when its "Documents…" button is pressed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.ui.penalty.documents_dialog import PenaltyDocumentsDialog, open_documents
    from desktop.ui.penalty.review_queue import ReviewQueue, is_legal_reviewer

__all__ = ["PenaltyDocumentsDialog", "ReviewQueue", "is_legal_reviewer", "open_documents"]

_WHERE = {"PenaltyDocumentsDialog": "documents_dialog", "open_documents": "documents_dialog",
          "ReviewQueue": "review_queue", "is_legal_reviewer": "review_queue"}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(f"desktop.ui.penalty.{module}"), name)
