"""The driver against the in-process emulator: reads, the re-read quirk, faults and recovery."""

from __future__ import annotations

import pytest

from hardware.errors import PortError
from hardware.idcard import codec
from hardware.idcard.driver import DriverState, IdCardReader, Timeouts
from hardware.idcard.emulator import Fault, ReaderState, synthetic_card
from hardware.idcard.errors import (
    CardNotReplacedError,
    CommandError,
    FrameChecksumError,
    IdCardError,
    MalformedPayloadError,
    NoCardError,
    ReaderTimeoutError,
    ReadFailedError,
    SamFaultError,
    SamUnauthorizedError,
    SelectFailedError,
    TransportError,
    UnexpectedStatusError,
)
from hardware.idcard.synthetic import SyntheticCard
from hardware.idcard.tables import CardKind
from tests.hardware.idcard.conftest import Served

# Successes never wait for a timeout, so they get roomy ones (a loaded CI machine stays green);
# tests that must run into a timeout use the short ones.
ROOMY = Timeouts(status=2.0, find=2.0, select=2.0, read=3.0)
FAST = Timeouts(status=0.3, find=0.3, select=0.3, read=0.5)


def make_reader(served: Served, retries: int = 2, timeouts: Timeouts = ROOMY) -> IdCardReader:
    return IdCardReader(served.port, timeouts=timeouts, retries=retries)


@pytest.mark.parametrize("kind", list(CardKind))
def test_place_card_and_read(served: Served, kind: CardKind) -> None:
    reader = make_reader(served)
    reader.check_status()
    card = synthetic_card(kind, 11)
    served.emulator.place_card(card)
    read = reader.read_card()
    assert read.record == card.record
    assert read.record.warnings == ()
    assert read.photo == card.photo
    assert read.text_block == card.text_block
    assert read.fingerprint is None
    assert read.card_iin == bytes(4)
    assert read.card_sn == bytes(8)
    assert reader.state is DriverState.AWAITING_LIFT
    assert served.port.written == [
        codec.SAM_STATUS.frame,
        codec.FIND_CARD.frame,
        codec.SELECT_CARD.frame,
        codec.READ_TEXT_PHOTO.frame,
    ]


@pytest.mark.parametrize("fingers", [0, 1, 2])
def test_read_with_fingerprints(served: Served, fingers: int) -> None:
    reader = make_reader(served)
    card = synthetic_card(CardKind.RESIDENT, 12, fingerprints=fingers)
    served.emulator.place_card(card)
    read = reader.read_card(fingerprint=True)
    assert read.record == card.record
    assert read.fingerprint == (card.fingerprint or None)
    assert len(read.fingerprint_templates) == fingers


def test_no_card_then_place(served: Served) -> None:
    reader = make_reader(served)
    with pytest.raises(NoCardError) as caught:
        reader.read_card()
    assert not isinstance(caught.value, CardNotReplacedError)
    assert caught.value.message == "No card on the reader. Place the ID card on the reader."
    served.emulator.place_card(synthetic_card(CardKind.RESIDENT, 1))
    assert reader.read_card().record.id_number.startswith("110101")


def test_reread_quirk(served: Served) -> None:
    reader = make_reader(served)
    card = synthetic_card(CardKind.RESIDENT, 2)
    served.emulator.place_card(card)
    reader.read_card()
    with pytest.raises(CardNotReplacedError) as caught:
        reader.read_card()
    assert isinstance(caught.value, NoCardError)  # a poller can treat it as "no card"
    assert "place it again" in caught.value.message
    served.emulator.lift_and_replace()
    assert reader.read_card().record == card.record
    served.emulator.remove_card()
    other = synthetic_card(CardKind.HMT_RESIDENCE, 3)
    served.emulator.place_card(other)
    assert reader.read_card().record == other.record


@pytest.mark.parametrize(
    ("fault", "error"),
    [(Fault.SAM_FAULT, SamFaultError), (Fault.UNAUTHORIZED, SamUnauthorizedError)],
)
def test_sam_faults_and_recovery(served: Served, fault: Fault, error: type[IdCardError]) -> None:
    reader = make_reader(served)
    served.emulator.place_card(synthetic_card())
    served.emulator.inject(fault)
    with pytest.raises(error):
        reader.check_status()
    with pytest.raises(error):
        reader.read_card()
    served.emulator.clear_faults()
    reader.check_status()
    assert reader.read_card().record == synthetic_card().record


def test_no_card_fault_and_recovery(served: Served) -> None:
    reader = make_reader(served)
    served.emulator.place_card(synthetic_card())
    served.emulator.inject(Fault.NO_CARD)
    with pytest.raises(NoCardError):
        reader.read_card()
    served.emulator.clear_faults()
    assert reader.read_card().record == synthetic_card().record


@pytest.mark.parametrize(
    ("fault", "kwargs", "error"),
    [
        (Fault.BAD_CHECKSUM, {}, FrameChecksumError),
        (Fault.CORRUPT_BYTE, {"offset": 10}, FrameChecksumError),
        (Fault.DROP_BYTES, {"offset": 8, "count": 2}, ReaderTimeoutError),
        (Fault.SILENT, {}, ReaderTimeoutError),
    ],
)
def test_persistent_wire_faults_raise_typed_then_recover(
    served: Served, fault: Fault, kwargs: dict[str, int], error: type[TransportError]
) -> None:
    reader = make_reader(served, retries=1, timeouts=FAST)
    served.emulator.place_card(synthetic_card())
    served.emulator.inject(fault, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(error):
        reader.read_card()
    assert served.port.written.count(codec.FIND_CARD.frame) == 2  # one retry
    served.emulator.clear_faults()
    assert reader.read_card().record == synthetic_card().record


@pytest.mark.parametrize(
    ("fault", "kwargs"),
    [
        (Fault.BAD_CHECKSUM, {}),
        (Fault.CORRUPT_BYTE, {"offset": 9}),
        (Fault.DROP_BYTES, {"offset": 3, "count": 1}),
        (Fault.SILENT, {}),
        (Fault.GARBAGE, {"count": 5}),
    ],
)
@pytest.mark.parametrize("target", [codec.FIND_CARD, codec.SELECT_CARD])
def test_one_bad_reply_is_retried_transparently(
    served: Served, fault: Fault, kwargs: dict[str, int], target: codec.Command
) -> None:
    timeouts = FAST if fault in (Fault.SILENT, Fault.DROP_BYTES) else ROOMY
    reader = make_reader(served, timeouts=timeouts)
    served.emulator.place_card(synthetic_card())
    served.emulator.inject(fault, times=1, on=target, **kwargs)
    assert reader.read_card().record == synthetic_card().record


def test_garbage_before_every_reply_is_skipped(served: Served) -> None:
    reader = make_reader(served, retries=0)
    served.emulator.place_card(synthetic_card())
    served.emulator.inject(Fault.GARBAGE, count=40)
    assert reader.read_card().record == synthetic_card().record


def test_lost_read_reply_needs_lift_and_replace(served: Served) -> None:
    reader = make_reader(served)
    card = synthetic_card(CardKind.FOREIGNER_2023, 4)
    served.emulator.place_card(card)
    served.emulator.inject(Fault.BAD_CHECKSUM, times=1, on=codec.READ_TEXT_PHOTO)
    with pytest.raises(FrameChecksumError):
        reader.read_card()
    assert served.port.written.count(codec.READ_TEXT_PHOTO.frame) == 1  # never repeated
    assert served.emulator.state is ReaderState.READ_DONE
    with pytest.raises(CardNotReplacedError):
        reader.read_card()
    served.emulator.lift_and_replace()
    assert reader.read_card().record == card.record


def test_card_lifted_between_commands(served: Served) -> None:
    reader = make_reader(served)
    served.emulator.place_card(synthetic_card())
    reader.find_card()
    served.emulator.remove_card()
    with pytest.raises(SelectFailedError):
        reader.select_card()
    served.emulator.place_card(synthetic_card())
    reader.find_card()
    reader.select_card()
    served.emulator.remove_card()
    served.emulator.place_card(synthetic_card())  # back, but its session is gone
    with pytest.raises(ReadFailedError):
        reader._command(codec.READ_TEXT_PHOTO, ROOMY.read, codec.SW_OK, retries=0)
    assert reader.read_card().record == synthetic_card().record


def test_rf_delay_is_waited_for(served: Served) -> None:
    served.emulator.rf_delay = 0.05
    reader = make_reader(served)
    served.emulator.place_card(synthetic_card())
    assert reader.read_card().record == synthetic_card().record


def test_sam_id_and_other_commands(served: Served) -> None:
    sam = bytes([5, 0, 1, 0]) + (20141020).to_bytes(4, "little")
    sam += (123456789).to_bytes(4, "little") + (42).to_bytes(4, "little")
    served.emulator._sam_id = sam
    reader = make_reader(served)
    assert reader.sam_id() == "05.01-20141020-123456789-000000042"
    reader.reset_sam()
    reader.set_max_rf_bytes(80)
    served.emulator.place_card(synthetic_card())
    reader.read_card()
    assert reader.read_appended_address() is None
    served.emulator.lift_and_replace()
    card = synthetic_card()
    served.emulator.place_card(
        SyntheticCard(card.record, card.photo, appended_address="北京市东城区新址路8号")
    )
    reader.read_card()
    assert reader.read_appended_address() == "北京市东城区新址路8号"


def test_short_sam_id_is_malformed(served: Served) -> None:
    served.emulator._sam_id = bytes(4)
    with pytest.raises(MalformedPayloadError):
        make_reader(served).sam_id()


def test_unexpected_success_code_is_typed(served: Served) -> None:
    reader = make_reader(served)
    with pytest.raises(UnexpectedStatusError):
        reader._command(codec.SAM_STATUS, ROOMY.status, codec.SW_FOUND)
    with pytest.raises(CommandError):
        reader._command(codec.Command(0x42, 0x42), ROOMY.status, codec.SW_OK)


class BrokenPort:
    timeout: float | None = None

    def write(self, data: bytes, /) -> int:
        raise OSError("device unplugged")

    def read(self, size: int = 1, /) -> bytes:
        return b""

    def reset_input_buffer(self) -> None:
        pass


def test_port_errors_are_typed() -> None:
    with pytest.raises(PortError):
        IdCardReader(BrokenPort(), retries=0).check_status()
