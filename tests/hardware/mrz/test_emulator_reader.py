"""Emulator → reader end to end, in process over `pipe_pair()`; no wall-clock assertions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest

from hardware.link import Emulator, LinkPort, pipe_pair
from hardware.mrz.emulator import Fault, MrzReaderEmulator, SyntheticDocument, synthetic_document
from hardware.mrz.errors import MrzLayoutError, MrzReaderError, MrzTimeoutError
from hardware.mrz.framing import Framing
from hardware.mrz.parser import Layout
from hardware.mrz.reader import MrzReader

TODAY = date(2026, 1, 1)
# Generous: only a bound so a broken test fails instead of hanging.
DEADLINE = 10.0


@pytest.fixture(params=list(Framing))
def rig(request: pytest.FixtureRequest) -> Iterator[tuple[MrzReaderEmulator, MrzReader]]:
    framing: Framing = request.param
    device_end, host_end = pipe_pair()
    emulator = MrzReaderEmulator(framing)
    stop = threading.Event()
    thread = threading.Thread(target=emulator.serve, args=(device_end, stop), daemon=True)
    thread.start()
    reader = MrzReader(LinkPort(host_end, timeout=0.05), framing, today=lambda: TODAY)
    try:
        yield emulator, reader
    finally:
        stop.set()
        thread.join(DEADLINE)
        host_end.close()
        device_end.close()


@pytest.mark.parametrize("layout", ["TD1", "TD3", "permit"])
def test_swipe_is_read_and_parsed(rig: tuple[MrzReaderEmulator, MrzReader], layout: str) -> None:
    emulator, reader = rig
    doc = synthetic_document(layout, 7)
    emulator.insert(doc)
    record = reader.read_document(timeout=DEADLINE)
    assert record.valid
    assert record.lines == doc.lines
    assert record.cn_permit is (layout == "permit")


def test_several_swipes_in_order(rig: tuple[MrzReaderEmulator, MrzReader]) -> None:
    emulator, reader = rig
    docs = [synthetic_document(layout, seed) for seed, layout in enumerate(["TD3", "TD1"] * 3)]
    for doc in docs:
        emulator.insert(doc)
    assert [reader.read_document(timeout=DEADLINE).lines for _ in docs] == [d.lines for d in docs]


def test_corrupted_byte_flags_document_number(rig: tuple[MrzReaderEmulator, MrzReader]) -> None:
    emulator, reader = rig
    emulator.insert(synthetic_document("TD3", 1), Fault.CORRUPT_BYTE)
    record = reader.read_document(timeout=DEADLINE)
    assert not record.valid
    assert record.checks.failed() == ("document_number", "composite")


@pytest.mark.parametrize("fault", [Fault.TRUNCATE, Fault.NOISE])
def test_reader_recovers_after_fault(
    rig: tuple[MrzReaderEmulator, MrzReader], fault: Fault
) -> None:
    emulator, reader = rig
    emulator.insert(synthetic_document("TD1", 2), fault)
    good = synthetic_document("TD1", 3)
    emulator.insert(good)
    record = reader.read_document(timeout=DEADLINE)
    if fault is Fault.NOISE:
        assert record.lines == synthetic_document("TD1", 2).lines
        record = reader.read_document(timeout=DEADLINE)
    assert record.lines == good.lines
    assert record.valid


def test_raw_lines_of_unknown_layout_raise_typed_error() -> None:
    device_end, host_end = pipe_pair()
    emulator = MrzReaderEmulator(Framing.DESKO)
    device_end.write(emulator.frame(("SHORT<LINE", "ANOTHER<LINE"), Layout.TD3, Fault.NONE))
    reader = MrzReader(LinkPort(host_end, timeout=0.01), Framing.DESKO, today=lambda: TODAY)
    with pytest.raises(MrzLayoutError):
        reader.read_document(timeout=DEADLINE)


class _FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0  # every look at the clock costs a "second": deterministic timeout
        return self.now


class _SilentPort:
    in_waiting = 0

    def read(self, size: int = 1) -> bytes:
        return b""


class _BrokenPort:
    def read(self, size: int = 1) -> bytes:
        raise OSError("device unplugged")


def test_timeout_is_typed() -> None:
    reader = MrzReader(_SilentPort(), clock=_FakeClock())
    with pytest.raises(MrzTimeoutError) as info:
        reader.read_document(timeout=5.0)
    assert info.value.message


def test_port_failure_is_typed() -> None:
    reader = MrzReader(_BrokenPort())
    with pytest.raises(MrzReaderError) as info:
        reader.read_document(timeout=5.0)
    assert "unplugged" in str(info.value)


def test_port_without_in_waiting_reads_byte_by_byte() -> None:
    data = bytearray(b"\x02" + b"\r".join(s.encode() for s in synthetic_document("TD3", 5).lines))
    data += b"\r\x03"

    class Port:
        def read(self, size: int = 1) -> bytes:
            assert size == 1
            chunk = bytes(data[:size])
            del data[:size]
            return chunk

    record = MrzReader(Port(), today=lambda: TODAY).read_document(timeout=None)
    assert record.lines == synthetic_document("TD3", 5).lines


def test_concurrent_inserts_are_all_delivered(rig: tuple[MrzReaderEmulator, MrzReader]) -> None:
    emulator, reader = rig
    docs = [synthetic_document("TD3" if n % 2 else "TD1", n) for n in range(12)]

    def insert(batch: list[SyntheticDocument]) -> None:
        for doc in batch:
            emulator.insert(doc)

    threads = [threading.Thread(target=insert, args=(docs[i::3],)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE)
    got = sorted(reader.read_document(timeout=DEADLINE).lines for _ in docs)
    assert got == sorted(d.lines for d in docs)


def test_emulator_satisfies_the_link_protocol() -> None:
    emulator: Emulator = MrzReaderEmulator(Framing.THREE_M)
    assert callable(emulator.serve)
