"""The Qt Multimedia camera and microphone as the recorder's sources.

`QtCameraSource` is a `hardware.camera.VideoSource`: a `QCamera` in a `QMediaCaptureSession`
whose `QVideoSink` receives each frame. The sink's signal only keeps the newest frame (a
reference, no copy); a conversion thread of the source's own turns it into a `VideoFrame`
(RGB, scaled to the recording's size) and hands it on, so neither the GUI thread nor Qt's
capture thread pays for the conversion, and a slow conversion drops frames rather than
queueing them. The same session can be fed by a `QVideoFrameInput` instead of a camera: that
is how the tests drive everything downstream of the camera on machines without one.

`QtMicrophoneSource` is an `AudioSource`: a `QAudioSource` (48 kHz, mono, 16-bit) in pull
mode whose bytes become `AudioChunk`s as they arrive (cheap: a view and a copy).

Both stamp what they deliver with `time.monotonic()` (the moment it arrived, less the
length of an audio chunk), one clock for picture and sound, as the recorder expects of
sources it keeps in step. `available_devices()` says which cameras and microphones Qt sees.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy
from PySide6.QtCore import QIODevice, QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import (
    QAudioDevice,
    QAudioFormat,
    QAudioSource,
    QCamera,
    QCameraDevice,
    QMediaCaptureSession,
    QMediaDevices,
    QVideoFrame,
    QVideoFrameInput,
    QVideoSink,
)

from hardware.camera.frames import AudioChunk, VideoFrame

OnError = Callable[[str], None]


@dataclass(frozen=True)
class QtDevices:
    """The cameras and microphones Qt Multimedia sees (the first camera is the front one)."""

    cameras: tuple[QCameraDevice, ...]
    microphones: tuple[QAudioDevice, ...]


def available_devices() -> QtDevices:
    return QtDevices(tuple(QMediaDevices.videoInputs()), tuple(QMediaDevices.audioInputs()))


def image_to_pixels(image: QImage, size: QSize) -> numpy.ndarray:
    """`image` as a (height, width, 3) RGB array of `size`, cropped to its aspect ratio."""
    if image.size() != size:
        image = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                             Qt.TransformationMode.SmoothTransformation)
        if image.size() != size:  # centre crop of what overflows
            image = image.copy((image.width() - size.width()) // 2,
                               (image.height() - size.height()) // 2,
                               size.width(), size.height())
    if image.format() != QImage.Format.Format_RGB888:
        image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    raw = numpy.frombuffer(image.constBits(), numpy.uint8, count=stride * height)
    return raw.reshape(height, stride)[:, :width * 3].reshape(height, width, 3).copy()


class QtCameraSource:
    """A camera (or a frame input, in tests) as a `VideoSource`; see the module docstring."""

    def __init__(self, device: QCameraDevice | None = None, *, name: str | None = None,
                 width: int = 1280, height: int = 720, fps: int = 25,
                 frame_input: QVideoFrameInput | None = None,
                 on_error: OnError | None = None) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.on_error = on_error
        self.error: str | None = None
        self._session = QMediaCaptureSession()
        self._sink = QVideoSink()
        self._session.setVideoSink(self._sink)
        self._camera: QCamera | None = None
        if frame_input is not None:
            self._session.setVideoFrameInput(frame_input)
            self.name = name or "qt-frame-input"
        else:
            self._camera = QCamera(device) if device is not None else QCamera()
            self._camera.errorOccurred.connect(self._camera_failed)
            self._session.setCamera(self._camera)
            self.name = name or self._camera.cameraDevice().description() or "camera"
            self._choose_format()
        self._wake = threading.Condition()
        self._pending: tuple[QVideoFrame, float] | None = None
        self._running = False
        self._thread: threading.Thread | None = None
        self._on_frame: Callable[[VideoFrame], None] | None = None
        self.delivered = 0

    def _choose_format(self) -> None:
        """The camera's format closest to the recording's size and rate (the picture is
        scaled to the recording's size anyway; a closer one costs less to scale)."""
        assert self._camera is not None
        formats = self._camera.cameraDevice().videoFormats()
        if not formats:
            return
        wanted = self.width * self.height

        def distance(fmt: object) -> tuple[int, float]:
            size = fmt.resolution()  # type: ignore[attr-defined]
            rate = fmt.maxFrameRate()  # type: ignore[attr-defined]
            return abs(size.width() * size.height() - wanted), abs(rate - self.fps)

        self._camera.setCameraFormat(min(formats, key=distance))

    def _camera_failed(self, _error: QCamera.Error, text: str) -> None:
        self.error = text or "camera error"
        if self.on_error is not None:
            self.on_error(self.error)

    def start(self, on_frame: Callable[[VideoFrame], None]) -> None:
        self._on_frame = on_frame
        self._running = True
        self._thread = threading.Thread(target=self._convert, name=f"camera:{self.name}",
                                        daemon=True)
        self._thread.start()
        self._sink.videoFrameChanged.connect(self._arrived)
        if self._camera is not None:
            self._camera.start()

    def _arrived(self, frame: QVideoFrame) -> None:
        """Qt's thread (or the GUI thread): keep the newest frame, wake the converter."""
        if not frame.isValid():
            return
        with self._wake:
            self._pending = (QVideoFrame(frame), time.monotonic())
            self._wake.notify()

    def _convert(self) -> None:
        size = QSize(self.width, self.height)
        while True:
            with self._wake:
                while self._running and self._pending is None:
                    self._wake.wait()
                if not self._running:
                    return
                assert self._pending is not None
                frame, at = self._pending
                self._pending = None
            image = frame.toImage()
            if image.isNull() or self._on_frame is None:
                continue
            self._on_frame(VideoFrame(image_to_pixels(image, size), at))
            self.delivered += 1

    def stop(self) -> None:
        if self._camera is not None:
            self._camera.stop()
        if self._running:
            self._sink.videoFrameChanged.disconnect(self._arrived)
        with self._wake:
            self._running = False
            self._wake.notify()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


class QtMicrophoneSource:
    """A microphone as an `AudioSource`; see the module docstring."""

    def __init__(self, device: QAudioDevice | None = None, *, rate: int = 48000,
                 on_error: OnError | None = None) -> None:
        self.device = device or QMediaDevices.defaultAudioInput()
        self.name = self.device.description() or "microphone"
        self.rate = rate
        self.channels = 1
        self.on_error = on_error
        self.error: str | None = None
        audio_format = QAudioFormat()
        audio_format.setSampleRate(rate)
        audio_format.setChannelCount(self.channels)
        audio_format.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self._format = audio_format
        self._audio: QAudioSource | None = None
        self._io: QIODevice | None = None
        self._on_chunk: Callable[[AudioChunk], None] | None = None

    def start(self, on_chunk: Callable[[AudioChunk], None]) -> None:
        self._on_chunk = on_chunk
        self._audio = QAudioSource(self.device, self._format)
        self._io = self._audio.start()
        if self._io is None:
            self._failed()
            return
        self._io.readyRead.connect(self._read)

    def _failed(self) -> None:
        error = self._audio.error() if self._audio is not None else None
        self.error = f"microphone error: {error.name if error is not None else 'unknown'}"
        if self.on_error is not None:
            self.on_error(self.error)

    def _read(self) -> None:
        if self._io is None or self._on_chunk is None:
            return
        data = bytes(self._io.readAll().data())
        frame_bytes = 2 * self.channels
        usable = len(data) - len(data) % frame_bytes
        if not usable:
            return
        samples = numpy.frombuffer(data[:usable], "<i2").reshape(-1, self.channels).copy()
        at = time.monotonic() - len(samples) / self.rate
        self._on_chunk(AudioChunk(samples, self.rate, at))

    def stop(self) -> None:
        if self._io is not None:
            self._io.readyRead.disconnect(self._read)
            self._io = None
        if self._audio is not None:
            self._audio.stop()
            self._audio = None
