"""The device commands from the command line: emulators on real pseudo-terminals."""

from __future__ import annotations

import os

import pytest

from tests.cli.helpers import emulated, last_json, run_cli

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")


def test_read_mrz_from_an_emulated_reader_on_a_pty() -> None:
    with emulated("mrz", "doc=td3", "seed=7", "framing=3m", "repeat=0.3") as path:
        run = run_cli("devices", "read-mrz", "--port", path, "--framing", "3m", "--json",
                      "--timeout", "20")
    assert run.returncode == 0, run.stderr
    record = last_json(run.stdout)
    assert record["layout"] == "TD3"
    assert record["valid"] is True
    assert set(record["checks"]) >= {"document_number", "birth_date", "expiry_date"}


def test_gnss_emulator_streams_nmea_on_its_pty() -> None:
    from hardware.gnss.nmea import NmeaReader
    from hardware.transport import open_port

    with emulated("gnss", "rate=50", "n=20") as path:
        port = open_port(path, timeout=0.2)
        reader = NmeaReader()
        fixes = []
        try:
            for _ in range(100):
                fixes += reader.feed(port.read(256))
                if len(fixes) >= 3:
                    break
        finally:
            port.close()
    assert len(fixes) >= 3
    assert all(28 < fix.lat < 30 and 119 < fix.lon < 121 for fix in fixes)


def test_bad_emulator_option_is_explained() -> None:
    run = run_cli("emulate", "gnss", "-o", "colour=blue")
    assert run.returncode == 1
    assert "Bad emulator option" in run.stderr
    malformed = run_cli("emulate", "gnss", "-o", "rate")
    assert malformed.returncode == 1
    assert "rate is not KEY=VALUE" in malformed.stderr
    assert "Traceback" not in malformed.stderr


def test_missing_device_is_explained() -> None:
    run = run_cli("devices", "read-mrz", "--port", "/dev/ttyDOESNOTEXIST", "--timeout", "1")
    assert run.returncode == 1
    assert "No device at /dev/ttyDOESNOTEXIST" in run.stderr
    assert "Traceback" not in run.stderr


def test_devices_list_runs() -> None:
    run = run_cli("devices", "list", "--json")
    assert run.returncode == 0, run.stderr
    assert isinstance(last_json(run.stdout)["ports"], list)


def test_read_id_from_an_emulated_reader_on_a_pty() -> None:
    with emulated("idcard", "card=resident", "seed=11") as path:
        run = run_cli("devices", "read-id", "--port", path, "--json", "--timeout", "10")
        assert run.returncode == 0, run.stderr
        identity = last_json(run.stdout)
        for key in ("kind", "name", "sex", "birth_date", "id_number", "address", "authority",
                    "valid_from", "valid_until", "warnings"):
            assert key in identity
        assert identity["kind"] == "resident"
        assert identity["id_number"].startswith("110101")
        assert identity["warnings"] == []
        # Read again at once: the reader answers "no card" until the card is lifted and
        # placed again (a new process has no driver state to say more; see test_driver_pty).
        again = run_cli("devices", "read-id", "--port", path, "--timeout", "0.5")
        assert again.returncode == 1
        assert "No card on the reader. Place the ID card on the reader." in again.stderr


def test_reader_port_opened_and_closed_repeatedly_leaks_nothing() -> None:
    from desktop.domain.errors import UserError
    from desktop.services.devices import read_id_card

    with emulated("idcard", "card=hmt", "seed=2") as path:
        fds = len(os.listdir("/proc/self/fd"))
        first = read_id_card(path, wait=5)
        for _ in range(30):
            # The same card again without lifting it: refused, and the port is released.
            with pytest.raises(UserError, match=r"(?i)place"):
                read_id_card(path, wait=0)
        assert len(os.listdir("/proc/self/fd")) == fds
    assert first.record.kind.name == "HMT_RESIDENCE"


def test_no_card_is_a_clear_message() -> None:
    run = run_cli("devices", "read-id", "--port", "emu-idcard://", "--timeout", "0.3")
    assert run.returncode == 1
    assert "No card on the reader" in run.stderr
