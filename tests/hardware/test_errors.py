"""One error base for every device: a caller catches `DeviceError` and shows `message`."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from desktop.i18n import set_language
from hardware.bodycam.errors import BodycamError, WrongPasswordError, error_for_iret
from hardware.errors import DeviceError, PortError, PortErrorKind
from hardware.gnss.nmea import NmeaError, decode_sentence
from hardware.idcard.driver import IdCardReader
from hardware.idcard.errors import IdCardError, NoCardError
from hardware.mrz import MrzError, MrzReaderError, parse
from hardware.transport import open_port


def test_every_device_family_is_a_device_error() -> None:
    for family in (IdCardError, MrzError, BodycamError, NmeaError, PortError):
        assert issubclass(family, DeviceError)


def test_each_family_raises_what_one_except_clause_catches() -> None:
    caught: list[DeviceError] = []
    attempts = (
        lambda: decode_sentence(b"$GPGGA,1*00"),
        lambda: parse("NOT AN MRZ"),
        lambda: open_port("/dev/ttyDOES_NOT_EXIST"),
    )
    for attempt in attempts:
        try:
            attempt()
        except DeviceError as exc:
            caught.append(exc)
    assert [type(e).__name__ for e in caught] == ["ChecksumError", "MrzLayoutError", "PortError"]
    assert all(str(e) == e.message and e.message for e in caught)
    assert isinstance(error_for_iret(4), WrongPasswordError)


class _UnpluggedPort:
    port = "/dev/ttyUSB7"
    timeout: float | None = None

    def write(self, data: bytes, /) -> int:
        raise OSError(5, "Input/output error")

    def read(self, size: int = 1, /) -> bytes:
        return b""

    def reset_input_buffer(self) -> None:
        pass


def test_a_port_that_fails_in_use_is_the_one_port_error() -> None:
    with pytest.raises(PortError) as info:
        IdCardReader(_UnpluggedPort(), retries=0).check_status()
    assert info.value.kind is PortErrorKind.LOST
    assert info.value.message == (
        "/dev/ttyUSB7 stopped working. Check that the device is still connected.")
    assert "Input/output error" in info.value.detail


def test_message_is_translated_when_read_not_when_raised() -> None:
    error = NoCardError()  # raised while the program spoke English
    assert error.message == "No card on the reader. Place the ID card on the reader."
    set_language("zh_CN")
    assert error.message == "阅读器上没有卡片。请将身份证放在阅读器上。"
    assert str(error) == error.message


def test_detail_stays_untranslated_for_the_log() -> None:
    error = MrzReaderError("device unplugged")
    assert error.detail == "device unplugged"
    assert "device unplugged" in error.message


def test_production_bodycam_drivers_never_import_the_emulator() -> None:
    code = ("import sys, hardware.bodycam, hardware.bodycam.driver, hardware.bodycam.amba;"
            "print(sorted(m for m in sys.modules if m.startswith('hardware.bodycam.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    loaded = set(ast.literal_eval(out))  # the printed list of module names
    assert loaded >= {"hardware.bodycam.driver", "hardware.bodycam.amba"}
    assert not loaded & {"hardware.bodycam.emulator", "hardware.bodycam.emulator_driver",
                         "hardware.bodycam.amba_device"}
