"""The fingerprint driver against the emulator on a real pty: open, wait for a finger,
upload the image; damaged, truncated, noisy and missing replies; a failing capture."""

from __future__ import annotations

import pytest
import serial

from hardware.errors import PortError
from hardware.fingerprint import protocol
from hardware.fingerprint.driver import FingerprintReader, Timeouts, open_reader
from hardware.fingerprint.emulator import Fault, FingerprintReaderEmulator, synthetic_fingerprint
from hardware.fingerprint.errors import (
    CaptureFailedError,
    FingerprintError,
    ImageIncompleteError,
    NoFingerTimeoutError,
    NoValidImageError,
    PacketChecksumError,
    ReaderTimeoutError,
    WrongPasswordError,
)
from hardware.transport import open_port
from hardware.urlhandlers import EmulatorSerial
from tests.hardware.fingerprint.conftest import OnPty


def expected_pixels(seed: int = 0) -> bytes:
    return protocol.unpack_image(protocol.pack_image(synthetic_fingerprint(seed)))


def test_open_then_capture_after_the_finger_arrives(on_pty: OnPty) -> None:
    parameters = on_pty.reader.open()
    assert parameters.packet_size == 128 and parameters.baudrate == 57600
    with pytest.raises(NoFingerTimeoutError) as raised:
        on_pty.reader.capture(wait=0)
    assert raised.value.message.startswith("No finger was placed")
    on_pty.emulator.place_finger()
    scan = on_pty.reader.capture(wait=1)
    assert (scan.width, scan.height) == (256, 288)
    assert scan.pixels == expected_pixels()
    assert len(set(scan.pixels)) > 8  # ridges, not a blank image
    codes = [p.code for p in on_pty.emulator.requests()]
    assert codes == [protocol.VFY_PWD, protocol.READ_SYS_PARA, protocol.GEN_IMG,
                     protocol.GEN_IMG, protocol.UP_IMAGE]


@pytest.mark.parametrize("size", protocol.PACKET_SIZES)
def test_every_packet_size_brings_the_same_image(size: int) -> None:
    emulator = FingerprintReaderEmulator(finger=True, packet_size=size, seed=3)
    port = EmulatorSerial.attach(emulator, timeout=0.05)
    try:
        reader = FingerprintReader(port)
        assert reader.open().packet_size == size
        assert reader.capture(wait=1).pixels == expected_pixels(3)
    finally:
        port.close()


def test_a_finger_placed_after_some_polls_over_the_url_handler() -> None:
    with open_reader("emu-fingerprint://?arrive=3&seed=5") as reader:
        scan = reader.capture(wait=5, poll=0.01)
    assert scan.pixels == expected_pixels(5)


def test_upload_before_any_capture_is_refused(on_pty: OnPty) -> None:
    with pytest.raises(NoValidImageError):
        on_pty.reader.upload_image()


def test_a_wrong_password_is_refused() -> None:
    emulator = FingerprintReaderEmulator(password=0x1234)
    port = EmulatorSerial.attach(emulator, timeout=0.05)
    try:
        with pytest.raises(WrongPasswordError) as raised:
            FingerprintReader(port).open()
        assert "password" in raised.value.message
        FingerprintReader(port, password=0x1234).open()
    finally:
        port.close()


@pytest.mark.parametrize("fault", [Fault.BAD_CHECKSUM, Fault.CORRUPT_BYTE, Fault.DROP_BYTES,
                                   Fault.GARBAGE, Fault.SILENT, Fault.LOSE_LAST_PACKET])
def test_a_damaged_image_upload_is_retried(on_pty: OnPty, fault: Fault) -> None:
    on_pty.emulator.place_finger()
    on_pty.emulator.inject(fault, times=1, offset=500, count=3, on=protocol.UP_IMAGE)
    assert on_pty.reader.capture(wait=1).pixels == expected_pixels()
    assert [p.code for p in on_pty.emulator.requests()].count(protocol.UP_IMAGE) == (
        1 if fault is Fault.GARBAGE else 2)


def test_lasting_faults_end_in_typed_errors(on_pty: OnPty) -> None:
    on_pty.emulator.place_finger()
    on_pty.emulator.inject(Fault.BAD_CHECKSUM, on=protocol.GEN_IMG)
    with pytest.raises(PacketChecksumError):
        on_pty.reader.capture(wait=1)
    on_pty.emulator.clear_faults()
    on_pty.emulator.inject(Fault.SILENT)
    with pytest.raises(ReaderTimeoutError) as timed_out:
        on_pty.reader.open()
    assert timed_out.value.message == (
        "The fingerprint reader did not answer in time. Check its cable and port.")
    on_pty.emulator.clear_faults()
    on_pty.reader.capture(wait=1)
    on_pty.emulator.inject(Fault.LOSE_LAST_PACKET, on=protocol.UP_IMAGE)
    with pytest.raises(ImageIncompleteError):
        on_pty.reader.upload_image()
    on_pty.emulator.clear_faults()
    on_pty.emulator.inject(Fault.CAPTURE_FAILED, times=1)
    with pytest.raises(CaptureFailedError):
        on_pty.reader.capture(wait=1)
    # every fault is behind us: the next capture works on the same port
    assert on_pty.reader.capture(wait=1).pixels == expected_pixels()


def test_a_damaged_command_is_answered_with_a_receive_error(on_pty: OnPty) -> None:
    bad = bytearray(protocol.command(protocol.HANDSHAKE))
    bad[-1] ^= 0x01
    on_pty.port.write(bytes(bad))
    on_pty.port.timeout = 1.0
    reply = on_pty.port.read(12)
    assert reply == protocol.acknowledgement(protocol.RECEIVE_ERROR)


def test_a_short_command_is_answered_with_a_receive_error(on_pty: OnPty) -> None:
    on_pty.port.write(protocol.command(protocol.HANDSHAKE)[:-3])
    on_pty.port.timeout = 2.0
    assert on_pty.port.read(12) == protocol.acknowledgement(protocol.RECEIVE_ERROR)


def test_a_port_lost_in_use_is_a_port_error() -> None:
    port = serial.serial_for_url("loop://", timeout=0.05)
    port.close()
    with pytest.raises(PortError):
        FingerprintReader(port, timeouts=Timeouts(0.1, 0.1), retries=0).handshake()


def test_nothing_answers_on_a_loop_back_line() -> None:
    port = open_port("loop://", timeout=0.05)
    try:
        reader = FingerprintReader(port, timeouts=Timeouts(0.2, 0.2), retries=0)
        with pytest.raises(ReaderTimeoutError):
            reader.handshake()  # our own echo is skipped, not taken for a reply
    finally:
        port.close()


def test_unknown_emulator_options_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown options: colour"):
        FingerprintReaderEmulator.from_params({"colour": "red"})
    with pytest.raises(ValueError):
        FingerprintReaderEmulator.from_params({"packet": "100"})
    assert issubclass(ImageIncompleteError, FingerprintError)
