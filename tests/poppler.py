"""Poppler's command-line tools for the PDF checks, provisioned if the machine lacks them.

pdfsig, pdftotext, pdffonts and pdftoppm are independent judges of our PDFs and cannot come
from pip. `.ci/run` installs Debian's poppler-utils; on a fresh Debian machine where the
README's test command runs as root, the first test that needs a tool installs it the same
way. Elsewhere a missing tool fails the test with what to install: never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

_attempted = False


def _install() -> None:
    global _attempted
    if _attempted or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    _attempted = True
    if shutil.which("apt-get") is None:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "install", "-y", "-qq", "poppler-utils"],
                    ["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "poppler-utils"]):
        subprocess.run(command, env=env, capture_output=True, timeout=900, check=False)
        if shutil.which("pdfsig"):
            return


def poppler_tool(name: str) -> str:
    """The path of poppler tool `name`, installing poppler-utils first if possible."""
    path = shutil.which(name)
    if path is None:
        _install()
        path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install Debian's poppler-utils (or your platform's "
                    "poppler) to run the PDF checks")
    return path
