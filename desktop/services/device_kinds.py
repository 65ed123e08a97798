"""The kinds of device a workstation has, and which of them can be emulated.

Apart from `desktop.services.devices` (which re-exports both names), so that the command line
can offer the device kinds as choices without loading the drivers and the store: the parser is
built on every start of the program.
"""

from __future__ import annotations

from enum import StrEnum


class Device(StrEnum):
    """The devices of a workstation (the values name the fields of `config.DevicePorts`)."""

    IDCARD = "idcard"
    MRZ = "mrz"
    BODYCAM = "bodycam"
    GNSS = "gnss"
    FINGERPRINT = "fingerprint"


EMULATED = tuple(device.value for device in Device)
