"""The gate of pages only an administrator opens (signing keys, the unit's legal particulars,
sync administration): one check, and anyone else is told why instead of getting the page.

The menu entries are hidden from other officers too; the gate holds when a page is reached
another way (a shortcut, a test, a later menu)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.domain.model import Role
from desktop.ui.context import AppContext


def is_admin(ctx: AppContext) -> bool:
    """Whether the officer of the session is an administrator (False when logged out)."""
    return ctx.store is not None and ctx.store.officer.role is Role.ADMIN


def admin_or_told(ctx: AppContext, parent: QWidget | None, title: str, refusal: str) -> bool:
    """True for an administrator; anyone else sees `refusal` under `title` and gets False."""
    if is_admin(ctx):
        return True
    QMessageBox.information(parent, title, refusal)
    return False
