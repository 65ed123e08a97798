"""The program forbids core dumps of itself: its memory holds decrypted personal data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import ctypes, resource, sys
from desktop.cli import main
try:
    main(["--version"])
except SystemExit:
    pass
libc = ctypes.CDLL(None)
print(resource.getrlimit(resource.RLIMIT_CORE), libc.prctl(3, 0, 0, 0, 0))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_the_entry_point_turns_core_dumps_off() -> None:
    before = subprocess.run([sys.executable, "-c", "import ctypes, resource; "
                             "print(resource.getrlimit(resource.RLIMIT_CORE), "
                             "ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))"],
                            capture_output=True, text=True, check=True, cwd=ROOT)
    after = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                           check=True, cwd=ROOT)
    # A fresh interpreter is dumpable (1); after the program's entry it is not (0), and
    # its core size limit is zero, hard as well as soft.
    assert before.stdout.split()[-1] == "1"
    assert after.stdout.strip().splitlines()[-1] == "(0, 0) 0"
