"""`UartLink`: a device's bytes take their wire time at the baud rate, on one schedule.

A fake clock whose every sleep overshoots stands in for a loaded machine, so the schedule is
checked exactly and without waiting.
"""

from __future__ import annotations

import pytest

from hardware.link import UartLink

BYTE = 10 / 115200  # seconds per 8N1 byte at 115200 baud


class SlowClock:
    """A clock whose sleeps all wake `overshoot` seconds late, as on a busy machine."""

    def __init__(self, overshoot: float) -> None:
        self.now = 100.0
        self.overshoot = overshoot

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds + self.overshoot


class Recorder:
    """The inner link: hands out scripted reads, records when each write happened."""

    def __init__(self, clock: SlowClock, reads: list[bytes] | None = None) -> None:
        self.clock = clock
        self.reads = list(reads or [])
        self.writes: list[tuple[float, bytes]] = []

    def read(self, size: int, timeout: float | None) -> bytes:
        return self.reads.pop(0) if self.reads else b""

    def write(self, data: bytes) -> None:
        self.writes.append((self.clock.now, data))


def uart(clock: SlowClock, inner: Recorder, burst: int = 32) -> UartLink:
    return UartLink(inner, 115200, burst=burst, clock=clock.clock, sleep=clock.sleep, spin=0)


def test_a_reply_leaves_in_bursts_each_when_its_last_byte_arrives() -> None:
    clock = SlowClock(overshoot=0.0)
    inner = Recorder(clock)
    line = uart(clock, inner)
    line.write(bytes(100))
    assert [len(data) for _, data in inner.writes] == [32, 32, 32, 4]
    assert [at - 100.0 for at, _ in inner.writes] == pytest.approx([32 * BYTE, 64 * BYTE,
                                                                     96 * BYTE, 100 * BYTE])
    assert b"".join(data for _, data in inner.writes) == bytes(100)
    assert line.sent == 100
    assert line.late == 0.0


def test_late_wake_ups_do_not_add_up() -> None:
    # Every sleep wakes 0.2 ms late: 40 relative sleeps would make the reply 8 ms slower than
    # the wire; on one schedule only the last burst is late, by one overshoot.
    clock = SlowClock(overshoot=0.0002)
    inner = Recorder(clock)
    line = uart(clock, inner)
    line.write(bytes(1295))
    last_at, _ = inner.writes[-1]
    assert last_at - 100.0 == pytest.approx(1295 * BYTE + 0.0002)
    assert line.late == pytest.approx(0.0002)


def test_a_request_is_heard_only_once_its_last_byte_crossed_the_wire() -> None:
    clock = SlowClock(overshoot=0.0)
    inner = Recorder(clock, reads=[b"\xaa" * 10, b""])
    line = uart(clock, inner)
    assert line.read(64, 1.0) == b"\xaa" * 10
    assert clock.now - 100.0 == pytest.approx(10 * BYTE)
    assert line.received == 10
    assert line.read(64, 0.0) == b""
    assert line.received == 10


def test_nonsense_rates_are_refused() -> None:
    clock = SlowClock(overshoot=0.0)
    with pytest.raises(ValueError, match="positive"):
        UartLink(Recorder(clock), 0)
    with pytest.raises(ValueError, match="positive"):
        UartLink(Recorder(clock), 9600, burst=0)
    with pytest.raises(ValueError, match="negative"):
        UartLink(Recorder(clock), 9600, spin=-1.0)
