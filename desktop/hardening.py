"""Keep the process's memory out of crash dumps (decision 7).

Decrypted statements, the party's ID data and the store's data key live in this process's
memory while it runs; SQLCipher's memory security is off (decision 7), so a core dump would
write them to disk in the clear. The program therefore forbids core dumps for itself at
start: a zero core-size limit (honoured by the kernel and by systemd-coredump) and, on Linux,
the "not dumpable" flag, which also stops a piped core handler and other processes of the
same user from attaching to read its memory. On Windows the installer excludes the program from
Windows Error Reporting (installer/windows/statement-room.nsi). Crashes still print their Python
traceback on stderr; the crash report file holds no message and no value
(desktop/crash_reports.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import sys

_PR_SET_DUMPABLE = 4


def forbid_core_dumps() -> None:
    """Best effort: a platform without these calls keeps its defaults (Windows has neither;
    its installer excludes the program from Windows Error Reporting instead)."""
    try:
        import resource
    except ImportError:  # Windows
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        # The C library the interpreter already has loaded (no search for it at start-up).
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
