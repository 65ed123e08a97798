"""Devices from the command line as an officer trying them meets them: the ID-card emulator's
card lifted and put back from its standard input, emulators found by `devices list --probe`
(or a clear word that there is none), a GNSS position read, fields under translated names,
and an emulator option refused in Chinese. Real processes on real pseudo-terminals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.cli.helpers import ROOT, emulated, last_json, run_cli

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")


@contextmanager
def controlled_reader() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`emulate idcard` with a pipe on its standard input, as a script drives it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEMENT_ROOM_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop", "--lang", "en", "emulate", "idcard", "-o",
         "card=resident", "-o", "seed=5"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        path = process.stdout.readline().strip()
        assert path.startswith("/dev/")
        yield path, process
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
        assert process.returncode == 0


def send(process: subprocess.Popen[str], command: str, expect: str) -> None:
    """Type one control and wait until the emulator says it acted (its stderr)."""
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(command + "\n")
    process.stdin.flush()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if expect in process.stderr.readline():
            return
    raise AssertionError(f"the emulator never said {expect!r}")


def test_the_card_is_lifted_and_put_back_from_standard_input() -> None:
    with controlled_reader() as (path, process):
        first = run_cli("devices", "read-id", "--port", path, "--timeout", "2")
        assert first.returncode == 0, first.stderr
        assert "Card kind: Resident ID card" in first.stdout
        send(process, "l", "The card is lifted off the reader.")
        lifted = run_cli("devices", "read-id", "--port", path, "--timeout", "0.5")
        assert lifted.returncode == 1
        assert "No card on the reader" in lifted.stderr
        send(process, "p", "The card is back on the reader.")
        again = run_cli("devices", "read-id", "--port", path, "--timeout", "2", "--json")
        assert again.returncode == 0, again.stderr
        assert last_json(again.stdout)["id_number"] == last_json(run_cli(
            "devices", "read-id", "--port", "emu-idcard://?card=resident&seed=5",
            "--json").stdout)["id_number"]
        send(process, "x", "Type l to lift the card, p to put it back.")


def test_devices_list_probe_finds_the_emulators_or_says_there_is_none() -> None:
    with emulated("gnss", "rate=5") as path:
        found = run_cli("devices", "list", "--probe", "--json")
        assert found.returncode == 0, found.stderr
        emulators = last_json(found.stdout)["emulators"]
        assert {"device": path, "kind": "gnss"}.items() <= next(
            e for e in emulators if e["device"] == path).items()
        text = run_cli("devices", "list", "--probe").stdout
        assert f"{path}  emulated GNSS receiver" in text
    after = run_cli("devices", "list", "--probe", "--json")
    assert path not in [e["device"] for e in last_json(after.stdout)["emulators"]]
    if not last_json(after.stdout)["emulators"]:  # other emulators may run beside this test
        assert "No emulator was found on a pseudo-terminal" in run_cli(
            "devices", "list", "--probe").stdout


def test_read_gnss_prints_one_position() -> None:
    with emulated("gnss", "rate=5", "seed=3") as path:
        run = run_cli("devices", "read-gnss", "--port", path, "--json", "--timeout", "10")
        text = run_cli("devices", "read-gnss", "--port", path, "--timeout", "10")
    assert run.returncode == 0, run.stderr
    fix = last_json(run.stdout)
    assert 28 < fix["lat"] < 30 and 119 < fix["lon"] < 121
    assert "Latitude: " in text.stdout and "Longitude: " in text.stdout


def test_read_gnss_without_sentences_says_so() -> None:
    with emulated("idcard") as path:  # a port where nothing speaks NMEA
        run = run_cli("devices", "read-gnss", "--port", path, "--timeout", "1")
    assert run.returncode == 1
    assert "No GNSS sentence arrived from" in run.stderr


def test_fields_are_named_for_people_without_python_reprs() -> None:
    # The names are msgids: the Chinese catalog (merged from the slice's translations)
    # gives 姓名, 公民身份号码…; here the English words stand for them.
    run = run_cli("devices", "read-id", "--port", "emu-idcard://?card=resident&seed=4")
    assert run.returncode == 0, run.stderr
    labels = [line.split(": ", 1)[0] for line in run.stdout.splitlines()]
    assert labels[:3] == ["Card kind", "Full name", "English name"]
    assert "ID number" in labels and "Issuing authority" in labels
    assert not any("_" in label for label in labels)  # no JSON keys on screen
    assert "Warnings: -" in run.stdout and "[]" not in run.stdout and "None" not in run.stdout
    mrz = run_cli("devices", "read-mrz", "--port", "emu-mrz://?doc=td3", "--timeout", "5")
    assert mrz.returncode == 0, mrz.stderr
    assert "Check digits: correct" in mrz.stdout
    assert "Check digit of each field: Document number yes; Date of birth yes" in mrz.stdout
    assert "{" not in mrz.stdout and "True" not in mrz.stdout


def test_an_emulator_option_error_is_translated() -> None:
    for option, words in (("colour=blue", "unknown option(s): colour"),
                          ("card=passport", "unknown card kind passport"),
                          ("seed=x", "x is not a whole number")):
        run = run_cli("emulate", "idcard", "-o", option)
        assert run.returncode == 1
        assert f"Bad emulator option: {words}" in run.stderr
        assert "Traceback" not in run.stderr
