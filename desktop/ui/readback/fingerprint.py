"""Importing a fingerprint image for one page, kept in memory only.

Fingerprint readers (GA/T 626 capture devices) save a grey BMP, PNG or JPEG. The officer
picks the file; it is read once into memory, converted to PNG in memory (never written
anywhere) and checked by `desktop.documents.capture.FingerprintImage`, bound to the page and
page digest it was taken for. The widget shows a thumbnail and can remove the image again.
"""

from __future__ import annotations

from gettext import gettext as _
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.documents.capture import FingerprintImage
from desktop.domain.errors import UserError

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
            error=exc.strerror or exc)) from exc
    return FingerprintImage(page_index=page_index, page_digest=page_digest,
                            png=fingerprint_png(data), source=path.name[:200] or "file")


class FingerprintImport(QWidget):
    """"Import fingerprint…" with a thumbnail of the imported image and a remove button."""

    changed = Signal()
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._page: tuple[int, str] | None = None
        self._image: FingerprintImage | None = None
        self.import_button = QPushButton(_("Import fingerprint image…"))
        self.remove_button = QPushButton(_("Remove fingerprint"))
        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(THUMBNAIL_PX, THUMBNAIL_PX)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setAccessibleName(_("Fingerprint"))
        self.import_button.clicked.connect(self.choose)
        self.remove_button.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.thumbnail)
        layout.addWidget(self.import_button)
        layout.addWidget(self.remove_button)
        layout.addStretch(1)
        self._refresh()

    @property
    def image(self) -> FingerprintImage | None:
        return self._image

    def set_page(self, page_index: int, page_digest: str,
                 image: FingerprintImage | None = None) -> None:
        self._page = (page_index, page_digest)
        self._image = image
        self._refresh()

    def choose(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Fingerprint image"), "",
            _("Images (*.png *.jpg *.jpeg *.bmp)"))
        if name:
            self.import_file(Path(name))

    def import_file(self, path: Path) -> None:
        if self._page is None:
            return
        try:
            self._image = load_fingerprint(path, *self._page)
        except UserError as exc:
            self.failed.emit(str(exc))
            return
        self._refresh()
        self.changed.emit()

    def clear(self) -> None:
        self._image = None
        self._refresh()
        self.changed.emit()

    def _refresh(self) -> None:
        if self._image is None:
            self.thumbnail.clear()
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
        self.remove_button.setEnabled(self._image is not None)
        self.import_button.setEnabled(self._page is not None)
