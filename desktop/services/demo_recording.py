"""The demo's interview recording: synthetic cameras and microphone, a few seconds of media.

`statement-room demo` has no camera: it records the interview with the synthetic front
camera (the person), room camera (the inset) and microphone (a tone), driven faster than
real time through the same recorder and service a real device feeds. Recording starts
before the first question; each turn is preceded by a little media (the officer asking, the
party answering), one short pause shows a recorded reason; it stops after the party's
signatures, before the officers sign (decision 45). About seven seconds of 640x360 media
in all: enough to show the binding, quick to run.
"""

from __future__ import annotations

from typing import Any

from desktop.recording.drive import SyntheticDrive
from desktop.recording.settings import RecordingSettings
from desktop.services import recording
from desktop.services.recording import LiveRecording, RecordingSummary
from desktop.store import statements as repo
from desktop.store.store import Store
from hardware.camera.synthetic import SyntheticCamera, SyntheticMicrophone

DEMO_SETTINGS = RecordingSettings(width=640, height=360, fps=25, bitrate=800_000)
LEAD_IN_S = 1.0  # before the first question
TURN_S = 0.4  # before each turn
PAUSE_REASON = "被询问人要求饮水，暂停片刻"
PAUSED_S = 1.0  # while paused: not recorded
SIGNING_S = 1.0  # the party reading back and signing


class DemoRecording:
    """The live recording of the demo's statement and the drive feeding it."""

    def __init__(self, store: Store, statement_id: str) -> None:
        self.live: LiveRecording = recording.start(store, statement_id, settings=DEMO_SETTINGS)
        settings = DEMO_SETTINGS
        self._drive = SyntheticDrive(
            self.live.recorder,
            SyntheticCamera(width=settings.width, height=settings.height, fps=settings.fps),
            SyntheticCamera("synthetic-room", look="room", width=settings.width // 2,
                            height=settings.height // 2, fps=settings.fps),
            SyntheticMicrophone(rate=settings.audio_rate))
        self._summary: RecordingSummary | None = None
        self.advance(LEAD_IN_S)

    def advance(self, seconds: float) -> None:
        self._drive.advance(seconds)

    def before_turn(self) -> None:
        self.advance(TURN_S)

    def short_pause(self) -> None:
        """A pause with its reason, recorded and printed; the drive goes on meanwhile."""
        self.live.pause(PAUSE_REASON)
        self.advance(PAUSED_S)
        self.live.resume()

    def stop(self) -> RecordingSummary:
        """After the party's signatures (safe to call again, e.g. when the demo failed)."""
        if self._summary is None:
            self.advance(SIGNING_S)
            self._summary = self.live.stop()
        return self._summary


def recording_json(store: Store, summary: RecordingSummary) -> dict[str, Any]:
    """What the demo's JSON says of the recording: id, duration, SHA-256, turn offsets,
    pauses."""
    rec = summary.recording
    turns = {t.id: t for t in repo.get_statement(store.conn, rec.statement_id).turns}
    offsets = sorted(({"seq": turns[m.turn_id].seq, "kind": turns[m.turn_id].kind.value,
                       "media_ms": m.media_ms} for m in summary.marks),
                     key=lambda o: (o["media_ms"], o["seq"]))
    return {
        "id": rec.id, "state": rec.state.value, "duration_ms": rec.duration_ms,
        "sha256": rec.sha256, "size": rec.size, "evidence_item": rec.evidence_item_id,
        "turn_offsets": offsets,
        "pauses": [{"media_ms": p.media_ms, "reason": p.reason,
                    "started_at": p.started_at.isoformat(),
                    "ended_at": None if p.ended_at is None else p.ended_at.isoformat()}
                   for p in summary.pauses],
    }
