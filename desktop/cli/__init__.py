"""The `statement-room` command line, one module per command group.

`desktop.cli.app` assembles the parser and runs a command; `desktop.cli.common` holds what
every command shares (the shared options, logging in, secrets, JSON output); each other module
(`officers`, `cases`, `statements`, `audit`, `search`, `demo`, `devices`, `documents`,
`evidence`, `export`, `keys`, `ca`, `maintenance`, `laws`) exposes
`register(sub: Subparsers) -> None` and the handlers of its commands. The command modules
import `common` only, never `app` nor each other.

`main` is the console entry (`desktop.cli:main`, also `python3 -m desktop`); it imports the
parser only when called, so importing `desktop.cli.common` alone stays light.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run `statement-room` with `argv` (default: the process's arguments); the exit code."""
    from desktop.cli.app import main as run

    return run(argv)


__all__ = ["main"]
