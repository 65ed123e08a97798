"""The driver against the emulator over a real pseudo-terminal: real bytes through a tty.

The in-process tests (test_driver.py) cover every branch quickly; these repeat the user's
path — a port opened by path with pyserial, the emulator behind a pty — for a read, the
lift-and-replace quirk, and every fault mode with its typed error and the recovery after it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from hardware.idcard import codec
from hardware.idcard.driver import IdCardReader, Timeouts, open_reader
from hardware.idcard.emulator import Fault, IdCardReaderEmulator
from hardware.idcard.errors import (
    CardNotReplacedError,
    FrameChecksumError,
    IdCardError,
    NoCardError,
    ReaderTimeoutError,
    SamFaultError,
    SamUnauthorizedError,
)
from hardware.idcard.payload import build_read_payload
from hardware.idcard.synthetic import synthetic_card
from hardware.idcard.tables import CardKind
from hardware.pty import serve_on_pty
from hardware.transport import open_port

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")
FAST = Timeouts(status=0.3, find=0.3, select=0.3, read=0.8)


@dataclass
class OnPty:
    emulator: IdCardReaderEmulator
    reader: IdCardReader


@pytest.fixture
def on_pty() -> Iterator[OnPty]:
    emulator = IdCardReaderEmulator()
    with serve_on_pty(emulator) as server:
        port = open_port(server.path, baudrate=115200, timeout=0.05)
        try:
            yield OnPty(emulator, IdCardReader(port, timeouts=FAST, retries=1))
        finally:
            port.close()


@pytest.mark.parametrize("kind", list(CardKind))
def test_place_card_read_and_reread_quirk(on_pty: OnPty, kind: CardKind) -> None:
    card = synthetic_card(kind, 5)
    with pytest.raises(NoCardError):
        on_pty.reader.read_card()
    on_pty.emulator.place_card(card)
    assert on_pty.reader.read_card().record == card.record
    with pytest.raises(CardNotReplacedError):
        on_pty.reader.read_card()
    on_pty.emulator.lift_and_replace()
    assert on_pty.reader.read_card().record == card.record


@pytest.mark.parametrize(
    ("fault", "options", "error"),
    [
        (Fault.SAM_FAULT, {}, SamFaultError),
        (Fault.UNAUTHORIZED, {}, SamUnauthorizedError),
        (Fault.NO_CARD, {}, NoCardError),
        (Fault.BAD_CHECKSUM, {}, FrameChecksumError),
        (Fault.CORRUPT_BYTE, {"offset": 10}, FrameChecksumError),
        (Fault.DROP_BYTES, {"offset": 8, "count": 2}, ReaderTimeoutError),
        (Fault.SILENT, {}, ReaderTimeoutError),
    ],
)
def test_every_fault_gives_its_typed_error_and_the_driver_recovers(
    on_pty: OnPty, fault: Fault, options: dict[str, Any], error: type[IdCardError]
) -> None:
    card = synthetic_card(CardKind.RESIDENT, 9)
    on_pty.emulator.place_card(card)
    on_pty.emulator.inject(fault, **options)
    with pytest.raises(error) as caught:
        on_pty.reader.read_card()
    assert caught.value.message  # what the officer is told
    on_pty.emulator.clear_faults()
    assert on_pty.reader.read_card().record == card.record


def test_garbage_before_replies_is_skipped(on_pty: OnPty) -> None:
    card = synthetic_card(CardKind.FOREIGNER_2023, 4)
    on_pty.emulator.place_card(card)
    on_pty.emulator.inject(Fault.GARBAGE, count=40)
    assert on_pty.reader.read_card().record == card.record


def test_a_read_over_a_line_paced_at_115200_baud() -> None:
    # Bytes arrive in UART-sized bursts over ~110 ms instead of at once: the driver assembles
    # the frames from them, and the line carried exactly one find -> select -> read.
    emulator = IdCardReaderEmulator()
    card = synthetic_card(CardKind.FOREIGNER_2023, 3)
    emulator.place_card(card)
    with serve_on_pty(emulator, baudrate=115200) as server:
        with open_reader(server.path) as reader:
            assert reader.read_card().record == card.record
        assert server.line is not None
        requests = [codec.FIND_CARD.frame, codec.SELECT_CARD.frame, codec.READ_TEXT_PHOTO.frame]
        assert server.line.received == sum(len(frame) for frame in requests)
        replies = [
            codec.build_response(codec.SW_FOUND, card.iin),
            codec.build_response(codec.SW_OK, card.sn),
            codec.build_response(codec.SW_OK, build_read_payload(card.text_block, card.photo)),
        ]
        assert server.line.sent == sum(len(frame) for frame in replies)
