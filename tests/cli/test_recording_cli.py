"""`statement-room recording show|chapters|export|waive`, and `statement sign` under the rule
of decision 45, as real processes on the world's store (made as `init` makes one)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from desktop.domain.model import StatementKind, StatementState, TurnKind
from desktop.services import interview
from tests.cli.helpers import last_json, run_cli
from tests.conftest import (
    PASSWORD,
    SECOND_PASSWORD,
    World,
    provision_world_keys,
    without_recording_rule,
)
from tests.services.recording_support import ffprobe, start


def _admin(world: World) -> dict[str, str]:
    return {"STATEMENT_ROOM_OFFICER": world.admin.certificate_no,
            "STATEMENT_ROOM_PASSWORD": PASSWORD}


def test_show_chapters_and_export_a_recording(world: World, tmp_path: Path) -> None:
    workdir = str(world.paths.workdir)
    rec = start(world.store, world.statement.id)
    rec.drive.advance(1.0)
    interview.add_turn(world.store, world.statement.id, TurnKind.QUESTION, "车是你停的吗？")
    rec.drive.advance(1.0)
    interview.add_turn(world.store, world.statement.id, TurnKind.ANSWER, "是我停的。")
    rec.live.pause("当事人情绪激动，暂停休息")
    rec.live.resume()
    rec.drive.advance(1.0)
    kept = rec.live.stop().recording

    shown = run_cli("recording", "show", "--workdir", workdir, world.statement.id, "--json",
                    env=_admin(world))
    assert shown.returncode == 0, shown.stderr
    listed = last_json(shown.stdout)["recordings"]
    assert [(r["id"], r["state"], r["sha256"], r["duration_ms"]) for r in listed] == [
        (kept.id, "finished", kept.sha256, kept.duration_ms)]
    assert [p["reason"] for p in listed[0]["pauses"]] == ["当事人情绪激动，暂停休息"]
    words = run_cli("recording", "show", "--workdir", workdir, world.statement.id,
                    env=_admin(world)).stdout
    assert f"Recording {kept.id}: finished, 00:00:03" in words
    assert 1900 <= listed[0]["pauses"][0]["media_ms"] < 2000  # its last frame before it
    assert "paused at 00:00:01: 当事人情绪激动，暂停休息" in words

    chapters = last_json(run_cli("recording", "chapters", "--workdir", workdir, kept.id,
                                 "--json", env=_admin(world)).stdout)["chapters"]
    asked = [(c["kind"], c["text"]) for c in chapters if c["text"] in ("车是你停的吗？",
                                                                       "是我停的。")]
    assert asked == [("question", "车是你停的吗？"), ("answer", "是我停的。")]
    assert 900 <= next(c["media_ms"] for c in chapters if c["text"] == "车是你停的吗？") <= 1100

    out = tmp_path / "录像.mp4"
    exported = run_cli("recording", "export", "--workdir", workdir, kept.id, str(out),
                       "--json", env=_admin(world))
    assert exported.returncode == 0, exported.stderr
    assert last_json(exported.stdout)["sha256"] == kept.sha256
    assert hashlib.sha256(out.read_bytes()).hexdigest() == kept.sha256
    assert {s["codec_name"] for s in ffprobe(out)["streams"]} == {"vp9", "opus"}
    again = run_cli("recording", "export", "--workdir", workdir, kept.id, str(out),
                    env=_admin(world))
    assert again.returncode == 1 and "already exists; add --force" in again.stderr
    missing = run_cli("recording", "export", "--workdir", workdir, "no-such-recording",
                      str(tmp_path / "x.mp4"), env=_admin(world))
    assert missing.returncode == 1 and "No recording no-such-recording" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_sign_is_refused_without_recording_until_a_waiver_is_recorded(
        world: World, tmp_path: Path) -> None:
    without_recording_rule(world.paths.workdir, required=True)
    workdir = str(world.paths.workdir)
    provision_world_keys(world)
    statement = interview.open_statement(
        world.store, case_id=world.case.id, interviewee_id=world.party.id,
        kind=StatementKind.INQUIRY, place="询问室", interviewers=(world.admin.id,
                                                                  world.second.id),
        recorder_id=world.second.id)
    for turn in statement.turns:
        if turn.kind is TurnKind.ANSWER:
            interview.save_turn(world.store, turn.id, "明白。")
    interview.start_read_back(world.store, statement.id)
    sign = ("statement", "sign", "--workdir", workdir, "--statement", statement.id,
            "--refused", "拒绝签名", "--witness", "见证人戊", "--custodian",
            world.admin.certificate_no)
    secrets = {"STATEMENT_ROOM_SECRET_TEST0001": PASSWORD,
               "STATEMENT_ROOM_SECRET_TEST0002": SECOND_PASSWORD}
    refused = run_cli(*sign, env={**_admin(world), **secrets})
    assert refused.returncode == 1
    assert "has not been recorded" in refused.stderr and "Record without" in refused.stderr
    assert interview.get(world.store, statement.id).state is StatementState.READ_BACK
    blank = run_cli("recording", "waive", "--workdir", workdir, statement.id, "--reason", " ",
                    env=_admin(world))
    assert blank.returncode == 1 and "Give the reason" in blank.stderr
    waived = run_cli("recording", "waive", "--workdir", workdir, statement.id, "--reason",
                     "设备故障：摄像头无法开启", "--json", env=_admin(world))
    assert waived.returncode == 0, waived.stderr
    assert last_json(waived.stdout)["reason"] == "设备故障：摄像头无法开启"
    signed = run_cli(*sign, env={**_admin(world), **secrets})
    assert signed.returncode == 0, signed.stderr
    assert interview.get(world.store, statement.id).state is StatementState.SEALED
    shown = last_json(run_cli("recording", "show", "--workdir", workdir, statement.id,
                              "--json", env=_admin(world)).stdout)
    assert shown["recordings"] == [] and shown["waiver"]["reason"] == "设备故障：摄像头无法开启"
