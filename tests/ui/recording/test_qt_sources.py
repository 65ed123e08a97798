"""The Qt camera adapter downstream of the camera: frames sent through a `QVideoFrameInput`
into the same capture session and sink a `QCamera` feeds come out as `VideoFrame`s of the
recording's size, in RGB, on the adapter's own thread (this machine has no camera)."""

from __future__ import annotations

import threading

import numpy
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtMultimedia import QVideoFrame, QVideoFrameInput
from pytestqt.qtbot import QtBot

from desktop.ui.recording.qt_sources import QtCameraSource
from hardware.camera.frames import VideoFrame


def test_frames_from_the_capture_session_become_video_frames(qtbot: QtBot) -> None:
    frame_input = QVideoFrameInput()
    source = QtCameraSource(frame_input=frame_input, width=160, height=90)
    got: list[tuple[VideoFrame, str]] = []
    source.start(lambda frame: got.append((frame, threading.current_thread().name)))
    try:
        image = QImage(320, 180, QImage.Format.Format_RGB888)
        image.fill(QColor(200, 10, 30))
        painter = QPainter(image)
        painter.fillRect(0, 0, 160, 180, QColor(10, 220, 40))  # left half green
        painter.end()
        assert frame_input.sendVideoFrame(QVideoFrame(image))
        qtbot.waitUntil(lambda: len(got) == 1)
    finally:
        source.stop()
    frame, thread = got[0]
    assert frame.pixels.shape == (90, 160, 3) and frame.pixels.dtype == numpy.uint8
    assert thread == "camera:qt-frame-input"  # converted off the GUI thread
    left, right = frame.pixels[45, 20], frame.pixels[45, 140]
    assert numpy.abs(left.astype(int) - (10, 220, 40)).max() <= 6
    assert numpy.abs(right.astype(int) - (200, 10, 30)).max() <= 6
    assert frame.at > 0

