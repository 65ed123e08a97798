"""The program's version, in one place: `--version`, the login window, the main window's
status bar and its About box all say the same thing (what a support call asks first).

Read from the installed distribution's metadata (pyproject.toml's version); the frozen
program carries that metadata too (installer/statement-room.spec, copy_metadata).
"""

from __future__ import annotations

from functools import cache


@cache
def program_version() -> str:
    """The installed distribution's version, or "unknown" in a source tree never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("statement-room")
    except PackageNotFoundError:
        return "unknown"
