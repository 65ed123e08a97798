"""Playing a recording inside the application, decrypted in memory, with the turns as chapters.

The service's `open_media` gives a readable, seekable file object that decrypts the vault's
segments on demand (and audits the viewing); `MediaDevice` presents it to Qt as a
`QIODevice`, and `QMediaPlayer.setSourceDevice` plays it: no plaintext byte reaches the disk.
Qt's FFmpeg backend reads the device from its own threads, so reads are serialised by a lock.
Decoded frames arrive at a `QVideoSink`; the window paints the newest one itself (a
`QVideoWidget` needs a GPU surface, which the offscreen platform and some interview-room
machines lack). Decision 46 records why QMediaPlayer rather than decoding with PyAV.

The window shows the recording's id, duration and SHA-256, play/pause, a position slider and
the chapters: each turn at its offset (问/答 and the start of its text) and each pause with its
reason; activating one seeks there. A recording still being made plays up to its last
checkpoint, and the window says so. `open_recording` loads a statement's recording and opens
the window at a given offset (the read-back dialog's "jump to this moment").
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from gettext import gettext as _
from typing import Any

from PySide6.QtCore import QByteArray, QIODevice, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.services import recording as recording_service
from desktop.services.recording import RecordingSummary
from desktop.store.store import Store
from desktop.ui.context import AppContext
from desktop.ui.labels import turn_label
from desktop.ui.recording.labels import media_clock
from desktop.ui.recording.picture import PictureView

CHAPTER_TEXT = 40  # characters of a turn's text shown in the chapter list
SHOWN_KEPT = 250  # start times of the last frames shown, kept (what tests look at)


class MediaDevice(QIODevice):
    """A readable, seekable binary file object as a read-only, random-access QIODevice.

    A read that fails (a vault segment that does not decrypt: tampered or damaged) ends the
    data there and says why through `failed` (queued to the GUI thread: reads happen on Qt's
    threads); what was read before it plays."""

    failed = Signal(str)

    def __init__(self, source: Any, parent: QObject | None = None) -> None:
        super().__init__()
        if parent is not None:
            self.setParent(parent)
        self._source = source
        self._lock = threading.Lock()
        self._size = int(source.seek(0, 2))
        source.seek(0)
        self.error: str | None = None

    def open_for_reading(self) -> bool:
        # Unbuffered: Qt's position is the source's, so `readData` reads at `pos()`.
        return self.open(QIODevice.OpenModeFlag.ReadOnly | QIODevice.OpenModeFlag.Unbuffered)

    def isSequential(self) -> bool:
        return False

    def size(self) -> int:
        return self._size

    def bytesAvailable(self) -> int:
        return max(0, self._size - self.pos()) + int(super().bytesAvailable())

    def readData(self, maxlen: int) -> bytes:
        with self._lock:
            position = self.pos()
            if self._source.closed or position >= self._size:
                return b""
            try:
                self._source.seek(position)
                return bytes(self._source.read(min(maxlen, self._size - position)) or b"")
            except Exception as exc:  # any failure: the data ends there, said in words
                first = self.error is None
                self.error = str(exc) or type(exc).__name__
                # The data ends here (what comes before still reads): reading nothing before
                # the end is taken as "try again" by the demuxer, forever.
                self._size = position
        if first:
            self.failed.emit(self.error)
        return b""

    def writeData(self, data: bytes | QByteArray) -> int:  # type: ignore[override]
        return -1

    def close(self) -> None:
        super().close()
        with self._lock:
            self._source.close()


class PlaybackWindow(QWidget):
    """See the module docstring."""

    def __init__(self, ctx: AppContext, summary: RecordingSummary, start_ms: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.summary = summary
        self.recording = summary.recording
        self.pending_ms = start_ms
        self.device: MediaDevice | None = None
        self.frames_shown = 0
        self.frame_ms: int | None = None  # the start time of the frame shown
        self.shown_ms: deque[int] = deque(maxlen=SHOWN_KEPT)  # of the last frames shown
        self.setWindowTitle(_("Recording of the statement"))
        self.resize(1100, 620)
        self.view = PictureView(placeholder=_("Opening the recording…"))
        self.view.setMinimumSize(480, 270)
        self.play_button = QPushButton(_("Play"))
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, self.recording.duration_ms or 0)
        self.slider.sliderReleased.connect(lambda: self.seek(self.slider.value()))
        self.slider.sliderMoved.connect(self._show_time)
        self.time_label = QLabel(media_clock(0))
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.chapters = QListWidget()
        self.chapters.setWordWrap(True)
        self.chapters.itemActivated.connect(self._chapter_activated)
        self.jump_button = QPushButton(_("▶ Jump to this moment"))
        self.jump_button.clicked.connect(self._jump_to_selected)
        self._build()
        self.player = QMediaPlayer(self)
        self.sink = QVideoSink(self)
        self.player.setVideoSink(self.sink)
        self.audio: QAudioOutput | None = None
        if QMediaDevices.audioOutputs():  # none on a machine without sound (tests)
            self.audio = QAudioOutput(self)
            self.player.setAudioOutput(self.audio)
        self.sink.videoFrameChanged.connect(self._frame)
        self.player.positionChanged.connect(self._position)
        self.player.durationChanged.connect(self._duration)
        self.player.mediaStatusChanged.connect(self._media_status)
        self.player.playbackStateChanged.connect(self._playback_state)
        self.player.errorOccurred.connect(self._player_failed)
        self._open()

    def _build(self) -> None:
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time_label)
        left = QWidget()
        column = QVBoxLayout(left)
        column.addWidget(self.view, 1)
        column.addLayout(controls)
        column.addWidget(self.status)
        recording = self.recording
        info = QFormLayout()
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.id_label = QLabel(recording.id)
        self.duration_label = QLabel(media_clock(recording.duration_ms or 0))
        digest = recording.sha256
        # In two halves: 64 hex digits on one line would take the width from the picture.
        self.sha_label = QLabel(f"{digest[:32]}\n{digest[32:]}" if digest else _("(not sealed)"))
        for label in (self.id_label, self.sha_label):
            label.setFont(mono)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        info.addRow(_("Recording:"), self.id_label)
        info.addRow(_("Duration:"), self.duration_label)
        info.addRow(_("SHA-256:"), self.sha_label)
        right = QWidget()
        side = QVBoxLayout(right)
        side.addLayout(info)
        side.addWidget(QLabel(_("Turns and pauses:")))
        side.addWidget(self.chapters, 1)
        side.addWidget(self.jump_button)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([720, 380])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # --- opening --------------------------------------------------------------------------
    def _open(self) -> None:
        recording_id = self.recording.id

        def work(store: Store) -> tuple[Any, list[recording_service.Chapter]]:
            media = recording_service.open_media(store, recording_id)  # audits the viewing
            return media, recording_service.chapters(store, recording_id)

        self.status.setText(_("Opening the recording…"))
        self.ctx.run(work, self._opened, self._open_failed)

    def _opened(self, opened: tuple[Any, list[recording_service.Chapter]]) -> None:
        media, chapters = opened
        self._fill_chapters(chapters)
        self.device = MediaDevice(media, self)
        self.device.failed.connect(self._device_failed)
        if not self.device.open_for_reading():
            self.status.setText(_("The recording could not be opened."))
            return
        saved_ms = getattr(media, "saved_ms", None)
        if saved_ms is not None:  # a recording still being made: what is saved so far
            self.duration_label.setText(_("{time} so far").format(time=media_clock(saved_ms)))
            self.slider.setRange(0, saved_ms)
            self.status.setText(_("Still recording: this plays what is saved so far, up to "
                                  "{time}.").format(time=media_clock(saved_ms)))
        else:
            self.status.setText("")
        self.player.setSourceDevice(self.device, QUrl("recording.mp4"))
        if self.pending_ms is None:
            self.player.play()
        # else: played from there once loaded (`_media_status`), not from the start first

    def _open_failed(self, exc: BaseException) -> None:
        self.status.setText(_("The recording could not be opened: {reason}").format(reason=exc))
        self.view.placeholder = ""
        self.view.update()

    def _fill_chapters(self, chapters: list[recording_service.Chapter]) -> None:
        entries: list[tuple[int, str]] = []
        for chapter in chapters:
            text = chapter.text.replace("\n", " ")
            if len(text) > CHAPTER_TEXT:
                text = text[:CHAPTER_TEXT] + "…"
            entries.append((chapter.media_ms, f"{media_clock(chapter.media_ms)}  "
                                              f"{turn_label(chapter.kind)}{_(':')} {text}"))
        for pause in self.summary.pauses:
            entries.append((pause.media_ms, _("{clock}  ❚❚ Paused: {reason}").format(
                clock=media_clock(pause.media_ms), reason=pause.reason)))
        for media_ms, text in sorted(entries, key=lambda entry: entry[0]):
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, media_ms)
            self.chapters.addItem(item)

    # --- playing --------------------------------------------------------------------------
    def _media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.LoadedMedia,
                      QMediaPlayer.MediaStatus.BufferedMedia) and self.pending_ms is not None:
            start, self.pending_ms = self.pending_ms, None
            self.seek(start)
        elif status is QMediaPlayer.MediaStatus.InvalidMedia and (
                self.device is None or self.device.error is None):
            self.status.setText(_("The recording cannot be played: {reason}").format(
                reason=self.player.errorString() or _("unreadable media")))

    def _device_failed(self, reason: str) -> None:
        self.status.setText(_("The recording cannot be played past this point: {reason}").format(
            reason=reason))

    def _player_failed(self, _error: QMediaPlayer.Error, text: str) -> None:
        if self.device is not None and self.device.error is not None:
            return  # the device said why, in our words
        self.status.setText(_("The recording cannot be played: {reason}").format(
            reason=text or _("unreadable media")))

    def _frame(self, frame: QVideoFrame) -> None:
        if not frame.isValid():
            return
        image = frame.toImage()
        if image.isNull():
            return
        self.frames_shown += 1
        self.frame_ms = frame.startTime() // 1000 if frame.startTime() >= 0 else None
        if self.frame_ms is not None:
            self.shown_ms.append(self.frame_ms)
        self.view.set_image(image)

    def _position(self, position: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(position)
        self._show_time(position)

    def _show_time(self, position: int) -> None:
        total = self.player.duration() or self.recording.duration_ms or 0
        self.time_label.setText(f"{media_clock(position)} / {media_clock(total)}")

    def _duration(self, duration: int) -> None:
        if duration > 0:
            self.slider.setRange(0, duration)

    def _playback_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state is QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText(_("Pause") if playing else _("Play"))

    def toggle(self) -> None:
        if self.player.playbackState() is QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def seek(self, media_ms: int) -> None:
        """Go to `media_ms` of the recording and play from there."""
        if self.device is None or self.player.mediaStatus() in (
                QMediaPlayer.MediaStatus.NoMedia, QMediaPlayer.MediaStatus.LoadingMedia):
            self.pending_ms = media_ms  # once the media is loaded
            return
        self.player.setPosition(max(0, media_ms))
        if self.player.playbackState() is not QMediaPlayer.PlaybackState.PlayingState:
            self.player.play()

    def _chapter_activated(self, item: QListWidgetItem) -> None:
        self.seek(int(item.data(Qt.ItemDataRole.UserRole)))

    def _jump_to_selected(self) -> None:
        item = self.chapters.currentItem()
        if item is not None:
            self._chapter_activated(item)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.release()
        super().closeEvent(event)

    def release(self) -> None:
        """Stop playing and let go of the decrypting reader."""
        self.player.stop()
        self.player.setSource(QUrl())
        if self.device is not None:
            self.device.close()
            self.device = None


def open_recording(ctx: AppContext, statement_id: str, start_ms: int | None = None,
                   parent: QWidget | None = None,
                   on_error: Callable[[str], None] | None = None) -> None:
    """Load the statement's recording and open it in a `PlaybackWindow` at `start_ms`;
    the window is kept on `parent` (`playback_window`) so it stays open."""

    def opened(summary: RecordingSummary | None) -> None:
        if summary is None:
            if on_error is not None:
                on_error(_("This statement has no recording."))
            return
        window = PlaybackWindow(ctx, summary, start_ms)
        if parent is not None:
            parent.playback_window = window  # type: ignore[attr-defined]
        window.show()

    ctx.read(lambda store: recording_service.summary(store, statement_id), opened,
             lambda exc: on_error(str(exc)) if on_error is not None else None)
