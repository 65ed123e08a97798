"""The party's window for a penalty document: read every page, then sign for receipt (送达).

Like the interviewee's read-back window (`readback.party_window`, in large print, placed on the
party's screen by `handover.place_party_window`) but for one signature: the document's pages
with page navigation and zoom on the left, and on the right the signature pad
(`SignaturePadPanel`) where the party signs to confirm they received the document. The
capture is bound to the page that holds the receipt box (`receipt_page`) and to what that page
prints (`binding`), so it cannot be moved onto another version of the document. "Confirm"
hands the capture to the officer's dialog (`confirmed`); an empty pad is refused in plain
words. No file browser ever opens here. While the officer's screen is locked (`set_locked`,
called by the screen lock) the window shows only a plain "locked" page, as the interviewee's
window does.
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError
from desktop.ui.readback.pages import PageViewer
from desktop.ui.readback.party_window import TEXT_SCALE
from desktop.ui.readback.signature_pad import SignaturePadPanel

ERROR_STYLE = "color: #b00020;"


class ReceiptWindow(QWidget):
    """See the module docstring. `confirmed(capture)`; `handed_back` without signing."""

    confirmed = Signal(object)
    handed_back = Signal()

    def __init__(self, title: str, images: list[QImage], receipt_page: int, binding: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.receipt_page = receipt_page
        self.binding = binding
        self.setWindowTitle(_("Read and sign for receipt: {title}").format(title=title))
        large = QFont(self.font())
        large.setPointSizeF(large.pointSizeF() * TEXT_SCALE)
        self.setFont(large)
        self.viewer = PageViewer()
        self.viewer.set_pages(images)
        self.instructions = QLabel(_(
            "Read the document. Then sign in the box below to confirm that you received it. "
            "Signing confirms receipt; it does not mean you agree. If something is wrong, tell "
            "the officer."))
        self.instructions.setWordWrap(True)
        self.pad_panel = SignaturePadPanel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.confirm_button = QPushButton(_("Confirm: I received this document"))
        self.confirm_button.setDefault(True)
        self.hand_back_button = QPushButton(_("Hand back to the officer"))
        self.confirm_button.clicked.connect(self.confirm)
        self.hand_back_button.clicked.connect(self._hand_back)
        self.pad_panel.pad.changed.connect(lambda: self.message.clear())
        signing = QGroupBox(_("Your signature for receipt"))
        box = QVBoxLayout(signing)
        box.addWidget(self.instructions)
        box.addWidget(self.pad_panel, 1)
        box.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hand_back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        box.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.viewer)
        splitter.addWidget(signing)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.locked_page = QLabel(_("The screen is locked. Please wait for the officer."))
        self.locked_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.locked_page.setWordWrap(True)
        self.cover = QStackedWidget()
        self.cover.addWidget(splitter)
        self.cover.addWidget(self.locked_page)
        self.content = splitter
        layout = QVBoxLayout(self)
        layout.addWidget(self.cover)
        self.resize(1100, 760)

    def set_locked(self, locked: bool) -> None:
        """Show the plain locked page instead of the document (the screen lock calls this)."""
        self.cover.setCurrentWidget(self.locked_page if locked else self.content)

    def is_locked(self) -> bool:
        return self.cover.currentWidget() is self.locked_page

    def confirm(self) -> None:
        pad = self.pad_panel.pad
        if pad.is_empty():
            self.message.setText(_("Please sign in the box first."))
            pad.setFocus()
            return
        try:
            capture = pad.capture(self.receipt_page, self.binding)
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.confirmed.emit(capture)

    def _hand_back(self) -> None:
        self.hide()
        self.handed_back.emit()
