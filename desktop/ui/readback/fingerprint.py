"""The fingerprint of one page: taken on the reader, or imported by the officer; in memory only.

On the interviewee's screen `FingerprintCapture` shows a thumbnail, "Take fingerprint" (the
configured fingerprint reader, `desktop.services.devices.take_fingerprint`, run on a device
lane by a `FingerprintSource`) and "Remove fingerprint". It never opens a file browser: that
screen faces the interviewee. A scanner's saved image (grey BMP, PNG or JPEG) is imported on
the officer's side instead (`import_for_party`, a file dialog parented to the officer's
window), read once into memory and converted to PNG in memory (never written anywhere). Either
way the image is checked by `desktop.documents.page_signatures.FingerprintImage`, bound to the page
and page digest it was taken for.
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import gettext as _
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.documents.page_signatures import FingerprintImage
from desktop.domain.errors import UserError
from desktop.i18n import os_error_text
from desktop.services import devices
from desktop.services.devices import FingerprintTaken
from desktop.ui.context import AppContext

Done = Callable[[FingerprintTaken], None]
Failed = Callable[[BaseException], None]
FingerprintSource = Callable[[Done, Failed], None]
"""Starts taking a fingerprint on the reader; calls back on the GUI thread."""

MAX_SOURCE_BYTES = 16 * 1024 * 1024
THUMBNAIL_PX = 64


def fingerprint_png(data: bytes) -> bytes:
    """The image in `data` (PNG, JPEG or BMP) as PNG bytes, converted in memory."""
    image = QImage()
    if len(data) > MAX_SOURCE_BYTES or not image.loadFromData(data):
        raise UserError(_("The file is not a fingerprint image this program can read "
                          "(PNG, JPEG or BMP)."))
    if not image.allGray():
        image = image.convertToFormat(QImage.Format.Format_RGB32)
    else:
        image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    out = QByteArray()
    buffer = QBuffer(out)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # stub wants bytes
    buffer.close()
    return bytes(out.data())


def load_fingerprint(path: Path, page_index: int, page_digest: str) -> FingerprintImage:
    """Read a scanner's image file into memory, bound to one page."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(_("The fingerprint image could not be read: {error}").format(
            error=os_error_text(exc))) from exc
    return FingerprintImage(page_index=page_index, page_digest=page_digest,
                            png=fingerprint_png(data), source=path.name[:200] or "file")


def reader_source(ctx: AppContext) -> FingerprintSource | None:
    """Take fingerprints on the workstation's configured reader (None when there is none)."""
    if not ctx.ports.fingerprint:
        return None

    def start(done: Done, failed: Failed) -> None:
        port = ctx.ports.fingerprint
        ctx.bg.run(lambda: devices.take_fingerprint(port), done, failed, io=True)

    return start


class FingerprintCapture(QWidget):
    """"Take fingerprint" on the reader, the thumbnail, "Remove fingerprint"; no file browser."""

    changed = Signal()
    failed = Signal(str)

    def __init__(self, source: FingerprintSource | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._page: tuple[int, str] | None = None
        self._image: FingerprintImage | None = None
        self._busy = False
        self.take_button = QPushButton(_("Take fingerprint"))
        self.remove_button = QPushButton(_("Remove fingerprint"))
        self.thumbnail = QLabel()
        # As wide as its words need in the party window's large print, never narrower.
        self.thumbnail.setMinimumWidth(THUMBNAIL_PX)
        self.thumbnail.setFixedHeight(THUMBNAIL_PX)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setAccessibleName(_("Fingerprint"))
        self.take_button.clicked.connect(self.take)
        self.remove_button.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.thumbnail)
        layout.addWidget(self.take_button)
        layout.addWidget(self.remove_button)
        layout.addStretch(1)
        self._refresh()

    @property
    def image(self) -> FingerprintImage | None:
        return self._image

    @property
    def page(self) -> tuple[int, str] | None:
        return self._page

    def set_page(self, page_index: int, page_digest: str,
                 image: FingerprintImage | None = None) -> None:
        self._page = (page_index, page_digest)
        self._image = image
        self._refresh()

    def take(self) -> None:
        """Ask the reader for the finger on its glass (the interviewee presses it there)."""
        if self._source is None or self._page is None or self._busy:
            return
        self._busy = True
        self.thumbnail.setText(_("Place the finger on the reader"))
        self._refresh()
        page = self._page
        self._source(lambda taken: self._taken(page, taken), self._take_failed)

    def _taken(self, page: tuple[int, str], taken: FingerprintTaken) -> None:
        self._busy = False
        if page != self._page:  # the page changed meanwhile: this image is not for it
            self._refresh()
            return
        try:
            self.set_image(FingerprintImage(page_index=page[0], page_digest=page[1],
                                            png=taken.png, source=taken.reader))
        except UserError as exc:
            self._refresh()
            self.failed.emit(str(exc))

    def _take_failed(self, exc: BaseException) -> None:
        self._busy = False
        self._refresh()
        self.failed.emit(str(exc) if isinstance(exc, UserError) else
                         _("The fingerprint could not be taken."))

    def set_image(self, image: FingerprintImage) -> None:
        """Use `image` for the page shown (refused when it was taken for another page)."""
        if self._page is None or (image.page_index, image.page_digest) != self._page:
            raise UserError(_("The fingerprint was taken for another page."))
        self._image = image
        self._refresh()
        self.changed.emit()

    def clear(self) -> None:
        self._image = None
        self._refresh()
        self.changed.emit()

    def _refresh(self) -> None:
        if self._image is None:
            self.thumbnail.clear()
            if not self._busy:
                self.thumbnail.setText(_("No fingerprint"))
            self.thumbnail.setWordWrap(True)
        else:
            pixmap = QPixmap()
            pixmap.loadFromData(self._image.png, "PNG")
            ratio = self.devicePixelRatioF()
            scaled = pixmap.scaled(round(THUMBNAIL_PX * ratio), round(THUMBNAIL_PX * ratio),
                                   Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
            scaled.setDevicePixelRatio(ratio)
            self.thumbnail.setPixmap(scaled)
        self.remove_button.setEnabled(self._image is not None and not self._busy)
        self.take_button.setVisible(self._source is not None)
        self.take_button.setEnabled(self._page is not None and not self._busy)


def choose_fingerprint_file(parent: QWidget) -> Path | None:
    """The officer picks a scanner's image file (the dialog belongs to `parent`)."""
    name, _filter = QFileDialog.getOpenFileName(
        parent, _("Fingerprint image"), "", _("Images (*.png *.jpg *.jpeg *.bmp)"))
    return Path(name) if name else None


def import_for_party(officer_window: QWidget, capture: FingerprintCapture,
                     path: Path | None = None) -> str:
    """The officer imports a fingerprint image for the page the interviewee's window shows.

    The file dialog opens on the officer's window (`officer_window`), never on the
    interviewee's screen. Returns what to tell the officer (empty when nothing was chosen).
    """
    page = capture.page
    if page is None:
        return _("Show the pages to the interviewee first.")
    if not capture.isEnabled():
        return _("Page {page} is already signed. To add a fingerprint, the interviewee signs "
                 "it again.").format(page=page[0] + 1)
    if path is None:
        path = choose_fingerprint_file(officer_window)
        if path is None:
            return ""
    try:
        capture.set_image(load_fingerprint(path, *page))
    except UserError as exc:
        return str(exc)
    return _("Fingerprint imported for page {page}.").format(page=page[0] + 1)
