"""ID-card read: what the officer waits for, against the time the bytes need on the wire.

One cycle is the driver's `read_card()`: find -> select -> read, as the desk runs it. The
emulator serves a real pseudo-terminal and its line is paced at 115200 baud 8N1 by
`hardware.link.UartLink` (requests reach the device only once their last byte would have
crossed the wire; replies leave in 32-byte bursts, each when its last byte would have arrived,
on one absolute schedule so sleep overshoots do not add up). The driver opens the tty with
pyserial exactly as `hardware.idcard.driver.open_reader` does.

Measured per cycle, median and p95 over the cycles:
- wall time of `read_card()` (what the officer waits for) and the driver thread's CPU time
  (`time.thread_time`; the emulator runs on its own thread and is not counted);
- the anchor: the wire time of the cycle's request and reply frames, 10 bits per byte at
  115200 baud, computed from the frames and checked against the bytes the line carried;
- a bare exchange, interleaved with the driver's cycles on the same port: the same three
  frames written and their replies read by length with pyserial, no driver. It is the floor
  of this pty and emulator; wall/bare and CPU/bare CPU say what the driver itself adds;
- the line's pacing lateness (seconds its last bursts left after their due time), so an
  emulator slower than the wire shows instead of counting silently against the driver.

Target: wall / wire <= 1.1 at the median. `--smoke` runs 3 cycles for CI. The last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware.idcard import codec
from hardware.idcard.driver import BAUDRATE, READ_SLICE, IdCardReader, SerialPort
from hardware.idcard.emulator import IdCardReaderEmulator
from hardware.idcard.payload import build_read_payload
from hardware.idcard.synthetic import SyntheticCard, synthetic_card
from hardware.idcard.tables import CardKind
from hardware.link import UartLink
from hardware.pty import serve_on_pty
from hardware.transport import open_port

BITS_PER_BYTE = 10  # 8N1: start + 8 data + stop
TARGET = 1.1
CYCLE = (codec.FIND_CARD, codec.SELECT_CARD, codec.READ_TEXT_PHOTO)


def cycle_frames(card: SyntheticCard) -> list[tuple[bytes, bytes]]:
    """The (request, reply) frames of one find -> select -> read of `card`."""
    replies = (
        codec.build_response(codec.SW_FOUND, card.iin),
        codec.build_response(codec.SW_OK, card.sn),
        codec.build_response(codec.SW_OK, build_read_payload(card.text_block, card.photo, None)),
    )
    return [(command.frame, reply) for command, reply in zip(CYCLE, replies, strict=True)]


def bare_cycle(port: SerialPort, frames: list[tuple[bytes, bytes]]) -> None:
    """The floor: write each request, read its reply by its known length; nothing else."""
    for request, reply in frames:
        port.reset_input_buffer()
        port.write(request)
        got = b""
        while len(got) < len(reply):
            got += port.read(len(reply) - len(got))
        if got != reply:
            raise RuntimeError("the bare exchange got another reply than the emulator's")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[round(share * (len(ordered) - 1))]


def run(cycles: int) -> dict[str, object]:
    device = IdCardReaderEmulator()
    card = synthetic_card(CardKind.RESIDENT, 7)
    device.place_card(card)
    frames = cycle_frames(card)
    wire_bytes = sum(len(request) + len(reply) for request, reply in frames)
    wire = wire_bytes * BITS_PER_BYTE / BAUDRATE
    wall: list[float] = []
    cpu: list[float] = []
    bare: list[float] = []
    bare_cpu: list[float] = []
    late: list[float] = []
    with serve_on_pty(device, baudrate=BAUDRATE) as server:
        line = server.line
        assert isinstance(line, UartLink)
        port = open_port(server.path, baudrate=BAUDRATE, timeout=READ_SLICE)  # as open_reader
        try:
            reader = IdCardReader(port)
            for index in range(cycles + 1):  # the first of each is a warm-up
                # Interleaved: the bare floor and the driver see the same machine moments.
                device.lift_and_replace()
                start, start_cpu = time.perf_counter(), time.thread_time()
                bare_cycle(port, frames)
                bare_wall = time.perf_counter() - start
                bare_thread = time.thread_time() - start_cpu
                device.lift_and_replace()
                moved, late_before = line.sent + line.received, line.late
                start, start_cpu = time.perf_counter(), time.thread_time()
                read = reader.read_card()
                driver_wall = time.perf_counter() - start
                driver_cpu = time.thread_time() - start_cpu
                if read.record != card.record:
                    raise RuntimeError("the driver read another card than the emulator's")
                if line.sent + line.received - moved != wire_bytes:
                    raise RuntimeError("the line carried other bytes than the cycle's frames")
                if index:
                    wall.append(driver_wall)
                    cpu.append(driver_cpu)
                    bare.append(bare_wall)
                    bare_cpu.append(bare_thread)
                    late.append(line.late - late_before)
        finally:
            port.close()
    wall_p50, bare_p50, cpu_p50, bare_cpu_p50 = (
        statistics.median(v) for v in (wall, bare, cpu, bare_cpu)
    )
    return {
        "benchmark": "idcard_read_cycle",
        "transport": "pseudo-terminal, emulator behind UartLink at 115200 baud 8N1",
        "anchor": "wire time of the cycle's request and reply frames (10 bits per byte)",
        "cycles": cycles,
        "bytes_per_cycle": wire_bytes,
        "wire_ms": round(wire * 1000, 3),
        "wall_ms_p50": round(wall_p50 * 1000, 3),
        "wall_ms_p95": round(percentile(wall, 0.95) * 1000, 3),
        "bare_ms_p50": round(bare_p50 * 1000, 3),
        "bare_ms_p95": round(percentile(bare, 0.95) * 1000, 3),  # the machine's load shows here too
        "driver_cpu_ms_p50": round(cpu_p50 * 1000, 3),
        "driver_cpu_ms_p95": round(percentile(cpu, 0.95) * 1000, 3),
        "bare_cpu_ms_p50": round(bare_cpu_p50 * 1000, 3),
        "line_late_ms_p50": round(statistics.median(late) * 1000, 3),
        "ratio_wall_over_wire": round(wall_p50 / wire, 4),
        "ratio_wall_over_wire_p95": round(percentile(wall, 0.95) / wire, 4),
        "ratio_bare_over_wire": round(bare_p50 / wire, 4),
        "ratio_wall_over_bare": round(wall_p50 / bare_p50, 4),
        "ratio_cpu_over_wire": round(cpu_p50 / wire, 4),
        "ratio_cpu_over_bare_cpu": round(cpu_p50 / bare_cpu_p50, 4),
        "target_ratio_wall_over_wire": TARGET,
        "meets_target": wall_p50 / wire <= TARGET,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--smoke", action="store_true", help="3 cycles, for CI")
    args = parser.parse_args()
    print(json.dumps(run(3 if args.smoke else args.cycles)))


if __name__ == "__main__":
    main()
