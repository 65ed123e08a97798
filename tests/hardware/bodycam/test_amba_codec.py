"""The Amba-style `@Cmd;len;arg;#` frames: round trips, noise, and every malformed shape."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.bodycam.amba_codec import (
    MAX_FRAME,
    Answer,
    AnswerDecoder,
    FrameError,
    Request,
    RequestDecoder,
    encode_answer,
    encode_refusal,
    encode_request,
)
from hardware.bodycam.errors import MalformedReplyError


def test_request_bytes_are_as_documented() -> None:
    assert encode_request("Ver", b"00000000") == b"@Ver;8;00000000;#"
    assert encode_request("Lck") == b"@Lck;0;;#"


def test_reply_bytes_are_as_documented() -> None:
    assert encode_answer("Ver", b"EMU01") == b"@Ver;OK;5;EMU01;#"
    assert b"Ver;OK" in encode_answer("Ver", b"EMU01")  # what public code checks for a login
    assert encode_refusal("Gdv", 4) == b"@Gdv;NG;1;4;#"


def test_request_and_answer_round_trip() -> None:
    requests = RequestDecoder()
    requests.feed(encode_request("Wdv", b"000000,31323334") + b"\r\n" + encode_request("Bye"))
    assert requests.pop() == Request("Wdv", b"000000,31323334")
    assert requests.pop() == Request("Bye", b"")
    assert requests.pop() is None
    answers = AnswerDecoder()
    answers.feed(encode_answer("Res", b"1920x1080") + encode_refusal("Bat", 4))
    assert answers.pop() == Answer("Res", True, b"1920x1080")
    assert answers.pop() == Answer("Bat", False, b"4")


@given(cmd=st.sampled_from(["Ver", "Gdv", "Wdv", "ATH", "X1"]),
       payload=st.binary(max_size=300), split=st.integers(min_value=0, max_value=400))
def test_payload_may_hold_separators_and_arrive_in_pieces(cmd: str, payload: bytes,
                                                          split: int) -> None:
    frame = encode_answer(cmd, payload)
    decoder = AnswerDecoder()
    decoder.feed(b"\r\nnoise" + frame[:split])
    if split < len(frame):
        assert decoder.pop() is None
        assert decoder.partial == (split > 0)
    decoder.feed(frame[split:])
    assert decoder.pop() == Answer(cmd, True, payload)
    assert not decoder.partial


def test_garbage_before_a_frame_is_skipped() -> None:
    decoder = RequestDecoder()
    decoder.feed(b"\x00\xff#;;junk\r\n")
    assert decoder.pop() is None
    assert not decoder.partial
    decoder.feed(b"more\n@Gtm;6;000000;#\r\n")
    assert decoder.pop() == Request("Gtm", b"000000")


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        (b"@Ver;x8;00000000;#", "malformed"),  # length not decimal
        (b"@Ver;;00000000;#", "malformed"),  # length missing
        (b"@Ver;-8;00000000;#", "malformed"),
        (b"@Ver;4;00000000;#", "malformed"),  # the length ends before ';#'
        (b"@V r;8;00000000;#", "malformed"),  # command with a space
        (b"@VeryLongCommand;0;;#", "malformed"),
        (b"@Ver;8;00000000:#", "malformed"),  # something else where ';' belongs
        (b"@Ver;9999;", "too long"),
        (b"@Ver;1234567890;", "malformed"),  # the length field itself is too long
    ],
)
def test_malformed_requests_raise_a_translated_typed_error(wire: bytes, message: str) -> None:
    decoder = RequestDecoder()
    decoder.feed(wire)
    with pytest.raises(FrameError) as info:
        decoder.pop()
    assert isinstance(info.value, MalformedReplyError)
    assert message in info.value.message
    assert info.value.detail


def test_bad_status_is_malformed() -> None:
    decoder = AnswerDecoder()
    decoder.feed(b"@Ver;OX;0;;#")
    with pytest.raises(FrameError):
        decoder.pop()


def test_decoding_recovers_at_the_next_frame_after_an_error() -> None:
    decoder = RequestDecoder()
    decoder.feed(b"@Ver;4;00000000;#@Bat;6;000000;#")
    with pytest.raises(FrameError):
        decoder.pop()
    assert decoder.pop() == Request("Bat", b"000000")


def test_truncated_frame_waits_then_is_discarded() -> None:
    decoder = RequestDecoder()
    decoder.feed(b"@Gdv;6;000")
    assert decoder.pop() is None
    assert decoder.partial
    decoder.discard()
    decoder.feed(b"@Bye;0;;#")
    assert decoder.pop() == Request("Bye", b"")


def test_oversize_is_refused_before_the_payload_arrives() -> None:
    decoder = AnswerDecoder()
    decoder.feed(b"@ATH;OK;" + str(MAX_FRAME).encode() + b";")
    with pytest.raises(FrameError, match="too long"):
        decoder.pop()


def test_encoding_refuses_what_it_could_not_frame() -> None:
    with pytest.raises(ValueError):
        encode_request("V;r")
    with pytest.raises(ValueError):
        encode_answer("ATH", b"x" * MAX_FRAME)
