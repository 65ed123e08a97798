"""Golden vectors of the SAM frame codec (§1.2-1.5) and the decoder's resynchronisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.idcard import codec
from hardware.idcard.errors import BadFrameError, FrameChecksumError, FrameLengthError, IdCardError


def h(text: str) -> bytes:
    return bytes.fromhex(text)


REQUESTS = [
    (codec.RESET_SAM, "AA AA AA 96 69 00 03 10 FF EC"),
    (codec.SAM_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
    (codec.SAM_ID, "AA AA AA 96 69 00 03 12 FF EE"),
    (codec.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
    (codec.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
    (codec.READ_TEXT_PHOTO, "AA AA AA 96 69 00 03 30 01 32"),
    (codec.READ_APPENDED_ADDRESS, "AA AA AA 96 69 00 03 30 03 30"),
    (codec.READ_TEXT_PHOTO_FINGERPRINT, "AA AA AA 96 69 00 03 30 10 23"),
    (codec.set_baud(115200), "AA AA AA 96 69 00 03 60 00 63"),
    (codec.set_max_rf_bytes(0x50), "AA AA AA 96 69 00 04 61 FF 50 CA"),
]


@pytest.mark.parametrize(("command", "expected"), REQUESTS)
def test_request_frames_are_byte_exact(command: codec.Command, expected: str) -> None:
    assert command.frame == h(expected)


@pytest.mark.parametrize(("baud", "para"), sorted(codec.BAUD_PARA.items()))
def test_baud_commands(baud: int, para: int) -> None:
    frame = codec.set_baud(baud).frame
    assert frame[7:9] == bytes([0x60, para])
    assert frame[-1] == 0x00 ^ 0x03 ^ 0x60 ^ para


def test_forum_checksum_is_wrong_and_ours_is_right() -> None:
    # §1.2: a public sample ends the find command with 21; the right value is 22.
    assert codec.FIND_CARD.frame[-1] == 0x22


REPLIES = [
    ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, b""),
    ("AA AA AA 96 69 00 04 00 00 60 64", 0x60, b""),
    ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, bytes(4)),
    ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, b""),
    ("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", 0x90, bytes(8)),
    ("AA AA AA 96 69 00 04 00 00 81 85", 0x81, b""),
    ("AA AA AA 96 69 00 04 00 00 41 45", 0x41, b""),
]


@pytest.mark.parametrize(("wire", "sw3", "data"), REPLIES)
def test_replies_build_and_decode(wire: str, sw3: int, data: bytes) -> None:
    assert codec.build_response(sw3, data) == h(wire)
    decoder = codec.FrameDecoder()
    decoder.feed(h(wire))
    assert list(decoder) == [codec.Response(0, 0, sw3, data)]
    assert not decoder.has_partial()


@pytest.mark.parametrize(("wire", "sw3", "data"), REPLIES)
def test_replies_decode_one_byte_at_a_time(wire: str, sw3: int, data: bytes) -> None:
    decoder = codec.FrameDecoder()
    frames: list[codec.Response] = []
    for byte in h(wire):
        assert decoder.wanted() >= 1
        decoder.feed(bytes([byte]))
        frames.extend(decoder)
    assert frames == [codec.Response(0, 0, sw3, data)]


def test_garbage_before_preamble_is_skipped() -> None:
    decoder = codec.FrameDecoder()
    decoder.feed(b"\x00\xaa\xaa\x13\xaa\xaa\xaa\x96" + h("69 00 04 00 00 80 84"))
    assert list(decoder) == [codec.Response(0, 0, 0x80)]


def test_bad_checksum_raises_then_resumes() -> None:
    decoder = codec.FrameDecoder()
    decoder.feed(h("AA AA AA 96 69 00 04 00 00 90 95") + h("AA AA AA 96 69 00 04 00 00 80 84"))
    with pytest.raises(FrameChecksumError):
        decoder.pop()
    assert decoder.pop() == codec.Response(0, 0, 0x80)


def test_impossible_length_raises_then_resumes() -> None:
    decoder = codec.FrameDecoder()
    decoder.feed(h("AA AA AA 96 69 00 01") + h("AA AA AA 96 69 00 04 00 00 90 94"))
    with pytest.raises(FrameLengthError):
        decoder.pop()
    assert decoder.pop() == codec.Response(0, 0, 0x90)


def test_truncated_frame_stays_pending() -> None:
    decoder = codec.FrameDecoder()
    decoder.feed(h("AA AA AA 96 69 00 08 00 00 9F 00"))
    assert decoder.pop() is None
    assert decoder.has_partial()
    assert decoder.wanted() == 4


def test_request_decoder_reads_requests() -> None:
    decoder = codec.RequestDecoder()
    decoder.feed(b"".join(command.frame for command, _ in REQUESTS))
    decoded = list(decoder)
    assert decoded == [codec.Request(c.cmd, c.para, c.data) for c, _ in REQUESTS]


def test_read_reply_header_is_literal() -> None:
    body = (256).to_bytes(2, "big") + (1024).to_bytes(2, "big") + bytes(1280)
    frame = codec.build_response(0x90, body)
    assert len(frame) == 1295
    assert frame[:14] == h("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")


def test_unsupported_commands_are_refused_at_build_time() -> None:
    with pytest.raises(ValueError):
        codec.set_baud(4800)
    with pytest.raises(ValueError):
        codec.set_max_rf_bytes(256)


@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_typed_errors(data: bytes) -> None:
    for decoder in (codec.FrameDecoder(), codec.RequestDecoder()):
        decoder.feed(data)
        for _attempt in range(len(data) + 2):
            try:
                if decoder.pop() is None:
                    break
            except BadFrameError:
                continue
            except IdCardError:  # pragma: no cover - would be a wrong error type
                raise


responses = st.builds(
    codec.Response,
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.binary(max_size=300),
)


@given(
    st.lists(responses, min_size=1, max_size=4),
    st.binary(max_size=20),
    st.lists(st.integers(1, 64), min_size=1, max_size=50),
)
def test_frames_round_trip_through_any_chunking(
    frames: list[codec.Response], garbage: bytes, cuts: list[int]
) -> None:
    # Garbage must not end in a preamble prefix that could swallow the first frame's start
    # into a bogus frame; strip AA so resync is unambiguous.
    wire = garbage.replace(b"\xaa", b"") + b"".join(frame.to_bytes() for frame in frames)
    decoder = codec.FrameDecoder()
    got: list[codec.Response] = []
    position = 0
    index = 0
    while position < len(wire):
        size = cuts[index % len(cuts)]
        index += 1
        decoder.feed(wire[position : position + size])
        position += size
        got.extend(decoder)
    assert got == frames
    assert not decoder.has_partial()


requests = st.builds(
    codec.Request, st.integers(0, 255), st.integers(0, 255), st.binary(max_size=200)
)


@given(st.lists(requests, min_size=1, max_size=4), st.integers(1, 16))
def test_requests_round_trip_through_any_chunking(frames: list[codec.Request], size: int) -> None:
    wire = b"".join(codec.build_request(r.cmd, r.para, r.data) for r in frames)
    decoder = codec.RequestDecoder()
    got: list[codec.Request] = []
    for start in range(0, len(wire), size):
        decoder.feed(wire[start : start + size])
        got.extend(decoder)
    assert got == frames


@given(st.binary(max_size=5000))
def test_checksum_is_the_xor_of_every_byte(data: bytes) -> None:
    expected = 0
    for byte in data:
        expected ^= byte
    assert codec.xor_checksum(data) == expected
