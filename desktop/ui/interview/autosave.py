"""Autosave of turns: every change is saved on the store thread, coalesced per turn.

Keystrokes that come quickly are gathered: a save starts once typing pauses for `delay_ms`
(250 ms), and at least every `max_wait_ms` (2 s) during a long burst, so a commit does not
compete with every keystroke's repaint and the history is not one revision per key. Enter,
moving to another turn, read-back, locking and closing save at once (`kick`). At most one
save per turn is in flight; when it returns and the text shown changed in the meantime,
the newer text is saved next. A turn is reported saved only when the store
acknowledged exactly the text shown (services commit before returning, so acknowledged text
is durable; architecture.md "A save, from keypress to disk"). `saved(turn_id, text)` is
emitted at that moment; `state_changed(turn_id)` whenever the indicator must be redrawn.

A change that empties a turn at once (an undo of what was typed, a cut, a selection deleted)
is not saved silently: the turn is held, its indicator and the overall one say it is not
saved, and the stored text stays as it was until the officer confirms the empty turn
(`confirm`, Enter in it) or brings text back (redo, undo, typing). Read-back waits for it.

Once typing has paused for `index_delay_ms` (1 s) with every turn saved, the search index
catches up with the saved turns on the store lane (`search.catch_up`), so a search the
officer starts later finds nothing stale to index while they wait (decision 22).

With `delay_ms` 0 (one save per key, as the typing benchmark runs it) each key's save is
submitted on the event loop's next turn, after the key's repaint, so the commit on the store
lane never competes with it; a synchronous background (tests) saves at once.
"""

from __future__ import annotations

import functools
import gettext
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from gettext import gettext as _

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.domain.errors import UserError
from desktop.services import interview
from desktop.services import search as search_service
from desktop.ui.context import AppContext

DEFAULT_DELAY_MS = 250
DEFAULT_MAX_WAIT_MS = 2000
DEFAULT_INDEX_DELAY_MS = 1000


class SaveState(Enum):
    SAVED = "saved"
    SAVING = "saving"
    UNSAVED = "unsaved"


@dataclass(frozen=True)
class TurnStatus:
    state: SaveState
    at: datetime | None = None  # when the store acknowledged the text shown
    error: str = ""


class Autosaver(QObject):
    """Saves turns of one statement; `text_of(turn_id)` returns the text shown now."""

    state_changed = Signal(str)
    saved = Signal(str, str)

    def __init__(self, ctx: AppContext, text_of: Callable[[str], str],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._text_of = text_of
        self.enabled = True  # off only in the typing benchmark's anchor run
        self._acked: dict[str, str] = {}
        self._acked_at: dict[str, datetime | None] = {}
        self._flight: dict[str, str] = {}
        self._errors: dict[str, str] = {}
        self._maybe_dirty: set[str] = set()
        self._held: set[str] = set()  # emptied at once: the empty text waits for `confirm`
        self._last_at: datetime | None = None
        # Tests run the store inline and want every change saved at once.
        self.delay_ms = 0 if ctx.bg.synchronous else DEFAULT_DELAY_MS
        self.max_wait_ms = DEFAULT_MAX_WAIT_MS
        self._pending_since: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.kick)
        self._index_timer = QTimer(self)
        self._index_timer.setSingleShot(True)
        self.index_delay_ms = DEFAULT_INDEX_DELAY_MS
        self._index_timer.timeout.connect(self._catch_up_index)

    def track(self, turn_id: str, stored_text: str, at: datetime | None = None) -> None:
        """A turn as loaded from (or just added to) the store: its text is already durable."""
        self._acked[turn_id] = stored_text
        self._acked_at[turn_id] = at

    def changed(self, turn_id: str, emptied_at_once: bool = False) -> None:
        """The text of `turn_id` changed in its editor; `emptied_at_once` when this change
        removed the whole text in one step (see the module docstring)."""
        self._errors.pop(turn_id, None)
        self._held.discard(turn_id)
        self._maybe_dirty.add(turn_id)
        if (emptied_at_once and not self._text_of(turn_id)
                and (self._acked.get(turn_id) or self._flight.get(turn_id))):
            self._held.add(turn_id)
            self.state_changed.emit(turn_id)
            return
        if self.enabled:
            self._schedule(turn_id)
        self.state_changed.emit(turn_id)

    def _schedule(self, turn_id: str) -> None:
        if self.delay_ms <= 0:
            if self._ctx.bg.synchronous:
                if turn_id not in self._flight:
                    self._submit(turn_id)
            elif not self._timer.isActive():
                # One save per key: submitted from the event loop's next turn, once the key's
                # repaint (a posted event, handled before timers) is done, so the commit on the
                # store lane does not compete with it for the CPU and Python's GIL.
                self._timer.start(0)
            return
        now = time.monotonic()
        if self._pending_since is None:
            self._pending_since = now
        if (now - self._pending_since) * 1000 >= self.max_wait_ms:
            self.kick()
        else:
            self._timer.start(self.delay_ms)

    def confirm(self, turn_id: str) -> None:
        """The officer keeps the turn as it is shown, emptied at once: it is saved."""
        if turn_id in self._held:
            self._held.discard(turn_id)
            self._maybe_dirty.add(turn_id)
            self.kick()
            self.state_changed.emit(turn_id)

    def held(self) -> list[str]:
        """Turns emptied at once whose empty text waits for `confirm`."""
        return sorted(self._held)

    def status(self, turn_id: str) -> TurnStatus:
        if turn_id in self._held:
            return TurnStatus(SaveState.UNSAVED, error=held_reason())
        if turn_id in self._errors:
            return TurnStatus(SaveState.UNSAVED, error=self._errors[turn_id])
        if turn_id in self._flight:
            return TurnStatus(SaveState.SAVING)
        if self._acked.get(turn_id) == self._text_of(turn_id):
            return TurnStatus(SaveState.SAVED, self._acked_at.get(turn_id))
        if self._timer.isActive():
            return TurnStatus(SaveState.SAVING)  # a save is scheduled for when typing pauses
        return TurnStatus(SaveState.UNSAVED)

    def overall(self) -> TurnStatus:
        """Saved only when every turn is; otherwise saving, or unsaved with the first error."""
        if self._errors:
            return TurnStatus(SaveState.UNSAVED, error=next(iter(self._errors.values())))
        if self._held:
            return TurnStatus(SaveState.UNSAVED, error=held_reason())
        if self._flight or (self._timer.isActive() and self.dirty()):
            return TurnStatus(SaveState.SAVING)
        if self.dirty():
            return TurnStatus(SaveState.UNSAVED)
        return TurnStatus(SaveState.SAVED, self._last_at)

    def busy(self) -> bool:
        """A save is in flight or a changed turn waits for one."""
        return bool(self._flight) or bool(self.dirty())

    def dirty(self) -> list[str]:
        """Turns whose text shown differs from what the store acknowledged (cheap: only
        turns changed since they were last found clean are compared)."""
        clean = {t for t in self._maybe_dirty if self._acked.get(t) == self._text_of(t)}
        self._maybe_dirty -= clean
        return sorted(self._maybe_dirty)

    def kick(self) -> None:
        """Submit a save now for every changed turn that has none in flight."""
        self._timer.stop()
        self._pending_since = None
        for turn_id in self.dirty():
            if turn_id not in self._flight:
                self._submit(turn_id)

    def _submit(self, turn_id: str) -> None:
        text = self._text_of(turn_id)
        if text == self._acked.get(turn_id) or turn_id in self._held:
            return
        self._flight[turn_id] = text
        try:
            self._ctx.run(lambda store: interview.save_turn(store, turn_id, text),
                          lambda _revision: self._done(turn_id, text),
                          lambda exc: self._failed(turn_id, exc))
        except UserError as exc:  # no store: nobody is logged in any more
            self._failed(turn_id, exc)

    def _done(self, turn_id: str, text: str) -> None:
        self._flight.pop(turn_id, None)
        self._acked[turn_id] = text
        self._acked_at[turn_id] = self._last_at = self._ctx.clock()
        if self._text_of(turn_id) != text and self.enabled:
            if self.delay_ms <= 0 and self._ctx.bg.synchronous:
                self._submit(turn_id)
            elif not self._timer.isActive():
                self._timer.start(max(0, self.delay_ms))
        elif self._text_of(turn_id) == text:
            self.saved.emit(turn_id, text)
        if not self.busy() and not self._ctx.bg.synchronous:
            # Restarted by every save: it fires once typing pauses.
            self._index_timer.start(self.index_delay_ms)
        self.state_changed.emit(turn_id)

    def _catch_up_index(self) -> None:
        """Index the turns saved since the last search, off the officer's wait. A failure
        here is left for the next search to report (it repairs a damaged index itself)."""
        if self.busy() or self._ctx.store is None or self._ctx.bg.closed:
            return
        self._ctx.run(search_service.catch_up, lambda _count: None, lambda _exc: None)

    def _failed(self, turn_id: str, exc: BaseException) -> None:
        self._flight.pop(turn_id, None)
        self._errors[turn_id] = str(exc) or _("The text could not be saved.")
        self.state_changed.emit(turn_id)


# What gettext reads to choose the catalog (its own order); the indicator's words are cached
# per value of these.
_LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@functools.cache
def _status_words(_domain: str, _language: tuple[str, ...]) -> tuple[str, str, str, str]:
    """The indicator's words in one language. `_()` looks its catalog up again on every call
    (several `stat`s), and the indicator is redrawn on every key: translated once per
    language instead."""
    return _("Saving…"), _("Not saved"), _("Saved"), _("Saved {time}")


def held_reason() -> str:
    """Why a turn emptied at once is not saved (the indicators' tooltip and overall text)."""
    return _("a turn was emptied at once")


def status_text(status: TurnStatus) -> str:
    saving, not_saved, saved, saved_at = _status_words(
        gettext.textdomain(), tuple(os.environ.get(name, "") for name in _LANGUAGE_VARIABLES))
    if status.state is SaveState.SAVING:
        return saving
    if status.state is SaveState.UNSAVED:
        return not_saved
    if status.at is None:
        return saved
    return saved_at.format(time=status.at.strftime("%H:%M:%S"))


def widest_status_texts() -> tuple[str, ...]:
    """Every text `status_text` can show, at its widest (a time of wide digits): what the
    indicator's fixed width is made for."""
    widest = datetime(2000, 1, 1, 20, 48, 48)
    return tuple(status_text(TurnStatus(state, at)) for state in SaveState
                 for at in (None, widest))
