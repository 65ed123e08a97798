"""The interview recorded in step with its statement, on a real store (the `world` of
tests/conftest.py, as `statement-room init` makes one): started before the first question,
turns marked at their moments, a pause with its reason, stopped after the party's signatures,
kept as evidence, played back from memory, exported and read by Debian's ffprobe, and printed
on the signed PDF's annex page without changing a page the party signed."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from pathlib import Path

import pytest
from cryptography.x509 import load_pem_x509_certificate

from desktop.domain.errors import UserError
from desktop.domain.model import StatementState, TurnKind
from desktop.domain.recording import RecordingState
from desktop.services import interview, recording
from desktop.services.demo_pki import export_trust_root
from desktop.services.export import export_package
from desktop.store import audit, evidence, recordings
from tests.conftest import World, provision_world_keys, sign_as_team, without_recording_rule
from tests.documents.test_package import extract, run_verifier
from tests.poppler import poppler_tool
from tests.services.recording_support import decoded_seconds, ffprobe, start
from tests.services.test_signing import all_pages_signed, pdfsig_lines
from verification import package_verifier as verifier
from verification.pdf import verify_pdf

QA = (("车是你停的吗？", "是我停的。"), ("停了多久？", "大概十分钟。"))
PAUSE_REASON = "被询问人要求上洗手间"


def _interview_recorded(world: World) -> recording.LiveRecording:
    """Record the world's statement: opening answers, two questions and answers, a pause."""
    without_recording_rule(world.paths.workdir, required=True)
    rec = start(world.store, world.statement.id)
    rec.drive.advance(1.0)
    for turn in world.statement.turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(world.store, turn.id, "明白。")
    for question, answer in QA:
        rec.drive.advance(1.0)
        interview.add_turn(world.store, world.statement.id, TurnKind.QUESTION, question)
        rec.drive.advance(1.0)
        interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, answer)
    rec.live.pause(PAUSE_REASON)
    rec.drive.advance(2.0)  # nothing of this is recorded
    rec.live.resume()
    rec.drive.advance(1.0)
    return rec.live


def test_a_recorded_interview_is_bound_to_its_signed_statement(world: World,
                                                                tmp_path: Path) -> None:
    live = _interview_recorded(world)
    statement_id = world.statement.id
    assert recording.live(statement_id) is live
    interview.start_read_back(world.store, statement_id)
    provision_world_keys(world)
    root = export_trust_root(world.store, tmp_path)
    signatures = all_pages_signed(world)  # the party signs while the recording runs
    with pytest.raises(UserError, match="still being recorded"):
        sign_as_team(world, signatures)
    assert interview.get(world.store, statement_id).state is StatementState.READ_BACK

    ended = live.stop()
    assert recording.live(statement_id) is None
    rec = ended.recording
    assert rec.state is RecordingState.FINISHED and rec.interruption is None
    assert rec.sha256 is not None and rec.size is not None and rec.duration_ms is not None
    # About 6 s of media were recorded (the 2 s paused are not in it).
    assert 5500 <= rec.duration_ms <= 7000
    assert [(p.reason, p.ended_at is not None) for p in ended.pauses] == [(PAUSE_REASON, True)]
    # The turns are marked at increasing moments: questions and answers as they were added.
    statement = interview.get(world.store, statement_id)
    chapters = recording.chapters(world.store, rec.id)
    asked = [(c.kind, c.text) for c in chapters if c.text in {q for qa in QA for q in qa}]
    assert asked == [(TurnKind.QUESTION, QA[0][0]), (TurnKind.ANSWER, QA[0][1]),
                     (TurnKind.QUESTION, QA[1][0]), (TurnKind.ANSWER, QA[1][1])]
    moments = [c.media_ms for c in chapters]
    assert moments == sorted(moments) and moments[-1] <= rec.duration_ms
    marked = {m.turn_id for m in ended.marks}
    assert {t.id for t in statement.turns if t.kind is TurnKind.ANSWER} <= marked

    # The media is an evidence item of the case and statement, kept in the vault.
    item = evidence.get_item(world.store.conn, rec.evidence_item_id or "")
    assert (item.kind, item.source, item.case_id, item.statement_id, item.sha256) == (
        "video", "recorder", world.case.id, statement_id, rec.sha256)
    # Played back from memory: seekable, decodes as long as recorded.
    with recording.open_media(world.store, rec.id) as media:
        seconds, frames = decoded_seconds(media)
        media.seek(0)
        assert hashlib.sha256(media.read()).hexdigest() == rec.sha256
    assert abs(seconds * 1000 - rec.duration_ms) <= 200 and frames >= 140
    # The officer's export is what ffprobe reads.
    out = recording.export(world.store, rec.id, tmp_path / "recording.mp4")
    assert hashlib.sha256(out.read_bytes()).hexdigest() == rec.sha256
    probe = ffprobe(out)
    codecs = sorted(s["codec_name"] for s in probe["streams"])
    assert codecs == ["opus", "vp9"]
    assert abs(float(probe["format"]["duration"]) * 1000 - rec.duration_ms) <= 300
    viewed = [json.loads(r.details).get("purpose")
              for r in audit.events_about(world.store.conn, rec.id)
              if r.action == "recording.viewed"]
    assert viewed == ["playback", "export"]

    signed = sign_as_team(world, signatures)  # the party's signatures still hold
    report = verify_pdf(signed.pdf, [load_pem_x509_certificate(root.read_bytes())])
    assert report.bottom_line, report.reasons
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed.pdf)
    assert sum("Signature is Valid." in line
               for line in pdfsig_lines(signed.pdf, tmp_path)) == len(report.signatures)
    # The annex is the last page, after the statement's own pages.
    pages = _page_texts(path)
    assert len(pages) == signed.pages + 1
    annex = "".join(pages[-1].split())  # (lines wrap where the page ends)
    assert "同步录音录像记录（附页）" in annex and rec.id in annex
    assert f"SHA-256：{rec.sha256}" in annex and "状态：完整录制" in annex
    seconds_total = rec.duration_ms // 1000
    assert f"时长：00:00:{seconds_total:02d}" in annex
    assert "暂停（1）：于录像00:00:0" in annex and f"原因：{PAUSE_REASON}" in annex
    assert all("同步录音录像" not in page for page in pages[:-1])
    png = _render_last_page(path, tmp_path)
    assert png.stat().st_size > 10_000

    # The court package lists the recording with its pauses and turn moments; with
    # --with-media its media is the video item of the same SHA-256; the verifier holds it.
    package = export_package(world.store, statement_id, tmp_path / "package.zip",
                             with_media=True)
    members = verifier.read_zip(package.path.read_bytes())
    manifest = json.loads(members[verifier.EVIDENCE_MANIFEST_PATH])
    (listed,) = manifest["recordings"]
    assert (listed["id"], listed["sha256"], listed["size"], listed["duration_ms"]) == (
        rec.id, rec.sha256, rec.size, rec.duration_ms)
    assert [p["reason"] for p in listed["pauses"]] == [PAUSE_REASON]
    assert [(t["kind"], t["media_ms"]) for t in listed["turns"]] == [
        (m.kind.value, m.media_ms) for m in chapters]
    assert hashlib.sha256(members[listed["media"]]).hexdigest() == rec.sha256
    assert unit_root(world, tmp_path).is_file()
    run = run_verifier(extract(package.path.read_bytes(), tmp_path / "package"), "--root",
                       str(unit_root(world, tmp_path)))
    assert run.returncode == verifier.EXIT_OK, run.stdout + run.stderr
    assert "1 interview recordings, each bound to a video item" in run.stdout


def unit_root(world: World, tmp_path: Path) -> Path:
    assert world.unit_keys is not None
    root = tmp_path / "ROOT.pem"
    root.write_bytes(world.unit_keys.root_pem)
    return root


def _page_texts(pdf: Path) -> list[str]:
    text = subprocess.run([poppler_tool("pdftotext"), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def _render_last_page(pdf: Path, tmp_path: Path) -> Path:
    """The annex as an image (looked at while writing decision 45)."""
    count = len(_page_texts(pdf))
    prefix = tmp_path / "annex"
    subprocess.run([poppler_tool("pdftoppm"), "-png", "-r", "60", "-f", str(count), "-l",
                    str(count), str(pdf), str(prefix)], check=True)
    return next(tmp_path.glob("annex*.png"))


def test_start_refuses_a_statement_not_being_taken_or_already_recorded(world: World) -> None:
    rec = start(world.store, world.statement.id)
    try:
        with pytest.raises(UserError, match="already being recorded"):
            recording.start(world.store, world.statement.id)
        with pytest.raises(UserError, match="reason for pausing"):
            rec.live.pause("   ")
        rec.drive.advance(0.5)
    finally:
        rec.live.stop()
    for turn in world.statement.turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(world.store, turn.id, "明白。")
    interview.start_read_back(world.store, world.statement.id)
    with pytest.raises(UserError, match="still being taken"):
        recording.start(world.store, world.statement.id)
    assert len(recordings.for_statement(world.store.conn, world.statement.id)) == 1


def test_the_media_reader_seeks_and_reads_what_the_vault_holds(world: World) -> None:
    rec = start(world.store, world.statement.id)
    rec.drive.advance(2.0)
    ended = rec.live.stop().recording
    assert ended.sha256 is not None and ended.size is not None
    with recording.open_media(world.store, ended.id) as media:
        whole = media.read()
        assert len(whole) == ended.size == media.size
        for start_at in (0, 1, 16 * 1024 - 3, ended.size // 2, ended.size - 5):
            media.seek(start_at)
            assert media.read(100) == whole[start_at:start_at + 100]
        media.seek(-10, io.SEEK_END)
        assert media.read() == whole[-10:]
        media.seek(ended.size + 100)
        assert media.read(10) == b""


def test_a_recording_still_being_made_plays_what_is_saved_so_far(world: World) -> None:
    """The party asks during the read-back what they said: the durable part plays, the same
    bytes the finished recording starts with; the viewing is audited; export still waits."""
    rec = start(world.store, world.statement.id)
    with pytest.raises(UserError, match="Nothing of this recording is saved yet"):
        recording.open_media(world.store, rec.live.recording_id)
    rec.drive.advance(3.0)
    rec.live.recorder.drain()
    with world.store.reading() as conn:
        offset, sha256, saved_ms = recordings.last_checkpoint(conn, rec.live.recording_id) \
            or (0, "", 0)
    assert offset > 0
    with recording.open_media(world.store, rec.live.recording_id) as media:
        assert media.saved_ms == saved_ms >= 1000
        assert media.size == offset
        so_far = media.read()
    assert hashlib.sha256(so_far).hexdigest() == sha256
    seconds, frames = decoded_seconds(io.BytesIO(so_far))
    assert frames > 0
    assert seconds * 1000 <= saved_ms
    with pytest.raises(UserError, match="still being made"):
        recording.export(world.store, rec.live.recording_id, world.store.paths.workdir / "x.mp4")
    ended = rec.live.stop().recording
    with recording.open_media(world.store, ended.id) as media:
        assert media.saved_ms is None
        assert media.read()[:len(so_far)] == so_far  # what played was the recording's start
    viewed = [json.loads(r.details).get("purpose")
              for r in audit.events_about(world.store.conn, ended.id)
              if r.action == "recording.viewed"]
    assert viewed == ["playback", "playback"]
