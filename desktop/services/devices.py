"""The desktop's one door to devices: read a party from an ID card or an MRZ, check a typed one,
record whichever it was, take a fingerprint, check a port, list the ports, serve an emulator.

Reads run on a device thread and return plain values. A `PartyRead` is the domain `Party` a
read (or the officer's typing) shows, converted once, here, plus what the audit event of an ID
card read names; the GUI keeps it from the read to the Start button and never holds a hardware
object. `record_party` keeps any `PartyRead` in one store transaction, with the audit events of
its source. Each device's line settings (baud rates, read slices) live in its own folder of
`hardware/` (`open_reader`, `open_bodycam`, `BAUDRATE`); this module only chooses the device.
Every `hardware.errors.DeviceError` leaves here as a translated `UserError`.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from gettext import gettext as _
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, IdKind, Party, Sex
from desktop.services.device_kinds import EMULATED as EMULATED
from desktop.services.device_kinds import Device as Device
from desktop.store import cases
from desktop.store.store import Store
from hardware import gnss
from hardware.bodycam import open_bodycam
from hardware.bodycam.amba_device import AmbaDevice
from hardware.discovery import DeviceKind, list_candidate_ports, probe
from hardware.errors import DeviceError
from hardware.fingerprint import driver as fingerprint
from hardware.idcard import checkdigit
from hardware.idcard import driver as idcard
from hardware.idcard.errors import NoCardError
from hardware.idcard.payload import IdCardRead
from hardware.idcard.tables import CardKind
from hardware.link import Emulator
from hardware.mrz import Framing, MrzRecord
from hardware.mrz import reader as mrz
from hardware.pty import serve_on_pty
from hardware.urlhandlers import build_emulator


def device_name(device: Device) -> str:
    """What the officer calls the device (translated now)."""
    names = {Device.IDCARD: _("ID-card reader"), Device.MRZ: _("MRZ reader"),
             Device.BODYCAM: _("Body-worn recorder"), Device.GNSS: _("GNSS receiver"),
             Device.FINGERPRINT: _("Fingerprint reader")}
    return names[device]


@contextlib.contextmanager
def device_errors() -> Iterator[None]:
    """Turn any device's typed error into a message for the officer."""
    try:
        yield
    except DeviceError as exc:
        raise UserError(exc.message) from exc


# --------------------------------------------------------------------------- the party


class PartySource(StrEnum):
    """Where a party's identity came from (the `source` the store keeps)."""

    ID_CARD = "id_card"
    MRZ = "mrz"
    MANUAL = "manual"


@dataclass(frozen=True)
class PartyRead:
    """A party as a device read it or the officer typed it, not recorded yet.

    `card_kind`, `photo_sha256` and `warnings` are what the audit event of an ID card read
    names (never the card's data itself); they are empty for the other sources.
    """

    party: Party
    source: PartySource
    card_kind: str = ""
    photo_sha256: str = ""
    warnings: tuple[str, ...] = ()

    def with_contact(self, phone: str, workplace: str) -> PartyRead:
        """The same read plus what no document holds: the phone and the workplace."""
        return replace(self, party=replace(self.party, phone=phone, workplace=workplace))


_CARD_KINDS = {
    CardKind.RESIDENT: IdKind.RESIDENT_ID,
    CardKind.HMT_RESIDENCE: IdKind.HMT_RESIDENCE,
    CardKind.FOREIGNER_2017: IdKind.FOREIGNER_PERMANENT,
    CardKind.FOREIGNER_2023: IdKind.FOREIGNER_PERMANENT,
}
_CARD_SEXES = {"1": Sex.MALE, "2": Sex.FEMALE}
_MRZ_SEXES = {"M": Sex.MALE, "F": Sex.FEMALE}
# Documents numbered per GB 11643 (18 characters, a check character, the birth date inside).
_GB11643_KINDS = (IdKind.RESIDENT_ID, IdKind.HMT_RESIDENCE)


def read_id_card(
    port_url: str,
    *,
    wait: float = 10.0,
    poll: float = 0.2,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> IdCardRead:
    """What the card on the reader at `port_url` says, waiting up to `wait` seconds for one
    (the officer may still be placing it); then it is found, selected and read."""
    with device_errors(), idcard.open_reader(port_url) as reader:
        deadline = clock() + wait
        while True:
            try:
                reader.find_card()
                break
            except NoCardError:
                if clock() >= deadline:
                    raise
                sleep(poll)
        reader.select_card()
        return reader.read_card()


def card_party(card: IdCardRead) -> PartyRead:
    """The party an ID card read shows."""
    record = card.record
    name = record.name or record.english_name
    if not name or not record.id_number:
        raise UserError(_("The card was read but holds no name or number; read it again."))
    party = Party(
        id=new_id(), id_kind=_CARD_KINDS[record.kind], id_number=record.id_number, name=name,
        sex=_CARD_SEXES.get(record.sex, Sex.UNKNOWN), nation=record.nation_name or "",
        birth_date=record.birth_date, address=record.address, authority=record.authority,
        valid_from=record.valid_from, valid_until=record.valid_until,
    )
    return PartyRead(party, PartySource.ID_CARD, card_kind=record.kind.name,
                     photo_sha256=card.photo_sha256, warnings=tuple(record.warnings))


def read_card_party(port_url: str, *, wait: float = 10.0) -> PartyRead:
    """Read the ID card at `port_url` (see `read_id_card`) into a party."""
    return card_party(read_id_card(port_url, wait=wait))


def read_mrz(port_url: str, *, timeout: float = 30.0,
             framing: Framing = Framing.DESKO) -> MrzRecord:
    """Wait up to `timeout` seconds for one document on the MRZ reader at `port_url`."""
    with device_errors(), mrz.open_reader(port_url, framing) as reader:
        return reader.read_document(timeout)


def mrz_party(record: MrzRecord) -> PartyRead:
    """The party a document's MRZ shows; check digits that fail refuse the read."""
    if not record.valid:
        raise UserError(_("The document's check digits failed; swipe it again."))
    name = " ".join(p for p in (record.given_names, record.surname) if p).strip()
    if record.cn_permit:
        kind = IdKind.TRAVEL_PERMIT
    elif record.document_type.startswith("P"):
        kind = IdKind.PASSPORT
    else:
        kind = IdKind.OTHER
    party = Party(id=new_id(), id_kind=kind, id_number=record.document_number, name=name,
                  sex=_MRZ_SEXES.get(record.sex, Sex.UNKNOWN), birth_date=record.birth_date,
                  valid_until=record.expiry_date)
    return PartyRead(party, PartySource.MRZ)


def read_mrz_party(port_url: str, timeout: float = 30.0) -> PartyRead:
    """Read one document at `port_url` (see `read_mrz`) into a party."""
    return mrz_party(read_mrz(port_url, timeout=timeout))


def typed_party(party: Party) -> PartyRead:
    """A typed identity, refused when it cannot be right, with what an ID number says filled.

    A resident ID or residence-permit number must be 18 characters with a valid check
    character; its birth date and sex then come from the number.
    """
    name = party.name.strip()
    try:
        number = checkdigit.normalize(party.id_number)  # full-width digits become ASCII
    except checkdigit.IdNumberError as exc:
        raise UserError(exc.message) from exc
    if not name:
        raise UserError(_("Enter the interviewee's name."))
    if not number:
        raise UserError(_("Enter the number of the identity document."))
    if party.id_kind not in _GB11643_KINDS:
        return PartyRead(replace(party, name=name, id_number=number), PartySource.MANUAL)
    try:
        number = checkdigit.validate(number)
    except checkdigit.IdNumberError as exc:
        raise UserError(exc.message) from exc
    try:
        born = checkdigit.birth_date(number)
    except ValueError as exc:
        raise UserError(_("The ID number does not contain a valid birth date.")) from exc
    sex = Sex.MALE if checkdigit.sex_code(number) == "1" else Sex.FEMALE
    checked = replace(party, name=name, id_number=number, birth_date=born, sex=sex)
    return PartyRead(checked, PartySource.MANUAL)


def record_party(store: Store, read: PartyRead) -> Party:
    """Keep the party of `read` (its source with it); an ID card read also gets the audit
    event of the read itself, naming the card kind and the photo's hash, never the data."""
    with store.transaction() as tx:
        cases.record_party(tx, read.party, read.source.value)
        if read.source is PartySource.ID_CARD:
            tx.audit(Action.ID_CARD_READ, read.party.id, card_kind=read.card_kind,
                     photo_sha256=read.photo_sha256, warnings=len(read.warnings))
        return cases.get_party(tx.conn, read.party.id)


# --------------------------------------------------------------------------- fingerprints


@dataclass(frozen=True)
class FingerprintTaken:
    """A fingerprint image from the reader, as PNG bytes held in memory only."""

    png: bytes
    width: int
    height: int
    reader: str  # the source the capture record names: the reader and its port


def take_fingerprint(port_url: str, *, wait: float = 15.0) -> FingerprintTaken:
    """Wait up to `wait` seconds for a finger on the reader at `port_url` and bring its
    image over, converted to PNG in memory (it is personal data: never written to disk)."""
    from PIL import Image  # Pillow is loaded only when a fingerprint is taken

    with device_errors(), fingerprint.open_reader(port_url) as reader:
        scan = reader.capture(wait=wait)
    image = Image.frombytes("L", (scan.width, scan.height), scan.pixels)
    out = io.BytesIO()
    image.save(out, "PNG")
    # The capture record names its source in the record's own (untranslated) words.
    return FingerprintTaken(out.getvalue(), scan.width, scan.height,
                            f"fingerprint reader at {port_url}"[:200])


# --------------------------------------------------------------------------- ports


def looks_connected(port: str) -> bool:
    """Cheap presence check, safe to run every few seconds: a configured emulator URL counts
    as connected, a device path when it exists, a network URL always (a test tells more)."""
    if not port:
        return False
    if port.startswith("emu-"):
        return True  # an in-process emulator is always there
    if "://" in port:
        return port.startswith(("socket://", "rfc2217://", "loop://"))
    return os.path.exists(port)


_PROBED = {Device.IDCARD: DeviceKind.IDCARD, Device.MRZ: DeviceKind.MRZ,
           Device.GNSS: DeviceKind.GNSS, Device.FINGERPRINT: DeviceKind.FINGERPRINT}
_BAUDRATES = {Device.IDCARD: idcard.BAUDRATE, Device.MRZ: mrz.BAUDRATE,
              Device.GNSS: gnss.BAUDRATE, Device.FINGERPRINT: fingerprint.BAUDRATE}
PROBE_SECONDS = 1.5


def check_port(device: Device, port: str, device_password: str = "") -> str:
    """Open `port` and check that `device` answers there: a translated verdict, or UserError.

    A body-worn recorder is tested by connecting with `device_password` and reading its
    identity record; the others by listening for what only that device sends.
    """
    if device is Device.BODYCAM:
        with device_errors():
            driver = open_bodycam(port)
            try:
                model = driver.connect(device_password)
                identity = driver.read_identity()
            finally:
                driver.disconnect()
        return _("Recorder {model} answered: serial {serial}, officer {officer}.").format(
            model=model, serial=identity.serial, officer=identity.officer_number)
    with device_errors():
        found = probe(port, [_PROBED[device]], listen=PROBE_SECONDS,
                      baudrate=_BAUDRATES[device])
    if found is None:
        raise UserError(_("No {device} answered on {port}.").format(device=device_name(device),
                                                                      port=port))
    return _("{device} answered on {port}.").format(device=device_name(device), port=port)


@dataclass(frozen=True)
class PortRow:
    """A serial port the system lists, what its USB ids say, and (probed) what answered."""

    device: str
    description: str
    vid: int | None
    pid: int | None
    bridge: str | None
    hint: str | None
    answers_as: str | None = None


def list_ports(*, probe_each: bool = False) -> list[PortRow]:
    """The serial ports present now (pseudo-terminals and emulator URLs never are); with
    `probe_each`, each port is asked which device answers (one that cannot be opened: none)."""
    rows = []
    for info in list_candidate_ports():
        found = None
        if probe_each:
            with contextlib.suppress(DeviceError):
                kind = probe(info.device)
                found = kind.value if kind else None
        rows.append(PortRow(info.device, info.description, info.vid, info.pid, info.bridge,
                            info.hint.value if info.hint else None, found))
    return rows


# --------------------------------------------------------------------------- emulators


# Served for people trying the program: a card on the reader, a document swiped every few
# seconds, unless options say otherwise.
DEFAULT_OPTIONS = {Device.IDCARD: {"card": "resident"}, Device.MRZ: {"doc": "td3", "repeat": "3"}}


@dataclass(frozen=True)
class Served:
    """An emulator served on a pseudo-terminal: the path a driver opens, and for a recorder
    the directory that holds its storage."""

    path: str
    storage: Path | None = None
    emulator: Emulator | None = None  # what is served, for a control such as lifting a card


@contextlib.contextmanager
def serve_emulator(device: Device, options: Sequence[str] = ()) -> Iterator[Served]:
    """Serve the emulated `device`, configured by `KEY=VALUE` options as in its `emu-…://`
    URL, on a pseudo-terminal until the block ends."""
    malformed = [option for option in options if "=" not in option]
    if malformed:
        raise UserError(_("Bad emulator option: {detail}").format(
            detail=_("{option} is not KEY=VALUE").format(option=malformed[0])))
    given = dict(option.split("=", 1) for option in options)
    params = {**DEFAULT_OPTIONS.get(device, {}), **given}
    try:
        emulator = build_emulator(f"emu-{device.value}", params)
    except ValueError as exc:
        raise UserError(_("Bad emulator option: {detail}").format(detail=exc)) from exc
    storage = emulator.emulator.volume_root if isinstance(emulator, AmbaDevice) else None
    with serve_on_pty(emulator) as server:
        yield Served(server.path, storage, emulator)
