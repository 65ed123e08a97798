"""The fingerprint packet codec: golden packets, the image's 4-bit packing, the decoder's
resynchronisation over split, noisy and damaged input."""

from __future__ import annotations

import pytest

from hardware.fingerprint import protocol
from hardware.fingerprint.errors import PacketChecksumError, PacketLengthError
from hardware.fingerprint.protocol import Packet, PacketDecoder, SystemParameters


def test_golden_command_packets() -> None:
    # Recomputed by hand from the format: EF01, address, PID, LEN, content, 16-bit sum.
    assert protocol.command(protocol.GEN_IMG) == bytes.fromhex("EF01 FFFFFFFF 01 0003 01 0005")
    assert protocol.verify_password() == bytes.fromhex(
        "EF01 FFFFFFFF 01 0007 13 00000000 001B")
    assert protocol.command(protocol.UP_IMAGE) == bytes.fromhex("EF01 FFFFFFFF 01 0003 0A 000E")
    assert protocol.acknowledgement(protocol.NO_FINGER) == bytes.fromhex(
        "EF01 FFFFFFFF 07 0003 02 000C")


def test_decoder_reads_packets_split_one_byte_at_a_time_after_noise() -> None:
    stream = b"\x00\x13\xef" + protocol.acknowledgement(0) + protocol.acknowledgement(2)
    decoder = PacketDecoder()
    packets = []
    for byte in stream:
        decoder.feed(bytes([byte]))
        packets += list(decoder)
    assert [(p.pid, p.code) for p in packets] == [(protocol.PID_ACK, 0), (protocol.PID_ACK, 2)]
    assert decoder.buffered == 0


def test_a_damaged_packet_raises_then_the_next_one_is_read() -> None:
    bad = bytearray(protocol.acknowledgement(0))
    bad[-1] ^= 0xFF
    decoder = PacketDecoder()
    decoder.feed(bytes(bad) + protocol.acknowledgement(2))
    with pytest.raises(PacketChecksumError):
        decoder.pop()
    packet = decoder.pop()
    assert packet is not None and packet.code == 2


def test_an_impossible_length_or_identifier_raises() -> None:
    decoder = PacketDecoder()
    decoder.feed(bytes.fromhex("EF01 FFFFFFFF 07 FFFF 00"))
    with pytest.raises(PacketLengthError):
        decoder.pop()
    decoder.reset()
    decoder.feed(bytes.fromhex("EF01 FFFFFFFF 05 0003 00 0008"))
    with pytest.raises(PacketLengthError):
        decoder.pop()


def test_image_packing_keeps_the_upper_four_bits() -> None:
    pixels = bytes([0x00, 0xFF, 0x8C, 0x37])
    wire = protocol.pack_image(pixels)
    assert wire == bytes([0x0F, 0x83])
    assert protocol.unpack_image(wire) == bytes([0x00, 0xFF, 0x88, 0x33])


def test_parameter_list_round_trip() -> None:
    parameters = SystemParameters(packet_size=64, baudrate=115200, address=0x12345678)
    raw = parameters.to_bytes()
    assert len(raw) == 16 and raw[12:] == bytes.fromhex("0001 000C")
    assert SystemParameters.from_bytes(raw) == parameters
    with pytest.raises(ValueError):
        SystemParameters.from_bytes(raw[:10])


def test_packet_properties() -> None:
    packet = Packet(protocol.PID_ACK, b"\x00abc")
    assert packet.code == 0 and packet.params == b"abc"
    assert Packet(protocol.PID_ACK).code == -1
