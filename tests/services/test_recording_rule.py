"""The rule at signing (decision 45): a statement is signed with a recording of its interview
or with the officer's written reason why there is none, which the signed PDF prints on its
annex page; a store whose settings say so (a site without a recorder) signs without."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from desktop.config import Settings, settings_path
from desktop.domain.errors import UserError
from desktop.domain.model import StatementState
from desktop.services import interview, recording, recording_rule
from desktop.store import audit
from tests.conftest import World, sign_as_team, without_recording_rule
from tests.services.recording_support import start
from tests.services.test_signing import all_pages_signed, ready_for_signing

WAIVER = "设备故障：询问室摄像头无法开启，已报修"


def _text(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return ["".join(page.split()) for page in out.split("\f") if page.strip()]


def test_by_default_a_statement_without_a_recording_is_not_signed(world: World,
                                                                   tmp_path: Path) -> None:
    settings_path(world.paths.workdir).unlink()  # a new store's settings: the defaults
    assert Settings().recording_required
    ready_for_signing(world, tmp_path)
    with pytest.raises(UserError) as refused:
        sign_as_team(world, all_pages_signed(world))
    # Both ways out are named.
    assert "has not been recorded" in refused.value.message
    assert "Record without" in refused.value.message
    assert interview.get(world.store, world.statement.id).state is StatementState.READ_BACK


def test_a_waiver_lets_it_sign_and_is_printed(world: World, tmp_path: Path) -> None:
    without_recording_rule(world.paths.workdir, required=True)
    ready_for_signing(world, tmp_path)
    with pytest.raises(UserError, match="reason"):
        recording_rule.record_without(world.store, world.statement.id, "  ")
    waiver = recording_rule.record_without(world.store, world.statement.id, WAIVER)
    assert waiver.reason == WAIVER and waiver.officer_id == world.admin.id
    signed = sign_as_team(world, all_pages_signed(world))
    pages = _text(signed.pdf, tmp_path)
    assert len(pages) == signed.pages + 1
    assert f"本次询问未同步录音录像。原因：{WAIVER}" in pages[-1]
    assert world.admin.name in pages[-1]
    actions = [r.action for r in audit.events_about(world.store.conn, world.statement.id)]
    assert "recording.waived" in actions
    with pytest.raises(UserError):  # a signed statement takes no waiver any more
        recording_rule.record_without(world.store, world.statement.id, "再次说明")


def test_a_recording_lets_it_sign(world: World, tmp_path: Path) -> None:
    without_recording_rule(world.paths.workdir, required=True)
    rec = start(world.store, world.statement.id)
    rec.drive.advance(1.5)
    ready_for_signing(world, tmp_path)  # read back while the recording runs
    rec.live.stop()
    assert recording_rule.signing_problem(world.store, world.statement.id) is None
    signed = sign_as_team(world, all_pages_signed(world))
    assert "录音录像编号" in _text(signed.pdf, tmp_path)[-1]


def test_a_damaged_setting_keeps_the_rule(world: World, tmp_path: Path) -> None:
    settings_path(world.paths.workdir).write_text('{"recording_required": "no"}', "utf-8")
    assert recording_rule.recording_required(world.store)
    without_recording_rule(world.paths.workdir)
    assert not recording_rule.recording_required(world.store)


def test_opted_out_a_statement_signs_without_recording_or_annex(world: World,
                                                                tmp_path: Path) -> None:
    ready_for_signing(world, tmp_path)  # the world's settings: no recording required
    signed = sign_as_team(world, all_pages_signed(world))
    pages = _text(signed.pdf, tmp_path)
    assert len(pages) == signed.pages
    assert not any("同步录音录像" in page for page in pages)
    assert recording.summary(world.store, world.statement.id) is None
