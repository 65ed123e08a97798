"""The fingerprint reader through the device service and the `emulate` command: a taken
fingerprint is a PNG in memory, failures are translated messages, the port check and the
probe recognise the module, and `statement-room emulate fingerprint` serves it on a pty."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from desktop.domain.errors import UserError
from desktop.services import devices
from desktop.services.devices import Device
from hardware.discovery import DeviceKind, probe
from hardware.fingerprint import protocol
from hardware.fingerprint.emulator import synthetic_fingerprint
from tests.cli.helpers import emulated


def test_take_fingerprint_gives_a_grey_png_of_the_reader_image() -> None:
    taken = devices.take_fingerprint("emu-fingerprint://?seed=4", wait=2)
    image = Image.open(io.BytesIO(taken.png))
    assert image.format == "PNG" and image.mode == "L" and image.size == (256, 288)
    wire = protocol.pack_image(synthetic_fingerprint(4))
    assert image.tobytes() == protocol.unpack_image(wire)
    assert taken.reader == "fingerprint reader at emu-fingerprint://?seed=4"


def test_no_finger_is_a_translated_message() -> None:
    with pytest.raises(UserError, match=r"^No finger was placed on the fingerprint reader"):
        devices.take_fingerprint("emu-fingerprint://?finger=0", wait=0.3)


def test_a_missing_reader_is_a_translated_message() -> None:
    with pytest.raises(UserError, match=r"^No device at /dev/ttyNOPE"):
        devices.take_fingerprint("/dev/ttyNOPE")


def test_check_port_and_probe_recognise_the_module() -> None:
    verdict = devices.check_port(Device.FINGERPRINT, "emu-fingerprint://")
    assert verdict == "Fingerprint reader answered on emu-fingerprint://."
    assert probe("emu-fingerprint://", listen=1.0) is DeviceKind.FINGERPRINT
    with pytest.raises(UserError, match="No Fingerprint reader answered"):
        devices.check_port(Device.FINGERPRINT, "emu-idcard://")


def test_emulate_fingerprint_serves_the_module_on_a_pty() -> None:
    with emulated("fingerprint", "seed=9", "arrive=2") as path:
        taken = devices.take_fingerprint(path, wait=5)
    image = Image.open(io.BytesIO(taken.png))
    assert image.tobytes() == protocol.unpack_image(protocol.pack_image(
        synthetic_fingerprint(9)))
