"""Typed errors of the fingerprint reader: the line's failures and one per confirmation code.

Every error is a `hardware.errors.DeviceError` whose `message` is translated when read, so the
desktop shows it as is; a port that fails in use is `hardware.errors.PortError`.
`error_for_code` builds the error a failing confirmation code stands for (an unknown code gives
`UnknownCodeError`, never a bare exception).
"""

from __future__ import annotations

from gettext import gettext as _
from typing import ClassVar

from hardware.errors import DeviceError


class FingerprintError(DeviceError):
    """Anything that went wrong talking to a fingerprint reader."""

    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint reader reported an error.")


# --------------------------------------------------------------------------- the line


class TransportError(FingerprintError):
    """The bytes between host and reader were lost, late or damaged."""


class ReaderTimeoutError(TransportError):
    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint reader did not answer in time. Check its cable and port.")


class BadPacketError(TransportError):
    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint reader sent a damaged reply. Try again.")


class PacketChecksumError(BadPacketError):
    @classmethod
    def default_message(cls) -> str:
        return _("A reply from the fingerprint reader failed its checksum. Try again.")


class PacketLengthError(BadPacketError):
    @classmethod
    def default_message(cls) -> str:
        return _("A reply from the fingerprint reader had an impossible length. Try again.")


class UnexpectedReplyError(BadPacketError):
    """A packet the exchange does not allow (a command echoed, data out of order)."""

    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint reader answered in an unexpected way. Try again.")


class ImageIncompleteError(BadPacketError):
    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint image from the reader is incomplete. Take it again.")


class NoFingerTimeoutError(FingerprintError):
    """No finger was placed within the time the officer allowed."""

    @classmethod
    def default_message(cls) -> str:
        return _("No finger was placed on the fingerprint reader. Place the finger flat on "
                 "the glass and try again.")


# --------------------------------------------------------------------------- confirmation codes


class StatusError(FingerprintError):
    """The reader answered with a failing confirmation code."""

    code: ClassVar[int] = -1

    @property
    def status(self) -> int:
        return self.code


class ReceiveError(StatusError):
    code = 0x01

    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint reader received a damaged command. Try again.")


class NoFingerError(StatusError):
    code = 0x02

    @classmethod
    def default_message(cls) -> str:
        return _("No finger on the fingerprint reader.")


class CaptureFailedError(StatusError):
    code = 0x03

    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint could not be captured. Clean the glass, press the finger "
                 "flat and try again.")


class UploadFailedError(StatusError):
    code = 0x0F

    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint reader could not send the image. Take it again.")


class WrongPasswordError(StatusError):
    code = 0x13

    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint reader refused its password. Check the reader's settings.")


class NoValidImageError(StatusError):
    code = 0x15

    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint reader holds no image yet. Take the fingerprint first.")


class UnknownInstructionError(StatusError):
    code = 0x19

    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint reader does not know this command; it may be another model.")


class ReaderPortError(StatusError):
    code = 0x1D

    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint reader's own port failed. Restart the reader.")


class UnknownCodeError(StatusError):
    """A confirmation code outside the table; `value` keeps it."""

    def __init__(self, value: int) -> None:
        self.value = value
        super().__init__(_("The fingerprint reader reported unknown status 0x{code:02X}."
                           ).format(code=value))

    @property
    def status(self) -> int:
        return self.value


STATUS_ERRORS: dict[int, type[StatusError]] = {
    cls.code: cls
    for cls in (ReceiveError, NoFingerError, CaptureFailedError, UploadFailedError,
                WrongPasswordError, NoValidImageError, UnknownInstructionError,
                ReaderPortError)
}


def error_for_code(code: int) -> StatusError:
    """The error a failing confirmation code stands for (0x00 is success: do not pass it)."""
    cls = STATUS_ERRORS.get(code)
    return UnknownCodeError(code) if cls is None else cls()
