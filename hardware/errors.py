"""The one error base of every device, and the one error of a port that cannot be used.

Every device family (ID card, MRZ, body-worn recorder, GNSS, and the next ones: camera,
microphone) raises subclasses of `DeviceError`, so a caller that talks to "a device" catches
one class and shows `message`. `message` is translated when it is read, not when the error is
raised, so a language switch in between still takes effect; `detail` is untranslated text for
logs (a raw pyserial message, a frame's bytes). A family names its own failures beneath its own
base (`IdCardError`, `MrzError`, `BodycamError`, `NmeaError`) and gives each a
`default_message`, or overrides `message` when the text depends on the error's data.

`PortError` is the one error of a port: it could not be opened (`kind` says why) or stopped
working while a driver used it (`PortErrorKind.LOST`).
"""

from __future__ import annotations

import enum
from gettext import gettext as _


class DeviceError(Exception):
    """Anything that went wrong with a device or its line; show `message`, log `detail`."""

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        self._message = message
        self.detail = detail
        super().__init__(message if message is not None else (detail or type(self).__name__))

    @classmethod
    def default_message(cls) -> str:
        return _("The device reported an error.")

    @property
    def message(self) -> str:
        """What the officer is told (translated now)."""
        return self._message if self._message is not None else self.default_message()

    def __str__(self) -> str:
        return self.message


class PortErrorKind(enum.Enum):
    NOT_FOUND = "not_found"
    PERMISSION = "permission"
    BUSY = "busy"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"
    LOST = "lost"  # opened, then failed while in use (unplugged, I/O error)


class PortError(DeviceError):
    """A port could not be opened or stopped working; `kind` says why, `port` names it."""

    def __init__(self, kind: PortErrorKind, port: str, detail: str = "") -> None:
        self.kind = kind
        self.port = port
        super().__init__(detail=detail)

    @property
    def message(self) -> str:
        return _port_message(self.kind, self.port)


def _port_message(kind: PortErrorKind, port: str) -> str:
    if kind is PortErrorKind.NOT_FOUND:
        return _("No device at {port}. Check that it is plugged in and that the name is right."
                 ).format(port=port)
    if kind is PortErrorKind.PERMISSION:
        return _("Permission denied opening {port}. On Linux, add the user to the "
                 "\"dialout\" group and log in again.").format(port=port)
    if kind is PortErrorKind.BUSY:
        return _("{port} is busy: another program is using it. Close that program and try "
                 "again.").format(port=port)
    if kind is PortErrorKind.INVALID:
        return _("{port} is not a usable serial port or device URL.").format(port=port)
    if kind is PortErrorKind.LOST:
        if not port:
            return _("The device's port stopped working. Check that it is still connected.")
        return _("{port} stopped working. Check that the device is still connected."
                 ).format(port=port)
    return _("Could not open {port}.").format(port=port)
