"""Encoding in a process of its own: the recorder's back end that the program uses (decision 47).

Composing and encoding 25 pictures a second is Python and C work that, in the window's process,
competed with typing for the interpreter lock: each time the window's thread let go of it, the
encoder kept it for up to a switch interval, and a key's repaint waited for several of those.
`ChildEncoding` starts ``python -m desktop.recording.worker`` (worker.py) and hands it every
item over the child's standard input (wire.py); the child runs the same `Encoding` there and
answers with checkpoints, progress (bytes written at a media time, for minutes left), a
small preview picture about ten times a second, and a failure. A thread here reads the
answers; another calls `on_checkpoint` and `on_failure`, in order. The reader must never wait
on them: recording a checkpoint waits for the store's write lane, behind the autosaves of fast
typing, and a reader stuck there stopped draining the child's answers, which stopped the
child, which filled the queue here until camera frames were dropped.

If the child dies (killed, out of memory), its end of the pipe closes: the recording fails with
a message, and its temporary file keeps every checkpoint for the salvage; if this process dies
first, the child sees its input end, abandons the writer where it is and exits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from gettext import gettext as _
from pathlib import Path

import numpy

import desktop
from desktop.domain.errors import UserError
from desktop.i18n import current_language
from desktop.recording.compose import inset_source
from desktop.recording.encoding import (
    FrontItem,
    Item,
    OnCheckpoint,
    OnFailure,
    RateWindow,
    RoomItem,
    SoundItem,
    StoppedRecording,
    clock_text,
)
from desktop.recording.settings import RecordingSettings
from desktop.recording.wire import Channel, ChannelClosed, picture_of, widen_pipe
from desktop.store.vault_stream import Checkpoint

START_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 30.0

_log = logging.getLogger(__name__)


def worker_command() -> list[str]:
    """How to start the encoding process with this interpreter; a frozen program (the
    installed one, installer/statement-room.spec) has no `-m`: it is started again with the
    hidden first argument that its entry (desktop/__main__.py) turns into the worker."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--recording-worker"]
    return [sys.executable, "-m", "desktop.recording.worker"]


def _child_environment() -> dict[str, str]:
    """This environment, with the folder holding our packages first on the child's path when
    the interpreter would not find them by itself (a benchmark or a test may run from a
    checkout that is not installed). An installed program's folder is site-packages: put
    first, it would come before the standard library, where a stray backport could shadow a
    standard module, so it is left where the interpreter puts it."""
    env = dict(os.environ)
    root = Path(desktop.__file__).resolve().parent.parent
    if root not in _interpreter_package_folders():
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    return env


def _interpreter_package_folders() -> set[Path]:
    """The folders a fresh interpreter of this environment searches for installed packages."""
    import site
    import sysconfig

    paths = sysconfig.get_paths()
    found = [*site.getsitepackages(), site.getusersitepackages(), paths["purelib"],
             paths["platlib"]]
    return {Path(folder).resolve() for folder in found if folder}


class ChildEncoding:
    """The encoding back end in a child process (see the module); `start` makes one."""

    def __init__(self, process: subprocess.Popen[bytes], vault_dir: Path, temp_name: str,
                 settings: RecordingSettings) -> None:
        assert process.stdin is not None
        assert process.stdout is not None
        widen_pipe(process.stdin)
        widen_pipe(process.stdout)
        self._process = process
        self._width, self._height = settings.width, settings.height
        self._vault_dir = vault_dir
        self._temp_name = temp_name
        self._to_child = Channel(process.stdin)
        self._from_child = Channel(process.stdout)
        self._on_checkpoint: OnCheckpoint | None = None
        self._on_failure: OnFailure | None = None
        self._cond = threading.Condition()
        # -- guarded by _cond ------------------------------------------------------------------
        self._failure: str | None = None
        self._failure_told = False
        self._gone = False
        self._synced = 0
        self._sync_sent = 0
        self._stopped: StoppedRecording | None = None
        self._bytes_written = 0
        self._rate = RateWindow()
        self._picture: numpy.ndarray | None = None
        self._last_checkpoint: Checkpoint | None = None
        self._checkpoint_ms = 0
        self._reader: threading.Thread | None = None
        # The callbacks, in order, off the reader thread (see the module); None ends it.
        self._calls: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._caller = threading.Thread(target=self._call, name="recorder-child-calls",
                                        daemon=True)
        self._caller.start()

    @classmethod
    def start(cls, vault_dir: Path, master_key: bytes, settings: RecordingSettings,
              temp_name: str) -> ChildEncoding:
        """Start the process and open the recording's vault writer there; `UserError` when it
        cannot (no space, the vault folder unwritable, the program incomplete)."""
        try:
            process = subprocess.Popen(  # noqa: S603 (this interpreter, our own module)
                worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
                env=_child_environment())
        except OSError as exc:
            raise UserError(_("The recording could not start: its encoding process did not "
                              "run ({error}).").format(error=exc)) from exc
        child = cls(process, vault_dir, temp_name, settings)
        try:
            child._to_child.send(("open", str(vault_dir), bytes(master_key), settings,
                                  temp_name, current_language()))
            answer = child._from_child.receive()
        except ChannelClosed:
            answer = None
        if answer is None or answer[0][0] != "ready":
            child._kill()
            child._calls_done()
            why = (str(answer[0][1]) if answer is not None and answer[0][0] == "error"
                   else _("the encoding process ended"))
            raise UserError(_("The recording could not start: {error}").format(error=why))
        child._reader = threading.Thread(target=child._read, name="recorder-child-reader",
                                         daemon=True)
        child._reader.start()
        return child

    def connect(self, on_checkpoint: OnCheckpoint, on_failure: OnFailure | None) -> None:
        self._on_checkpoint, self._on_failure = on_checkpoint, on_failure

    # -- state ----------------------------------------------------------------------------------

    @property
    def failure(self) -> str | None:
        with self._cond:
            return self._failure

    @property
    def bytes_written(self) -> int:
        with self._cond:
            return self._bytes_written

    @property
    def vault_dir(self) -> Path:
        return self._vault_dir

    @property
    def pid(self) -> int:
        return self._process.pid

    def bytes_per_s(self) -> float:
        with self._cond:
            return self._rate.bytes_per_s()

    def latest_picture(self) -> numpy.ndarray | None:
        return self._picture

    # -- to the child -----------------------------------------------------------------------------

    def handle(self, item: Item) -> None:
        try:
            if isinstance(item, FrontItem):
                pixels = item.frame.pixels
                self._to_child.send(("front", pixels.shape, item.frame.at, item.media_ms,
                                     item.wall), pixels)
            elif isinstance(item, RoomItem):  # only what the inset shows crosses
                pixels = inset_source(item.frame.pixels, self._width, self._height)
                self._to_child.send(("room", pixels.shape, item.frame.at), pixels)
            elif isinstance(item, SoundItem):
                self._to_child.send(("sound", item.first_sample),
                                    numpy.asarray(item.samples, dtype=numpy.int16))
            else:
                self._to_child.send(("subtitle", item.text))
        except ChannelClosed:
            self._child_gone()

    def sync(self) -> None:
        with self._cond:
            if self._gone or self._failure is not None:
                return
            self._sync_sent += 1
            token = self._sync_sent
        try:
            self._to_child.send(("sync", token))
        except ChannelClosed:
            self._child_gone()
        with self._cond:
            self._cond.wait_for(lambda: self._gone or self._synced >= token)

    def finish(self) -> StoppedRecording:
        with contextlib.suppress(ChannelClosed):
            self._to_child.send(("finish",))
        with self._cond:
            self._cond.wait_for(lambda: self._gone or self._stopped is not None)
            stopped = self._stopped
        self._wait_exit()
        self._calls_done()
        if stopped is not None:
            return stopped
        with self._cond:
            return StoppedRecording(blob=None, duration_ms=self._checkpoint_ms,
                                    last_checkpoint=self._last_checkpoint,
                                    failure=self._failure)

    def abort(self) -> None:
        with contextlib.suppress(ChannelClosed):
            self._to_child.send(("abort",))
        with self._cond:
            self._cond.wait_for(lambda: self._gone)
        self._wait_exit()
        self._calls_done()
        with contextlib.suppress(OSError):  # the child removes it; unless it died first
            (self._vault_dir / self._temp_name).unlink()

    def _wait_exit(self) -> None:
        try:
            self._process.wait(EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._kill()
        self._to_child.close()

    def _kill(self) -> None:
        with contextlib.suppress(OSError):
            self._process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(EXIT_TIMEOUT_S)

    # -- from the child (the reader thread) -------------------------------------------------------

    def _read(self) -> None:
        try:
            while (received := self._from_child.receive()) is not None:
                self._take(*received)
        except ChannelClosed as exc:
            _log.warning("the recording's encoding process broke its channel: %s", exc)
        except Exception:
            _log.exception("reading the recording's encoding process failed")
        self._child_gone()

    def _take(self, header: tuple[object, ...], raw: bytearray | memoryview) -> None:
        kind = header[0]
        if kind == "progress":
            _, media_ms, written = header
            with self._cond:
                self._bytes_written = int(written)  # type: ignore[call-overload]
                self._rate.note(int(media_ms), self._bytes_written)  # type: ignore[call-overload]
        elif kind == "picture":
            picture = picture_of(raw, header[1])  # type: ignore[arg-type]
            picture.flags.writeable = False
            self._picture = picture
        elif kind == "checkpoint":
            _, offset, sha256, media_ms = header
            point = Checkpoint(int(offset), str(sha256))  # type: ignore[call-overload]
            with self._cond:
                self._last_checkpoint, self._checkpoint_ms = point, int(media_ms)  # type: ignore[call-overload]
            on_checkpoint, at_ms = self._on_checkpoint, int(media_ms)  # type: ignore[call-overload]
            if on_checkpoint is not None:
                self._calls.put(lambda: on_checkpoint(point, at_ms))
        elif kind == "failure":
            self._fail(str(header[1]))
        elif kind == "synced":
            with self._cond:
                self._synced = int(header[1])  # type: ignore[call-overload]
                self._cond.notify_all()
        elif kind == "stopped":
            stopped = header[1]
            assert isinstance(stopped, StoppedRecording)
            with self._cond:
                self._stopped = stopped
                self._cond.notify_all()

    def _child_gone(self) -> None:
        with self._cond:
            if self._gone:
                return
            self._gone = True
            ended_well = self._stopped is not None
            self._cond.notify_all()
            kept = clock_text(self._checkpoint_ms)
        if not ended_well:
            self._fail(_("The recording's encoding process stopped unexpectedly. What was "
                         "recorded up to {time} is kept.").format(time=kept))

    def _fail(self, message: str) -> None:
        with self._cond:
            if self._failure is None:
                self._failure = message
            if self._failure_told or self._stopped is not None:
                return
            self._failure_told = True
            message = self._failure
        on_failure = self._on_failure
        if on_failure is not None:
            self._calls.put(lambda: on_failure(message))

    def _call(self) -> None:
        while (call := self._calls.get()) is not None:
            try:
                call()
            except Exception:  # a checkpoint's prefix is durable either way
                _log.exception("a recording callback failed")

    def _calls_done(self) -> None:
        """Wait until every callback queued so far has run (the end is recorded after the
        last checkpoint), and end the callbacks' thread."""
        self._calls.put(None)
        if self._caller is not threading.current_thread():
            self._caller.join()
