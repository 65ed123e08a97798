"""Which sources feed a recording: the synthetic ones, Qt's devices, or none.

`choose_sources(ctx)` decides once, when a recording starts: with `--demo-devices` or the
setting `synthetic_recording`, the synthetic camera (person), room camera and microphone
(`SyntheticSources`); otherwise the cameras and microphones Qt Multimedia sees
(`DeviceSources`: the first camera in front, a second one as the room's inset); with no
camera at all, None, and the panel says so and offers recording without video (the waiver).

`SyntheticSources(realtime=True)` pushes frames in real time from `SyntheticDrive`'s own
thread, as the demo does; `realtime=False` pushes nothing by itself: `advance(seconds)`
drives the same pipeline as fast as the encoder goes (tests).
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import gettext as _
from typing import Protocol

from desktop.recording.drive import SyntheticDrive
from desktop.recording.settings import RecordingSettings
from desktop.services.recording import LiveRecording
from desktop.ui.context import AppContext
from hardware.camera.synthetic import SyntheticCamera, SyntheticMicrophone


class Sources(Protocol):
    """What feeds one recording; started once it is live, stopped before it is stopped."""

    description: str

    def start(self, live: LiveRecording) -> None: ...

    def stop(self) -> None: ...


class SyntheticSources:
    """The synthetic person, room and tone; see the module docstring."""

    def __init__(self, *, realtime: bool = True, room: bool = True, width: int = 1280,
                 height: int = 720, fps: int = 25) -> None:
        self.realtime = realtime
        self.description = _("synthetic camera, room camera and microphone (demo devices)")
        self.front = SyntheticCamera("synthetic-front", look="person", width=width,
                                     height=height, fps=fps)
        # The room is shown as a quarter-width inset: drawn at that size, the compositor
        # takes it as it is (a full-size room picture would be drawn, then decimated).
        self.room = SyntheticCamera("synthetic-room", look="room", width=width // 4,
                                    height=height // 4, fps=fps) if room else None
        self.microphone = SyntheticMicrophone()
        self.drive: SyntheticDrive | None = None

    def start(self, live: LiveRecording) -> None:
        self.drive = SyntheticDrive(live.recorder, self.front, self.room, self.microphone)
        if self.realtime:
            self.drive.start_realtime()

    def advance(self, seconds: float) -> None:
        """Push `seconds` more of every source (not in real time; tests)."""
        if self.drive is None:
            raise RuntimeError("the recording has not started")
        self.drive.advance(seconds)

    def stop(self) -> None:
        if self.drive is not None and self.realtime:
            self.drive.stop()


class DeviceSources:
    """Qt's cameras (front, and the room's when there is a second) and microphone."""

    def __init__(self, settings: RecordingSettings,
                 on_error: Callable[[str], None] | None = None) -> None:
        from desktop.ui.recording.qt_sources import (
            QtCameraSource,
            QtMicrophoneSource,
            available_devices,
        )

        found = available_devices()
        if not found.cameras:
            raise LookupError("no camera")
        width, height, fps = settings.width, settings.height, settings.fps
        self.front = QtCameraSource(found.cameras[0], width=width, height=height, fps=fps,
                                    on_error=on_error)
        self.room = (QtCameraSource(found.cameras[1], width=width, height=height, fps=fps,
                                    on_error=on_error)
                     if len(found.cameras) > 1 else None)
        self.microphone = (QtMicrophoneSource(found.microphones[0], rate=settings.audio_rate,
                                              on_error=on_error)
                           if found.microphones else None)
        names = [self.front.name] + ([self.room.name] if self.room else [])
        if self.microphone is not None:
            names.append(self.microphone.name)
        self.description = ", ".join(names)

    def start(self, live: LiveRecording) -> None:
        self.front.start(live.push_front)
        if self.room is not None:
            self.room.start(live.push_room)
        if self.microphone is not None:
            self.microphone.start(live.push_audio)

    def stop(self) -> None:
        if self.microphone is not None:
            self.microphone.stop()
        if self.room is not None:
            self.room.stop()
        self.front.stop()


def wants_synthetic(ctx: AppContext) -> bool:
    return ctx.demo_devices or ctx.settings.synthetic_recording


def choose_sources(ctx: AppContext, settings: RecordingSettings,
                   on_error: Callable[[str], None] | None = None) -> Sources | None:
    """The sources for a recording starting now (see the module docstring) at the
    recording's size and rate; None when there is no camera."""
    if wants_synthetic(ctx):
        return SyntheticSources(width=settings.width, height=settings.height,
                                fps=settings.fps)
    try:
        return DeviceSources(settings, on_error)
    except LookupError:
        return None


def has_camera(ctx: AppContext) -> bool:
    """Whether a recording could start here (a camera, or the synthetic sources)."""
    if wants_synthetic(ctx):
        return True
    from desktop.ui.recording.qt_sources import available_devices

    return bool(available_devices().cameras)
