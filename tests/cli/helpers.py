"""Run the real `statement-room` command in a child process, as a user would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_ROOM_")}
    full_env["STATEMENT_ROOM_LANG"] = "en"
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args], cwd=ROOT, env=full_env, capture_output=True,
        text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False,
    )


def last_json(stdout: str) -> dict[str, Any]:
    line = stdout.strip().splitlines()[-1]
    value = json.loads(line)
    assert isinstance(value, dict)
    return value


@contextmanager
def emulated(kind: str, *options: str, stderr: list[str] | None = None) -> Iterator[str]:
    """Run `statement-room emulate KIND -o …` and yield the pty path it prints first.

    It is stopped with Ctrl+C (SIGINT) and must exit 0; its stderr is appended to `stderr`.
    """
    args = [sys.executable, "-m", "desktop", "--lang", "en", "emulate", kind]
    for option in options:
        args += ["-o", option]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_ROOM_")}
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        path = process.stdout.readline().strip()
        assert path.startswith("/dev/"), process.stderr.read() if process.stderr else ""
        yield path
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=10)
        if stderr is not None:
            stderr.append(err)
        assert process.returncode == 0, err
