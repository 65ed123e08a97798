"""An in-process body-worn recorder implementing the GA/T 947.4 function set (§2.2, §2.8).

`BodycamEmulator` keeps the device state of the emulator spec (identity record, password,
clock offset from the host clock, battery, resolution, mass-storage mode) and answers each
standard call the way a vendor DLL does: an `ok` flag (1/0) plus an `iRet` code (§2.4),
packed in a `Reply`. Wrong passwords answer `0` with `CHECK_PWD_FAILED`.

`set_msdc` shows the "volume": a directory `bodycam-<serial>` under the given root with tiny,
deterministic MP4/JPG/WAV files named by a vendor preset, some marked important, an NMEA
sidecar next to one video, and, when asked, hostile entries (a very long name, a non-UTF-8
name, a dot file and a symlink pointing outside the volume). The directory stands for the
device's internal storage, so it persists as a real device's does across dockings:
`lock_storage` only hides it (mass storage off, a "removed" event; the files stay in the root),
and the next `set_msdc`, of this or of a later emulator on the same root, shows the same
directory again, files an importer deleted still gone. Only a root without it gets a freshly
filled volume.

`hardware.bodycam.amba_device.AmbaDevice` serves this state machine over the Amba-style
`@Cmd;len;arg;#` byte protocol on a `Link`, so drivers reach it through a pty, a socket or
`emu-bodycam://`; `EmulatorDriver` (`emulator_driver`) calls it directly, for tests. The clock
is injected, so nothing depends on the wall clock.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hardware.bodycam.errors import BodycamError, IRet
from hardware.bodycam.identity import (
    C_LAYOUT,
    IdentityRecord,
    RecordLayout,
    decode_identity,
    encode_identity,
)

__all__ = [
    "CHINA_STANDARD_TIME",
    "DEFAULT_IDENTITY",
    "DEFAULT_PASSWORD",
    "BodycamEmulator",
    "MediaSpec",
    "Reply",
    "gprmc",
    "synthetic_jpeg",
    "synthetic_mp4",
    "synthetic_wav",
]

DEFAULT_IDENTITY = IdentityRecord("1234567", "123456", "张三", "110105000000", "某市公安局某分局")
CHINA_STANDARD_TIME = timedelta(hours=8)
DEFAULT_PASSWORD = "000000"  # the SDK samples' default (§2.2)
DEFAULT_RECORDED_AT = datetime(2026, 1, 5, 9, 0, 0)  # device-local wall time of the first file
VOLUME_DIR = "DCIM"
DEFAULT_MP4_SIZE = 256  # payload bytes per synthetic video: tiny unless a test asks for more
MAX_MP4_SIZE = 1 << 30  # a typo in `size=` should not fill the disk


def _host_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Reply:
    """What a vendor DLL call gives back: `ok` (1 success / 0 failure), `iret`, and a value."""

    ok: int
    iret: int
    value: object = None


@dataclass(frozen=True)
class MediaSpec:
    """One synthetic file: kind extension, offset (s) from the first recording, flags."""

    ext: str
    offset_s: int
    sequence: int
    important: bool = False
    gps: bool = False


DEFAULT_MEDIA = (
    MediaSpec("MP4", 0, 1),
    MediaSpec("MP4", 600, 2, important=True),
    MediaSpec("MP4", 1200, 3, gps=True),
    MediaSpec("JPG", 300, 4),
    MediaSpec("JPG", 900, 5, important=True),
    MediaSpec("WAV", 1500, 6),
)


# --------------------------------------------------------------------------- synthetic bytes


def _payload(seed: str, size: int) -> bytes:
    base = seed.encode("ascii", "replace")
    count = -(-size // (len(base) + 4))  # enough seed+counter blocks to cover `size`
    return b"".join(base + i.to_bytes(4, "big") for i in range(count))[:size]


def synthetic_mp4(seed: str, size: int = 256) -> bytes:
    """`ftyp` + `mdat` boxes: enough for `file`/ExifTool to call it an ISO BMFF video."""
    ftyp = b"ftypisom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41"
    ftyp_box = struct.pack(">I", 8 + len(ftyp) - 4) + ftyp
    body = _payload(seed, size)
    return ftyp_box + struct.pack(">I", 8 + len(body)) + b"mdat" + body


def synthetic_jpeg(seed: str, size: int = 128) -> bytes:
    """SOI + JFIF APP0 + a COM segment with deterministic bytes + EOI."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    body = _payload(seed, size)
    return (b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
            + b"\xff\xfe" + struct.pack(">H", len(body) + 2) + body + b"\xff\xd9")  # fmt: skip


def synthetic_wav(seed: str, samples: int = 160, rate: int = 8000) -> bytes:
    """A RIFF/WAVE PCM file, 16-bit mono."""
    data = _payload(seed, samples * 2)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    chunks = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(chunks)) + chunks


def _nmea_checksum(body: str) -> str:
    value = 0
    for byte in body.encode("ascii"):
        value ^= byte
    return f"{value:02X}"


def gprmc(utc: datetime, lat: float, lon: float, knots: float = 0.0, fix: bool = True) -> str:
    """One `$GPRMC` sentence with a valid checksum (lat/lon in signed degrees, WGS-84)."""
    lat_deg, lon_deg = int(abs(lat)), int(abs(lon))
    lat_field = f"{lat_deg:02d}{(abs(lat) - lat_deg) * 60:07.4f}"
    lon_field = f"{lon_deg:03d}{(abs(lon) - lon_deg) * 60:07.4f}"
    body = ",".join([
        "GPRMC", utc.strftime("%H%M%S") + ".00", "A" if fix else "V",
        lat_field, "N" if lat >= 0 else "S", lon_field, "E" if lon >= 0 else "W",
        f"{knots:.1f}", "0.0", utc.strftime("%d%m%y"), "", "", "A",
    ])  # fmt: skip
    return f"${body}*{_nmea_checksum(body)}"


# --------------------------------------------------------------------------- the device


class BodycamEmulator:
    """A docked recorder. All calls take the password like the DLL (`sPwd`)."""

    def __init__(
        self,
        identity: IdentityRecord = DEFAULT_IDENTITY,
        *,
        password: str = DEFAULT_PASSWORD,
        id_code: str = "EMU01",
        clock_offset: float = 0.0,
        utc_offset: timedelta = CHINA_STANDARD_TIME,
        battery: int = 80,
        resolution: tuple[int, int] = (1920, 1080),
        layout: RecordLayout = C_LAYOUT,
        volume_root: Path | None = None,
        media: tuple[MediaSpec, ...] = DEFAULT_MEDIA,
        media_size: int = DEFAULT_MP4_SIZE,
        recorded_at: datetime = DEFAULT_RECORDED_AT,
        hostile: bool = False,
        connect_fails: bool = False,
        msdc_fails: bool = False,
        host_clock: Callable[[], datetime] = _host_utc,
        on_volume: Callable[[str, Path], None] | None = None,
    ) -> None:
        self.identity = identity
        self.password = password
        self.id_code = id_code
        self.clock_offset = float(clock_offset)  # device clock minus correct local time, s
        # ... and what it was while the files were recorded (setting the clock later does
        # not move the satellite times already written into the GPS sidecars)
        self.recording_clock_offset = self.clock_offset
        self.utc_offset = utc_offset  # the zone the device clock is meant to show
        self.battery = battery
        self.resolution = resolution
        self.layout = layout
        self.volume_root = volume_root
        self.media = media
        if not 0 <= media_size <= MAX_MP4_SIZE:
            raise ValueError(f"MP4 payload size must be 0..{MAX_MP4_SIZE} bytes")
        self.media_size = media_size
        self.recorded_at = recorded_at
        self.hostile = hostile
        self.connect_fails = connect_fails
        self.msdc_fails = msdc_fails
        self.host_clock = host_clock
        self.on_volume = on_volume  # ("arrived" | "removed", path): a stand-in hotplug event
        self.connected = False
        self.msdc_enabled = False
        self.volume: Path | None = None
        self.calls: list[str] = []
        self._lock = threading.Lock()

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> BodycamEmulator:
        """From URL query options: serial, officer, name, unit, unitname, pwd, offset,
        battery, width, height, root, hostile, size, recorded.

        `size` is the payload bytes of each synthetic MP4; `recorded` (YYYYMMDDhhmmss, the
        device's local time) is when its first file was recorded. Without `root` the storage
        goes to a fresh temporary directory (left in place, like a device's storage), so `ATH`
        works out of the box for an emulator opened by URL or served by `statement-room
        emulate`.
        """
        known = {"serial", "officer", "name", "unit", "unitname", "pwd", "offset", "battery",
                 "width", "height", "root", "hostile", "size", "recorded"}  # fmt: skip
        unknown = set(params) - known
        if unknown:
            raise ValueError(f"unknown emu-bodycam option(s): {', '.join(sorted(unknown))}")
        d = DEFAULT_IDENTITY
        identity = IdentityRecord(
            params.get("serial", d.serial), params.get("officer", d.officer_number),
            params.get("name", d.officer_name), params.get("unit", d.unit_number),
            params.get("unitname", d.unit_name),
        )  # fmt: skip
        encode_identity(identity)  # validate early
        emulator = cls(
            identity, password=params.get("pwd", DEFAULT_PASSWORD),
            clock_offset=float(params.get("offset", "0")),
            battery=int(params.get("battery", "80")),
            resolution=(int(params.get("width", "1920")), int(params.get("height", "1080"))),
            media_size=int(params.get("size", str(DEFAULT_MP4_SIZE))),
            recorded_at=datetime.strptime(params["recorded"], "%Y%m%d%H%M%S")
            if "recorded" in params else DEFAULT_RECORDED_AT,
            hostile=params.get("hostile", "0").lower() in ("1", "true", "yes"),
        )  # fmt: skip
        # The temporary root is made last, so a bad option leaves nothing behind.
        emulator.volume_root = Path(params.get("root") or tempfile.mkdtemp(prefix="emu-bodycam-"))
        return emulator

    # ------------------------------------------------------------------ clock

    def _local_now(self) -> datetime:
        """The correct device-local wall time by the host clock (naive)."""
        now = self.host_clock()
        if now.tzinfo is not None:
            now = now.astimezone(UTC).replace(tzinfo=None)
        return now + self.utc_offset

    def device_time(self) -> datetime:
        """The recorder's wall clock (naive, device-local): correct local time + offset."""
        return self._local_now() + timedelta(seconds=self.clock_offset)

    # ------------------------------------------------------------------ §2.2 calls

    def check(self, name: str, pwd: str) -> Reply | None:
        """Record the call `name`; the failure reply if not connected or `pwd` is wrong."""
        self.calls.append(name)
        if not self.connected:
            return Reply(0, IRet.CONNECT_FAILED)
        if pwd != self.password:
            return Reply(0, IRet.CHECK_PWD_FAILED)
        return None

    def init_device(self) -> Reply:
        self.calls.append("Init_Device")
        if self.connect_fails:
            return Reply(0, IRet.CONNECT_FAILED)
        self.connected = True
        return Reply(1, IRet.CONNECT_SUCCESS, self.id_code)

    def uninit_device(self) -> Reply:
        self.calls.append("UnInit_Device")
        self.connected = False
        return Reply(1, IRet.CONNECT_SUCCESS)

    def get_id_code(self) -> Reply:
        self.calls.append("GetIDCode")
        if not self.connected:
            return Reply(0, IRet.CONNECT_FAILED)
        return Reply(1, IRet.CONNECT_SUCCESS, self.id_code)

    def get_zfy_info(self, pwd: str) -> Reply:
        failed = self.check("GetZFYInfo", pwd)
        if failed:
            return failed
        return Reply(1, IRet.CHECK_PWD_SUCCESS, encode_identity(self.identity, self.layout))

    def write_zfy_info(self, record: bytes, pwd: str) -> Reply:
        failed = self.check("WriteZFYInfo", pwd)
        if failed:
            return failed
        try:
            self.identity = decode_identity(record, self.layout)
        except BodycamError:
            return Reply(0, IRet.CHECK_PWD_SUCCESS)
        return Reply(1, IRet.CHECK_PWD_SUCCESS)

    def get_dev_time(self, pwd: str) -> Reply:
        """`BC_GetDevTime`-style: `YYYYMMDDhhmmss`."""
        failed = self.check("GetDevTime", pwd)
        if failed:
            return failed
        return Reply(1, IRet.CHECK_PWD_SUCCESS, self.device_time().strftime("%Y%m%d%H%M%S"))

    def sync_dev_time(self, pwd: str, pc_time: datetime | None = None) -> Reply:
        """The DLL pushes the PC time (`yyyy-MM-dd HH:mm:ss`, whole seconds)."""
        failed = self.check("SyncDevTime", pwd)
        if failed:
            return failed
        local = self._local_now()
        target = local if pc_time is None else pc_time
        if target.tzinfo is not None:
            target = (target.astimezone(UTC) + self.utc_offset).replace(tzinfo=None)
        self.clock_offset = (target.replace(microsecond=0) - local).total_seconds()
        return Reply(1, IRet.SET_SYSTEMTIME_SUCCESS)

    def read_resolution(self, pwd: str) -> Reply:
        failed = self.check("ReadDeviceResolution", pwd)
        return failed or Reply(1, IRet.CHECK_PWD_SUCCESS, self.resolution)

    def read_battery(self, pwd: str) -> Reply:
        failed = self.check("ReadDeviceBatteryDumpEnergy", pwd)
        return failed or Reply(1, IRet.CHECK_PWD_SUCCESS, self.battery)

    def set_msdc(self, pwd: str) -> Reply:
        """Unlock mass storage: the volume appears; its path is the reply value."""
        failed = self.check("SetMSDC", pwd)
        if failed:
            return failed
        if self.msdc_fails or self.volume_root is None:
            return Reply(0, IRet.MSDC_FAILED)
        with self._lock:
            arrived = self.volume is None
            if self.volume is None:
                self.volume = self._materialise(self.volume_root)
            self.msdc_enabled = True
            volume = self.volume
        if arrived and self.on_volume is not None:
            self.on_volume("arrived", volume)
        return Reply(1, IRet.MSDC_SUCCESS, volume)

    def lock_storage(self) -> Reply:
        """Leave disk mode (unplug): the volume is no longer shown; the device keeps its files."""
        self.calls.append("Lock")
        with self._lock:
            removed = self.volume
            self.volume = None
            self.msdc_enabled = False
        if removed is not None and self.on_volume is not None:
            self.on_volume("removed", removed)
        return Reply(1, IRet.MSDC_SUCCESS)

    # ------------------------------------------------------------------ the volume

    def media_name(self, spec: MediaSpec) -> str:
        start = self.recorded_at + timedelta(seconds=spec.offset_s)
        imp = "_IMP" if spec.important else ""
        return (f"{self.identity.serial}_{self.identity.officer_number}_"
                f"{start:%Y%m%d%H%M%S}_{spec.sequence:04d}{imp}.{spec.ext}")  # fmt: skip

    def expected_files(self) -> dict[str, bytes]:
        """Relative path (under the volume) -> content of every regular media file."""
        return dict(self._media_files())

    def _media_files(self) -> Iterator[tuple[str, bytes]]:
        # One file at a time, so a large `media_size` never holds the whole volume in memory.
        for spec in self.media:
            name = self.media_name(spec)
            rel = f"{VOLUME_DIR}/{name}"
            if spec.ext == "MP4":
                yield rel, synthetic_mp4(name, self.media_size)
            elif spec.ext == "JPG":
                yield rel, synthetic_jpeg(name)
            else:
                yield rel, synthetic_wav(name)
            if spec.gps:
                yield rel.rsplit(".", 1)[0] + ".NMEA", self._sidecar(spec)

    def _sidecar(self, spec: MediaSpec) -> bytes:
        # A GPS fix carries satellite time, in UTC: the device-local time of the file less
        # the device clock's offset, out of the device's zone (a sidecar in local time would
        # put the track hours away from its clip).
        local = self.recorded_at + timedelta(seconds=spec.offset_s - self.recording_clock_offset)
        start = (local - self.utc_offset).replace(tzinfo=UTC)
        lines = [
            gprmc(start + timedelta(seconds=i), 39.9042 + i * 1e-4, 116.4074 + i * 1e-4, 3.2)
            for i in range(5)
        ]
        return ("\r\n".join(lines) + "\r\n").encode("ascii")

    def _materialise(self, root: Path) -> Path:
        """The volume: reused as the device left it, or created and filled when new."""
        volume = root / f"bodycam-{self.identity.serial}"
        if volume.is_dir():  # this device's storage from an earlier docking: as it was left
            return volume
        # Filled aside and renamed into place, so a process killed while filling never leaves
        # a half-filled device behind (that would look like files deleted from it).
        final = volume
        volume = root / f".filling-{self.identity.serial}-{os.getpid()}"
        shutil.rmtree(volume, ignore_errors=True)
        (volume / VOLUME_DIR).mkdir(parents=True)
        base = self.recorded_at.replace(tzinfo=UTC).timestamp()
        stamps = {Path(self.media_name(spec)).stem: base + spec.offset_s for spec in self.media}
        for rel, data in self._media_files():
            path = volume / rel
            path.write_bytes(data)
            stamp = stamps[path.stem]
            os.utime(path, (stamp, stamp))
        if self.hostile:
            self._hostile_entries(root, volume / VOLUME_DIR)
        try:
            os.rename(volume, final)
        except OSError:  # another instance filled it first: theirs is the device's storage
            shutil.rmtree(volume, ignore_errors=True)
        return final

    def _hostile_entries(self, root: Path, folder: Path) -> None:
        (folder / ("L" * 240 + ".MP4")).write_bytes(synthetic_mp4("long"))
        (folder / ".hidden_1234567_123456_20260105090000.MP4").write_bytes(synthetic_mp4("dot"))
        odd = os.fsdecode(b"\xff\xfe_not_utf8.MP4")
        with contextlib.suppress(OSError, UnicodeEncodeError):  # file systems refusing it
            (folder / odd).write_bytes(synthetic_mp4("odd"))
        outside = root / "outside-secret.txt"
        outside.write_bytes(b"outside the volume\n")
        link = folder / "link_1234567_123456_20260105091500.MP4"
        with contextlib.suppress(OSError):  # e.g. Windows without symlink rights
            link.symlink_to(outside)

    def hostile_names(self) -> list[str]:
        """Names `hostile=True` puts next to the media (those the platform allowed)."""
        if self.volume is None:
            return []
        expected = {Path(rel).name for rel in self.expected_files()}
        return sorted(p.name for p in (self.volume / VOLUME_DIR).iterdir()
                      if p.name not in expected)  # fmt: skip
