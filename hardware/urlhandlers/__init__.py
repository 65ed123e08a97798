"""pyserial URL handlers: in-process device emulators and `serial://<device>`.

Importing this package (pyserial does so once it is in `serial.protocol_handler_packages`;
`hardware.transport` adds it) registers:

- `emu-gnss://?rate=…&n=…&seed=…&talker=…&repeat=…&corrupt=…&nofix=a-b` — `GnssEmulator`;
- `emu-idcard://` — `hardware.idcard.emulator.IdCardReaderEmulator`;
- `emu-mrz://` — `hardware.mrz.emulator.MrzReaderEmulator`;
- `emu-fingerprint://?finger=…&arrive=…&seed=…&packet=…` —
  `hardware.fingerprint.emulator.FingerprintReaderEmulator`;
- `emu-bodycam://?root=DIR&serial=…&pwd=…&offset=…&size=…` — the device side of the
  Amba-style protocol, `hardware.bodycam.amba_device.AmbaDevice`, around a
  `hardware.bodycam.emulator.BodycamEmulator` (the port's `emulator` is the `AmbaDevice`; its
  `emulator` the recorder); without `root` its storage goes to a new temporary directory;
- `serial://<device>[?baud=N]` — the native port for `<device>` (`serial:///dev/ttyUSB0`,
  `serial://COM3`).

The idcard, MRZ, fingerprint and body-cam emulators are imported only when such a port is
opened. New device emulators plug in with `register_emulator(scheme, factory)` (see `base`).
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping
from typing import Any

import serial

from hardware.gnss.emulator import GnssEmulator
from hardware.link import Emulator
from hardware.urlhandlers.base import (
    PACKAGE,
    EmulatorFactory,
    EmulatorSerial,
    build_emulator,
    register_emulator,
    registered_schemes,
    url_params,
)

__all__ = [
    "EmulatorFactory",
    "EmulatorSerial",
    "build_emulator",
    "lazy_factory",
    "register_emulator",
    "registered_schemes",
    "url_params",
]


def lazy_factory(module: str, name: str) -> EmulatorFactory:
    """A factory importing `module.name` on first use: `cls.from_params(params)` or `cls()`.

    Query options are passed only through `from_params`; an emulator class without it accepts
    none.
    """

    def build(params: Mapping[str, str]) -> Emulator:
        cls: Any = getattr(importlib.import_module(module), name)
        if hasattr(cls, "from_params"):
            emulator: Emulator = cls.from_params(params)
            return emulator
        if params:
            raise ValueError(f"{name} takes no options")
        built: Emulator = cls()
        return built

    return build


def _native_serial_class_for_url(url: str) -> tuple[str, Any]:
    """`serial://<device>?…` → the platform's Serial class for `<device>`."""
    rest = url.split("://", 1)[1].split("?", 1)[0]
    return rest, serial.Serial


def _install_native() -> None:
    module = types.ModuleType(f"{PACKAGE}.protocol_serial")
    module.__dict__["serial_class_for_url"] = _native_serial_class_for_url
    sys.modules[module.__name__] = module


register_emulator("emu-gnss", GnssEmulator.from_params)
register_emulator("emu-idcard", lazy_factory("hardware.idcard.emulator", "IdCardReaderEmulator"))
register_emulator("emu-mrz", lazy_factory("hardware.mrz.emulator", "MrzReaderEmulator"))
register_emulator("emu-fingerprint", lazy_factory("hardware.fingerprint.emulator",
                                                  "FingerprintReaderEmulator"))
register_emulator("emu-bodycam", lazy_factory("hardware.bodycam.amba_device", "AmbaDevice"))
_install_native()
