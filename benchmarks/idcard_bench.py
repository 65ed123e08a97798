"""ID-card read cycle through a real pseudo-terminal, paced at 115200 baud.

Measures the host CPU time the driver spends (its own thread: framing, checksums, parsing
the 1295-byte payload, waiting on the port) for one full find -> select -> read cycle, and
compares it with the anchor measured in the same run: the time the request and reply frames
of that cycle occupy on a 115200-baud 8N1 wire (10 bits per byte). The emulator runs on its
own thread behind the pty and writes its replies at wire speed, as a UART would. Target:
CPU time per read / wire time per read < 0.05, i.e. the driver leaves the CPU idle while the
bytes trickle in.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware.idcard.driver import IdCardReader
from hardware.idcard.emulator import IdCardReaderEmulator
from hardware.idcard.synthetic import synthetic_card
from hardware.idcard.tables import CardKind
from hardware.link import Emulator, Link
from hardware.pty import serve_on_pty
from hardware.transport import open_port

BAUD = 115200
SECONDS_PER_BYTE = 10 / BAUD  # 8N1: start + 8 data + stop
CHUNK = 32  # a UART FIFO-sized burst


class WireLink:
    """Counts the bytes each way and delivers the device's bytes at wire speed."""

    def __init__(self, inner: Link) -> None:
        self.inner = inner
        self.sent = 0
        self.received = 0

    def read(self, size: int, timeout: float | None) -> bytes:
        data = self.inner.read(size, timeout)
        self.received += len(data)
        return data

    def write(self, data: bytes) -> None:
        for start in range(0, len(data), CHUNK):
            chunk = data[start : start + CHUNK]
            time.sleep(len(chunk) * SECONDS_PER_BYTE)
            self.inner.write(chunk)
            self.sent += len(chunk)


class PacedEmulator:
    def __init__(self, inner: IdCardReaderEmulator) -> None:
        self.inner = inner
        self.link: WireLink | None = None

    def serve(self, link: Link, stop: threading.Event) -> None:
        self.link = WireLink(link)
        self.inner.serve(self.link, stop)


def run(cycles: int) -> dict[str, object]:
    device = IdCardReaderEmulator()
    device.place_card(synthetic_card(CardKind.RESIDENT, 7))
    paced = PacedEmulator(device)
    emulator: Emulator = paced
    cpu: list[float] = []
    wall: list[float] = []
    wire: list[float] = []
    with serve_on_pty(emulator) as server:
        port = open_port(server.path, baudrate=BAUD, timeout=0.05)
        try:
            reader = IdCardReader(port)
            for _ in range(cycles):
                device.lift_and_replace()
                before = (paced.link.sent + paced.link.received) if paced.link else 0
                start_cpu, start_wall = time.thread_time(), time.perf_counter()
                reader.find_card()
                reader.select_card()
                card = reader.read_card()
                cpu.append(time.thread_time() - start_cpu)
                wall.append(time.perf_counter() - start_wall)
                assert paced.link is not None
                moved = paced.link.sent + paced.link.received - before
                wire.append(moved * SECONDS_PER_BYTE)
                assert card.record.id_number.startswith("110101")
        finally:
            port.close()
    cpu_per_read = statistics.median(cpu)
    wire_per_read = statistics.median(wire)
    ratio = cpu_per_read / wire_per_read
    return {
        "benchmark": "idcard_read_cycle",
        "transport": "pseudo-terminal, emulator paced at 115200 baud 8N1",
        "cycles": cycles,
        "bytes_per_cycle": round(wire_per_read / SECONDS_PER_BYTE),
        "wire_ms_per_read": round(wire_per_read * 1000, 2),
        "wall_ms_per_read": round(statistics.median(wall) * 1000, 2),
        "driver_cpu_ms_per_read": round(cpu_per_read * 1000, 3),
        "driver_cpu_ms_p95": round(sorted(cpu)[int(0.95 * (len(cpu) - 1))] * 1000, 3),
        "ratio_cpu_over_wire": round(ratio, 4),
        "target_ratio": 0.05,
        "meets_target": ratio < 0.05,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--smoke", action="store_true", help="3 cycles, for CI")
    args = parser.parse_args()
    print(json.dumps(run(3 if args.smoke else args.cycles)))


if __name__ == "__main__":
    main()
