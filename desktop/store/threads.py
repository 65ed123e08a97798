"""Which threads may use the store: a registry of forbidden threads, checked on every store use.

The GUI thread must never wait for the database (decision 12): a store call made there freezes
the window for as long as a transaction or a search takes, and a docking's writes would make
that minutes. The UI registers its thread at start-up (`forbid_thread`), and the background
marks the GUI callbacks it delivers (`forbidden_here`), which is how tests catch a callback
that reaches for the store. `Store.transaction()`, `Store.reading()` and `Store.conn` call
`check_thread()`, which raises `StoreOnForbiddenThread`: a programming error, never shown to an
officer as a refusal. No Qt here: the store layer knows threads, not widgets.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")

_forbidden: set[int] = set()
_lock = threading.Lock()
_local = threading.local()


class StoreOnForbiddenThread(RuntimeError):
    """The store was used on a thread that must not wait for it (the GUI thread)."""


def forbid_thread(ident: int | None = None) -> None:
    """Forbid store use on this thread (or `ident`) from now on."""
    with _lock:
        _forbidden.add(threading.get_ident() if ident is None else ident)


def allow_thread(ident: int | None = None) -> None:
    """Undo `forbid_thread` (the application is shutting down, or a test ends)."""
    with _lock:
        _forbidden.discard(threading.get_ident() if ident is None else ident)


@contextlib.contextmanager
def forbidden_here() -> Iterator[None]:
    """Forbid store use on this thread while the block runs (a GUI callback)."""
    depth: int = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth = depth


def check_thread() -> None:
    """Raise `StoreOnForbiddenThread` if the calling thread must not use the store."""
    if getattr(_local, "depth", 0) or threading.get_ident() in _forbidden:
        raise StoreOnForbiddenThread(
            f"store used on the forbidden thread {threading.current_thread().name!r}: run it "
            "through the background (ctx.run to write, ctx.read to read), never on the GUI "
            "thread")


class WriteLane(Protocol):
    """Runs a function where the store's writes are serialised, waits, returns its value."""

    def __call__(self, fn: Callable[[], T], /) -> T: ...


def inline(fn: Callable[[], T], /) -> T:
    """The write lane of a program without a background (the command line, tests): here."""
    return fn()
