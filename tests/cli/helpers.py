"""Run the real `statement-room` command in a child process, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
