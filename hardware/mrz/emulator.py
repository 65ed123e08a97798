"""An MRZ reader emulator and synthetic documents with correct check digits.

The emulator models a swipe/slot reader: a document is inserted (from any thread), the reader
sends its zone once, framed as the configured model does (DESKO, 3M or keyboard wedge), and
nothing else. Faults reproduce what a real line does to us: a corrupted byte (the document
number's check digit is changed, so the parser must flag exactly that field), a truncated
frame (the tail never arrives) and leading line noise.

All people and numbers are made up; the issuing state of ICAO documents is `UTO` (ICAO's
fictional Utopia) and permits use `CHN` with the `CS` code in TD1 shape, which is our
assumption about the 2014 往来港澳通行证 card (hardware-protocols.md §4.2 marks it [L]).
"""

from __future__ import annotations

import queue
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hardware.link import Link
from hardware.mrz.framing import Framing, encode
from hardware.mrz.parser import FILLER, Layout, check_digit

_SURNAMES = ("ZHANG", "WANGFANG", "LIU", "CHEN", "TESTER", "MUSTERMANN", "OUYANG", "SIMA")
_GIVEN = ("WEI", "XIAO MING", "ANNA MARIA", "JIAN", "LI NA", "ERIKA", "HAO")
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


class Fault(StrEnum):
    NONE = "none"
    CORRUPT_BYTE = "corrupt"
    TRUNCATE = "truncate"
    NOISE = "noise"


@dataclass(frozen=True)
class SyntheticDocument:
    """The fields a synthetic document was made from, and its MRZ lines."""

    layout: Layout
    document_type: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: date
    sex: str
    expiry_date: date
    optional_data: str
    cn_permit: bool = False

    @property
    def lines(self) -> tuple[str, ...]:
        """The MRZ lines, composed from the fields with correct check digits."""
        return compose(
            self.layout, document_type=self.document_type, issuing_state=self.issuing_state,
            surname=self.surname, given_names=self.given_names,
            document_number=self.document_number, nationality=self.nationality,
            birth_date=self.birth_date, sex=self.sex or FILLER, expiry_date=self.expiry_date,
            optional_data=self.optional_data)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _pad(value: str, width: int) -> str:
    value = value.replace(" ", FILLER)
    if len(value) > width:
        raise ValueError(f"{value!r} does not fit in {width} characters")
    return value.ljust(width, FILLER)


def _names(surname: str, given: str, width: int) -> str:
    # Long names are truncated, as ICAO 9303-3 allows; the round trip tests use short ones.
    joined = surname.replace(" ", FILLER) + FILLER * 2 + given.replace(" ", FILLER)
    return joined[:width].ljust(width, FILLER)


def _yymmdd(d: date) -> str:
    return d.strftime("%y%m%d")


def compose(
    layout: Layout,
    *,
    document_type: str,
    issuing_state: str,
    surname: str,
    given_names: str,
    document_number: str,
    nationality: str,
    birth_date: date,
    sex: str,
    expiry_date: date,
    optional_data: str = "",
) -> tuple[str, ...]:
    """Build MRZ lines with correct check digits (document numbers up to 9 characters)."""
    doc = _pad(document_number, 9)
    doc_check = check_digit(doc)
    birth = _yymmdd(birth_date)
    expiry = _yymmdd(expiry_date)
    dates = birth + check_digit(birth) + _pad(sex, 1) + expiry + check_digit(expiry)
    code = _pad(document_type, 2)
    if layout is Layout.TD1:
        top = code + _pad(issuing_state, 3) + doc + doc_check + _pad(optional_data, 15)
        middle = dates + _pad(nationality, 3) + FILLER * 11
        composite = check_digit(top[5:30] + middle[0:7] + middle[8:15] + middle[18:29])
        return top, middle + composite, _names(surname, given_names, 30)
    width = 44 if layout in (Layout.TD3, Layout.MRVA) else 36
    top = code + _pad(issuing_state, 3) + _names(surname, given_names, width - 5)
    lower = doc + doc_check + _pad(nationality, 3) + dates
    if layout is Layout.TD3:
        personal = _pad(optional_data, 14)
        personal_check = check_digit(personal) if optional_data else FILLER
        lower += personal + personal_check
        lower += check_digit(lower[0:10] + lower[13:20] + lower[21:43])
    elif layout is Layout.TD2:
        lower += _pad(optional_data, 7)
        lower += check_digit(lower[0:10] + lower[13:20] + lower[21:35])
    else:
        lower += _pad(optional_data, width - 28)
    return top, lower


def synthetic_document(layout: Layout | str, seed: int) -> SyntheticDocument:
    """A made-up, fully valid document; `layout` is a `Layout` or "permit"."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    permit = layout == "permit"
    lay = Layout.TD1 if permit else Layout(layout)
    surname = rng.choice(_SURNAMES)
    given = rng.choice(_GIVEN)
    number = rng.choice(_LETTERS) + "".join(rng.choice("0123456789") for _ in range(8))
    birth = date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
    expiry = date(rng.randint(2027, 2036), rng.randint(1, 12), rng.randint(1, 28))
    sex = rng.choice("MF<")
    optional = "" if rng.random() < 0.5 else "".join(rng.choice("0123456789") for _ in range(6))
    if permit:
        doc_type, state = "CS", "CHN"
    else:
        doc_type = {
            Layout.TD1: "I",
            Layout.TD2: "I",
            Layout.TD3: "P",
            Layout.MRVA: "V",
            Layout.MRVB: "V",
        }[lay]
        state = "UTO"
    return SyntheticDocument(
        layout=lay,
        document_type=doc_type,
        issuing_state=state,
        surname=surname,
        given_names=given,
        document_number=number,
        nationality=state,
        birth_date=birth,
        sex="" if sex == FILLER else sex,
        expiry_date=expiry,
        optional_data=optional,
        cn_permit=permit,
    )


def corrupt_lines(lines: tuple[str, ...], layout: Layout) -> tuple[str, ...]:
    """Change the document number's check digit, so only that check (and composite) fail."""
    row, pos = (0, 14) if layout is Layout.TD1 else (1, 9)
    line = lines[row]
    digit = str((int(line[pos]) + 1) % 10) if line[pos].isdigit() else "0"
    changed = line[:pos] + digit + line[pos + 1 :]
    return (*lines[:row], changed, *lines[row + 1 :])


class MrzReaderEmulator:
    """Serves one link; `insert` queues a document that is then sent once, framed."""

    def __init__(
        self, framing: Framing = Framing.DESKO, *, noise_seed: int = 0, repeat: float = 0.0
    ) -> None:
        self.framing = framing
        # Swipe the last document again every `repeat` seconds (0: once). A reader that
        # opens its port later flushes what arrived before, as a real one would; an
        # officer would swipe again, and so does the emulator.
        self.repeat = repeat
        self._slot: queue.Queue[tuple[tuple[str, ...], Layout, Fault]] = queue.Queue()
        self._rng = random.Random(noise_seed)  # noqa: S311 - reproducible line noise
        self._lock = threading.Lock()
        self.sent = 0  # documents fully written; read it to know the reader has them

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> MrzReaderEmulator:
        """Build from URL query options: framing, doc (td1/td2/td3/permit, inserted at once), seed.

        `emu-mrz://?doc=td3` behaves like a reader with a passport already swiped, which is
        what a command-line read or a first try of the program needs.
        """
        known = {"framing", "doc", "seed", "repeat"}
        unknown = set(params) - known
        if unknown:
            raise ValueError(f"unknown emu-mrz option(s): {', '.join(sorted(unknown))}")
        emulator = cls(Framing(params.get("framing", Framing.DESKO.value)),
                       repeat=float(params.get("repeat", "0")))
        if "doc" in params:
            name = params["doc"].lower()
            layout: Layout | str = "permit" if name == "permit" else Layout(name.upper())
            emulator.insert(synthetic_document(layout, int(params.get("seed", "0"))))
        return emulator

    def insert(
        self,
        document: SyntheticDocument | tuple[str, ...],
        fault: Fault = Fault.NONE,
        layout: Layout = Layout.TD3,
    ) -> None:
        """Put a document in the slot (thread-safe). Raw lines need their `layout` for faults."""
        if isinstance(document, SyntheticDocument):
            self._slot.put((document.lines, document.layout, fault))
        else:
            self._slot.put((tuple(document), layout, fault))

    def frame(self, lines: tuple[str, ...], layout: Layout, fault: Fault) -> bytes:
        """The exact bytes the reader sends for one document."""
        if fault is Fault.CORRUPT_BYTE:
            lines = corrupt_lines(lines, layout)
        if fault is Fault.TRUNCATE and self.framing is Framing.WEDGE:
            # A wedge has no end marker: a stopped swipe simply never types the last line.
            return encode(self.framing, lines[:-1])
        data = encode(self.framing, lines)
        if fault is Fault.TRUNCATE:
            # Cut inside the last line: the end marker (ETX and what follows) never arrives.
            return data[: len(data) - 12]
        if fault is Fault.NOISE:
            with self._lock:
                junk = bytes(self._rng.choice(b"\x00\x7f\xffZ9<\x03") for _ in range(8))
            # On a wedge, noise is a stray typed line; on a serial line it is raw bytes.
            return (junk + b"\r" if self.framing is Framing.WEDGE else junk) + data
        return data

    def serve(self, link: Link, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                lines, layout, fault = self._slot.get(timeout=0.05)
            except queue.Empty:
                continue
            link.write(self.frame(lines, layout, fault))
            with self._lock:
                self.sent += 1
            if self.repeat > 0 and not stop.wait(self.repeat) and self._slot.empty():
                self._slot.put((lines, layout, fault))
