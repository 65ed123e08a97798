"""Which statements this process is recording right now: a small registry, no media imports.

`desktop.services.recording` registers each `LiveRecording` it starts and removes it when the
recording ends; `desktop.services.interview` asks it, on every turn it creates or saves,
whether the statement is being recorded, to mark the turn with the recording's media time
and show its text as the subtitle. Kept apart from the recording service so that taking a
statement never loads the encoder (PyAV, numpy) just to learn that nothing is recorded.
"""

from __future__ import annotations

import threading
from typing import Protocol

from desktop.domain.model import TurnKind

__all__ = ["LiveHandle", "active", "live", "register", "subtitle", "unregister"]

_SUBTITLE_PREFIX = {TurnKind.QUESTION: "问：", TurnKind.ANSWER: "答："}


def subtitle(kind: TurnKind, text: str) -> str:
    """What the picture shows of a turn as it is typed (问：… / 答：…, a note as it is): the
    statement's own language, like the printed statement."""
    return _SUBTITLE_PREFIX.get(kind, "") + text.strip()


class LiveHandle(Protocol):
    """What the interview needs of a live recording."""

    @property
    def recording_id(self) -> str: ...

    @property
    def statement_id(self) -> str: ...

    def media_ms(self) -> int: ...

    def set_subtitle(self, text: str) -> None: ...


_live: dict[str, LiveHandle] = {}
_lock = threading.Lock()


def register(handle: LiveHandle) -> None:
    """Note `handle` as its statement's live recording (one per statement: the store's
    unique index refuses a second one before this is reached)."""
    with _lock:
        if handle.statement_id in _live:
            raise RuntimeError(f"statement {handle.statement_id} is recorded already")
        _live[handle.statement_id] = handle


def unregister(handle: LiveHandle) -> None:
    """Forget `handle` (it ended); nothing if it is not the registered one."""
    with _lock:
        if _live.get(handle.statement_id) is handle:
            del _live[handle.statement_id]


def live(statement_id: str) -> LiveHandle | None:
    """The recording of `statement_id` running in this process, if any."""
    with _lock:
        return _live.get(statement_id)


def active() -> bool:
    """Whether this process records anything (the cheap test before any lookup)."""
    return bool(_live)
