"""After the interviewee: who signs the statement, and unlocking their keys with their secrets.

`load_roster` says who signs a statement (the interviewers and the recorder, each once, with
their part and whether their key is on a token), who may apply the unit seal, and who still
lacks a signing key. `Credentials` is what the officers typed, each their own secret (and
optionally their handwritten name); `unlock_in_turn` hands it to `signing.unlock_team`, and
`sign_in_turn` then signs and seals with `signing.sign_statement`. Secrets are cleared with
`forget` as soon as they are used and never appear in a repr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from gettext import gettext as _

from desktop.documents.capture import SignatureCapture, render_png
from desktop.documents.page_signatures import ReadBackSignatures
from desktop.domain.model import Officer
from desktop.services import keys, signing
from desktop.store import signing_keys
from desktop.store import statements as statements_repo
from desktop.store.store import Store

HANDWRITING_DPI = 200  # an officer's handwritten name, drawn into their box in the PDF


@dataclass(frozen=True)
class Seat:
    """One officer who signs the statement, with their part and how their key opens."""

    officer: Officer
    part: str  # "Interviewer", "Recorder", or both, in words
    token: bool  # the key is on a hardware token: the PIN is asked, not the password


@dataclass(frozen=True)
class Roster:
    """Who signs a statement and who may apply the seal; `missing` says who lacks a key."""

    seats: tuple[Seat, ...]
    custodians: tuple[Officer, ...]
    missing: tuple[str, ...]


def load_roster(store: Store, statement_id: str) -> Roster:
    statement = statements_repo.get_statement(store.conn, statement_id)
    seats = []
    for officer in signing.signing_team(store, statement_id):
        interviewer = officer.id in statement.interviewer_ids
        recorder = officer.id == statement.recorder_id
        part = (_("Interviewer and recorder") if interviewer and recorder
                else _("Recorder") if recorder else _("Interviewer"))
        identity = signing_keys.active_identity(store.conn, signing_keys.OFFICER, officer.id)
        seats.append(Seat(officer, part, identity is not None and identity.kind == "pkcs11"))
    return Roster(tuple(seats), tuple(keys.seal_custodians(store)),
                  tuple(signing.missing_signing_keys(store, statement_id)))


@dataclass
class Credentials:
    """Each officer's own secret, the custodian's, and optional handwriting; used once."""

    secrets: dict[str, str]  # officer id -> that officer's password or token PIN
    custodian_id: str
    custodian_secret: str
    handwriting: dict[str, SignatureCapture] = field(default_factory=dict)

    def __repr__(self) -> str:  # never show a secret, even in a traceback
        return f"Credentials({sorted(self.secrets)}, custodian={self.custodian_id})"

    def forget(self) -> None:
        self.secrets.clear()
        self.custodian_secret = ""


def unlock_in_turn(store: Store, statement_id: str,
                   credentials: Credentials) -> signing.SigningTeam:
    """The service's `unlock_team` with what the rows hold (handwriting drawn to PNG here)."""
    handwriting = {officer_id: render_png(capture, dpi=HANDWRITING_DPI)
                   for officer_id, capture in credentials.handwriting.items()}
    return signing.unlock_team(store, statement_id, credentials.secrets,
                               custodian_id=credentials.custodian_id,
                               seal_secret=credentials.custodian_secret,
                               handwriting=handwriting)


def sign_in_turn(store: Store, statement_id: str, signatures: ReadBackSignatures,
                 credentials: Credentials, *, declaration: str | None) -> signing.SignedStatement:
    """Unlock each signer with their own secret (forgotten right away), then sign and seal.

    A TSA in the configuration timestamps every signature (`signing.configured_timestamper`).
    """
    try:
        team = unlock_in_turn(store, statement_id, credentials)
    finally:
        credentials.forget()
    try:
        return signing.sign_statement(store, statement_id, signatures, team=team,
                                      declaration=declaration,
                                      timestamper=signing.configured_timestamper())
    finally:
        team.close()
