"""Who the party of a case is (当事人): the person interviewed, or a unit (decision 54).

By default the party is the person interviewed, as before. An officer names a unit as the
party (`set_unit`: its 名称, 统一社会信用代码 checked by GB 32100-2015's check character,
法定代表人 or 负责人, 住所, a phone) when the interviewee answers for a company or an
organisation: the interviewee stays the 被询问人 of the statements, the unit is the one
penalised and the one the documents name. Naming it again (a corrected address, a person
after all: `set_person`) is a new version that says why; nothing is overwritten, and once a
final penalty document of the case is signed the party is no longer changed: it is what that
decision names.

The penalty decision's party type (`legal.discretion.model.PartyType`) follows the case:
`require_party_type` refuses an evaluation for an individual on a unit's case and the other
way round, since the standard's ranges differ (the unit's apply to a unit), and
`unit_for_documents` gives the documents the unit they print, refusing a unit decision
whose case names no unit.
"""

from __future__ import annotations

from gettext import gettext as _

from desktop.domain.errors import UserError
from desktop.domain.model import PartyKind, UnitParty
from desktop.domain.penalty import DecisionState
from desktop.domain.unit_party import checked
from desktop.store import case_parties as repo
from desktop.store import cases
from desktop.store import penalty as decisions_repo
from desktop.store.case_parties import KeptCaseParty
from desktop.store.connection import Connection
from desktop.store.store import Store
from legal.discretion.model import PartyType

__all__ = ["KeptCaseParty", "history", "party_type_for", "require_party_type", "set_person",
           "set_unit", "show", "unit_for_documents"]

PARTY_TYPES = {PartyKind.PERSON: PartyType.INDIVIDUAL, PartyKind.UNIT: PartyType.UNIT}


def show(store: Store, case_id: str) -> KeptCaseParty | None:
    """The naming in force, or None: the party is the person interviewed."""
    with store.reading() as conn:
        cases.get_case(conn, case_id)
        return repo.current(conn, case_id)


def history(store: Store, case_id: str) -> list[KeptCaseParty]:
    """Every naming of the case's party, oldest first."""
    with store.reading() as conn:
        cases.get_case(conn, case_id)
        return repo.history(conn, case_id)


def party_type_for(conn: Connection, case_id: str) -> PartyType:
    """The engine's party type the case's party calls for."""
    return PARTY_TYPES[repo.current_kind(conn, case_id)]


def _require_changeable(conn: Connection, case_id: str, held: KeptCaseParty | None,
                        reason: str) -> str:
    if any(d.state is DecisionState.DECIDED for d in decisions_repo.for_case(conn, case_id)):
        raise UserError(_("A penalty decision of this case has been signed for its party; "
                          "the party can no longer be changed."))
    reason = " ".join(reason.split())
    if held is not None and not reason:
        raise UserError(_("The case's party was named before; say why it is named again "
                          "(e.g. the address was mistyped)."))
    return reason


def set_unit(store: Store, case_id: str, unit: UnitParty, reason: str = "") -> KeptCaseParty:
    """Name `unit` the case's party (checked; audited). The same unit again changes nothing."""
    cleaned = checked(unit)
    with store.reading() as conn:
        cases.get_case(conn, case_id)
        held = repo.current(conn, case_id)
    if held is not None and held.unit == cleaned:
        return held
    with store.transaction() as tx:
        held = repo.current(tx.conn, case_id)
        reason = _require_changeable(tx.conn, case_id, held, reason)
        return repo.save(tx, case_id, cleaned, reason, store.officer.id)


def set_person(store: Store, case_id: str, reason: str) -> KeptCaseParty | None:
    """Make the person interviewed the case's party again (audited, with the reason); a case
    whose party is already the person is left as it is."""
    with store.reading() as conn:
        cases.get_case(conn, case_id)
        held = repo.current(conn, case_id)
    if held is None or held.kind is PartyKind.PERSON:
        return held
    with store.transaction() as tx:
        held = repo.current(tx.conn, case_id)
        reason = _require_changeable(tx.conn, case_id, held, reason)
        return repo.save(tx, case_id, None, reason, store.officer.id)


def require_party_type(conn: Connection, case_id: str, party_type: PartyType) -> None:
    """Refuse an evaluation whose party type is not the case's party's."""
    wanted = party_type_for(conn, case_id)
    if party_type is wanted:
        return
    if wanted is PartyType.UNIT:
        raise UserError(_("The party of this case is a unit: evaluate the facts for a unit "
                          "(the standard's ranges for units apply)."))
    raise UserError(_("The party of this case is the person interviewed: evaluate the facts "
                      "for an individual, or first name the unit as the case's party."))


def unit_for_documents(conn: Connection, case_id: str, party_type: PartyType
                       ) -> UnitParty | None:
    """The unit a document of this case names, or None for a person; refused when the
    decision's party type is not the case's party's."""
    held = repo.current(conn, case_id)
    if party_type is PartyType.UNIT and (held is None or held.unit is None):
        raise UserError(_("The decision is for a unit, but the case names no unit as its "
                          "party: enter the unit (name, unified social credit code, legal "
                          "representative, address) on the case first."))
    if party_type is PartyType.INDIVIDUAL and held is not None and held.unit is not None:
        raise UserError(_("The party of this case is a unit: evaluate the facts again for a "
                          "unit before drafting its documents."))
    return None if held is None else held.unit
