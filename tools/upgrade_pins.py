"""Move constraints.txt forward to the newest releases pyproject.toml allows, if they pass CI.

    python3 tools/upgrade_pins.py        # monthly; commit constraints.txt when it changed

README's install commands use `-c constraints.txt`, so every install gets the exact releases
the tests last passed with, and a new release of a library cannot break a fresh install
overnight. This command is how those pins move:

1. a brand-new virtual environment in a temporary folder gets README's install *without* the
   constraints, so pip picks the newest release that each bound in pyproject.toml allows;
2. what it installed (`pip freeze`) becomes the candidate constraints.txt;
3. `.ci/run` runs with the candidate: its own fresh environment installed with README's
   command (now pinned to the candidate), README's test command, ruff, mypy, the import
   contracts and the benchmark smoke runs, the same run every submission gets;
4. constraints.txt keeps the candidate only if that run passed; otherwise the previous file is
   put back and the command exits non-zero: fix what broke, or put an upper bound in
   pyproject.toml (with a comment saying what broke) and run it again.

It needs PyPI and, like CI, the system tools the tests use (`.ci/run` installs them as root).
"""

from __future__ import annotations

import argparse
import difflib
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints.txt"
HEADER = """\
# The exact releases README's install commands use (`pip install -c constraints.txt …`): the
# ones the whole CI run last passed with, on Python {python} ({system}). Written by
# `python3 tools/upgrade_pins.py`, which moves them to the newest releases pyproject.toml
# allows once CI passes with them; do not edit by hand.
"""


def _run(argv: list[str], *, capture: bool = False) -> subprocess.CompletedProcess[str]:
    print("$", " ".join(argv), flush=True)
    # Our own argument lists and no shell: nothing in them comes from outside.
    return subprocess.run(argv, cwd=ROOT, text=True, check=False,  # noqa: S603
                          capture_output=capture)


def newest_allowed(python: str) -> str:
    """README's install in a new environment without constraints: what pip picks, frozen."""
    with tempfile.TemporaryDirectory(prefix="upgrade-pins-") as scratch:
        venv = Path(scratch) / "venv"
        if _run([python, "-m", "venv", str(venv)]).returncode != 0:
            raise SystemExit("could not create a virtual environment (Debian: python3-venv)")
        pip = [str(venv / "bin" / "python"), "-m", "pip"]
        if _run([*pip, "install", "-e", ".[test,package]"]).returncode != 0:
            raise SystemExit("the newest allowed releases do not install; constraints.txt kept")
        frozen = _run([*pip, "freeze", "--exclude-editable"], capture=True)
        if frozen.returncode != 0:
            raise SystemExit(frozen.stderr)
    pins = sorted((line for line in frozen.stdout.splitlines() if "==" in line),
                  key=lambda line: line.split("==", 1)[0].lower())
    return "".join(line + "\n" for line in pins)


def _pins(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter for the new environments (default: this one)")
    args = parser.parse_args(argv)

    previous = CONSTRAINTS.read_text() if CONSTRAINTS.exists() else ""
    pins = newest_allowed(args.python)
    version = _run([args.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                   capture=True).stdout.strip()
    candidate = HEADER.format(python=version, system=platform.system()) + pins
    changes = list(difflib.unified_diff(_pins(previous), _pins(candidate), "constraints.txt",
                                        "newest allowed", lineterm="", n=0))
    if not changes:
        print("constraints.txt already pins the newest allowed releases.")
        return 0
    print("\n".join(changes), flush=True)
    CONSTRAINTS.write_text(candidate)
    passed = False
    try:
        bash = shutil.which("bash") or "/bin/bash"
        passed = _run([bash, str(ROOT / ".ci" / "run")]).returncode == 0
    finally:
        if not passed:  # failed or interrupted: what CI passed with stays pinned
            if previous:
                CONSTRAINTS.write_text(previous)
            else:
                CONSTRAINTS.unlink()
    if not passed:
        print("CI failed with the newest allowed releases; constraints.txt is unchanged.",
              file=sys.stderr)
        return 1
    print("CI passed: constraints.txt now pins the releases above; commit it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
