"""Workaround for a PySide6 6.12 reference-count bug on Python 3.11 (long-running children).

On this interpreter every PySide6 call that returns None (`insertPlainText`, `setReadOnly`,
`processEvents`, …) takes one reference from `None` without giving it (and signal emits do
the same to `True`/`False`), as if they were immortal (they are only from Python 3.12). After
some tens of thousands of calls the interpreter aborts with `Fatal Python error:
none_dealloc`. Processes that type for a long time (the kill test's child, the typing
benchmark) pin the three singletons with a large extra count first. Reported to the lead: the
application itself needs Python >= 3.12 or a PySide6 that supports 3.11 correctly.
"""

from __future__ import annotations

import ctypes

_PIN = 1 << 40


def pin_singletons() -> None:
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _PIN
