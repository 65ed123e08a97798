"""The keys of the officer's everyday actions, in one place for menus, buttons and tests.

Standard keys where Qt has them (New case is `QKeySequence.StandardKey.New`); otherwise keys
no editor, line edit or common Chinese input method binds: F2 reads the ID card (a function
key, as card-reader software uses, that works whichever field has the focus), Ctrl+Shift+N
starts a statement (Ctrl+N is a new case), Ctrl+R proceeds to read-back, F9 syncs with HQ,
Ctrl+Shift+L opens the law library and Ctrl+Shift+D shows or hides the discretion panel beside
the interview (Ctrl+L locks the screen; Ctrl+D deletes in some editors).
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtGui import QKeySequence

READ_CARD = "F2"
NEW_STATEMENT = "Ctrl+Shift+N"
READ_BACK = "Ctrl+R"
LAW_LIBRARY = "Ctrl+Shift+L"
DISCRETION = "Ctrl+Shift+D"
SYNC_NOW = "F9"  # send-and-receive in Outlook; no editor or input method binds it


def key_text(keys: str) -> str:
    """`keys` as the platform writes it in menus."""
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def with_key(text: str, keys: str) -> str:
    """A tooltip naming the action and its key, e.g. "Proceed to read-back (Ctrl+R)"."""
    return _("{action} ({key})").format(action=text, key=key_text(keys))
