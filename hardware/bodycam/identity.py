"""The GA/T 947 `ZFY_INFO` device/officer identity record: encode and decode (§2.3).

Two layouts are seen in vendor code: the C struct (`#pragma pack(1)`, one NUL terminator per
field, 8/7/33/13/33 = 94 bytes) and the packed Android/wire layout (no terminators,
7/6/32/12/32 = 89 bytes). Field widths vary per vendor, so a `RecordLayout` carries them.
Strings are GBK and NUL-padded. Text that does not fit is either refused (`FieldTooLongError`)
or, with `truncate=True`, cut at a character boundary so no GBK character is ever split.
"""

from __future__ import annotations

from dataclasses import dataclass
from gettext import gettext as _

from hardware.bodycam.errors import (
    FieldEncodingError,
    FieldTooLongError,
    MissingFieldError,
    RecordLengthError,
)

__all__ = [
    "AIRLINE_LAYOUT",
    "C_LAYOUT",
    "FIELD_NAMES",
    "PACKED_LAYOUT",
    "IdentityRecord",
    "RecordLayout",
    "decode_identity",
    "encode_identity",
    "fit_gbk",
]

ENCODING = "gbk"
FIELD_NAMES = ("serial", "officer_number", "officer_name", "unit_number", "unit_name")
_ASCII_FIELDS = frozenset({"serial", "officer_number", "unit_number"})
_REQUIRED = frozenset({"serial", "officer_number"})


@dataclass(frozen=True)
class RecordLayout:
    """Byte widths of the five fields; `nul_terminated` reserves the last byte of each for NUL."""

    name: str
    serial: int = 8
    officer_number: int = 7
    officer_name: int = 33
    unit_number: int = 13
    unit_name: int = 33
    nul_terminated: bool = True

    def __post_init__(self) -> None:
        minimum = 2 if self.nul_terminated else 1
        for field in FIELD_NAMES:
            if getattr(self, field) < minimum:
                raise ValueError(f"field width of {field} too small in layout {self.name}")

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(int(getattr(self, field)) for field in FIELD_NAMES)

    @property
    def size(self) -> int:
        return sum(self.widths)

    def capacity(self, field: str) -> int:
        """How many text bytes `field` holds (width minus the terminator, if any)."""
        width: int = getattr(self, field)
        return width - 1 if self.nul_terminated else width


#: The C header / H6 C# struct (default): 94 bytes.
C_LAYOUT = RecordLayout("c-struct")
#: The packed 89-byte layout returned by Android-based recorders (`E12CMDS004`).
PACKED_LAYOUT = RecordLayout("packed", 7, 6, 32, 12, 32, nul_terminated=False)
#: The AirlineBodyCamera C# variant (7/6/33/13/33): 92 bytes. Whether its fields keep a NUL
#: is unknown; a 7-char serial must fit, so text may fill every byte (NUL-padded when shorter).
AIRLINE_LAYOUT = RecordLayout("airline", 7, 6, 33, 13, 33, nul_terminated=False)


@dataclass(frozen=True)
class IdentityRecord:
    """Who the recorder belongs to: 产品序号, 警号, 姓名, 单位编号, 单位名称."""

    serial: str
    officer_number: str
    officer_name: str = ""
    unit_number: str = ""
    unit_name: str = ""


def fit_gbk(text: str, capacity: int) -> bytes:
    """`text` in GBK, cut to at most `capacity` bytes at a character boundary."""
    out = bytearray()
    for char in text:
        try:
            encoded = char.encode(ENCODING)
        except UnicodeEncodeError as exc:
            raise FieldEncodingError(
                _("The character {char!r} cannot be stored on the recorder.").format(char=char)
            ) from exc
        if len(out) + len(encoded) > capacity:
            break
        out += encoded
    return bytes(out)


def _encode_field(field: str, value: str, layout: RecordLayout, truncate: bool) -> bytes:
    if "\x00" in value:
        raise FieldEncodingError(_("A recorder identity field contains a NUL character."))
    if field in _ASCII_FIELDS and not (value.isascii() and value.isprintable()):
        raise FieldEncodingError(
            _("The recorder's {field} must be plain letters and digits.").format(field=field)
        )
    if field in _REQUIRED and not value:
        raise MissingFieldError()
    capacity = layout.capacity(field)
    encoded = fit_gbk(value, capacity if truncate else len(value) * 2 + 1)
    if len(encoded) > capacity:
        raise FieldTooLongError(
            _("The recorder's {field} is longer than {capacity} bytes.").format(
                field=field, capacity=capacity
            )
        )
    width: int = getattr(layout, field)
    return encoded.ljust(width, b"\x00")


def encode_identity(
    record: IdentityRecord, layout: RecordLayout = C_LAYOUT, *, truncate: bool = False
) -> bytes:
    """The record as `layout.size` bytes. Serial and officer number may never be truncated."""
    parts = []
    for field in FIELD_NAMES:
        cut = truncate and field not in _ASCII_FIELDS
        parts.append(_encode_field(field, getattr(record, field), layout, cut))
    return b"".join(parts)


def _decode_field(field: str, raw: bytes) -> str:
    text_bytes = raw.split(b"\x00", 1)[0]  # anything after the first NUL is C garbage
    try:
        text = text_bytes.decode(ENCODING)
    except UnicodeDecodeError as exc:
        raise FieldEncodingError(
            _("The recorder's {field} is not valid GBK text.").format(field=field)
        ) from exc
    if field in _ASCII_FIELDS and not (text.isascii() and text.isprintable()):
        raise FieldEncodingError(
            _("The recorder's {field} must be plain letters and digits.").format(field=field)
        )
    if not text.isprintable():
        raise FieldEncodingError(
            _("The recorder's {field} contains control characters.").format(field=field)
        )
    return text


def decode_identity(data: bytes, layout: RecordLayout = C_LAYOUT) -> IdentityRecord:
    """Parse a record of exactly `layout.size` bytes; raises only `IdentityRecordError`s."""
    data = bytes(data)
    if len(data) != layout.size:
        raise RecordLengthError(
            _("The recorder's identity record has {got} bytes, expected {want}.").format(
                got=len(data), want=layout.size
            )
        )
    values: dict[str, str] = {}
    offset = 0
    for field, width in zip(FIELD_NAMES, layout.widths, strict=True):
        values[field] = _decode_field(field, data[offset : offset + width])
        offset += width
    if not values["serial"] or not values["officer_number"]:
        raise MissingFieldError()
    return IdentityRecord(**values)
