"""`EmulatorDriver`: a `BodycamDriver` over a `BodycamEmulator`'s DLL-like Python API.

It is for tests: it exercises the `ok` + `iRet` error mapping a vendor DLL binding needs
without any byte protocol. It lives apart from `driver` so the production drivers never import
the emulator (the emulator imports nothing of the drivers either).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from hardware.bodycam.driver import (
    ADAPTERS,
    BodycamDriver,
    HostClock,
    VendorAdapter,
    host_utc,
)
from hardware.bodycam.emulator import BodycamEmulator, Reply
from hardware.bodycam.errors import MalformedReplyError, StorageError, error_for_iret
from hardware.bodycam.identity import IdentityRecord

__all__ = ["EmulatorDriver"]


class EmulatorDriver(BodycamDriver):
    """Drives an in-process `BodycamEmulator` through its DLL-like API."""

    def __init__(
        self,
        emulator: BodycamEmulator,
        adapter: VendorAdapter = ADAPTERS["gat947"],
        host_clock: HostClock = host_utc,
    ) -> None:
        super().__init__(adapter, host_clock)
        self.emulator = emulator

    @staticmethod
    def _value(reply: Reply) -> Any:
        if reply.ok != 1:
            raise error_for_iret(reply.iret)
        return reply.value

    def _login(self) -> str:
        id_code = self._value(self.emulator.init_device())
        if not isinstance(id_code, str):
            raise MalformedReplyError()
        return id_code

    def _check_password(self, password: str) -> None:
        self._value(self.emulator.get_zfy_info(password))

    def _logout(self) -> None:
        self.emulator.uninit_device()

    def read_identity(self) -> IdentityRecord:
        data = self._value(self.emulator.get_zfy_info(self._pwd()))
        if not isinstance(data, bytes):
            raise MalformedReplyError()
        return self.adapter.decode_identity(data)

    def write_identity(self, record: IdentityRecord, *, truncate: bool = False) -> None:
        data = self.adapter.encode_identity(record, truncate=truncate)
        self._value(self.emulator.write_zfy_info(data, self._pwd()))

    def _device_time(self) -> str:
        text = self._value(self.emulator.get_dev_time(self._pwd()))
        if not isinstance(text, str):
            raise MalformedReplyError()
        return text

    def _push_time(self, local: datetime) -> None:
        self._value(self.emulator.sync_dev_time(self._pwd(), local))

    def battery(self) -> int:
        value = self._value(self.emulator.read_battery(self._pwd()))
        if not isinstance(value, int) or not 0 <= value <= 100:
            raise MalformedReplyError()
        return value

    def resolution(self) -> tuple[int, int]:
        value = self._value(self.emulator.read_resolution(self._pwd()))
        if not (isinstance(value, tuple) and len(value) == 2
                and all(isinstance(v, int) and v > 0 for v in value)):  # fmt: skip
            raise MalformedReplyError()
        return (value[0], value[1])

    def unlock_storage(self) -> Path:
        volume = self._value(self.emulator.set_msdc(self._pwd()))
        if not isinstance(volume, Path) or not volume.is_dir():
            raise StorageError()
        return volume

    def lock_storage(self) -> None:
        self._pwd()
        self._value(self.emulator.lock_storage())
