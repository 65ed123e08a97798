"""Who a case's party is, kept in the store (migration 0024, decision 54).

A real SQLCipher store (the `world`): a unit named as the party reads back as named, a
correction is a new version that says why, nothing is ever overwritten, every naming is
audited with its record's digest (and `audit verify` names a row edited behind the program's
back), the particulars never reach the audit leaves, and the migration goes forward from
0023 and is undone.
"""

from __future__ import annotations

import json

import pytest

from desktop.domain.errors import UserError
from desktop.domain.model import Action, PartyKind, RepresentativeTitle, UnitParty
from desktop.services import audit_trail, case_party
from desktop.store import audit
from desktop.store.connection import SCHEMA_VERSION, migrate
from tests.conftest import FakeClock, World
from tests.store.old_schema import database_at
from tests.store.test_audit_tiles import undo_migrations_after

CODE = "91110101TE00000019"  # synthetic, with its check character


def unit(**changes: object) -> UnitParty:
    values: dict[str, object] = {
        "name": "测试科技有限公司", "credit_code": CODE, "representative": "测试法人乙",
        "representative_title": RepresentativeTitle.LEGAL_REPRESENTATIVE,
        "address": "北京市东城区测试大街1号", "phone": "010-00000001"}
    values.update(changes)
    return UnitParty(**values)  # type: ignore[arg-type]


def test_a_case_without_a_naming_has_the_person_as_its_party(world: World) -> None:
    assert case_party.show(world.store, world.case.id) is None
    assert case_party.history(world.store, world.case.id) == []


def test_a_unit_reads_back_as_named_and_a_correction_keeps_the_first(
        world: World, clock: FakeClock) -> None:
    first = case_party.set_unit(world.store, world.case.id, unit(credit_code="9111 0101 te00"
                                                                             "000019"))
    assert first.version == 1 and first.kind is PartyKind.UNIT and first.reason == ""
    assert first.unit == unit()  # cleaned: the code as printed
    assert case_party.set_unit(world.store, world.case.id, unit()) == first  # no change
    with pytest.raises(UserError, match="say why it is named again"):
        case_party.set_unit(world.store, world.case.id, unit(address="北京市东城区测试大街2号"))
    clock.advance(minutes=5)
    second = case_party.set_unit(world.store, world.case.id,
                                 unit(address="北京市东城区测试大街2号",
                                      representative_title=RepresentativeTitle.PRINCIPAL),
                                 reason="住所录入有误，依营业执照更正")
    shown = case_party.show(world.store, world.case.id)
    assert shown == second and shown.version == 2
    assert shown.unit is not None and shown.unit.address == "北京市东城区测试大街2号"
    assert shown.unit.representative_title is RepresentativeTitle.PRINCIPAL
    assert [k.unit.address for k in case_party.history(world.store, world.case.id)
            if k.unit] == ["北京市东城区测试大街1号", "北京市东城区测试大街2号"]
    back = case_party.set_person(world.store, world.case.id, "当事人系个人，非单位")
    assert back is not None and back.kind is PartyKind.PERSON and back.unit is None
    assert case_party.show(world.store, world.case.id) == back
    assert [k.version for k in case_party.history(world.store, world.case.id)] == [1, 2, 3]


def test_every_naming_is_audited_without_the_particulars(world: World) -> None:
    case_party.set_unit(world.store, world.case.id, unit())
    case_party.set_unit(world.store, world.case.id, unit(phone="010-00000002"),
                        reason="电话变更")
    with world.store.reading() as conn:
        leaves = [r for r in audit.events_about(conn, world.case.id)
                  if r.action.startswith("case.party")]
    assert [r.action for r in leaves] == [Action.CASE_PARTY_SET, Action.CASE_PARTY_CHANGED]
    details = [json.loads(r.details) for r in leaves]
    assert [(d["version"], d["kind"], d["record"]) for d in details] == [
        (1, "unit", "case_parties"), (2, "unit", "case_parties")]
    assert all(len(d["record_digest"]) == 64 for d in details)
    for leaf in leaves:  # the leaf may be shown on its own: no name, code or address
        assert CODE not in leaf.details and "测试" not in leaf.details
    report = audit_trail.verify(world.store)
    assert report.ok, report.problems
    assert report.records_by_table.get("case_parties") == 2


def test_a_naming_edited_behind_the_program_is_named_by_audit_verify(world: World) -> None:
    case_party.set_unit(world.store, world.case.id, unit())
    conn = world.store.conn
    with pytest.raises(Exception, match="immutable"):
        conn.execute("UPDATE case_parties SET name = '另一公司'")
    with pytest.raises(Exception, match="immutable"):
        conn.execute("DELETE FROM case_parties")
    # An insider with the key drops the trigger and edits the row.
    conn.execute("DROP TRIGGER case_parties_no_update")
    conn.execute("UPDATE case_parties SET name = '另一公司'")
    report = audit_trail.verify(world.store)
    assert not report.ok
    assert any(f"case_parties {world.case.id}/1" in p.message for p in report.problems)


def test_the_schema_refuses_a_unit_without_its_particulars(world: World) -> None:
    conn = world.store.conn
    row = ("INSERT INTO case_parties (case_id, version, kind, name, credit_code, representative,"
           " representative_title, address, phone, reason, set_at, set_by) VALUES"
           " (?, ?, ?, ?, ?, '测试法人乙', 'legal_representative', '测试地址', '', ?,"
           " '2026-11-27T10:00:00+08:00', ?)")
    with pytest.raises(Exception, match="CHECK constraint failed"):
        conn.execute(row, (world.case.id, 1, "unit", "", CODE, "", world.admin.id))
    with pytest.raises(Exception, match="CHECK constraint failed"):
        conn.execute(row, (world.case.id, 1, "unit", "公司", CODE[:17], "", world.admin.id))
    with pytest.raises(Exception, match="CHECK constraint failed"):  # a correction says why
        conn.execute(row, (world.case.id, 2, "unit", "公司", CODE, "", world.admin.id))
    with pytest.raises(Exception, match="CHECK constraint failed"):  # a person has none
        conn.execute(row, (world.case.id, 1, "person", None, None, "", world.admin.id))
    with pytest.raises(Exception, match="FOREIGN KEY"):
        conn.execute(row, ("no-such-case", 1, "unit", "公司", CODE, "", world.admin.id))


def test_migration_0024_goes_forward_from_0023_and_is_undone() -> None:
    conn = database_at(23)
    conn.execute("INSERT INTO officers VALUES ('officer-1', '测试员', 'T1', '测试中队', 'admin',"
                 " '2026-11-01T09:00:00+08:00', NULL)")
    conn.execute("INSERT INTO cases VALUES ('case-1', '测试〔2026〕9号', '违停', '违停', '测试路',"
                 " 'open', '2026-11-01T09:00:00+08:00', 'officer-1')")
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert migrate(conn) == SCHEMA_VERSION
    conn.execute("INSERT INTO case_parties (case_id, version, kind, name, credit_code,"
                 " representative, representative_title, address, phone, set_at, set_by)"
                 f" VALUES ('case-1', 1, 'unit', '测试公司', '{CODE}', '测试法人乙',"
                 " 'principal', '测试地址', '', '2026-11-01T10:00:00+08:00', 'officer-1')")
    assert conn.execute("SELECT kind, reason FROM case_parties").fetchall() == [("unit", "")]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.execute("BEGIN")
    undo_migrations_after(conn, 23)
    conn.execute("COMMIT")
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master")} == names
    assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    assert migrate(conn) == SCHEMA_VERSION  # and forward again
