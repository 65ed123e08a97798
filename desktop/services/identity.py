"""The interviewee's identity from the card, not from typing.

`read_identity` runs the same code path whatever is at the other end of the port: a real
SAM reader on `/dev/ttyUSB0`, a pseudo-terminal, or the in-process `emu-idcard://` emulator.
It waits for a card (the officer may still be placing it), then finds, selects and reads.
`party_from_card` turns what the card says into a domain `Party`, and `record_card_party`
keeps it with an audit event naming the card kind and the photo's hash (never the data).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, IdKind, Party, Sex
from desktop.store import cases
from desktop.store.store import Store
from hardware.idcard.driver import IdCardReader
from hardware.idcard.errors import IdCardError, NoCardError
from hardware.idcard.payload import IdCardRead
from hardware.idcard.tables import CardKind
from hardware.transport import PortError, open_port

ID_READER_BAUD = 115200
_KINDS = {
    CardKind.RESIDENT: IdKind.RESIDENT_ID,
    CardKind.HMT_RESIDENCE: IdKind.HMT_RESIDENCE,
    CardKind.FOREIGNER_2017: IdKind.FOREIGNER_PERMANENT,
    CardKind.FOREIGNER_2023: IdKind.FOREIGNER_PERMANENT,
}
_SEXES = {"1": Sex.MALE, "2": Sex.FEMALE}


def read_identity(
    port_url: str,
    *,
    wait: float = 10.0,
    poll: float = 0.2,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> IdCardRead:
    """Read the card on the reader at `port_url`, waiting up to `wait` seconds for one."""
    try:
        port = open_port(port_url, baudrate=ID_READER_BAUD, timeout=0.05)
    except PortError as exc:
        raise UserError(exc.message) from exc
    try:
        reader = IdCardReader(port)
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
    except IdCardError as exc:
        raise UserError(exc.message) from exc
    finally:
        port.close()


def party_from_card(card: IdCardRead) -> Party:
    record = card.record
    name = record.name or record.english_name
    if not name or not record.id_number:
        raise UserError(_("The card was read but holds no name or number; read it again."))
    return Party(
        id=new_id(), id_kind=_KINDS[record.kind], id_number=record.id_number, name=name,
        sex=_SEXES.get(record.sex, Sex.UNKNOWN), nation=record.nation_name or "",
        birth_date=record.birth_date, address=record.address, authority=record.authority,
        valid_from=record.valid_from, valid_until=record.valid_until,
    )


def record_card_party(
    store: Store, card: IdCardRead, *, phone: str = "", workplace: str = ""
) -> Party:
    """Keep the identity read from the card (plus what the card cannot say: phone and
    workplace), with an audit event for the read itself."""
    party = replace(party_from_card(card), phone=phone, workplace=workplace)
    with store.transaction() as tx:
        cases.record_party(tx, party, "id_card")
        tx.audit(Action.ID_CARD_READ, party.id, card_kind=card.record.kind.name,
                 photo_sha256=card.photo_sha256, warnings=len(card.record.warnings))
        return cases.get_party(tx.conn, party.id)
