"""`statement-room emulate bodycam`: a recorder on a pty that the Amba driver can dock."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hardware.bodycam import open_bodycam
from hardware.bodycam.errors import WrongPasswordError
from hardware.bodycam.identity import IdentityRecord
from tests.cli.helpers import ROOT, emulated

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")


def test_driver_reads_the_identity_from_the_emulate_command(tmp_path: Path) -> None:
    stderr: list[str] = []
    with emulated("bodycam", f"root={tmp_path}", "serial=7654321", "officer=654321", "name=李四",
                 "offset=-125", "pwd=135790", stderr=stderr) as path:
        driver = open_bodycam(path)
        try:
            with pytest.raises(WrongPasswordError):
                driver.connect("000000")
            assert driver.connect("135790") == "EMU01"
            identity = driver.read_identity()
            offset = driver.read_time().offset_s
            volume = driver.unlock_storage()
        finally:
            driver.disconnect()
    assert identity == IdentityRecord("7654321", "654321", "李四", "110105000000",
                                      "某市公安局某分局")
    assert offset is not None and -130 < offset < -120  # the emulator runs on the real clock
    assert volume == tmp_path / "bodycam-7654321"
    assert f"The recorder's storage is in {tmp_path}." in stderr[0]
    assert "Body-worn recorder (emulated) on /dev/" in stderr[0]


def test_works_without_options_in_a_temporary_root() -> None:
    stderr: list[str] = []
    with emulated("bodycam", stderr=stderr) as path:
        driver = open_bodycam(path)
        try:
            driver.connect("000000")
            volume = driver.unlock_storage()
            assert any(volume.glob("DCIM/*.MP4"))
        finally:
            driver.disconnect()
    found = re.search(r"The recorder's storage is in (.+)\.\n", stderr[0])
    assert found is not None
    root = Path(found[1])
    assert volume.parent == root
    shutil.rmtree(root)


def test_bad_option_is_explained() -> None:
    run = subprocess.run([sys.executable, "-m", "desktop", "--lang", "en", "emulate", "bodycam",
                          "-o", "size=-1"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 1
    assert "Bad emulator option" in run.stderr
    assert "Traceback" not in run.stderr
