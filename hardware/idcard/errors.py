"""Typed errors of the ID card reader, one per SAM status code plus the transport failures.

Every error is a `hardware.errors.DeviceError` whose `message` is translated through gettext, so
the desktop can show it as is; a port that fails in use is `hardware.errors.PortError`. Status
errors keep the SW1/SW2/SW3 bytes they came from; `STATUS_ERRORS` maps each SW3 code of the
reference table (§1.4) to its class and `error_for_status` builds the right instance (an unknown
code gives `UnknownStatusError`, never a bare exception).
"""

from __future__ import annotations

from gettext import gettext as _
from typing import ClassVar

from hardware.errors import DeviceError


class IdCardError(DeviceError):
    """Anything that went wrong talking to an ID card reader."""

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader reported an error.")


# --------------------------------------------------------------------------- transport


class TransportError(IdCardError):
    """The bytes between host and reader were lost, late or damaged."""


class ReaderTimeoutError(TransportError):
    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader did not answer in time. Check its cable and port.")


class BadFrameError(TransportError):
    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader sent a damaged reply. Try again.")


class FrameChecksumError(BadFrameError):
    @classmethod
    def default_message(cls) -> str:
        return _("A reply from the ID card reader failed its checksum. Try again.")


class FrameLengthError(BadFrameError):
    @classmethod
    def default_message(cls) -> str:
        return _("A reply from the ID card reader had an impossible length. Try again.")


class MalformedPayloadError(BadFrameError):
    @classmethod
    def default_message(cls) -> str:
        return _("The ID card data from the reader is incomplete. Read the card again.")


class UnexpectedStatusError(BadFrameError):
    """A status the command never answers with (e.g. 0x9F to a read)."""

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader answered in an unexpected way. Try again.")


# --------------------------------------------------------------------------- SW3 statuses


class StatusError(IdCardError):
    """The reader answered with a failure status (SW3)."""

    sw3: ClassVar[int] = -1

    def __init__(self, message: str | None = None, *, sw1: int = 0, sw2: int = 0) -> None:
        super().__init__(message)
        self.sw1 = sw1
        self.sw2 = sw2

    @property
    def status(self) -> int:
        return self.sw3


class ReaderChecksumError(StatusError):
    sw3 = 0x10

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader received a damaged command (checksum). Try again.")


class ReaderLengthError(StatusError):
    sw3 = 0x11

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader received a damaged command (length). Try again.")


class CommandError(StatusError):
    sw3 = 0x21

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader rejected the command or its order.")


class UnauthorizedOperationError(StatusError):
    sw3 = 0x23

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader refused an unauthorized operation.")


class UnrecognizedReaderError(StatusError):
    sw3 = 0x24

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader reported an unrecognized error.")


class CardAuthenticatesSamError(StatusError):
    sw3 = 0x31

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card did not accept the reader's security module. Read the card again.")


class SamAuthenticatesCardError(StatusError):
    sw3 = 0x32

    @classmethod
    def default_message(cls) -> str:
        return _("The reader's security module did not accept the ID card. Check the card.")


class VerificationError(StatusError):
    sw3 = 0x33

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card data failed verification. Read the card again.")


class FingerprintVerificationError(StatusError):
    sw3 = 0x37

    @classmethod
    def default_message(cls) -> str:
        return _("The fingerprint data on the ID card failed verification.")


class InformationLengthError(StatusError):
    sw3 = 0x3F

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card data has a wrong length. Read the card again.")


class UnknownCardTypeError(StatusError):
    sw3 = 0x40

    @classmethod
    def default_message(cls) -> str:
        return _("The card on the reader is not a recognized ID card.")


class ReadFailedError(StatusError):
    sw3 = 0x41

    @classmethod
    def default_message(cls) -> str:
        return _("Reading the ID card failed. Keep the card still on the reader and try again.")


class RandomNumberError(StatusError):
    sw3 = 0x47

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader could not get a random number from the card. Try again.")


class SamFaultError(StatusError):
    sw3 = 0x60

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader's security module failed its self-test. Restart the reader.")


class SamUnauthorizedError(StatusError):
    sw3 = 0x66

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card reader's security module is not authorized and cannot be used.")


class NoCardError(StatusError):
    sw3 = 0x80

    @classmethod
    def default_message(cls) -> str:
        return _("No card on the reader. Place the ID card on the reader.")


class CardNotReplacedError(NoCardError):
    """Find failed right after a read: the reader wants the card lifted and placed again."""

    @classmethod
    def default_message(cls) -> str:
        return _("Lift the ID card off the reader and place it again to read it again.")


class SelectFailedError(StatusError):
    sw3 = 0x81

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card could not be selected. Keep the card still on the reader.")


class NoSuchItemError(StatusError):
    sw3 = 0x91

    @classmethod
    def default_message(cls) -> str:
        return _("The ID card does not hold this item.")


class UnknownStatusError(StatusError):
    """A SW3 code outside the reference table; `code` keeps it."""

    def __init__(self, code: int, *, sw1: int = 0, sw2: int = 0) -> None:
        self.code = code
        super().__init__(
            _("The ID card reader reported unknown status 0x{code:02X}.").format(code=code),
            sw1=sw1,
            sw2=sw2,
        )

    @property
    def status(self) -> int:
        return self.code


#: SW3 -> error class, exactly the failure rows of the reference table (§1.4).
STATUS_ERRORS: dict[int, type[StatusError]] = {
    cls.sw3: cls
    for cls in (
        ReaderChecksumError,
        ReaderLengthError,
        CommandError,
        UnauthorizedOperationError,
        UnrecognizedReaderError,
        CardAuthenticatesSamError,
        SamAuthenticatesCardError,
        VerificationError,
        FingerprintVerificationError,
        InformationLengthError,
        UnknownCardTypeError,
        ReadFailedError,
        RandomNumberError,
        SamFaultError,
        SamUnauthorizedError,
        NoCardError,
        SelectFailedError,
        NoSuchItemError,
    )
}


def error_for_status(sw3: int, *, sw1: int = 0, sw2: int = 0) -> StatusError:
    """The error a failure status stands for (success codes are not failures: do not pass them)."""
    cls = STATUS_ERRORS.get(sw3)
    if cls is None:
        return UnknownStatusError(sw3, sw1=sw1, sw2=sw2)
    return cls(sw1=sw1, sw2=sw2)
