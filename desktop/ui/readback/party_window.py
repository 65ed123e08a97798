"""The interviewee's window: each page to be signed, with the signature pad beside it.

It shows exactly the pages of the prepared PDF (the images in the shared session), one at a
time and in large print (the window's text is larger than the officer's; the page zooms), with
"Page X of Y", the pad, an optional fingerprint from the reader and the buttons to confirm
the signature of this page or sign it again. A confirmed signature appears on the page at once,
in the box where it will be signed in (`page_marks`), as does the handwritten declaration.
With the statement recorded, a tab beside the pages lists its turns at their moments in the
recording ("▶ Jump to this moment": the interviewee can hear what was said, on this screen).
No file browser ever opens here: a scanned fingerprint is imported on the officer's side.
A page cannot be left for the next one before it is signed: the window says so in plain
words. Each confirmed signature becomes a
`PageSignature` bound to the page's digest. When the declaration is to be written by hand,
the last step (after every page is signed) shows the last page beside a wider pad where the
interviewee writes "以上笔录我看过，和我说的相符" and confirms; the capture is bound to the
last page's digest. While the officer's screen is locked (`set_locked`), the window shows only
a plain "locked" screen, none of the pages. `place_party_window` (`handover`) puts the
window full screen on a second screen when there is one, and with one screen after the officer
confirmed a preview of it.
"""

from __future__ import annotations

import itertools
from gettext import gettext as _

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.documents.capture import DECLARATION
from desktop.documents.page_signatures import PageSignature
from desktop.domain.errors import UserError
from desktop.services.readback import declaration_presets
from desktop.ui.readback.fingerprint import FingerprintCapture, FingerprintSource
from desktop.ui.readback.handover import place_party_window
from desktop.ui.readback.page_marks import page_overlays
from desktop.ui.readback.pages import PageViewer, page_label
from desktop.ui.readback.session import ReadBackSession
from desktop.ui.readback.signature_pad import (
    DECLARATION_HEIGHT_MM,
    DECLARATION_WIDTH_MM,
    SignaturePadPanel,
)

__all__ = ["PartyWindow", "place_party_window"]
TEXT_SCALE = 1.3  # the interviewee reads from further away than the officer, often older


class PartyWindow(QWidget):
    """See the module docstring. `signatures_changed(index)` when a page is signed or cleared."""

    signatures_changed = Signal(int)
    all_signed = Signal()
    handed_back = Signal()

    def __init__(self, session: ReadBackSession, parent: QWidget | None = None, *,
                 fingerprint_source: FingerprintSource | None = None,
                 recording_turns: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.session = session
        self.recording_turns = recording_turns
        self.setWindowTitle(_("Read-back: read and sign every page"))
        large = QFont(self.font())
        large.setPointSizeF(large.pointSizeF() * TEXT_SCALE)
        self.setFont(large)
        self.viewer = PageViewer()
        self.viewer.previous_button.hide()
        self.viewer.next_button.hide()
        self.viewer.page_changed.connect(self._page_shown)
        self.position = QLabel()
        big = QFont(self.position.font())
        big.setPointSizeF(big.pointSizeF() * 1.4)
        big.setBold(True)
        self.position.setFont(big)
        self.instructions = QLabel(_(
            "Read this page carefully. If it records what you said, sign your name in the box "
            "below and confirm. If something is wrong, tell the officer before signing."))
        self.instructions.setWordWrap(True)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.pad_panel = SignaturePadPanel()
        self.fingerprint = FingerprintCapture(fingerprint_source)
        self.fingerprint.failed.connect(self._say)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.previous_button = QPushButton(_("Previous page"))
        self.next_button = QPushButton(_("Next page"))
        self.confirm_button = QPushButton(_("Confirm signature of this page"))
        self.confirm_button.setDefault(True)
        self.resign_button = QPushButton(_("Sign this page again"))
        self.hand_back_button = QPushButton(_("Hand back to the officer"))
        self.declaration_button = QPushButton(_("Write the declaration"))
        self._declaration_widgets()
        self.declaration_button.clicked.connect(self.show_declaration_step)
        self.previous_button.clicked.connect(lambda: self.go_to(self.viewer.current - 1))
        self.next_button.clicked.connect(self.next_page)
        self.confirm_button.clicked.connect(self.confirm)
        self.resign_button.clicked.connect(self.sign_again)
        self.hand_back_button.clicked.connect(self._hand_back)
        self._build()
        self.reload()

    def _build(self) -> None:
        signing = QGroupBox(_("Your signature"))
        box = QVBoxLayout(signing)
        box.addWidget(self.position)
        box.addWidget(self.instructions)
        box.addWidget(self.pad_panel, 1)
        box.addWidget(self.fingerprint)
        box.addWidget(self.state)
        box.addWidget(self.message)
        actions = QHBoxLayout()
        actions.addWidget(self.resign_button)
        actions.addStretch(1)
        actions.addWidget(self.confirm_button)
        box.addLayout(actions)
        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_button)
        navigation.addWidget(self.next_button)
        navigation.addStretch(1)
        navigation.addWidget(self.declaration_button)
        navigation.addWidget(self.hand_back_button)
        box.addLayout(navigation)
        self.page_step = signing
        self.steps = QStackedWidget()
        self.steps.addWidget(signing)
        self.steps.addWidget(self.declaration_step)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        if self.recording_turns is not None:  # the pages, and the turns to play back
            self.left_tabs = QTabWidget()
            self.left_tabs.addTab(self.viewer, _("Pages"))
            self.left_tabs.addTab(self.recording_turns, _("Turns in the recording"))
            splitter.addWidget(self.left_tabs)
        else:
            splitter.addWidget(self.viewer)
        splitter.addWidget(self.steps)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        # While the screen is locked, a plain page replaces everything (pages, signatures).
        self.locked_page = QLabel(_("The screen is locked. Please wait for the officer."))
        self.locked_page.setObjectName("locked")
        self.locked_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.locked_page.setWordWrap(True)
        self.locked_page.setFont(self.position.font())
        self.cover = QStackedWidget()
        self.cover.addWidget(splitter)
        self.cover.addWidget(self.locked_page)
        self.content = splitter
        layout = QVBoxLayout(self)
        layout.addWidget(self.cover)
        order = [self.pad_panel.pad, self.pad_panel.undo_button, self.pad_panel.clear_button,
                 self.fingerprint.take_button, self.fingerprint.remove_button,
                 self.resign_button, self.confirm_button, self.previous_button,
                 self.next_button, self.hand_back_button]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

    def set_locked(self, locked: bool) -> None:
        """Show the plain locked page instead of the pages (the screen lock calls this)."""
        self.cover.setCurrentWidget(self.locked_page if locked else self.content)

    def is_locked(self) -> bool:
        return self.cover.currentWidget() is self.locked_page

    def _declaration_widgets(self) -> None:
        """The last step when the declaration is written by hand: pad, confirm, write again."""
        self.declaration_step = QGroupBox(_("Your declaration"))
        self.declaration_title = QLabel(_("Last step: write your declaration by hand"))
        self.declaration_title.setFont(self.position.font())
        self.declaration_title.setWordWrap(True)
        read, aloud = (declaration_presets() * 2)[:2]
        self.declaration_instructions = QLabel(_(
            "In the box below, write by hand: {declaration} If the statement was read aloud "
            "to you, write: {read_aloud} Then confirm.").format(declaration=read,
                                                                read_aloud=aloud))
        self.declaration_instructions.setWordWrap(True)
        self.declaration_pad_panel = SignaturePadPanel(width_mm=DECLARATION_WIDTH_MM,
                                                       height_mm=DECLARATION_HEIGHT_MM)
        self.declaration_state = QLabel()
        self.declaration_state.setWordWrap(True)
        self.declaration_message = QLabel()
        self.declaration_message.setWordWrap(True)
        self.declaration_message.setStyleSheet("color: #b00020;")
        self.declaration_confirm_button = QPushButton(_("Confirm the declaration"))
        self.declaration_rewrite_button = QPushButton(_("Write the declaration again"))
        self.declaration_back_button = QPushButton(_("Back to the pages"))
        self.declaration_hand_back_button = QPushButton(_("Hand back to the officer"))
        self.declaration_confirm_button.clicked.connect(self.confirm_declaration)
        self.declaration_rewrite_button.clicked.connect(self.write_declaration_again)
        self.declaration_back_button.clicked.connect(self._back_to_pages)
        self.declaration_hand_back_button.clicked.connect(self._hand_back)
        box = QVBoxLayout(self.declaration_step)
        box.addWidget(self.declaration_title)
        box.addWidget(self.declaration_instructions)
        box.addWidget(self.declaration_pad_panel, 1)
        box.addWidget(self.declaration_state)
        box.addWidget(self.declaration_message)
        actions = QHBoxLayout()
        actions.addWidget(self.declaration_rewrite_button)
        actions.addStretch(1)
        actions.addWidget(self.declaration_confirm_button)
        box.addLayout(actions)
        navigation = QHBoxLayout()
        navigation.addWidget(self.declaration_back_button)
        navigation.addStretch(1)
        navigation.addWidget(self.declaration_hand_back_button)
        box.addLayout(navigation)

    # --- pages --------------------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        return len(self.viewer.images)

    @property
    def current_page(self) -> int:
        return self.viewer.current

    def reload(self) -> None:
        """Show the session's (possibly new) pages, at the first page still to be signed.

        Every page signed and the declaration to be written by hand: the declaration step.
        """
        missing = self.session.missing_pages()
        start = missing[0] if missing else 0
        self.viewer.set_pages(self.session.images, start)
        if not missing and self.session.handwritten and self.page_count:
            self.show_declaration_step()
            return
        self.steps.setCurrentWidget(self.page_step)
        self._page_shown(self.viewer.current)

    def go_to(self, index: int) -> None:
        if 0 <= index < self.page_count:
            if self.recording_turns is not None:
                self.left_tabs.setCurrentWidget(self.viewer)  # the page they turn to
            self.viewer.show_page(index)
            self._page_shown(index)

    def next_page(self) -> None:
        page = self.viewer.current
        if not self.session.is_signed(page):
            self._say(_("Please sign page {page} in the box and confirm before going on to "
                        "the next page.").format(page=page + 1))
            return
        self.go_to(page + 1)

    def _page_shown(self, index: int) -> None:
        self.message.clear()
        self.pad_panel.pad.clear()
        if not 0 <= index < self.page_count:
            return
        self.show_marks()
        self.position.setText(page_label(index, self.page_count))
        signature = self.session.signatures.get(index)
        signed = signature is not None
        self.fingerprint.set_page(index, self.session.digests[index],
                                  signature.fingerprint if signature is not None else None)
        self.pad_panel.setEnabled(not signed)
        self.fingerprint.setEnabled(not signed)
        self.confirm_button.setVisible(not signed)
        self.resign_button.setVisible(signed)
        self.state.setText(_("This page is signed.") if signed else "")
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < self.page_count - 1)
        self.declaration_button.setVisible(self.session.handwritten
                                           and not self.session.missing_pages())
        if not signed:
            self.pad_panel.pad.setFocus()

    def show_marks(self) -> None:
        """Draw the confirmed signature (and declaration) on the page shown."""
        self.viewer.view.set_overlays(page_overlays(self.session, self.viewer.current))

    def _say(self, text: str) -> None:
        self.message.setText(text)

    # --- signing ------------------------------------------------------------------------------

    def confirm(self) -> None:
        """Bind the pad's strokes (and fingerprint) to the page shown, then go on."""
        page = self.viewer.current
        if not 0 <= page < self.page_count or self.session.is_signed(page):
            return
        if self.pad_panel.pad.is_empty():
            self._say(_("Please sign page {page} in the box before continuing.").format(
                page=page + 1))
            return
        try:
            capture = self.pad_panel.pad.capture(page, self.session.digests[page])
            self.session.signatures.add(PageSignature(page, capture, self.fingerprint.image))
        except UserError as exc:
            self._say(str(exc))
            return
        self.signatures_changed.emit(page)
        missing = self.session.missing_pages()
        if not missing and self.session.handwritten:
            self.show_declaration_step()
            return
        if not missing:
            self._page_shown(page)
            self.state.setText(_("All pages are signed. Thank you. Please hand the pen back "
                                 "to the officer."))
            self.all_signed.emit()
            return
        later = [p for p in missing if p > page]
        self.go_to(later[0] if later else missing[0])

    def sign_again(self) -> None:
        page = self.viewer.current
        if self.session.is_signed(page):
            self.session.signatures.remove(page)
            self.signatures_changed.emit(page)
            self._page_shown(page)

    # --- the handwritten declaration ----------------------------------------------------------

    @property
    def in_declaration_step(self) -> bool:
        return self.steps.currentWidget() is self.declaration_step

    def show_declaration_step(self) -> None:
        """The last page beside the declaration pad (or what was written, once confirmed)."""
        if not self.session.handwritten or not self.page_count:
            return
        last = self.page_count - 1
        self.viewer.show_page(last)
        self.position.setText(page_label(last, self.page_count))
        self.show_marks()
        self.steps.setCurrentWidget(self.declaration_step)
        self._declaration_shown()

    def _declaration_shown(self) -> None:
        written = self.session.signatures.declaration is not None
        self.declaration_message.clear()
        self.declaration_pad_panel.pad.clear()
        self.declaration_pad_panel.setEnabled(not written)
        self.declaration_confirm_button.setVisible(not written)
        self.declaration_rewrite_button.setVisible(written)
        if written:
            self.declaration_state.setText(_(
                "All pages are signed and your declaration is written. Thank you. Please hand "
                "the pen back to the officer."))
        else:
            self.declaration_state.setText(_("Every page is signed. Now write the declaration."))
            self.declaration_pad_panel.pad.setFocus()

    def confirm_declaration(self) -> None:
        """Bind the declaration pad's strokes to the last page; then all is signed."""
        if not self.session.declaration_missing() or not self.page_count:
            return
        pad = self.declaration_pad_panel.pad
        if pad.is_empty():
            self.declaration_message.setText(_(
                "Please write the declaration in the box before confirming."))
            return
        last = self.page_count - 1
        try:
            self.session.signatures.set_declaration(
                pad.capture(last, self.session.digests[last], DECLARATION))
        except UserError as exc:
            self.declaration_message.setText(str(exc))
            return
        self.signatures_changed.emit(last)
        self._declaration_shown()
        self.show_marks()
        if self.session.complete():
            self.all_signed.emit()

    def write_declaration_again(self) -> None:
        if self.session.signatures.declaration is not None:
            self.session.signatures.clear_declaration()
            self.signatures_changed.emit(self.page_count - 1)
        self._declaration_shown()
        self.show_marks()

    def _back_to_pages(self) -> None:
        self.steps.setCurrentWidget(self.page_step)
        self._page_shown(self.viewer.current)

    def _hand_back(self) -> None:
        self.hide()
        self.handed_back.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.handed_back.emit()
        super().closeEvent(event)

