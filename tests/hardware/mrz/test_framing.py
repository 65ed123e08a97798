"""Framing decoders: split chunks, garbage, truncated frames and keystroke timing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from hardware.mrz.framing import (
    DeskoDecoder,
    ThreeMDecoder,
    WedgeDecoder,
    encode_3m,
    encode_desko,
    encode_wedge,
)

TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _feed_all(decoder: DeskoDecoder | ThreeMDecoder, pieces: Sequence[bytes]) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        out += decoder.feed(piece)
    return out


def test_desko_bytes_match_the_documented_frame() -> None:
    data = encode_desko(TD1, sod=0x1C, eod=0x1D)
    assert data == b"\x1c\x02" + b"\r".join(s.encode() for s in TD1) + b"\r\x03\x1d"


def test_3m_frame_is_bottom_aligned_and_underscore_padded() -> None:
    data = encode_3m(["P<UTO"])
    payload = data[6 : data.index(b"\x03", 6)]
    assert payload == b"\r\r" + b"P<UTO".ljust(44, b"_") + b"\r"
    assert data[:1] == b"\x01"
    assert data[2:5] == b"OU\x02"


@pytest.mark.parametrize("size", [1, 2, 3, 7, 50, 1000])
@pytest.mark.parametrize("lines", [TD3, TD1])
def test_desko_any_chunking(size: int, lines: tuple[str, ...]) -> None:
    data = encode_desko(lines) * 2
    assert _feed_all(DeskoDecoder(), _chunks(data, size)) == ["\n".join(lines)] * 2


@pytest.mark.parametrize("size", [1, 2, 3, 7, 50, 1000])
@pytest.mark.parametrize("lines", [TD3, TD1])
def test_3m_any_chunking_strips_padding(size: int, lines: tuple[str, ...]) -> None:
    data = encode_3m(lines) * 2
    decoder = ThreeMDecoder(verify_bcc=True)
    assert _feed_all(decoder, _chunks(data, size)) == ["\n".join(lines)] * 2


def test_3m_two_line_td2_is_not_stretched_to_44() -> None:
    td2 = ("I<UTOCHEN<<LI<NA".ljust(36, "<"), "U259791908UTO0308094<3504071<<<<<<<0")
    (text,) = ThreeMDecoder().feed(encode_3m(td2))
    assert [len(line) for line in text.split("\n")] == [36, 36]


def test_desko_resyncs_after_garbage_and_truncation() -> None:
    good = encode_desko(TD3)
    truncated = good[:30]
    garbage = b"\x00\xff\x03ABC\r\x1d\x7f"
    data = garbage + truncated + garbage + good + b"\x02" + b"\xfe" * 3 + b"\x03" + good
    for size in (1, 5, len(data)):
        assert _feed_all(DeskoDecoder(), _chunks(data, size)) == ["\n".join(TD3)] * 2


def test_desko_drops_overlong_frames() -> None:
    data = b"\x02" + b"A" * 500 + b"\x03" + encode_desko(TD1)
    assert DeskoDecoder().feed(data) == ["\n".join(TD1)]


def test_3m_resyncs_after_garbage_and_truncation() -> None:
    good = encode_3m(TD1)
    # A bad header, a frame cut off by the next SOH, and junk with a stray ETX between frames.
    data = b"\x03\x01\x01XX" + good[:40] + good + b"junk\x03\x01" + good
    for size in (1, 4, len(data)):
        assert _feed_all(ThreeMDecoder(), _chunks(data, size)) == ["\n".join(TD1)] * 2


def test_3m_bad_bcc_is_dropped_only_when_verifying() -> None:
    bad = bytearray(encode_3m(TD3))
    bad[-1] ^= 0x55
    assert ThreeMDecoder(verify_bcc=True).feed(bytes(bad)) == []
    assert ThreeMDecoder().feed(bytes(bad)) == ["\n".join(TD3)]


def test_3m_waits_for_bcc_byte() -> None:
    data = encode_3m(TD3)
    decoder = ThreeMDecoder()
    assert decoder.feed(data[:-1]) == []
    assert decoder.feed(data[-1:]) == ["\n".join(TD3)]


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"])
@pytest.mark.parametrize("lines", [TD3, TD1])
def test_wedge_lines_with_any_line_break(newline: str, lines: tuple[str, ...]) -> None:
    text = "".join(line + newline for line in lines)
    decoder = WedgeDecoder()
    out: list[str] = []
    for ch in text:
        out += decoder.feed(ch)
    assert out == ["\n".join(lines)]


def test_wedge_accepts_bytes_and_final_line_without_break() -> None:
    decoder = WedgeDecoder()
    assert decoder.feed(encode_wedge(TD3)[:-1]) == []
    assert decoder.flush() == ["\n".join(TD3)]


def test_wedge_ignores_typing_and_half_swipes() -> None:
    noise = "hello\r" + TD3[0] + "\r" + TD1[0] + "\r" + TD1[1] + "\rsome notes\r"
    text = noise + "\r".join(TD1) + "\r" + "\r".join(TD3) + "\r"
    assert WedgeDecoder().feed(text) == ["\n".join(TD1), "\n".join(TD3)]


def test_wedge_new_upper_line_restarts_a_zone() -> None:
    other = "P<UTOTESTER<<JIAN".ljust(44, "<")
    text = other + "\r" + "\r".join(TD3) + "\r"
    assert WedgeDecoder().feed(text) == ["\n".join(TD3)]


def test_wedge_gap_discards_a_stalled_zone() -> None:
    decoder = WedgeDecoder(max_gap=0.5)
    assert decoder.feed(TD1[0] + "\r" + TD1[1] + "\r", at=10.0) == []
    # A long pause, then a fresh swipe: the old two lines must not be completed by it.
    assert decoder.feed(TD1[2] + "\r", at=20.0) == []
    text = "\r".join(TD1) + "\r"
    assert decoder.feed(text[:40], at=20.1) == []
    assert decoder.feed(text[40:], at=20.2) == ["\n".join(TD1)]


def test_wedge_overlong_run_is_not_mrz() -> None:
    decoder = WedgeDecoder()
    assert decoder.feed("X" * 200 + "\r") == []
    assert decoder.feed("\r".join(TD3) + "\r") == ["\n".join(TD3)]
