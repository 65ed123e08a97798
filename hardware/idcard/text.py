"""The 256-byte UCS-2LE text block of an ID card, parsed into and built from `IdentityRecord`.

Four layouts share the block, told apart by the flag at offset 248 (§1.6): resident ID card,
HK/Macau/Taiwan residence permit ('J'), foreigner permanent residence card 2017 ('I') and
2023 ('Y'). Parsing never rejects a block for its content: cross-checks against the ID number
(check digit, sex, birth date) and unknown codes become translated `warnings`, because cards
with data-entry errors exist and the officer, not the parser, decides what to do with them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from gettext import gettext as _

from hardware.idcard import checkdigit
from hardware.idcard.errors import MalformedPayloadError
from hardware.idcard.tables import NATIONS, SEXES, CardKind

TEXT_SIZE = 256
FLAG_OFFSET = 248
LONG_TERM = "长期"
_ENGLISH_HEAD = 35  # 'Y' splits the English name: 35 chars at 52, then 11 at 220

# (attribute, byte offset, byte size) per layout; gaps are reserved and written as spaces.
Layout = tuple[tuple[str, int, int], ...]
LAYOUTS: dict[CardKind, Layout] = {
    CardKind.RESIDENT: (
        ("name", 0, 30), ("sex", 30, 2), ("nation", 32, 4), ("birth_date", 36, 16),
        ("address", 52, 70), ("id_number", 122, 36), ("authority", 158, 30),
        ("valid_from", 188, 16), ("valid_until", 204, 16),
    ),
    CardKind.HMT_RESIDENCE: (
        ("name", 0, 30), ("sex", 30, 2), ("birth_date", 36, 16), ("address", 52, 70),
        ("id_number", 122, 36), ("authority", 158, 30), ("valid_from", 188, 16),
        ("valid_until", 204, 16), ("pass_number", 220, 18), ("issue_count", 238, 4),
    ),
    CardKind.FOREIGNER_2017: (
        ("english_name", 0, 120), ("sex", 120, 2), ("id_number", 122, 30),
        ("nationality", 152, 6), ("name", 158, 30), ("valid_from", 188, 16),
        ("valid_until", 204, 16), ("birth_date", 220, 16), ("card_version", 236, 4),
        ("authority_code", 240, 8),
    ),
    CardKind.FOREIGNER_2023: (
        ("name", 0, 30), ("sex", 30, 2), ("renewal_count", 32, 4), ("birth_date", 36, 16),
        ("english_name", 52, 70), ("id_number", 122, 36), ("valid_from", 188, 16),
        ("valid_until", 204, 16), ("english_name_tail", 220, 22), ("nationality", 242, 6),
        ("previous_card", 250, 6),
    ),
}  # fmt: skip
_DATE_FIELDS = ("birth_date", "valid_from", "valid_until")


@dataclass(frozen=True)
class IdentityRecord:
    """What the card says, with trailing padding removed; `valid_until` None means 长期."""

    kind: CardKind
    name: str
    sex: str  # GB/T 2261.1 code: '1' male, '2' female, '0' unknown, '9' unspecified
    nation: str  # GB 3304 code, "" on cards without one
    birth_date: date | None
    id_number: str
    address: str = ""
    authority: str = ""
    valid_from: date | None = None
    # None means 长期 (long-term); an unreadable end date is also None, with a warning.
    valid_until: date | None = None
    english_name: str = ""  # 'I' and 'Y'
    nationality: str = ""  # 'I' and 'Y': 3-letter country code
    pass_number: str = ""  # 'J': 通行证号码
    issue_count: str = ""  # 'J': 签发次数
    renewal_count: str = ""  # 'Y': 换证次数
    card_version: str = ""  # 'I'
    authority_code: str = ""  # 'I': 受理机关代码
    previous_card: str = ""  # 'Y': link to the previous card number
    warnings: tuple[str, ...] = ()

    @property
    def long_term(self) -> bool:
        return self.valid_until is None

    @property
    def sex_name(self) -> str | None:
        return SEXES.get(self.sex)

    @property
    def nation_name(self) -> str | None:
        return NATIONS.get(self.nation) if self.nation else None


def card_kind(block: bytes) -> CardKind:
    return CardKind.from_flag(block[FLAG_OFFSET : FLAG_OFFSET + 2].decode("utf-16-le", "replace"))


def parse_text_block(block: bytes) -> IdentityRecord:
    """Parse a text block of any layout; raises only MalformedPayloadError (wrong size)."""
    if len(block) != TEXT_SIZE:
        raise MalformedPayloadError
    kind = card_kind(block)
    warnings: list[str] = []
    raw: dict[str, str] = {}
    for attr, offset, size in LAYOUTS[kind]:
        text = block[offset : offset + size].decode("utf-16-le", errors="replace")
        if "\ufffd" in text and not warnings:
            warnings.append(_("Some characters on the card could not be decoded."))
        raw[attr] = text
    if kind is CardKind.FOREIGNER_2023:
        # Join before trimming: a 35-char head has no padding and runs on into the tail.
        raw["english_name"] = raw["english_name"] + raw.pop("english_name_tail")
    # Only trailing padding goes (spaces, and NULs some readers use): names such as
    # "买买提·艾力" and addresses keep their inner characters.
    values = {attr: text.rstrip(" \x00") for attr, text in raw.items()}
    birth, birth_problem = _date(values.pop("birth_date"))
    if birth_problem == "":
        warnings.append(_("The birth date is missing."))
    elif birth_problem is not None:
        warnings.append(
            _("The birth date {value} is not a valid date.").format(value=birth_problem)
        )
    valid_from, from_problem = _date(values.pop("valid_from"))
    if from_problem == "":
        warnings.append(_("The validity start date is missing."))
    elif from_problem is not None:
        warnings.append(
            _("The validity start date {value} is not a valid date.").format(value=from_problem)
        )
    until = values.pop("valid_until")
    valid_until, until_problem = (None, None) if until == LONG_TERM else _date(until)
    if until_problem == "":
        warnings.append(_("The validity end date is missing."))
    elif until_problem is not None:
        warnings.append(
            _("The validity end date {value} is not a valid date.").format(value=until_problem)
        )
    record = IdentityRecord(
        kind=kind,
        name=values.pop("name"),
        sex=values.pop("sex"),
        nation=values.pop("nation", ""),
        birth_date=birth,
        valid_from=valid_from,
        valid_until=valid_until,
        id_number=values.pop("id_number"),
        address=values.get("address", ""),
        authority=values.get("authority", ""),
        english_name=values.get("english_name", ""),
        nationality=values.get("nationality", ""),
        pass_number=values.get("pass_number", ""),
        issue_count=values.get("issue_count", ""),
        renewal_count=values.get("renewal_count", ""),
        card_version=values.get("card_version", ""),
        authority_code=values.get("authority_code", ""),
        previous_card=values.get("previous_card", ""),
    )
    warnings.extend(consistency_warnings(record))
    return replace(record, warnings=tuple(warnings))


def _date(text: str) -> tuple[date | None, str | None]:
    """(the `YYYYMMDD` date, None), or (None, the bad text), where "" means missing."""
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return None, text
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:])), None
    except ValueError:
        return None, text


def consistency_warnings(record: IdentityRecord) -> list[str]:
    """Checks of the record against itself; each finding is a translated sentence."""
    warnings: list[str] = []
    if record.sex not in SEXES:
        warnings.append(_("Unknown sex code {code}.").format(code=record.sex))
    if record.kind is CardKind.RESIDENT and record.nation not in NATIONS:
        warnings.append(_("Unknown nation code {code}.").format(code=record.nation))
    if (
        record.valid_from is not None
        and record.valid_until is not None
        and record.valid_until < record.valid_from
    ):
        warnings.append(_("The validity period ends before it starts."))
    if record.kind is CardKind.FOREIGNER_2017:
        number = record.id_number
        if not (len(number) == 15 and number[:3].isalpha() and number[3:].isdigit()):
            warnings.append(_("The permanent residence number is not 3 letters and 12 digits."))
        return warnings
    number = record.id_number.upper()
    if not checkdigit.is_well_formed(number):
        warnings.append(_("The ID number is not 17 digits and a check character."))
        return warnings
    if not checkdigit.is_valid(number):
        warnings.append(_("The ID number's check digit is wrong."))
    if record.sex in ("1", "2") and checkdigit.sex_code(number) != record.sex:
        warnings.append(_("The sex on the card does not match the ID number."))
    try:
        embedded: date | None = checkdigit.birth_date(number)
    except ValueError:
        embedded = None
        warnings.append(_("The ID number does not contain a valid birth date."))
    if embedded is not None and record.birth_date is not None and embedded != record.birth_date:
        warnings.append(_("The birth date on the card does not match the ID number."))
    return warnings


def encode_text_block(record: IdentityRecord) -> bytes:
    """The 256-byte block a card of `record.kind` would hold; ValueError if a field is too long."""
    values: dict[str, str] = {
        "name": record.name,
        "sex": record.sex,
        "nation": record.nation,
        "birth_date": _date_text(record.birth_date),
        "address": record.address,
        "id_number": record.id_number,
        "authority": record.authority,
        "valid_from": _date_text(record.valid_from),
        "valid_until": LONG_TERM if record.valid_until is None else _date_text(record.valid_until),
        "english_name": record.english_name,
        "nationality": record.nationality,
        "pass_number": record.pass_number,
        "issue_count": record.issue_count,
        "renewal_count": record.renewal_count,
        "card_version": record.card_version,
        "authority_code": record.authority_code,
        "previous_card": record.previous_card,
    }
    if record.kind is CardKind.FOREIGNER_2023:
        name = record.english_name
        values["english_name"], values["english_name_tail"] = name[:_ENGLISH_HEAD], name[35:]
    block = bytearray(" ".encode("utf-16-le") * (TEXT_SIZE // 2))
    for attr, offset, size in LAYOUTS[record.kind]:
        encoded = values[attr].encode("utf-16-le")
        if len(encoded) > size:
            raise ValueError(f"{attr} is longer than {size // 2} characters")
        block[offset : offset + len(encoded)] = encoded
    if record.kind is not CardKind.RESIDENT:
        block[FLAG_OFFSET : FLAG_OFFSET + 2] = record.kind.value.encode("utf-16-le")
    return bytes(block)


def _date_text(value: date | None) -> str:
    return "" if value is None else f"{value.year:04d}{value.month:02d}{value.day:02d}"
