"""The recording at signing: whether a statement may be signed, and what its PDF prints.

Decision 45: a statement is signed with a recording of its interview that kept media (stopped
normally, or interrupted with its prefix salvaged), or with the officer's written reason why
there is none (`recordings.waive`); a recording still running is always refused (it is
stopped after the party's signatures, before the officers sign). Where no recorder is
installed yet the store's settings may turn the requirement off
(`Settings.recording_required`). What the recording is goes on an annex page of the signed
PDF (`desktop.documents.recording_annex`), never on a page the party signed.

Kept apart from `desktop.services.recording`, so that signing never loads the encoder.
"""

from __future__ import annotations

from gettext import gettext as _

from desktop import config
from desktop.documents.recording_annex import (
    AnnexPause,
    AnnexRecording,
    AnnexWaiver,
    RecordingAnnex,
)
from desktop.domain.recording import RecordingState, RecordingWaiver
from desktop.services import live_recordings
from desktop.services.templates import load_template
from desktop.store import cases, officers, recordings
from desktop.store import statements as repo
from desktop.store.store import Store

__all__ = ["annex", "record_without", "recording_required", "signing_problem"]


def record_without(store: Store, statement_id: str, reason: str) -> RecordingWaiver:
    """Keep the officer's reason why the statement is taken without (a whole) recording
    (e.g. "设备故障：摄像头无法开启"), printed on the signed statement (audited)."""
    def waive() -> RecordingWaiver:
        with store.transaction() as tx:
            return recordings.waive(tx, statement_id, reason)

    return store.write(waive)


def recording_required(store: Store) -> bool:
    """Whether a statement needs a recording (or a waiver) to be signed: the settings of the
    store's folder (`Settings.recording_required`); anything but an explicit false is true."""
    settings = config.Settings.load(config.settings_path(store.paths.workdir))
    return settings.recording_required is not False


def signing_problem(store: Store, statement_id: str) -> str | None:
    """Why the statement cannot be signed for its recording (translated), or None."""
    if live_recordings.live(statement_id) is not None:
        return _("The interview is still being recorded: stop the recording (after the "
                 "interviewee's signatures) before the statement is signed.")
    found = recordings.for_statement(store.conn, statement_id)
    if any(r.state is RecordingState.RECORDING for r in found):
        return _("A recording of this statement has not ended: stop it, or if the program "
                 "that made it was closed, log in again so that what it recorded is kept.")
    if not recording_required(store):
        return None
    if recordings.waiver(store.conn, statement_id) is not None:
        return None
    if any(r.sha256 is not None for r in found):
        return None
    return _("The interview has not been recorded. A statement is signed with its recording, "
             "or with the officer's written reason why there is none (\"Record without "
             "video…\", e.g. a device failure), which is printed on the statement.")


def annex(store: Store, statement_id: str) -> RecordingAnnex | None:
    """What the signed PDF prints of the statement's recordings and waiver; None when it has
    neither (nothing is added to the document)."""
    conn = store.conn
    kept = [r for r in recordings.for_statement(conn, statement_id)
            if r.sha256 is not None or r.interruption is not None]
    waiver = recordings.waiver(conn, statement_id)
    if not kept and waiver is None:
        return None
    statement = repo.get_statement(conn, statement_id)
    printed = []
    for r in kept:
        assert r.ended_at is not None
        pauses = tuple(AnnexPause(p.media_ms, p.started_at, p.ended_at, p.reason)
                       for p in recordings.pauses(conn, r.id))
        printed.append(AnnexRecording(
            id=r.id, started_at=r.started_at, ended_at=r.ended_at,
            duration_ms=r.duration_ms or 0, sha256=r.sha256, size=r.size,
            codec=r.codec, width=r.width, height=r.height, fps=r.fps,
            interruption=None if r.interruption is None else r.interruption.value,
            pauses=pauses))
    waived = None
    if waiver is not None:
        officer = officers.get_officer(conn, waiver.officer_id)
        waived = AnnexWaiver(waiver.reason, f"{officer.name}（{officer.certificate_no}）",
                             waiver.at)
    return RecordingAnnex(
        statement_id=statement_id, title=load_template(statement.kind).title,
        case_number=cases.get_case(conn, statement.case_id).number,
        recordings=tuple(printed), waiver=waived)
