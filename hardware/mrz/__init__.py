"""MRZ (ICAO 9303) support: parser, reader framings, a reader emulator and the driver.

Pure parsing lives in `parser`, wire formats in `framing`, the device model in `emulator` and
the port-reading driver in `reader`; every error is an `MrzError` (see `errors`).
"""

from hardware.mrz.errors import (
    MrzError,
    MrzFormatError,
    MrzLayoutError,
    MrzReaderError,
    MrzTimeoutError,
    UnsupportedDocumentError,
)
from hardware.mrz.framing import Framing
from hardware.mrz.parser import CheckResults, Layout, MrzRecord, MrzWarning, check_digit, parse

__all__ = [
    "CheckResults",
    "Framing",
    "Layout",
    "MrzError",
    "MrzFormatError",
    "MrzLayoutError",
    "MrzReaderError",
    "MrzRecord",
    "MrzTimeoutError",
    "MrzWarning",
    "UnsupportedDocumentError",
    "check_digit",
    "parse",
]
