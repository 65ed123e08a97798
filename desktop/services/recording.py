"""Recording an interview in step with its statement (同步录音录像): start, pause, stop, keep.

`start` opens a recording for a draft statement: the media grows encrypted in the vault under
``.rec-<pid>-<recording id>.sr1`` (`VaultWriter`), the `Recorder` (desktop/recording) takes
what the camera(s) and microphone push, its encoding process composes and encodes it
(`ChildEncoding`, decision 47: the work never slows the window's typing), and each checkpoint
made (a durable prefix and its SHA-256, about once a second of media) is recorded in the store
through `Store.write`, so a crash or a full disk never loses what was recorded up to the last
one. While it runs the recording is registered with `live_recordings`: every turn the interview
creates is marked with the recording's media time, and its text becomes the subtitle.
`LiveRecording` pauses (with the officer's reason, recorded and printed) and resumes; `stop`
finishes the writer and records the media as an evidence item of the case and statement (so it
reaches HQ through the media sync), and returns the summary. When the writer fails (the disk is
full) the recording ends by itself as interrupted: its last recorded checkpoint is sealed in
place (`recording_salvage`, no extra space needed) and kept as the media.

`salvage` does the same at login for recordings whose writing process is gone. `chapters`
lists the statement's turns at their moments in the recording, `open_media` gives a
seekable read-only file of the media decrypted in memory segment by segment (audited as a
viewing), and `export` writes the officer's plaintext copy. `record_without` keeps the
officer's reason for a statement taken without a recording; signing asks
`recording_rule` whether the statement may be signed, and prints it. Decision 45.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from dataclasses import dataclass
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import StatementState, TurnKind
from desktop.domain.recording import (
    Interruption,
    Recording,
    RecordingPause,
    RecordingState,
    TurnMark,
)
from desktop.recording.child import ChildEncoding
from desktop.recording.encoding import StoppedRecording
from desktop.recording.session import Recorder, RecorderStatus
from desktop.recording.settings import RecordingSettings
from desktop.services import live_recordings
from desktop.services.live_recordings import subtitle
from desktop.services.recording_media import MediaReader, export, open_media
from desktop.services.recording_rule import record_without
from desktop.store import recording_salvage, recordings
from desktop.store import statements as repo
from desktop.store.evidence import vault_directory
from desktop.store.store import Store
from desktop.store.vault_stream import Checkpoint
from desktop.store.vault_temporaries import recording_temp_name
from desktop.store.vault_tidy import ingest_guard
from hardware.camera.frames import AudioChunk, VideoFrame

__all__ = ["Chapter", "LiveRecording", "MediaReader", "RecordingSummary", "chapters",
           "export", "live", "open_media", "record_without", "salvage", "start", "subtitle",
           "summary"]


@dataclass(frozen=True)
class RecordingSummary:
    recording: Recording
    pauses: tuple[RecordingPause, ...]
    marks: tuple[TurnMark, ...]


@dataclass(frozen=True)
class Chapter:
    """A turn of the statement at its moment in the recording (playback's chapters)."""

    turn_id: str
    seq: int
    kind: TurnKind
    text: str
    media_ms: int


def _summary(store: Store, recording_id: str) -> RecordingSummary:
    with store.reading() as conn:
        return RecordingSummary(recordings.get(conn, recording_id),
                                tuple(recordings.pauses(conn, recording_id)),
                                tuple(recordings.marks(conn, recording_id)))


# A failure whose vault disk has less than this left is taken for a full disk.
_FULL_DISK_MARGIN = 1 << 20


def _interruption_for(store: Store) -> Interruption:
    """Why the writer failed: the disk filled up, or (anything else) the device side."""
    try:
        free = shutil.disk_usage(vault_directory(store.paths.workdir)).free
    except OSError:
        return Interruption.DISK_FULL
    return Interruption.DISK_FULL if free < _FULL_DISK_MARGIN else Interruption.DEVICE


class LiveRecording:
    """A recording this process is making: the recorder, and how it is kept in the store."""

    def __init__(self, store: Store, recording: Recording, encoding: ChildEncoding,
                 settings: RecordingSettings, guard: contextlib.ExitStack) -> None:
        self._store = store
        self._recording = recording
        self._guard = guard
        self._end_lock = threading.Lock()
        self._ended: RecordingSummary | None = None
        self._failure: str | None = None
        self._ender: threading.Thread | None = None
        self._stopped: StoppedRecording | None = None
        self._interruption: Interruption | None = None
        # What the store could not record (a checkpoint refused by a full disk): the earlier
        # checkpoint stands; for the window to show beside the recorder's status.
        self.store_problem: str | None = None
        self.recorder = Recorder(encoding, settings, started_at=recording.started_at,
                                 on_checkpoint=self._on_checkpoint,
                                 on_failure=self._on_failure)

    @property
    def recording_id(self) -> str:
        return self._recording.id

    @property
    def statement_id(self) -> str:
        return self._recording.statement_id

    @property
    def recording(self) -> Recording:
        return self._recording

    # -- what the devices and the interview push -------------------------------------------

    def push_front(self, frame: VideoFrame) -> None:
        self.recorder.push_front(frame)

    def push_room(self, frame: VideoFrame) -> None:
        self.recorder.push_room(frame)

    def push_audio(self, chunk: AudioChunk) -> None:
        self.recorder.push_audio(chunk)

    def set_subtitle(self, text: str) -> None:
        self.recorder.set_subtitle(text)

    def media_ms(self) -> int:
        return self.recorder.media_ms()

    def status(self) -> RecorderStatus:
        return self.recorder.status()

    @property
    def failure(self) -> str | None:
        """Why the recording ended by itself (the writer failed), if it did."""
        return self._failure

    # -- the officer's controls ------------------------------------------------------------

    def pause(self, reason: str) -> RecordingPause:
        """Pause with the officer's reason (recorded, printed with the statement)."""
        reason = reason.strip()
        if not reason:
            raise UserError(_("Give the reason for pausing the recording: it is recorded and "
                              "printed with the statement."))
        self._check_running()
        media_ms = self.recorder.media_ms()

        def record() -> RecordingPause:
            with self._store.transaction() as tx:
                return recordings.pause(tx, self.recording_id, media_ms, reason)

        paused = self._store.write(record)  # refused (already paused…) before the picture stops
        self.recorder.pause()
        return paused

    def resume(self) -> RecordingPause:
        self._check_running()

        def record() -> RecordingPause:
            with self._store.transaction() as tx:
                return recordings.resume(tx, self.recording_id)

        resumed = self._store.write(record)
        self.recorder.resume()
        return resumed

    def _check_running(self) -> None:
        if self._ended is not None or self._failure is not None:
            raise UserError(_("The recording has ended; start a new one to go on recording."))

    def stop(self) -> RecordingSummary:
        """Finish the recording and keep it (see the module); the summary. Safe to call again:
        a recording that ended by itself (full disk) returns how it ended."""
        ender = self._ender
        if ender is not None and ender is not threading.current_thread():
            ender.join()
        with self._end_lock:
            if self._ended is None:
                self._ended = self._end()
            return self._ended

    def _end(self) -> RecordingSummary:
        """Stop the recorder (once) and record how the recording ended. If the store refuses
        that (its disk is full too) nothing is forgotten: the recording stays registered, its
        blob guarded, and `stop` tries the record again."""
        if self._stopped is None:
            self._stopped = self.recorder.stop()
        stopped = self._stopped
        if stopped.blob is not None:
            blob = stopped.blob
            interruption = Interruption.DEVICE if stopped.failure else None

            def finish() -> None:
                with self._store.transaction() as tx:
                    recordings.finish(tx, self.recording_id, sha256=blob.sha256,
                                      size=blob.size, duration_ms=stopped.duration_ms,
                                      interruption=interruption)

            self._store.write(finish)
        else:  # the encoding kept the temporary file: its checkpointed prefix is the media
            if self._interruption is None:
                self._interruption = _interruption_for(self._store)
            kind = self._interruption

            def keep_prefix() -> None:
                with self._store.transaction() as tx:
                    current = recordings.get(tx.conn, self.recording_id)
                    recording_salvage.salvage_recording(
                        tx, self._store.paths.workdir, self._store.vault_key(), current, kind)

            self._store.write(keep_prefix)
        live_recordings.unregister(self)
        self._guard.close()
        return _summary(self._store, self.recording_id)

    # -- the recorder's callbacks (a thread of its encoding's) ------------------------------

    def _on_checkpoint(self, checkpoint: Checkpoint, media_ms: int) -> None:
        def record() -> None:
            with self._store.transaction() as tx:
                recordings.add_checkpoint(tx, self.recording_id, checkpoint.offset,
                                          checkpoint.sha256, media_ms)

        try:
            self._store.write(record)
        except UserError as exc:  # the store's disk is full too: the earlier one stands
            self.store_problem = exc.message

    def _on_failure(self, message: str) -> None:
        """The writer failed: end the recording as interrupted, keeping its last checkpoint
        (on a thread of its own: the recorder's thread that calls this must not wait on
        itself)."""
        self._failure = message
        ender = threading.Thread(target=self._end_after_failure, name="recording-interrupted",
                                 daemon=True)
        ender.start()
        # Named only once started: `stop` on another thread joins it, and joining a thread
        # not yet started raises (seen under load). Before this line `stop` ends the
        # recording itself, under the same lock, and the ender finds it ended.
        self._ender = ender

    def _end_after_failure(self) -> None:
        with contextlib.suppress(Exception), self._end_lock:  # `stop` tries again, reports
            if self._ended is None:
                self._ended = self._end()


def live(statement_id: str) -> LiveRecording | None:
    """The recording of `statement_id` this process is making, if any."""
    handle = live_recordings.live(statement_id)
    return handle if isinstance(handle, LiveRecording) else None


def start(store: Store, statement_id: str, *,
          settings: RecordingSettings | None = None) -> LiveRecording:
    """Start recording a draft statement (before its first question); see the module."""
    settings = settings or RecordingSettings()
    statement = repo.get_statement(store.conn, statement_id)
    if statement.state is not StatementState.DRAFT:
        raise UserError(_("Only a statement still being taken can be recorded; this one is "
                          "being read back or is signed."))
    if live_recordings.live(statement_id) is not None or recordings.live(
            store.conn, statement_id) is not None:
        raise UserError(_("This statement is already being recorded."))
    recording_id = new_id()
    vault = vault_directory(store.paths.workdir)
    guard = contextlib.ExitStack()
    # Held until the media is an evidence item: no tidy may take the blob for unreferenced.
    guard.enter_context(ingest_guard(vault))
    temp_name = recording_temp_name(recording_id)  # this process's pid: salvage's check
    try:
        encoding = ChildEncoding.start(vault, store.vault_key(), settings, temp_name)
    except BaseException:
        guard.close()
        raise
    try:
        def begin() -> Recording:
            with store.transaction() as tx:
                return recordings.begin(tx, recording_id=recording_id,
                                        statement_id=statement_id,
                                        temp_name=temp_name, codec=settings.codec,
                                        width=settings.width, height=settings.height,
                                        fps=settings.fps)

        recording = store.write(begin)
    except BaseException:
        encoding.abort()
        guard.close()
        raise
    try:
        recorder = LiveRecording(store, recording, encoding, settings, guard)
    except BaseException:  # the recorder could not start: nothing was recorded
        encoding.abort()
        guard.close()

        def nothing_recorded() -> None:
            with store.transaction() as tx:
                recordings.finish_empty(tx, recording_id, interruption=Interruption.DEVICE)

        store.write(nothing_recorded)
        raise
    live_recordings.register(recorder)
    return recorder


def summary(store: Store, statement_id: str) -> RecordingSummary | None:
    """The statement's latest recording with its pauses and turn marks, or None."""
    with store.reading() as conn:
        found = recordings.for_statement(conn, statement_id)
    return _summary(store, found[-1].id) if found else None


def salvage(store: Store) -> list[RecordingSummary]:
    """Seal and keep every unfinished recording whose writer is gone (the login does this
    too, `login_upkeep`): another process that no longer exists, or this one when the
    recording is no longer live here (its end failed half-way, e.g. on a full disk). A
    recording live in this process is never touched."""
    with store.reading() as conn:
        pending = [r for r in recordings.unfinished(conn)
                   if recording_salvage.writer_gone(r)
                   or (recording_salvage.writer_pid(r) == os.getpid()
                       and live_recordings.live(r.statement_id) is None)]
    ended = []
    for found in pending:
        def keep(recording_id: str = found.id) -> None:
            with ingest_guard(vault_directory(store.paths.workdir)), \
                    store.transaction() as tx:
                current = recordings.get(tx.conn, recording_id)
                if current.state is RecordingState.RECORDING:
                    recording_salvage.salvage_recording(
                        tx, store.paths.workdir, store.vault_key(), current,
                        Interruption.CRASH)

        store.write(keep)
        ended.append(_summary(store, found.id))
    return ended


def chapters(store: Store, recording_id: str) -> list[Chapter]:
    """The statement's turns marked in the recording, in media order (a question whose own
    mark is missing, asked before the recording's first turn was marked, is not listed)."""
    with store.reading() as conn:
        recording = recordings.get(conn, recording_id)
        turns = {t.id: t for t in repo.get_statement(conn, recording.statement_id).turns}
        marks = recordings.marks(conn, recording_id)
    return [Chapter(mark.turn_id, turns[mark.turn_id].seq, turns[mark.turn_id].kind,
                    turns[mark.turn_id].text, mark.media_ms)
            for mark in sorted(marks, key=lambda m: (m.media_ms, turns[m.turn_id].seq))
            if mark.turn_id in turns]
