"""Typed errors of the MRZ package.

Every failure the MRZ code can report is an `MrzError` (a `hardware.errors.DeviceError`);
callers (the desktop service, tests) catch that one base class and show `message`, which is
translated at the moment it is read so a language switch after the error was raised still
takes effect.
"""

from __future__ import annotations

from gettext import gettext as _

from hardware.errors import DeviceError


class MrzError(DeviceError):
    """Base class: `code` is stable for logs and tests, `message` is for people.

    `detail` (the only argument) is untranslated data a message shows verbatim: a line
    length, the offending characters, a reader's OS error.
    """

    code = "mrz"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail=detail)

    @classmethod
    def default_message(cls) -> str:
        return _("The machine-readable zone could not be read.")


class MrzFormatError(MrzError):
    """The text is empty or holds characters an MRZ can never contain."""

    code = "format"

    @property
    def message(self) -> str:
        if self.detail:
            return _("The machine-readable zone contains invalid characters: {chars}").format(
                chars=self.detail
            )
        return _("The machine-readable zone is empty.")


class MrzLayoutError(MrzError):
    """The line count and lengths match no known MRZ layout."""

    code = "layout"

    @property
    def message(self) -> str:
        return _("The machine-readable zone has an unknown layout ({lines}).").format(
            lines=self.detail
        )


class UnsupportedDocumentError(MrzError):
    """A recognisable but unsupported document, e.g. an old one-line Chinese travel permit.

    `detail` is one of the `KINDS` keys, so the message is translated when it is shown.
    """

    code = "unsupported"
    KINDS = ("one_line_permit", "two_line_permit", "unknown_permit")

    def __init__(self, detail: str = "", lines: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        # Kept so the operator can still see and type in what the reader delivered.
        self.lines = lines

    @property
    def message(self) -> str:
        kinds = {
            "one_line_permit": _("a one-line travel permit"),
            "two_line_permit": _("a two-line travel permit"),
            "unknown_permit": _("a travel permit with an unknown layout"),
        }
        kind = kinds.get(self.detail, self.detail)
        return _("This document cannot be read automatically ({kind}). Enter it by hand.").format(
            kind=kind
        )


class MrzReaderError(MrzError):
    """The reader port failed (closed, unplugged, I/O error)."""

    code = "reader"

    @property
    def message(self) -> str:
        return _("The MRZ reader cannot be used ({reason}). Check its cable and port.").format(
            reason=self.detail
        )


class MrzTimeoutError(MrzReaderError):
    """No complete document arrived before the deadline."""

    code = "timeout"

    @property
    def message(self) -> str:
        return _("No document was read from the MRZ reader in time.")
