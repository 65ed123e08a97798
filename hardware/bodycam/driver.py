"""The body-worn recorder driver interface, shaped on the GA/T 947.4 function set (§2.2).

`BodycamDriver` is what the dock workflow (§2.7) talks to: connect with the device password,
read/write the `ZFY_INFO` identity record, read and synchronise the clock (recording the
offset for evidence), battery, resolution, unlock mass storage (returns the volume's mount
path) and lock it again. Every failure is a `BodycamError` subclass. It also holds what every
driver does the same way: the session (the password `connect` checked, which later calls
carry as the DLL's `sPwd`), the connect sequence and the clock reading; a driver supplies only
its device calls (`_login`, `_check_password`, `_logout`, `_device_time`, ...).

A `VendorAdapter` holds what differs per vendor: identity field widths (`RecordLayout`), GBK,
password length, the device's time zone, file-name presets and whether the device can report
its time. `VendorDllDriver` is the `ctypes` plug-in point for the vendors' Windows DLLs: it
documents the standard exports, checks that a library exposes them, and otherwise raises
`VendorLibraryMissingError`; the calls themselves wait for a procured SDK. The other drivers
live beside it: `AmbaDriver` for the `@Cmd;len;arg;#` byte protocol in `amba`, and the test-only
`EmulatorDriver` (in `emulator_driver`), so this module never imports an emulator.
"""

from __future__ import annotations

import ctypes
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from gettext import gettext as _
from pathlib import Path
from typing import Any

from hardware.bodycam.errors import (
    MalformedReplyError,
    NotConnectedError,
    UnsupportedOperationError,
    VendorLibraryMissingError,
    WrongPasswordError,
)
from hardware.bodycam.filenames import DEFAULT_PRESET, PRESETS, NamePreset
from hardware.bodycam.identity import (
    AIRLINE_LAYOUT,
    C_LAYOUT,
    PACKED_LAYOUT,
    IdentityRecord,
    RecordLayout,
    decode_identity,
    encode_identity,
)

__all__ = [
    "ADAPTERS",
    "DLL_FUNCTIONS",
    "BodycamDriver",
    "ClockReading",
    "VendorAdapter",
    "VendorDllDriver",
    "host_utc",
]

HostClock = Callable[[], datetime]


def host_utc() -> datetime:
    """The host's clock, aware and in UTC (drivers take it injected, so tests pin it)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class VendorAdapter:
    """What differs between vendors' recorders."""

    name: str
    layout: RecordLayout = C_LAYOUT
    password_length: int = 6
    device_utc_offset: timedelta = timedelta(hours=8)  # device clocks show Beijing time
    can_read_time: bool = True  # BC_GetDevTime or equivalent exists
    device_time_format: str = "%Y%m%d%H%M%S"
    sync_time_format: str = "%Y-%m-%d %H:%M:%S"
    presets: tuple[NamePreset, ...] = field(default=(DEFAULT_PRESET,))

    def check_password(self, password: str) -> bytes:
        """The password as the DLL's `sPwd` bytes; a malformed one never reaches the device."""
        if (
            len(password) != self.password_length
            or not password.isascii()
            or not password.isprintable()
        ):
            raise WrongPasswordError(
                _("The recorder password must be {n} plain characters.").format(
                    n=self.password_length
                )
            )
        return password.encode("ascii")

    def encode_identity(self, record: IdentityRecord, *, truncate: bool = False) -> bytes:
        return encode_identity(record, self.layout, truncate=truncate)

    def decode_identity(self, data: bytes) -> IdentityRecord:
        return decode_identity(data, self.layout)

    def device_local(self, host: datetime) -> datetime:
        """Host time (aware) as the naive wall time the device should show."""
        if host.tzinfo is None:
            raise ValueError("host clock must be timezone-aware")
        return (host.astimezone(UTC) + self.device_utc_offset).replace(tzinfo=None)

    def parse_device_time(self, text: str) -> datetime:
        try:
            return datetime.strptime(text, self.device_time_format)  # device-local time
        except ValueError as exc:
            raise MalformedReplyError(
                _("The recorder reported an unreadable time: {text!r}.").format(text=text)
            ) from exc


#: Adapters per known record layout (§2.3). Widths are per vendor: add more as SDKs arrive.
ADAPTERS: dict[str, VendorAdapter] = {
    a.name: a
    for a in (
        VendorAdapter("gat947"),
        VendorAdapter("android", layout=PACKED_LAYOUT),
        VendorAdapter("airline", layout=AIRLINE_LAYOUT),
        VendorAdapter("gat947-time-first", presets=(PRESETS["time-first"], DEFAULT_PRESET)),
    )
}


@dataclass(frozen=True)
class ClockReading:
    """One look at the device clock, for the evidence record (§2.7 step 3).

    `device_time` is the naive wall time the device showed, `host_time` the aware host time it
    was compared to, `offset_s` = device minus correct device-local time (positive: fast).
    `None` when the device cannot report its time.
    """

    host_time: datetime
    device_time: datetime | None
    offset_s: float | None


class BodycamDriver(ABC):
    """A docked recorder (GA/T 947.4 function set). Call `connect` first."""

    def __init__(self, adapter: VendorAdapter, host_clock: HostClock = host_utc) -> None:
        self.adapter = adapter
        self.host_clock = host_clock
        self._password: str | None = None  # the session's, once `connect` checked it

    def _pwd(self) -> str:
        """The password of the session; `NotConnectedError` before `connect` or after
        `disconnect`, so no call reaches the device without one."""
        if self._password is None:
            raise NotConnectedError()
        return self._password

    def connect(self, password: str) -> str:
        """`Init_Device` + password check; returns the IDCode (vendor + model).

        A malformed password never reaches the device; a wrong one ends the device session
        again before `WrongPasswordError` is raised."""
        self.adapter.check_password(password)
        id_code = self._login()
        try:
            self._check_password(password)
        except WrongPasswordError:
            self._logout()
            raise
        self._password = password
        return id_code

    def disconnect(self) -> None:
        """`UnInit_Device`; the session's password is forgotten first."""
        self._password = None
        self._logout()

    @abstractmethod
    def _login(self) -> str:
        """`Init_Device`: start a device session; the IDCode."""

    @abstractmethod
    def _check_password(self, password: str) -> None:
        """A call that needs `password` (`GetZFYInfo`), so a wrong one fails here."""

    @abstractmethod
    def _logout(self) -> None:
        """`UnInit_Device`: end the device session."""

    @abstractmethod
    def read_identity(self) -> IdentityRecord:
        """`GetZFYInfo`."""

    @abstractmethod
    def write_identity(self, record: IdentityRecord, *, truncate: bool = False) -> None:
        """`WriteZFYInfo`."""

    def read_time(self) -> ClockReading:
        """The device clock against the host clock (`BC_GetDevTime`-style); the host time is
        taken first, and alone when the adapter says the device cannot report its time."""
        host = self.host_clock()
        if not self.adapter.can_read_time:
            return ClockReading(host, None, None)
        device = self.adapter.parse_device_time(self._device_time())
        correct = self.adapter.device_local(host).replace(microsecond=0)
        return ClockReading(host, device, (device - correct).total_seconds())

    @abstractmethod
    def _device_time(self) -> str:
        """`BC_GetDevTime`: the device's clock as text in `adapter.device_time_format`."""

    @abstractmethod
    def _push_time(self, local: datetime) -> None:
        """`SyncDevTime`: set the device clock to `local` (naive device-local time)."""

    def sync_time(self) -> tuple[ClockReading, ClockReading]:
        """Read the offset, push the host time, read again: (before, after)."""
        before = self.read_time()
        self._push_time(self.adapter.device_local(self.host_clock()))
        return before, self.read_time()

    @abstractmethod
    def battery(self) -> int:
        """`ReadDeviceBatteryDumpEnergy`: percent 0-100."""

    @abstractmethod
    def resolution(self) -> tuple[int, int]:
        """`ReadDeviceResolution`: (width, height)."""

    @abstractmethod
    def unlock_storage(self) -> Path:
        """`SetMSDC`: the device re-enumerates as a disk; returns the volume's mount path."""

    @abstractmethod
    def lock_storage(self) -> None:
        """Leave disk mode (valid only for the current plug-in anyway, §2.5)."""


#: The standard exports every vendor DLL provides (§2.2; `int f(..., int *iRet)`, 1 = success).
DLL_FUNCTIONS: dict[str, str] = {
    "Init_Device": "int Init_Device(char *IDCode, int *iRet)",
    "UnInit_Device": "void UnInit_Device(int *iRet)",
    "GetIDCode": "int GetIDCode(char *IDCode, int *iRet)",
    "GetZFYInfo": "int GetZFYInfo(ZFY_INFO *info, char *sPwd, int *iRet)",
    "WriteZFYInfo": "int WriteZFYInfo(ZFY_INFO *info, char *sPwd, int *iRet)",
    "SyncDevTime": "int SyncDevTime(char *sPwd, int *iRet)",
    "SetMSDC": "int SetMSDC(char *sPwd, int *iRet)",
    "ReadDeviceResolution": "int ReadDeviceResolution(int *Width, int *Height, char *sPwd, "
    "int *iRet)",
    "ReadDeviceBatteryDumpEnergy": "int ReadDeviceBatteryDumpEnergy(int *Battery, char *sPwd, "
    "int *iRet)",
}


class VendorDllDriver(BodycamDriver):
    """Plug-in point for a vendor's GA/T 947.4 DLL, loaded with `ctypes`.

    `library` is the DLL's path (or name for the platform loader). Loading fails with
    `VendorLibraryMissingError` when no library is configured, it cannot be loaded, or it
    lacks a standard export of `DLL_FUNCTIONS`. The call bindings (struct layout per adapter,
    SyncDevTime pushing the PC time itself, finding the volume after SetMSDC) are written
    against a procured SDK; until then every operation raises `UnsupportedOperationError`.
    """

    def __init__(
        self,
        library: str | None,
        adapter: VendorAdapter = ADAPTERS["gat947"],
        host_clock: HostClock = host_utc,
        loader: Callable[[str], Any] = ctypes.CDLL,
    ) -> None:
        super().__init__(adapter, host_clock)
        self.library = library
        self._loader = loader
        self._dll: Any = None

    def load(self) -> Any:
        if self._dll is not None:
            return self._dll
        if not self.library:
            raise VendorLibraryMissingError()
        try:
            dll = self._loader(self.library)
        except OSError as exc:
            raise VendorLibraryMissingError(
                _("The recorder vendor's library {name} is not installed or cannot load.").format(
                    name=self.library
                )
            ) from exc
        missing = [name for name in DLL_FUNCTIONS if not hasattr(dll, name)]
        if missing:
            raise VendorLibraryMissingError(
                _("The recorder vendor's library lacks the functions: {names}.").format(
                    names=", ".join(missing)
                )
            )
        self._dll = dll
        return dll

    def _unsupported(self) -> UnsupportedOperationError:
        self.load()
        return UnsupportedOperationError(
            _("Calling this recorder vendor's library is not supported yet.")
        )

    def _login(self) -> str:
        raise self._unsupported()

    def _check_password(self, password: str) -> None:
        raise self._unsupported()

    def _logout(self) -> None:
        raise self._unsupported()

    def read_identity(self) -> IdentityRecord:
        raise self._unsupported()

    def write_identity(self, record: IdentityRecord, *, truncate: bool = False) -> None:
        raise self._unsupported()

    def _device_time(self) -> str:
        raise self._unsupported()

    def _push_time(self, local: datetime) -> None:
        raise self._unsupported()

    def battery(self) -> int:
        raise self._unsupported()

    def resolution(self) -> tuple[int, int]:
        raise self._unsupported()

    def unlock_storage(self) -> Path:
        raise self._unsupported()

    def lock_storage(self) -> None:
        raise self._unsupported()
