"""Typing any text (hanzi included) into a widget as real key events.

`QTest.keyClicks` only knows ASCII (it aborts on other characters), so hanzi are sent as key
events carrying the character as their text, which is what an editor receives from a
keyboard layout or a committed input-method candidate.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget


def _key(char: str) -> int:
    if char.isascii() and char.isalnum():
        return ord(char.upper())
    return int(Qt.Key.Key_unknown.value)


def type_text(widget: QWidget, text: str) -> None:
    for char in text:
        key = _key(char)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(widget, event)
