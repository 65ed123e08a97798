"""The emulator follows the state table of §1.10 and answers with the reference's bytes."""

from __future__ import annotations

import pytest

from hardware.idcard import codec
from hardware.idcard.codec import FrameDecoder, Request, Response
from hardware.idcard.emulator import Fault, IdCardReaderEmulator, ReaderState, synthetic_card
from hardware.idcard.payload import parse_read_payload
from hardware.idcard.synthetic import SyntheticCard
from hardware.idcard.tables import CardKind
from hardware.link import Emulator
from tests.hardware.idcard.conftest import Served


def ask(emulator: IdCardReaderEmulator, command: codec.Command) -> Response:
    return emulator.handle(Request(command.cmd, command.para, command.data))


def state(emulator: IdCardReaderEmulator) -> ReaderState:
    """The state, read through a call so mypy does not narrow the property between steps."""
    return emulator.state


def exchange(served: Served, frame: bytes, timeout: float = 1.0) -> bytes:
    """Send raw bytes, return the raw reply frame."""
    served.port.reset_input_buffer()
    served.port.write(frame)
    decoder = FrameDecoder()
    raw = bytearray()
    served.port.timeout = timeout
    while True:
        chunk = served.port.read(decoder.wanted())
        assert chunk, "no reply"
        raw += chunk
        decoder.feed(chunk)
        if decoder.pop() is not None:
            return bytes(raw)


def test_no_card_state() -> None:
    emulator = IdCardReaderEmulator()
    assert state(emulator) is ReaderState.NO_CARD
    assert ask(emulator, codec.FIND_CARD).sw3 == 0x80
    assert ask(emulator, codec.SELECT_CARD).sw3 == 0x81
    assert ask(emulator, codec.READ_TEXT_PHOTO).sw3 == 0x41
    assert state(emulator) is ReaderState.NO_CARD


def test_full_state_walk_and_reread_quirk() -> None:
    emulator = IdCardReaderEmulator()
    card = synthetic_card(CardKind.RESIDENT, 1)
    emulator.place_card(card)
    assert state(emulator) is ReaderState.CARD_PRESENT
    assert ask(emulator, codec.SELECT_CARD).sw3 == 0x81
    assert ask(emulator, codec.READ_TEXT_PHOTO).sw3 == 0x41
    assert ask(emulator, codec.FIND_CARD) == Response(0, 0, 0x9F, bytes(4))
    assert state(emulator) is ReaderState.FOUND
    assert ask(emulator, codec.FIND_CARD).sw3 == 0x9F
    assert ask(emulator, codec.READ_TEXT_PHOTO).sw3 == 0x41
    assert ask(emulator, codec.SELECT_CARD) == Response(0, 0, 0x90, bytes(8))
    assert state(emulator) is ReaderState.SELECTED
    reply = ask(emulator, codec.READ_TEXT_PHOTO)
    assert reply.sw3 == 0x90
    assert parse_read_payload(reply.data, with_fingerprint=False).text == card.text_block
    assert state(emulator) is ReaderState.READ_DONE
    assert ask(emulator, codec.FIND_CARD).sw3 == 0x80
    assert ask(emulator, codec.SELECT_CARD).sw3 == 0x81
    assert ask(emulator, codec.READ_TEXT_PHOTO).sw3 == 0x41
    emulator.lift_and_replace()
    assert ask(emulator, codec.FIND_CARD).sw3 == 0x9F


def test_removing_the_card_mid_session() -> None:
    emulator = IdCardReaderEmulator()
    emulator.place_card(synthetic_card())
    ask(emulator, codec.FIND_CARD)
    ask(emulator, codec.SELECT_CARD)
    emulator.remove_card()
    assert ask(emulator, codec.READ_TEXT_PHOTO).sw3 == 0x41


@pytest.mark.parametrize(("fingers", "size"), [(0, 1297), (1, 1809), (2, 2321)])
def test_fingerprint_read_sizes(fingers: int, size: int) -> None:
    emulator = IdCardReaderEmulator()
    emulator.place_card(synthetic_card(CardKind.RESIDENT, 2, fingerprints=fingers))
    ask(emulator, codec.FIND_CARD)
    ask(emulator, codec.SELECT_CARD)
    reply = ask(emulator, codec.READ_TEXT_PHOTO_FINGERPRINT)
    assert len(reply.to_bytes()) == size
    assert reply.data[4:6] == (512 * fingers).to_bytes(2, "big")


def test_other_commands() -> None:
    emulator = IdCardReaderEmulator(sam_id=bytes(range(16)))
    assert ask(emulator, codec.SAM_STATUS).to_bytes() == bytes.fromhex(
        "AA AA AA 96 69 00 04 00 00 90 94"
    )
    assert ask(emulator, codec.RESET_SAM).sw3 == 0x90
    assert ask(emulator, codec.SAM_ID) == Response(0, 0, 0x90, bytes(range(16)))
    assert len(ask(emulator, codec.SAM_ID).to_bytes()) == 27
    for baud in codec.BAUD_PARA:
        assert ask(emulator, codec.set_baud(baud)).sw3 == 0x90
    assert ask(emulator, codec.set_max_rf_bytes(80)).sw3 == 0x90
    assert ask(emulator, codec.Command(0x61, 0xFF)).sw3 == 0x21
    assert ask(emulator, codec.Command(0x60, 0x05)).sw3 == 0x21
    assert ask(emulator, codec.Command(0x20, 0x01, b"\x00")).sw3 == 0x21
    assert ask(emulator, codec.Command(0x42, 0x42)).sw3 == 0x21
    assert ask(emulator, codec.READ_APPENDED_ADDRESS).sw3 == 0x41


def test_appended_address() -> None:
    emulator = IdCardReaderEmulator()
    card = synthetic_card()
    emulator.place_card(card)
    ask(emulator, codec.FIND_CARD)
    ask(emulator, codec.SELECT_CARD)
    assert ask(emulator, codec.READ_APPENDED_ADDRESS).sw3 == 0x91
    moved = SyntheticCard(card.record, card.photo, appended_address="北京市东城区新址路1号")
    emulator.place_card(moved)
    ask(emulator, codec.FIND_CARD)
    ask(emulator, codec.SELECT_CARD)
    reply = ask(emulator, codec.READ_APPENDED_ADDRESS)
    assert reply.sw3 == 0x90
    assert len(reply.data) == 70
    assert reply.data.decode("utf-16-le").rstrip() == "北京市东城区新址路1号"


def test_reset_ends_the_card_session_but_not_the_quirk() -> None:
    emulator = IdCardReaderEmulator()
    emulator.place_card(synthetic_card())
    ask(emulator, codec.FIND_CARD)
    ask(emulator, codec.RESET_SAM)
    assert state(emulator) is ReaderState.CARD_PRESENT
    ask(emulator, codec.FIND_CARD)
    ask(emulator, codec.SELECT_CARD)
    ask(emulator, codec.READ_TEXT_PHOTO)
    ask(emulator, codec.RESET_SAM)
    assert state(emulator) is ReaderState.READ_DONE


@pytest.mark.parametrize(("fault", "sw3"), [(Fault.SAM_FAULT, 0x60), (Fault.UNAUTHORIZED, 0x66)])
def test_status_faults_answer_every_command(fault: Fault, sw3: int) -> None:
    emulator = IdCardReaderEmulator()
    emulator.place_card(synthetic_card())
    emulator.inject(fault)
    for command in (codec.SAM_STATUS, codec.FIND_CARD, codec.SELECT_CARD, codec.READ_TEXT_PHOTO):
        assert ask(emulator, command) == Response(0, 0, sw3)
    emulator.clear_faults()
    assert ask(emulator, codec.FIND_CARD).sw3 == 0x9F


def test_no_card_fault_counts_down() -> None:
    emulator = IdCardReaderEmulator()
    emulator.place_card(synthetic_card())
    emulator.inject(Fault.NO_CARD, times=1)
    assert ask(emulator, codec.FIND_CARD).sw3 == 0x80
    assert ask(emulator, codec.FIND_CARD).sw3 == 0x9F


# --------------------------------------------------------------------------- over the wire


def test_golden_replies_over_the_wire(served: Served) -> None:
    assert exchange(served, codec.SAM_STATUS.frame) == bytes.fromhex(
        "AA AA AA 96 69 00 04 00 00 90 94"
    )
    assert exchange(served, codec.FIND_CARD.frame) == bytes.fromhex(
        "AA AA AA 96 69 00 04 00 00 80 84"
    )
    assert exchange(served, codec.SELECT_CARD.frame) == bytes.fromhex(
        "AA AA AA 96 69 00 04 00 00 81 85"
    )
    assert exchange(served, codec.READ_TEXT_PHOTO.frame) == bytes.fromhex(
        "AA AA AA 96 69 00 04 00 00 41 45"
    )
    served.emulator.place_card(synthetic_card(CardKind.RESIDENT, 9))
    assert exchange(served, codec.FIND_CARD.frame) == bytes.fromhex(
        "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"
    )
    assert exchange(served, codec.SELECT_CARD.frame) == bytes.fromhex(
        "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"
    )
    reply = exchange(served, codec.READ_TEXT_PHOTO.frame)
    assert len(reply) == 1295
    assert reply[:14] == bytes.fromhex("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    served.emulator.inject(Fault.SAM_FAULT, times=1)
    assert exchange(served, codec.SAM_STATUS.frame) == bytes.fromhex(
        "AA AA AA 96 69 00 04 00 00 60 64"
    )


def test_bad_xor_gets_10(served: Served) -> None:
    frame = bytearray(codec.FIND_CARD.frame)
    frame[-1] ^= 1
    assert exchange(served, bytes(frame)) == codec.build_response(0x10)


def test_truncated_request_gets_11(served: Served) -> None:
    assert exchange(served, codec.FIND_CARD.frame[:-2]) == codec.build_response(0x11)


def test_impossible_length_gets_11(served: Served) -> None:
    assert exchange(served, bytes.fromhex("AA AA AA 96 69 00 01 00")) == codec.build_response(0x11)


def test_unknown_command_gets_21(served: Served) -> None:
    assert exchange(served, codec.build_request(0x99, 0x99)) == codec.build_response(0x21)


def test_request_split_into_single_bytes(served: Served) -> None:
    for byte in codec.SAM_STATUS.frame:
        served.host.write(bytes([byte]))
    served.port.timeout = 1.0
    assert served.port.read(11) == codec.build_response(0x90)


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        (Fault.BAD_CHECKSUM, lambda good, got: got[:-1] == good[:-1] and got[-1] != good[-1]),
        (Fault.CORRUPT_BYTE, lambda good, got: got[10] == good[10] ^ 0xFF),
        (Fault.DROP_BYTES, lambda good, got: got == good[:10] + good[11:]),
        (Fault.GARBAGE, lambda good, got: got.endswith(good) and len(got) == len(good) + 1),
    ],
)
def test_wire_faults_shape_the_reply(fault: Fault, check: object) -> None:
    emulator = IdCardReaderEmulator()
    emulator.inject(fault, times=1)
    request = Request(0x11, 0xFF)
    good = codec.build_response(0x90)
    got = emulator.wire_reply(request, emulator.handle(request))
    assert callable(check)
    assert check(good, got)
    assert emulator.wire_reply(request, emulator.handle(request)) == good


def test_silent_fault_and_targeted_faults() -> None:
    emulator = IdCardReaderEmulator()
    emulator.inject(Fault.SILENT, times=1, on=codec.FIND_CARD)
    status = Request(0x11, 0xFF)
    find = Request(0x20, 0x01)
    assert emulator.wire_reply(status, emulator.handle(status)) == codec.build_response(0x90)
    assert emulator.wire_reply(find, emulator.handle(find)) == b""
    assert emulator.wire_reply(find, emulator.handle(find)) == codec.build_response(0x80)
    assert emulator.requests() == [status, find, find]


def test_is_a_link_emulator() -> None:
    emulator: Emulator = IdCardReaderEmulator()  # checked by mypy
    assert callable(emulator.serve)


def test_from_params() -> None:
    emulator = IdCardReaderEmulator.from_params(
        {"card": "Y", "seed": "3", "fingerprints": "1", "rf_delay": "0.25"}
    )
    assert emulator.rf_delay == 0.25
    assert emulator.card == synthetic_card(CardKind.FOREIGNER_2023, 3, fingerprints=1)
    assert IdCardReaderEmulator.from_params({}).card is None
    with pytest.raises(ValueError):
        IdCardReaderEmulator.from_params({"colour": "red"})
    with pytest.raises(ValueError):
        IdCardReaderEmulator.from_params({"card": "passport"})
