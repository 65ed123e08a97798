"""`python3 -m desktop` runs the `statement-room` command (handy where scripts are not on PATH).

This module is also the frozen program's entry (installer/statement-room.spec). A frozen program
has no `-m`, so the recording's encoding process (desktop/recording/child.py `worker_command`)
is the program itself started with the hidden first argument `--recording-worker`; the same
argument works here unfrozen, so both paths run one piece of code.
"""

import sys

# Spelled once more in desktop/recording/child.py, which must not import this entry module.
RECORDING_WORKER = "--recording-worker"


def run() -> int:
    """The encoding child when asked for it (nothing else is parsed then), else the command."""
    if sys.argv[1:2] == [RECORDING_WORKER]:
        from desktop.recording.worker import main as worker

        return worker()
    from desktop.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
