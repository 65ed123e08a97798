"""Handing the screen over to the interviewee: where their window goes, and a look first.

With a second screen the interviewee's window goes full screen there at once. With only one
screen it would cover the officer's own window, so the officer first sees a preview of it
(`HandoverPreview`, on the officer's side: a picture of the window as it will look, at the
screen's size) and confirms with "Show full screen to the interviewee"; "Not yet" keeps the
officer's window. Under the offscreen platform (tests) the window is simply shown.
"""

from __future__ import annotations

from gettext import gettext as _

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

PREVIEW_WIDTH = 640  # wide enough to check the page and the signature box are there


def screen_size(officer_window: QWidget | None) -> QSize:
    """The size the interviewee's window will have on the one screen."""
    screen = officer_window.screen() if officer_window is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(1024, 768)
    return screen.geometry().size()


class HandoverPreview(QDialog):
    """What the interviewee's window will show, for the officer to confirm before it covers
    the screen. Accepted: the window goes full screen."""

    def __init__(self, party_window: QWidget, officer_window: QWidget | None) -> None:
        super().__init__(officer_window)
        self.party_window = party_window
        self.setWindowTitle(_("Before handing over the screen"))
        self.explanation = QLabel(_(
            "There is only one screen: the interviewee's window will cover it. Check what it "
            "shows, then turn the screen to the interviewee. \"Hand back to the officer\" on "
            "that window brings this one back."))
        self.explanation.setWordWrap(True)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setAccessibleName(_("Preview of the interviewee's window"))
        self.buttons = QDialogButtonBox()
        self.show_button = self.buttons.addButton(_("Show full screen to the interviewee"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(_("Not yet"),
                                                    QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.buttons)
        self.refresh(screen_size(officer_window))
        self.show_button.setFocus()

    def refresh(self, size: QSize) -> None:
        """Draw the interviewee's window as it will look at `size` (it is not shown yet)."""
        self.party_window.resize(size)
        layout = self.party_window.layout()
        if layout is not None:
            layout.activate()
        picture: QPixmap = self.party_window.grab()
        self.picture.setPixmap(picture.scaledToWidth(
            PREVIEW_WIDTH, Qt.TransformationMode.SmoothTransformation))

    def accept(self) -> None:
        super().accept()
        show_full_screen(self.party_window)


def show_full_screen(window: QWidget) -> None:
    window.showFullScreen()
    window.raise_()
    window.activateWindow()


def place_party_window(window: QWidget, officer_window: QWidget | None) -> HandoverPreview | None:
    """Full screen on another screen than the officer's; with one screen, after the officer
    confirms a preview (returned, open on the officer's window); offscreen: shown."""
    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        window.show()
        return None
    screens = QGuiApplication.screens()
    if window.isVisible() or len(screens) > 1:
        if len(screens) > 1:
            current = officer_window.screen() if officer_window is not None else None
            target = next((s for s in screens if s is not current), screens[-1])
            window.setScreen(target)
            window.setGeometry(target.availableGeometry())
        show_full_screen(window)
        return None
    waiting = officer_window.findChild(HandoverPreview) if officer_window is not None else None
    if waiting is not None and waiting.isVisible():  # asked again: one preview, not two
        waiting.raise_()
        waiting.activateWindow()
        return waiting
    preview = HandoverPreview(window, officer_window)
    preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    preview.open()
    return preview
