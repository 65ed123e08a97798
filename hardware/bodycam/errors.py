"""Typed errors of the body-worn recorder (执法记录仪), one per GA/T 947 `iRet` failure code.

Every error is a `hardware.errors.DeviceError` whose `message` is translated through gettext, so
the desktop can show it as is. `IRet` is the acknowledgement enum of the reference (§2.4);
`error_for_iret` turns a failure code into its error class (an unknown code gives
`UnknownIRetError`).
"""

from __future__ import annotations

from enum import IntEnum
from gettext import gettext as _
from typing import ClassVar

from hardware.errors import DeviceError


class IRet(IntEnum):
    """`iRet` out codes of the vendor DLLs (Eylog header enum, §2.4; numbering unverified)."""

    CONNECT_SUCCESS = 1
    CONNECT_FAILED = 2
    CHECK_PWD_SUCCESS = 3
    CHECK_PWD_FAILED = 4
    SET_SYSTEMTIME_SUCCESS = 5
    SET_SYSTEMTIME_FAILED = 6
    MSDC_SUCCESS = 7
    MSDC_FAILED = 8


class BodycamError(DeviceError):
    """Anything that went wrong talking to a body-worn recorder."""

    @classmethod
    def default_message(cls) -> str:
        return _("The body-worn recorder reported an error.")


# --------------------------------------------------------------------------- identity record


class IdentityRecordError(BodycamError):
    """The ZFY_INFO identity record could not be encoded or decoded."""

    @classmethod
    def default_message(cls) -> str:
        return _("The recorder's identity record is damaged.")


class RecordLengthError(IdentityRecordError):
    @classmethod
    def default_message(cls) -> str:
        return _("The recorder's identity record has a wrong length.")


class FieldEncodingError(IdentityRecordError):
    @classmethod
    def default_message(cls) -> str:
        return _("A field of the recorder's identity record is not valid text.")


class FieldTooLongError(IdentityRecordError):
    @classmethod
    def default_message(cls) -> str:
        return _("A field of the recorder's identity record is too long.")


class MissingFieldError(IdentityRecordError):
    @classmethod
    def default_message(cls) -> str:
        return _("The recorder's identity record lacks its serial or officer number.")


# --------------------------------------------------------------------------- session / library


class NotConnectedError(BodycamError):
    @classmethod
    def default_message(cls) -> str:
        return _("The body-worn recorder is not connected. Dock it and connect first.")


class VendorLibraryMissingError(BodycamError):
    @classmethod
    def default_message(cls) -> str:
        return _("The recorder vendor's library is not installed on this computer.")


class UnsupportedOperationError(BodycamError):
    @classmethod
    def default_message(cls) -> str:
        return _("This body-worn recorder does not support the requested operation.")


class MalformedReplyError(BodycamError):
    @classmethod
    def default_message(cls) -> str:
        return _("The body-worn recorder sent a reply that cannot be understood.")


class StorageError(BodycamError):
    @classmethod
    def default_message(cls) -> str:
        return _("The recorder's storage volume did not appear.")


# --------------------------------------------------------------------------- iRet statuses


class IRetError(BodycamError):
    """The device library answered with a failure `iRet`."""

    iret: ClassVar[int] = -1

    @property
    def code(self) -> int:
        return self.iret


class ConnectFailedError(IRetError):
    iret = IRet.CONNECT_FAILED

    @classmethod
    def default_message(cls) -> str:
        return _("Connecting to the body-worn recorder failed. Check the cable and dock.")


class WrongPasswordError(IRetError):
    iret = IRet.CHECK_PWD_FAILED

    @classmethod
    def default_message(cls) -> str:
        return _("The body-worn recorder rejected the password.")


class TimeSyncFailedError(IRetError):
    iret = IRet.SET_SYSTEMTIME_FAILED

    @classmethod
    def default_message(cls) -> str:
        return _("Setting the body-worn recorder's clock failed.")


class MassStorageFailedError(IRetError):
    iret = IRet.MSDC_FAILED

    @classmethod
    def default_message(cls) -> str:
        return _("The body-worn recorder could not switch to removable-disk mode.")


class UnknownIRetError(IRetError):
    """An `iRet` outside the reference table; `code` keeps it."""

    def __init__(self, code: int) -> None:
        self._code = code
        super().__init__(
            _("The body-worn recorder reported unknown status {code}.").format(code=code)
        )

    @property
    def code(self) -> int:
        return self._code


#: failure iRet -> error class (§2.4). Success codes are not here.
IRET_ERRORS: dict[int, type[IRetError]] = {
    cls.iret: cls
    for cls in (ConnectFailedError, WrongPasswordError, TimeSyncFailedError,
                MassStorageFailedError)
}  # fmt: skip

SUCCESS_IRETS = frozenset(
    {IRet.CONNECT_SUCCESS, IRet.CHECK_PWD_SUCCESS, IRet.SET_SYSTEMTIME_SUCCESS, IRet.MSDC_SUCCESS}
)


def error_for_iret(code: int) -> IRetError:
    """The error a failure `iRet` stands for (do not pass success codes)."""
    cls = IRET_ERRORS.get(code)
    if cls is None:
        return UnknownIRetError(code)
    return cls()
