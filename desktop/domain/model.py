"""The entities of an enforcement interview, as immutable values.

Officer, Party, Case, Statement, Turn, EvidenceItem and AuditEvent are frozen dataclasses:
the store loads snapshots of them and services pass them around; changes are made by the
store under the rules in `rules.py`, never by mutating a loaded value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Role(StrEnum):
    """What an officer may do: interview, review cases legally (法制审核), or administer."""

    OFFICER = "officer"
    LEGAL_REVIEWER = "legal_reviewer"
    ADMIN = "admin"


@dataclass(frozen=True)
class Officer:
    id: str
    name: str
    certificate_no: str  # 执法证号: the enforcement certificate number
    unit: str
    role: Role = Role.OFFICER
    # Set when an administrator disabled the officer (decision 24): the record stays for what
    # it signed and did, but the officer can no longer log in, sign or be named on a statement.
    disabled_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


class IdKind(StrEnum):
    """Kinds of identity document a party can show."""

    RESIDENT_ID = "resident_id"  # 居民身份证
    HMT_RESIDENCE = "hmt_residence"  # 港澳台居民居住证
    FOREIGNER_PERMANENT = "foreigner_permanent"  # 外国人永久居留身份证
    PASSPORT = "passport"
    TRAVEL_PERMIT = "travel_permit"  # 往来港澳/台湾通行证 and similar
    OTHER = "other"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Party:
    """The person interviewed (当事人 / 被询问人), ideally as read from their ID card."""

    id: str
    id_kind: IdKind
    id_number: str
    name: str
    sex: Sex = Sex.UNKNOWN
    nation: str = ""
    birth_date: date | None = None
    address: str = ""
    authority: str = ""  # issuing authority
    valid_from: date | None = None
    valid_until: date | None = None  # None: long-term (长期)
    phone: str = ""
    workplace: str = ""


class PartyKind(StrEnum):
    """Who the case's party (当事人) is: the person interviewed, or a unit (单位) that the
    interviewee represents or works for (then 被询问人 and 当事人 are not the same)."""

    PERSON = "person"
    UNIT = "unit"


class RepresentativeTitle(StrEnum):
    """How the one who answers for a unit is titled on a document."""

    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人 (a legal person)
    PRINCIPAL = "principal"  # 负责人 (an unincorporated organisation, a branch)


@dataclass(frozen=True)
class UnitParty:
    """A unit (法人或者其他组织) as the party of a case: what art. 59 of the Administrative
    Penalty Law has a decision name (名称, 统一社会信用代码, 法定代表人（负责人）, 住所).
    Checked by `desktop.domain.unit_party.checked` before it is kept."""

    name: str
    credit_code: str  # 统一社会信用代码, 18 characters (GB 32100-2015)
    representative: str
    representative_title: RepresentativeTitle
    address: str  # 住所: the registered domicile
    phone: str = ""


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Case:
    id: str
    number: str  # 案件编号
    cause: str  # 案由
    matter: str  # 执法事项
    place: str
    status: CaseStatus = CaseStatus.OPEN


class StatementKind(StrEnum):
    INQUIRY = "inquiry"  # 询问笔录
    INSPECTION = "inspection"  # 现场检查(勘验)笔录
    DEFENCE = "defence"  # 陈述申辩笔录
    HEARING = "hearing"  # 听证笔录
    ADDENDUM = "addendum"  # 补充笔录


class StatementState(StrEnum):
    """Lifecycle: draft -> read_back -> signed -> sealed (synced comes with the sync issue)."""

    DRAFT = "draft"
    READ_BACK = "read_back"
    SIGNED = "signed"
    SEALED = "sealed"


class TurnKind(StrEnum):
    QUESTION = "question"  # 问
    ANSWER = "answer"  # 答
    NOTE = "note"  # recorder's note, e.g. "(当事人沉默)"


class OpeningItem(StrEnum):
    """Template questions the law requires before anything else; tracked by tag."""

    IDENTIFICATION = "identification"  # officers identify themselves, show certificates
    RIGHTS_NOTICE = "rights_notice"  # rights and the duty to answer truthfully
    RECUSAL = "recusal"  # 你是否申请回避?
    UNDERSTOOD = "understood"  # whether the interviewee understood


@dataclass(frozen=True)
class Turn:
    """One question, answer or note; `revision` counts saved edits, starting at 1."""

    id: str
    statement_id: str
    seq: int
    kind: TurnKind
    text: str
    recorded_at: datetime
    revision: int = 1
    tag: OpeningItem | None = None


@dataclass(frozen=True)
class TurnRevision:
    """One saved version of a turn's text; every revision is kept."""

    turn_id: str
    revision: int
    text: str
    saved_at: datetime
    saved_by: str


@dataclass(frozen=True)
class SignatureRefusal:
    """The interviewee refused to sign: recorded on the statement, with a witness."""

    reason: str
    witness_name: str
    recorded_at: datetime
    witness_id_number: str = ""


@dataclass(frozen=True)
class StatementForm:
    """What the printed form names besides the officers and the party.

    `sequence` is 第N次询问 (None: not numbered, as an addendum); `interpreter` (翻译人员) and
    `guardian` (监护人 / 法定代理人) are names, empty when nobody attended in that role.
    """

    sequence: int | None = None
    interpreter: str = ""
    interpreter_language: str = ""  # 语种, e.g. 英语, 手语
    guardian: str = ""
    guardian_relation: str = ""  # e.g. 父亲, or 法定代理人


@dataclass(frozen=True)
class Statement:
    id: str
    case_id: str
    kind: StatementKind
    place: str
    started_at: datetime
    interviewer_ids: tuple[str, str]
    recorder_id: str
    interviewee_id: str
    state: StatementState = StatementState.DRAFT
    ended_at: datetime | None = None
    turns: tuple[Turn, ...] = ()
    addendum_of: str | None = None
    refusal: SignatureRefusal | None = None
    form: StatementForm = StatementForm()
    # The version of its content (sync.protocol.statement) the statement was signed with,
    # which its PDF's digest is of; None until it is signed (the current version then).
    content_version: int | None = None


class BreakKind(StrEnum):
    """Why an interview paused; a break is recorded as a note turn (休息、用餐)."""

    REST = "rest"  # 休息
    MEAL = "meal"  # 用餐


@dataclass(frozen=True)
class EvidenceItem:
    """A file collected as evidence; filled in by the evidence issue."""

    id: str
    case_id: str
    kind: str
    size: int
    sha256: str
    source: str
    sm3: str = ""
    original_name: str = ""
    imported_at: datetime | None = None


class Action(StrEnum):
    """Every kind of audit event; the names are part of the stored record format."""

    STORE_CREATED = "store.created"
    OFFICER_ADDED = "officer.added"
    LOGIN = "login"
    LOGIN_FAILED = "login.failed"
    LOGIN_LOCKED_OUT = "login.locked_out"
    LOGOUT = "logout"
    SESSION_LOCKED = "session.locked"
    SESSION_RESUMED = "session.resumed"
    SETTING_CHANGED = "setting.changed"
    PASSWORD_CHANGED = "password.changed"
    STORE_RECOVERED = "store.recovered"
    ESCROW_SET = "escrow.set"
    CASE_CREATED = "case.created"
    PARTY_RECORDED = "party.recorded"
    ID_CARD_READ = "identity.card_read"
    STATEMENT_CREATED = "statement.created"
    STATEMENT_UPDATED = "statement.updated"
    TURN_SAVED = "turn.saved"
    STATE_CHANGED = "statement.state"
    REFUSAL_RECORDED = "statement.refusal"
    SIGNING_KEY_SET = "signing_key.set"
    SIGNING_KEY_RETIRED = "signing_key.retired"
    TRUST_ROOT_ADDED = "trust_root.added"
    SEAL_CUSTODIAN_ADDED = "signing_key.custodian_added"
    SIGNER_AUTH_FAILED = "signer.auth_failed"
    SIGNATURE_APPLIED = "document.signature"
    DOCUMENT_SIGNED = "document.signed"
    CAPTURE_KEPT = "document.capture"
    DOCUMENT_EXPORTED = "document.exported"
    EVIDENCE_IMPORTED = "evidence.imported"
    EVIDENCE_VERIFIED = "evidence.verified"
    EVIDENCE_EXPORTED = "evidence.exported"
    EVIDENCE_FILED = "evidence.filed"
    DOCKING_STARTED = "docking.started"
    DOCKING_RESUMED = "docking.resumed"
    DOCKING_CERTIFIED = "docking.certified"
    ORIGINAL_DELETED = "docking.original_deleted"
    SEARCH = "search"
    SEARCH_REBUILT = "search.rebuilt"
    AUDIT_VERIFIED = "audit.verified"
    LOGIN_WHILE_LOCKED = "login.while_locked"
    LOGIN_EVENTS_DROPPED = "login.events_dropped"
    OFFICER_UNLOCKED = "officer.unlocked"
    PASSWORD_RESET = "password.reset"
    OFFICER_DISABLED = "officer.disabled"
    OFFICER_ENABLED = "officer.enabled"
    OFFICER_ROLE_CHANGED = "officer.role"
    ANCHOR_RECREATED = "audit.anchor_recreated"
    BACKUP_CREATED = "backup.created"
    BACKUP_RESTORED = "backup.restored"
    REFDATA_ACCEPTED = "refdata.accepted"
    REFDATA_REFUSED = "refdata.refused"  # a dataset this program cannot read: set aside
    SYNC_ENROLLED = "sync.enrolled"
    SYNC_ROUND = "sync.round"
    SYNC_HQ_RESTORED = "sync.hq_restored"
    EVIDENCE_PURGED = "evidence.purged"
    OFFICER_HQ_KEY_CREATED = "officer_hq_key.created"
    # issue 17 (PEN): penalty decisions and their legal review
    PENALTY_OPENED = "penalty.opened"
    PENALTY_PROPOSED = "penalty.proposed"
    PENALTY_CHOSEN = "penalty.chosen"
    PENALTY_CHOICE_REFUSED = "penalty.choice_refused"
    PENALTY_STATE = "penalty.state"
    PENALTY_SUBMITTED = "penalty.submitted"
    PENALTY_REVIEWED = "penalty.reviewed"
    PENALTY_REVIEW_REFUSED = "penalty.review_refused"
    # issue 17 (DOC)
    PENALTY_DOCUMENT_SIGNED = "penalty_document.signed"  # kept signed, with how it was served
    # issue 18: the synchronized audio and video recording of an interview
    RECORDING_STARTED = "recording.started"
    RECORDING_PAUSED = "recording.paused"
    RECORDING_RESUMED = "recording.resumed"
    RECORDING_FINISHED = "recording.finished"
    RECORDING_SALVAGED = "recording.salvaged"  # ended by a crash or a full disk: prefix kept
    RECORDING_WAIVED = "recording.waived"  # the statement is signed without a recording
    RECORDING_VIEWED = "recording.viewed"  # played back or exported
    # issue 17 (helper C): the case's party as a unit (decision 54)
    CASE_PARTY_SET = "case.party_set"  # the case's party named for the first time
    CASE_PARTY_CHANGED = "case.party_changed"  # named again, with the reason why


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"


@dataclass(frozen=True)
class AuditEvent:
    """One entry of the tamper-evident trail: who did what to which record, and how it ended.

    `details` holds only identifiers and hashes, never personal data, so an event can be shown
    to a court or to HQ on its own.
    """

    action: str
    actor: str | None
    subject: str | None
    outcome: Outcome = Outcome.OK
    details: dict[str, str | int | bool | None] = field(default_factory=dict)
