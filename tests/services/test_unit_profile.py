"""The unit's legal particulars (decision 51): set by an administrator, printed by documents.

Real stores (SQLCipher), real drafts read back with poppler's pdftotext, the real CLI in a
subprocess. Two bureaux whose names both begin with 嘉兴市 number their documents in their
own series once each sets its abbreviation; a decision names the reconsideration body, the
court and the payment channels the administrator set; nobody else can set them; and nothing
is drafted before they are set.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, Case, Officer, Role, StatementKind
from desktop.domain.penalty import PenaltyDocumentKind as Kind
from desktop.services import audit_trail, interview, penalty_documents, records, unit_profile
from desktop.store import audit
from desktop.store.store import Store, StorePaths, create_store
from tests.cli.helpers import last_json, run_cli
from tests.conftest import (
    PASSWORD,
    SECOND_PASSWORD,
    FakeClock,
    World,
    make_party,
    without_recording_rule,
)
from tests.documents.test_penalty_render import text_of
from tests.services import penalty_support as ps
from tests.services.penalty_decision_support import login

ADMIN_ENV = {"STATEMENT_ROOM_OFFICER": "TEST0001", "STATEMENT_ROOM_PASSWORD": PASSWORD}
OFFICER_ENV = {"STATEMENT_ROOM_OFFICER": "TEST0002", "STATEMENT_ROOM_PASSWORD": SECOND_PASSWORD}
NOT_SET = "legal particulars are not set"


def draft_number(store: Store, case_id: str, statement_id: str, officer_id: str) -> str:
    made = ps.decision(case_id, statement_id, officer_id)
    return penalty_documents.draft(store, made, Kind.DECISION, ps.quoting(ps.library())).number


def bureau(tmp_path: Path, clock: FakeClock, unit: str) -> tuple[Store, Case, str, Officer]:
    """A second store: a bureau of its own, its administrator, a case and a statement."""
    admin = Officer(id=new_id(), name="另一管理员", certificate_no="TEST0101", unit=unit,
                    role=Role.ADMIN)
    paths = StorePaths(tmp_path / "other")
    store = create_store(paths, admin, PASSWORD, clock=clock)
    second = Officer(id=new_id(), name="另一队员", certificate_no="TEST0102", unit=unit)
    store.add_officer(second, SECOND_PASSWORD)
    without_recording_rule(paths.workdir)
    case = records.create_case(store, Case(id=new_id(), number="测试〔2026〕2号",
                                           cause="人行道违法停放机动车", matter="违停",
                                           place="测试路口"))
    party = records.record_party(store, make_party())
    statement = interview.open_statement(
        store, case_id=case.id, interviewee_id=party.id, kind=StatementKind.INQUIRY,
        place="询问室", interviewers=(admin.id, second.id), recorder_id=second.id)
    return store, case, statement.id, admin


def test_two_units_number_in_the_series_their_administrators_set(
        world: World, tmp_path: Path, clock: FakeClock) -> None:
    # Both names would once shorten to 嘉综执 and share one series.
    other, case, statement_id, admin = bureau(tmp_path, clock, "嘉兴市综合行政执法局直属中队")
    try:
        ps.set_unit_profile(world.store, "南综执")
        ps.set_unit_profile(other, "嘉综执")
        ours = draft_number(world.store, world.case.id, world.statement.id, world.admin.id)
        theirs = draft_number(other, case.id, statement_id, admin.id)
    finally:
        other.close()
    assert ours == "南综执罚决字〔2026〕第1号"
    assert theirs == "嘉综执罚决字〔2026〕第1号"


def test_the_decision_names_the_bodies_and_channels_that_were_set(
        world: World, tmp_path: Path) -> None:
    ps.set_unit_profile(world.store, "南综执", reconsideration_body="嘉兴市南湖区人民政府",
                        court="嘉兴市南湖区人民法院", payee="嘉兴市南湖区财政局",
                        bank="某某银行嘉兴南湖支行", account="33001234567890",
                        payment_method="持本决定书到开户银行缴纳")
    made = ps.decision(world.case.id, world.statement.id, world.admin.id)
    draft = penalty_documents.draft(world.store, made, Kind.DECISION, ps.quoting(ps.library()))
    text = text_of(draft.pdf, tmp_path)
    assert "南综执罚决字〔2026〕第1号" in text
    assert "六十日内向嘉兴市南湖区人民政府申请行政复议" in text
    assert "六个月内依法向嘉兴市南湖区人民法院提起行政诉讼" in text
    assert ("十五日内按以下方式缴纳罚款：持本决定书到开户银行缴纳（收款单位：嘉兴市南湖区财政局；"
            "开户银行：某某银行嘉兴南湖支行；账号：33001234567890）") in text
    assert "本机关的本级人民政府" not in text and "有管辖权的人民法院" not in text


def test_no_document_is_drafted_before_the_particulars_are_set(world: World) -> None:
    made = ps.decision(world.case.id, world.statement.id, world.admin.id)
    for kind in (Kind.PRIOR_NOTICE, Kind.DECISION):
        with pytest.raises(UserError, match=NOT_SET) as refused:
            penalty_documents.draft(world.store, made, kind, ps.quoting(ps.library()))
        message = str(refused.value)
        assert "an administrator" in message and "statement-room unit set" in message
        assert "reconsideration body" in message and "payment details" in message


def test_only_an_administrator_sets_them_and_each_setting_is_audited(
        world: World, clock: FakeClock) -> None:
    first = ps.set_unit_profile(world.store, "南综执")
    changed = unit_profile.set_profile(world.store,
                                       replace(first.particulars, court="有管辖权的人民法院"))
    assert (first.version, changed.version) == (1, 2)
    assert unit_profile.show(world.store) == changed
    with world.store.reading() as conn:
        events = audit.events_about(conn, "unit_profile")
    assert [e.action for e in events] == [Action.SETTING_CHANGED.value] * 2
    details = [json.loads(e.details) for e in events]
    assert [d["version"] for d in details] == [1, 2]
    assert details[1]["sha256"] == changed.particulars.digest() != details[0]["sha256"]
    assert audit_trail.verify(world.store).ok

    officer = login(world, "TEST0002", SECOND_PASSWORD, clock)
    with pytest.raises(UserError, match="Only an administrator"):
        unit_profile.set_profile(officer, ps.unit_particulars("东综执"))
    assert unit_profile.show(officer) == changed  # nothing kept; any officer may read them
    with officer.reading() as conn:
        assert len(audit.events_about(conn, "unit_profile")) == 2


def test_a_setting_is_kept_for_good(world: World) -> None:
    ps.set_unit_profile(world.store, "南综执")
    with pytest.raises(UserError), world.store.transaction() as tx:
        tx.conn.execute("UPDATE unit_profiles SET abbreviation = '嘉综执'")
    assert unit_profile.require(world.store).abbreviation == "南综执"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"court": "  "}, "Court cannot be empty"),
    ({"abbreviation": "南综执〔"}, "without spaces, brackets or slashes"),
    ({"abbreviation": "南 综执"}, "without spaces, brackets or slashes"),
])
def test_unusable_particulars_are_refused(world: World, overrides: dict[str, str],
                                          message: str) -> None:
    values = {"abbreviation": "南综执", **overrides}
    with pytest.raises(UserError, match=message):
        ps.set_unit_profile(world.store, **values)
    assert unit_profile.show(world.store) is None


def test_unit_show_and_set_on_the_command_line(world: World) -> None:
    workdir = str(world.paths.workdir)
    world.store.close()
    shown = run_cli("unit", "show", "--json", "--workdir", workdir, env=ADMIN_ENV)
    assert shown.returncode == 0, shown.stderr
    assert last_json(shown.stdout) == {"profile": None}

    partial = run_cli("unit", "set", "--abbreviation", "南综执", "--workdir", workdir,
                      env=ADMIN_ENV)
    assert partial.returncode == 1 and "cannot be empty" in partial.stderr

    options = ["--abbreviation", "南综执", "--reconsideration-body", "嘉兴市南湖区人民政府",
               "--court", "嘉兴市南湖区人民法院", "--payee", "嘉兴市南湖区财政局",
               "--bank", "某某银行嘉兴南湖支行", "--account", "33001234567890",
               "--payment-method", "持本决定书到开户银行缴纳"]
    made = run_cli("unit", "set", *options, "--json", "--workdir", workdir, env=ADMIN_ENV)
    assert made.returncode == 0, made.stderr
    assert last_json(made.stdout)["profile"]["abbreviation"] == "南综执"

    refused = run_cli("unit", "set", "--court", "有管辖权的人民法院", "--workdir", workdir,
                      env=OFFICER_ENV)
    assert refused.returncode == 1
    assert "Only an administrator can set the unit's legal particulars" in refused.stderr

    changed = run_cli("unit", "set", "--court", "有管辖权的人民法院", "--workdir", workdir,
                      env=ADMIN_ENV)
    assert changed.returncode == 0, changed.stderr
    read = run_cli("unit", "show", "--workdir", workdir, env=OFFICER_ENV)
    assert read.returncode == 0, read.stderr
    assert "version 2" in read.stdout and "Court: 有管辖权的人民法院" in read.stdout
    assert "Reconsideration body: 嘉兴市南湖区人民政府" in read.stdout
