"""ICAO 9303 machine-readable zone parsing (TD1, TD2, TD3, MRV-A, MRV-B).

Pure functions over text. The parser normalises what readers actually deliver (CR/LF, `_`
padding, lower case, stray spaces), finds the layout from the line count and length, cuts the
fields, and verifies every check digit separately so the UI can point at the bad field. It
never "fixes" a field silently: the only substitutions are O→0 / I→1 in purely numeric
positions and 0→O / 1→I in purely alphabetic ones, and each is reported as a warning.

Chinese travel permits (往来港澳通行证 and relatives) are parsed defensively: a three-line
permit whose check digits verify with TD1 positions is returned as TD1 with
`cn_permit=True`; any other permit shape raises `UnsupportedDocumentError` carrying its lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from gettext import gettext as _

from hardware.mrz.errors import MrzFormatError, MrzLayoutError, UnsupportedDocumentError

FILLER = "<"
_WEIGHTS = (7, 3, 1)
_VALID = re.compile(r"[A-Z0-9<]*")
# Characters some readers and keyboards put where the filler belongs.
_FILLER_LIKE = str.maketrans({"_": "<", " ": "<", "«": "<", "‹": "<"})
# OCR-B confusions that are unambiguous once the position's character class is known.
# Only the O/0 and I/1 pairs: they are the ones OCR-B readers are known to swap, and wider
# guessing would hide real misreads that the check digits should catch.
_TO_DIGIT = str.maketrans({"O": "0", "I": "1"})
_TO_LETTER = str.maketrans({"0": "O", "1": "I"})


class Layout(StrEnum):
    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"
    MRVA = "MRV-A"
    MRVB = "MRV-B"


# (line count, line length) → layouts; the document code picks between card and visa.
_SHAPES: dict[tuple[int, int], Layout] = {
    (3, 30): Layout.TD1,
    (2, 36): Layout.TD2,
    (2, 44): Layout.TD3,
}


@dataclass(frozen=True)
class MrzWarning:
    """Something the parser tolerated; `field` names the MRZ field it concerns."""

    code: str
    field: str
    detail: str = ""

    @property
    def message(self) -> str:
        if self.code == "ocr":
            return _("Field {field}: likely misreads were corrected ({change}).").format(
                field=self.field, change=self.detail
            )
        if self.code == "date":
            return _("Field {field} is not a valid date: {value}").format(
                field=self.field, value=self.detail
            )
        return _("Field {field}: {detail}").format(field=self.field, detail=self.detail)


@dataclass(frozen=True)
class CheckResults:
    """One entry per check digit; `None` where the layout defines no such digit."""

    document_number: bool
    birth_date: bool
    expiry_date: bool
    optional_data: bool | None
    composite: bool | None

    @property
    def all_ok(self) -> bool:
        return all(v is not False for v in self.as_dict().values())

    def as_dict(self) -> dict[str, bool | None]:
        return {
            "document_number": self.document_number,
            "birth_date": self.birth_date,
            "expiry_date": self.expiry_date,
            "optional_data": self.optional_data,
            "composite": self.composite,
        }

    def failed(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.as_dict().items() if v is False)


@dataclass(frozen=True)
class MrzRecord:
    """Every field of one MRZ, as printed (fillers stripped) plus decoded dates."""

    layout: Layout
    document_type: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date_raw: str
    birth_date: date | None
    sex: str
    expiry_date_raw: str
    expiry_date: date | None
    optional_data_1: str
    optional_data_2: str
    checks: CheckResults
    lines: tuple[str, ...]
    cn_permit: bool = False
    warnings: tuple[MrzWarning, ...] = field(default=())

    @property
    def valid(self) -> bool:
        """All defined check digits verify and both dates decode."""
        return self.checks.all_ok and self.birth_date is not None and self.expiry_date is not None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def char_value(ch: str) -> int:
    """ICAO value of one MRZ character: 0-9, A-Z → 10-35, `<` → 0."""
    if ch.isdigit() and ch.isascii():
        return ord(ch) - 48
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    if ch == FILLER:
        return 0
    raise MrzFormatError(ch)


def check_digit(data: str) -> str:
    """The 7-3-1 weighted check digit of `data`, as a character."""
    total = sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data))
    return str(total % 10)


def _verify(data: str, digit: str, *, filler_ok: bool = False) -> bool:
    # ICAO allows `<` as the check of an all-filler optional field (TD3 personal number).
    if filler_ok and digit == FILLER and set(data) <= {FILLER}:
        return True
    return digit == check_digit(data)


def normalize(text: str) -> tuple[str, ...]:
    """Reader output → clean MRZ lines (upper case, fillers), or `MrzFormatError`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines: list[str] = []
    for raw in text.split("\n"):
        # Control characters are framing leftovers, never MRZ content.
        line = "".join(c for c in raw if c >= " " and c != "\x7f").strip()
        if not line:
            continue
        line = line.upper().translate(_FILLER_LIKE)
        if not _VALID.fullmatch(line):
            bad = "".join(sorted({c for c in line if not _VALID.fullmatch(c)}))
            raise MrzFormatError(bad[:10])
        lines.append(line)
    if not lines:
        raise MrzFormatError("")
    if len(lines) == 1:
        # Keyboard wedges with line breaks turned off type the whole zone as one run.
        only = lines[0]
        for count, length in _SHAPES:
            if len(only) == count * length:
                return tuple(only[i * length : (i + 1) * length] for i in range(count))
    return tuple(lines)


class _Fields:
    """Cuts fields out of the lines and records the warnings that this produces."""

    def __init__(self, lines: tuple[str, ...]) -> None:
        self.lines = lines
        self.warnings: list[MrzWarning] = []

    def raw(self, line: int, start: int, end: int) -> str:
        return self.lines[line][start:end]

    def numeric(self, name: str, line: int, start: int, end: int) -> str:
        value = self.raw(line, start, end)
        fixed = value.translate(_TO_DIGIT)
        if fixed != value:
            self.warnings.append(MrzWarning("ocr", name, f"{value}→{fixed}"))
        return fixed

    def check(self, name: str, line: int, pos: int) -> str:
        """A check digit; `<` stays (all-filler fields and the TD1/TD2 number overflow)."""
        if self.raw(line, pos, pos + 1) == FILLER:
            return FILLER
        return self.numeric(name, line, pos, pos + 1)

    def alpha(self, name: str, line: int, start: int, end: int) -> str:
        value = self.raw(line, start, end)
        fixed = value.translate(_TO_LETTER)
        if fixed != value:
            self.warnings.append(MrzWarning("ocr", name, f"{value}→{fixed}"))
        return fixed


def _strip(value: str) -> str:
    return value.replace(FILLER, " ").strip()


def split_name(field_text: str) -> tuple[str, str]:
    """`SURNAME<<GIVEN<NAMES` → ("SURNAME", "GIVEN NAMES"); a lone `<` separates words."""
    primary, sep, secondary = field_text.partition("<<")
    surname = " ".join(part for part in primary.split(FILLER) if part)
    given = " ".join(part for part in secondary.split(FILLER) if part) if sep else ""
    return surname, given


def _ymd(raw: str) -> tuple[int, int, int] | None:
    if len(raw) != 6 or not raw.isdigit():
        return None
    return int(raw[:2]), int(raw[2:4]), int(raw[4:6])


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_birth_date(raw: str, today: date) -> date | None:
    """YYMMDD of a birth: the latest century that does not put the date after `today`."""
    parts = _ymd(raw)
    if parts is None:
        return None
    yy, mm, dd = parts
    century = today.year // 100 * 100
    candidate = _make_date(century + yy, mm, dd)
    if candidate is None:
        return None
    if candidate > today:
        candidate = _make_date(century - 100 + yy, mm, dd)
    return candidate


def parse_expiry_date(raw: str, today: date) -> date | None:
    """YYMMDD of an expiry: the century putting it within 50 years before or after `today`.

    Expired documents are still read (the interview records them), so the pivot is symmetric
    rather than "always in the future".
    """
    parts = _ymd(raw)
    if parts is None:
        return None
    yy, mm, dd = parts
    century = today.year // 100 * 100
    year = century + yy
    if year >= today.year + 50:
        year -= 100
    elif year < today.year - 50:
        year += 100
    return _make_date(year, mm, dd)


def _document_number(number: str, check: str, optional: str) -> tuple[str, str, str]:
    """Resolve the TD1/TD2 long-number overflow (ICAO 9303-5 §4.2.4).

    A `<` in the check position means the number continues in the optional data; the last
    character before the next filler there is the real check digit.
    """
    if check != FILLER or not optional or optional[0] == FILLER:
        return number, check, optional
    rest = optional.split(FILLER, 1)[0]
    if len(rest) < 2:
        return number, check, optional
    return number + rest[:-1], rest[-1], optional[len(rest) :]


def parse(text: str, *, today: date | None = None) -> MrzRecord:
    """Parse reader output into an `MrzRecord`; structural problems raise `MrzError`s.

    Check-digit failures do not raise: the record comes back with `valid == False` and the
    failing fields named in `checks`, because readers send data despite recognition errors.
    """
    today = today or date.today()
    lines = normalize(text)
    if len(lines) == 1 and 28 <= len(lines[0]) <= 44 and lines[0].startswith("C"):
        # Old permits (往来港澳通行证 before 2014, 台湾通行证) carry a single line whose
        # field layout is not in our sources.
        raise UnsupportedDocumentError("one_line_permit", lines)
    shape = (len(lines), len(lines[0]))
    layout = _SHAPES.get(shape)
    if layout is None or any(len(line) != shape[1] for line in lines):
        lengths = "×".join(str(len(line)) for line in lines)
        raise MrzLayoutError(lengths)
    if layout is Layout.TD1:
        record = _parse_td1(lines, today)
        if record.cn_permit and not record.checks.all_ok:
            # TD1 positions are only our best knowledge of the permit layout; a permit that
            # does not verify may be a different generation, so refuse rather than guess.
            raise UnsupportedDocumentError("unknown_permit", lines)
        return record
    if lines[0][0] == "V":
        layout = Layout.MRVA if layout is Layout.TD3 else Layout.MRVB
    if lines[0][0] == "C" and lines[0][2:5] == "CHN":
        raise UnsupportedDocumentError("two_line_permit", lines)
    return _parse_two_line(lines, layout, today)


def _parse_td1(lines: tuple[str, ...], today: date) -> MrzRecord:
    f = _Fields(lines)
    doc_type = f.raw(0, 0, 2)
    issuing = f.alpha("issuing_state", 0, 2, 5)
    number, number_check, optional1 = _document_number(
        f.raw(0, 5, 14), f.check("document_number_check", 0, 14), f.raw(0, 15, 30)
    )
    birth = f.numeric("birth_date", 1, 0, 6)
    birth_check = f.numeric("birth_date_check", 1, 6, 7)
    sex = f.raw(1, 7, 8)
    expiry = f.numeric("expiry_date", 1, 8, 14)
    expiry_check = f.numeric("expiry_date_check", 1, 14, 15)
    nationality = f.alpha("nationality", 1, 15, 18)
    optional2 = f.raw(1, 18, 29)
    composite_check = f.numeric("composite_check", 1, 29, 30)
    surname, given = split_name(f.alpha("names", 2, 0, 30))
    composite = f.raw(0, 5, 30) + birth + birth_check + expiry + expiry_check + optional2
    checks = CheckResults(
        document_number=_verify(number, number_check),
        birth_date=_verify(birth, birth_check),
        expiry_date=_verify(expiry, expiry_check),
        optional_data=None,
        composite=_verify(composite, composite_check),
    )
    return _record(
        f,
        Layout.TD1,
        doc_type,
        issuing,
        surname,
        given,
        number,
        nationality,
        birth,
        sex,
        expiry,
        optional1,
        optional2,
        checks,
        today,
        cn_permit=doc_type.startswith("C") and issuing == "CHN",
    )


def _parse_two_line(lines: tuple[str, ...], layout: Layout, today: date) -> MrzRecord:
    f = _Fields(lines)
    width = len(lines[0])
    doc_type = f.raw(0, 0, 2)
    issuing = f.alpha("issuing_state", 0, 2, 5)
    surname, given = split_name(f.alpha("names", 0, 5, width))
    number_field, number_check = f.raw(1, 0, 9), f.check("document_number_check", 1, 9)
    nationality = f.alpha("nationality", 1, 10, 13)
    birth = f.numeric("birth_date", 1, 13, 19)
    birth_check = f.numeric("birth_date_check", 1, 19, 20)
    sex = f.raw(1, 20, 21)
    expiry = f.numeric("expiry_date", 1, 21, 27)
    expiry_check = f.numeric("expiry_date_check", 1, 27, 28)
    optional_check: bool | None = None
    composite: bool | None = None
    if layout is Layout.TD3:
        optional = f.raw(1, 28, 42)
        opt_digit = f.check("optional_data_check", 1, 42)
        optional_check = _verify(optional, opt_digit, filler_ok=True)
        number = number_field
    else:
        # TD2 and visas: optional data runs to the composite digit (TD2) or the line end.
        end = width - 1 if layout is Layout.TD2 else width
        number, number_check, optional = _document_number(
            number_field, number_check, f.raw(1, 28, end)
        )
    if layout in (Layout.TD2, Layout.TD3):
        digit = f.numeric("composite_check", 1, width - 1, width)
        data = (
            f.raw(1, 0, 10) + birth + birth_check + expiry + expiry_check + f.raw(1, 28, width - 1)
        )
        composite = _verify(data, digit)
    checks = CheckResults(
        document_number=_verify(number, number_check),
        birth_date=_verify(birth, birth_check),
        expiry_date=_verify(expiry, expiry_check),
        optional_data=optional_check,
        composite=composite,
    )
    return _record(
        f,
        layout,
        doc_type,
        issuing,
        surname,
        given,
        number,
        nationality,
        birth,
        sex,
        expiry,
        optional,
        "",
        checks,
        today,
    )


def _record(
    f: _Fields,
    layout: Layout,
    doc_type: str,
    issuing: str,
    surname: str,
    given: str,
    number: str,
    nationality: str,
    birth: str,
    sex: str,
    expiry: str,
    optional1: str,
    optional2: str,
    checks: CheckResults,
    today: date,
    *,
    cn_permit: bool = False,
) -> MrzRecord:
    birth_date = parse_birth_date(birth, today)
    expiry_date = parse_expiry_date(expiry, today)
    if birth_date is None:
        f.warnings.append(MrzWarning("date", "birth_date", birth))
    if expiry_date is None:
        f.warnings.append(MrzWarning("date", "expiry_date", expiry))
    return MrzRecord(
        layout=layout,
        document_type=_strip(doc_type),
        issuing_state=_strip(issuing),
        surname=surname,
        given_names=given,
        document_number=_strip(number),
        nationality=_strip(nationality),
        birth_date_raw=birth,
        birth_date=birth_date,
        sex=_strip(sex),
        expiry_date_raw=expiry,
        expiry_date=expiry_date,
        optional_data_1=_strip(optional1),
        optional_data_2=_strip(optional2),
        checks=checks,
        lines=f.lines,
        cn_permit=cn_permit,
        warnings=tuple(f.warnings),
    )
