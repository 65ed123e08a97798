"""Interview use cases: open a statement from its template, autosave turns, read back, sign.

Each function is one durable transaction: when it returns, the change and its audit leaf
are on disk, and the caller (GUI or CLI) may show it as saved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import (
    Case,
    IdKind,
    Officer,
    Party,
    Sex,
    SignatureRefusal,
    Statement,
    StatementKind,
    StatementState,
    Turn,
    TurnKind,
    TurnRevision,
)
from desktop.services.templates import load_template
from desktop.store import cases, officers
from desktop.store import statements as repo
from desktop.store.store import Store
from hardware.idcard import checkdigit
from hardware.mrz import Framing, MrzError
from hardware.mrz.reader import MrzReader
from hardware.transport import PortError, open_port


def open_statement(
    store: Store,
    *,
    case_id: str,
    interviewee_id: str,
    kind: StatementKind,
    place: str,
    interviewers: tuple[str, str],
    recorder_id: str,
    addendum_of: str | None = None,
    started_at: datetime | None = None,
) -> Statement:
    """Create a draft statement with the template's opening questions already inserted.

    Each opening question is followed by an empty answer turn carrying the same tag, which
    the recorder fills in; read-back is refused until the required ones are answered.
    """
    template = load_template(kind)
    with store.transaction() as tx:
        first: Officer = officers.get_officer(tx.conn, interviewers[0])
        second: Officer = officers.get_officer(tx.conn, interviewers[1])
        statement = Statement(
            id=new_id(), case_id=case_id, kind=kind, place=place,
            started_at=started_at or tx.at, interviewer_ids=interviewers,
            recorder_id=recorder_id, interviewee_id=interviewee_id, addendum_of=addendum_of,
        )
        repo.create_statement(tx, statement)
        for question in template.render_opening(
            unit=first.unit, interviewer1=first.name, interviewer2=second.name,
            certificate1=first.certificate_no, certificate2=second.certificate_no,
            place=place,
        ):
            repo.add_turn(tx, statement.id, TurnKind.QUESTION, question.text, question.tag)
            repo.add_turn(tx, statement.id, TurnKind.ANSWER, "", question.tag)
        return repo.get_statement(tx.conn, statement.id)


def add_turn(store: Store, statement_id: str, kind: TurnKind, text: str) -> Turn:
    with store.transaction() as tx:
        return repo.add_turn(tx, statement_id, kind, text)


def save_turn(store: Store, turn_id: str, text: str) -> int:
    """Autosave: the new text is durable (with its audit leaf) when this returns."""
    with store.transaction() as tx:
        return repo.save_turn(tx, turn_id, text)


def history(store: Store, turn_id: str) -> list[TurnRevision]:
    return repo.revisions(store.conn, turn_id)


def get(store: Store, statement_id: str) -> Statement:
    return repo.get_statement(store.conn, statement_id)


def start_read_back(store: Store, statement_id: str) -> Statement:
    with store.transaction() as tx:
        return repo.change_state(tx, statement_id, StatementState.READ_BACK)


def return_to_draft(store: Store, statement_id: str) -> Statement:
    """The interviewee asked for a correction during read-back."""
    with store.transaction() as tx:
        return repo.change_state(tx, statement_id, StatementState.DRAFT)


def sign(
    store: Store, statement_id: str, refusal: SignatureRefusal | None = None
) -> Statement:
    """The interviewee signed (or refused, with a witness); the statement is now immutable."""
    with store.transaction() as tx:
        return repo.change_state(tx, statement_id, StatementState.SIGNED, refusal)


def seal(store: Store, statement_id: str) -> Statement:
    with store.transaction() as tx:
        return repo.change_state(tx, statement_id, StatementState.SEALED)


# --- What the interview workspace of the GUI needs (issue 6 §3) -----------------------------

# Identity documents whose numbers follow GB 11643 (18 characters, ISO 7064 MOD 11-2 check).
_GB11643_KINDS = (IdKind.RESIDENT_ID, IdKind.HMT_RESIDENCE)


@dataclass(frozen=True)
class StatementHeader:
    """A statement with the case, interviewee and officers it names (for a window's header)."""

    statement: Statement
    case: Case
    party: Party
    officers: dict[str, Officer]


def describe(store: Store, statement_id: str) -> StatementHeader:
    statement = repo.get_statement(store.conn, statement_id)
    return StatementHeader(
        statement=statement,
        case=cases.get_case(store.conn, statement.case_id),
        party=cases.get_party(store.conn, statement.interviewee_id),
        officers={o.id: o for o in officers.list_officers(store.conn)},
    )


def list_officers(store: Store) -> list[Officer]:
    """Every officer of the store, by name (to choose interviewers and the recorder)."""
    return officers.list_officers(store.conn)


def check_manual_party(party: Party) -> Party:
    """Refuse a typed identity that cannot be right; fill what an ID number says.

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
    if party.id_kind in _GB11643_KINDS:
        try:
            number = checkdigit.validate(number)
        except checkdigit.IdNumberError as exc:
            raise UserError(exc.message) from exc
        try:
            born = checkdigit.birth_date(number)
        except ValueError as exc:
            raise UserError(_("The ID number does not contain a valid birth date.")) from exc
        sex = Sex.MALE if checkdigit.sex_code(number) == "1" else Sex.FEMALE
        return replace(party, name=name, id_number=number, birth_date=born, sex=sex)
    return replace(party, name=name, id_number=number)


def record_manual_party(store: Store, party: Party) -> Party:
    """Keep an identity typed by the officer, after `check_manual_party`."""
    checked = check_manual_party(party)
    with store.transaction() as tx:
        cases.record_party(tx, checked, "manual")
        return cases.get_party(tx.conn, checked.id)


def read_mrz_party(port_url: str, timeout: float = 30.0) -> Party:
    """Wait for one document on the MRZ reader at `port_url` (a device thread's work) and
    return the identity it shows; check digits that fail refuse the read."""
    try:
        port = open_port(port_url, timeout=0.1)
    except PortError as exc:
        raise UserError(exc.message) from exc
    try:
        record = MrzReader(port, Framing.DESKO).read_document(timeout)
    except MrzError as exc:
        raise UserError(exc.message) from exc
    finally:
        port.close()
    if not record.valid:
        raise UserError(_("The document's check digits failed; swipe it again."))
    name = " ".join(p for p in (record.given_names, record.surname) if p).strip()
    if record.cn_permit:
        kind = IdKind.TRAVEL_PERMIT
    elif record.document_type.startswith("P"):
        kind = IdKind.PASSPORT
    else:
        kind = IdKind.OTHER
    sexes = {"M": Sex.MALE, "F": Sex.FEMALE}
    return Party(id=new_id(), id_kind=kind, id_number=record.document_number, name=name,
                 sex=sexes.get(record.sex, Sex.UNKNOWN), birth_date=record.birth_date,
                 valid_until=record.expiry_date)


def record_mrz_party(store: Store, party: Party) -> Party:
    """Keep an identity read from a document's MRZ (phone and workplace typed)."""
    with store.transaction() as tx:
        cases.record_party(tx, party, "mrz")
        return cases.get_party(tx.conn, party.id)
