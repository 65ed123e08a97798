"""Whatever bytes come back, the driver raises only its typed errors (fake port, fake clock),
and it works unchanged over a real pyserial port opened by `emu-idcard://` URL."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.idcard import codec
from hardware.idcard.driver import IdCardReader, Timeouts
from hardware.idcard.emulator import synthetic_card
from hardware.idcard.errors import IdCardError, ReaderTimeoutError
from hardware.idcard.payload import build_read_payload
from hardware.idcard.tables import CardKind


class ScriptedPort:
    """Replies with scripted bytes; an empty read advances a fake clock by the timeout."""

    def __init__(self, replies: list[bytes]) -> None:
        self.replies = list(replies)
        self.pending = b""
        self.now = 0.0
        self.timeout: float | None = None

    def clock(self) -> float:
        return self.now

    def write(self, data: bytes, /) -> int:
        self.pending += self.replies.pop(0) if self.replies else b""
        return len(data)

    def read(self, size: int = 1, /) -> bytes:
        out, self.pending = self.pending[:size], self.pending[size:]
        if len(out) < size:
            self.now += self.timeout or 0.0  # pyserial waited the whole timeout
        return out

    def reset_input_buffer(self) -> None:
        self.pending = b""


def good_replies() -> list[bytes]:
    card = synthetic_card(CardKind.RESIDENT, 1)
    return [
        codec.build_response(0x9F, bytes(4)),
        codec.build_response(0x90, bytes(8)),
        codec.build_response(0x90, build_read_payload(card.text_block, card.photo)),
    ]


def test_scripted_happy_path() -> None:
    port = ScriptedPort(good_replies())
    reader = IdCardReader(port, clock=port.clock)
    assert reader.read_card().record == synthetic_card(CardKind.RESIDENT, 1).record


def test_timeout_without_waiting() -> None:
    port = ScriptedPort([])
    with pytest.raises(ReaderTimeoutError):
        IdCardReader(port, clock=port.clock, retries=3).check_status()
    assert port.now >= 4 * Timeouts().status


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=64),
            st.sampled_from(good_replies()),
            st.builds(
                lambda frame, index, value: frame[:index] + bytes([value]) + frame[index + 1 :],
                st.sampled_from(good_replies()),
                st.integers(0, 1400),
                st.integers(0, 255),
            ),
            st.builds(codec.build_response, st.integers(0, 255), st.binary(max_size=40)),
        ),
        max_size=8,
    ),
    st.booleans(),
)
def test_any_reply_gives_a_record_or_a_typed_error(replies: list[bytes], finger: bool) -> None:
    port = ScriptedPort(replies)
    reader = IdCardReader(port, clock=port.clock, retries=1)
    try:
        reader.read_card(fingerprint=finger)
    except IdCardError as error:  # anything else fails the test
        message = error.message
    else:
        message = "read"
    assert message


def test_over_a_pyserial_url() -> None:
    serial = pytest.importorskip("serial")
    pytest.importorskip("hardware.urlhandlers")
    port = serial.serial_for_url("emu-idcard://?card=hmt&seed=5", timeout=1.0)
    try:
        reader = IdCardReader(port)
        reader.check_status()
        assert reader.read_card().record == synthetic_card(CardKind.HMT_RESIDENCE, 5).record
    finally:
        port.close()
