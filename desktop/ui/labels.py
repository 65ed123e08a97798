"""User-facing names of the domain's enumerations and small formatting helpers, shared by
every screen (one name per thing: the case view and the workspace say the same). A state's
name is the domain's (`rules.state_label`, also in its refusals), re-exported here.

Every string goes through gettext with an English msgid; the Chinese catalog translates them.
"""

from __future__ import annotations

from datetime import datetime
from gettext import gettext as _
from typing import TYPE_CHECKING

from desktop.domain.model import (
    IdKind,
    Officer,
    OpeningItem,
    Role,
    Sex,
    StatementKind,
    TurnKind,
)
from desktop.domain.rules import state_label
from desktop.store import signing_keys

if TYPE_CHECKING:  # only a type: this module runs without widgets
    from PySide6.QtWidgets import QTableWidgetItem

__all__ = [
    "REQUIRED_OPENING",
    "STARTABLE_KINDS",
    "cell_text",
    "clock_time",
    "id_kind_label",
    "key_kind_label",
    "key_status_label",
    "kind_label",
    "officer_label",
    "officer_role_label",
    "opening_label",
    "sex_label",
    "signing_role_label",
    "state_label",
    "turn_label",
]

# Kinds an officer can start from the header; an addendum starts from a signed statement.
STARTABLE_KINDS = (StatementKind.INQUIRY, StatementKind.INSPECTION, StatementKind.DEFENCE,
                   StatementKind.HEARING)
# The opening items read-back requires (domain rule check_opening_complete).
REQUIRED_OPENING = (OpeningItem.RIGHTS_NOTICE, OpeningItem.RECUSAL)


def kind_label(kind: StatementKind) -> str:
    return {
        StatementKind.INQUIRY: _("Inquiry"),
        StatementKind.INSPECTION: _("On-site inspection"),
        StatementKind.DEFENCE: _("Statement and defence"),
        StatementKind.HEARING: _("Hearing"),
        StatementKind.ADDENDUM: _("Addendum"),
    }[kind]


def id_kind_label(kind: IdKind) -> str:
    return {
        IdKind.RESIDENT_ID: _("Resident ID card"),
        IdKind.HMT_RESIDENCE: _("HK/Macau/Taiwan residence permit"),
        IdKind.FOREIGNER_PERMANENT: _("Foreigner permanent residence card"),
        IdKind.PASSPORT: _("Passport"),
        IdKind.TRAVEL_PERMIT: _("Travel permit"),
        IdKind.OTHER: _("Other document"),
    }[kind]


def sex_label(sex: Sex) -> str:
    return {Sex.MALE: _("Male"), Sex.FEMALE: _("Female"), Sex.UNKNOWN: _("Unknown")}[sex]


def turn_label(kind: TurnKind) -> str:
    return {TurnKind.QUESTION: _("Q"), TurnKind.ANSWER: _("A"), TurnKind.NOTE: _("Note")}[kind]


def opening_label(item: OpeningItem) -> str:
    return {
        OpeningItem.IDENTIFICATION: _("Officers identified"),
        OpeningItem.RIGHTS_NOTICE: _("Rights and duties notice"),
        OpeningItem.RECUSAL: _("Recusal"),
        OpeningItem.UNDERSTOOD: _("Understood"),
    }[item]


def officer_label(officer: Officer) -> str:
    return _("{name} ({certificate})").format(name=officer.name,
                                               certificate=officer.certificate_no)


def officer_role_label(role: str) -> str:
    """What an officer may do (a `Role`, or its value as stored), as officer lists show it."""
    words: dict[str, str] = {Role.OFFICER: _("Officer"), Role.LEGAL_REVIEWER: _("Legal reviewer"),
                             Role.ADMIN: _("Administrator")}
    return words.get(role, role)


def signing_role_label(role: str) -> str:
    """Whose signing key it is (`signing_keys.ROLES`): the statement room, the seal, an
    officer."""
    return {signing_keys.DEVICE: _("Statement room (device)"),
            signing_keys.SEAL: _("Unit seal"),
            signing_keys.OFFICER: _("Officer")}.get(role, role)


def key_kind_label(kind: str) -> str:
    """Where a signing key lives: in the store (software) or on a hardware token."""
    return {"software": _("Software"), "pkcs11": _("Token (PKCS#11)")}.get(kind, kind)


def key_status_label(status: str) -> str:
    return {"active": _("Active"), "retired": _("Retired")}.get(status, status)


def clock_time(at: datetime) -> str:
    return at.strftime("%H:%M:%S")


def cell_text(item: QTableWidgetItem | None) -> str:
    """The text of a table cell as shown; an empty cell (no item) shows nothing."""
    return item.text() if item is not None else ""
