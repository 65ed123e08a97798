"""The synchronized audio and video recording of an interview (同步录音录像), as values.

A recording belongs to one statement (and so to its case). It is RECORDING while the recorder
writes it, then FINISHED when it was stopped and sealed in the vault, or INTERRUPTED when it
ended otherwise (the program was killed, the disk filled, a device failed) and what was
durably written was kept. Pauses carry the officer's reason; each turn created while
recording carries the moment (media time, pauses left out) it was begun. A statement signed
without a recording carries the officer's written waiver instead (decision 45). Durability
and salvage: decision 44.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["Interruption", "Recording", "RecordingPause", "RecordingState", "RecordingWaiver",
           "TurnMark"]


class RecordingState(StrEnum):
    RECORDING = "recording"
    FINISHED = "finished"
    INTERRUPTED = "interrupted"  # ended by a crash, a full disk or a device; its prefix kept


class Interruption(StrEnum):
    CRASH = "crash"  # the program or the machine stopped while recording
    DISK_FULL = "disk_full"  # the vault's disk refused more bytes
    DEVICE = "device"  # a camera or microphone failed; the recording was closed normally


@dataclass(frozen=True)
class Recording:
    id: str
    statement_id: str
    case_id: str
    state: RecordingState
    started_at: datetime
    ended_at: datetime | None
    temp_name: str  # the vault file it grows in while recording (``.rec-…``)
    codec: str
    width: int
    height: int
    fps: int
    sha256: str | None  # of the plaintext media, once it ended
    size: int | None
    duration_ms: int | None
    evidence_item_id: str | None  # the evidence item it became, once it ended
    interruption: Interruption | None
    started_by: str | None = None  # the officer who started it

    @property
    def ended(self) -> bool:
        return self.state is not RecordingState.RECORDING


@dataclass(frozen=True)
class RecordingPause:
    recording_id: str
    seq: int  # 1, 2, … within the recording
    media_ms: int  # where in the recording it paused (= where it resumed)
    started_at: datetime
    ended_at: datetime | None  # None: still paused, or the recording ended while paused
    reason: str
    officer_id: str


@dataclass(frozen=True)
class TurnMark:
    recording_id: str
    turn_id: str
    media_ms: int  # where in the recording the turn was begun


@dataclass(frozen=True)
class RecordingWaiver:
    """Why a statement is signed without (a whole) recording, in the officer's words."""

    statement_id: str
    reason: str
    officer_id: str
    at: datetime
