"""Every audited record is covered by its leaf, not only turn texts (issue 11 §5).

An insider holding the raw data key (unwrapped with an ordinary officer's password) drops the
triggers and edits rows directly, leaving the audit log untouched. `audit verify` recomputes
each row's content digest and compares it with the latest leaf that recorded the row: an
edited row, a row with no leaf and a leaf whose row is gone are each named by table and id
(never by their personal content), and the check fails.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from desktop.services import audit_trail
from desktop.services.demo import DEMO_OFFICERS, run_demo
from desktop.services.demo_login import DEMO_PASSWORD
from desktop.services.demo_penalty import set_demo_unit_profile
from desktop.store.store import StorePaths, unlock
from tests.store.test_tamper import raw_connection, verify


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store: a signed and sealed statement, docked evidence, keys and roots, and the
    unit's legal particulars its administrator set (the demo sets them only with HQ)."""
    workdir = tmp_path_factory.mktemp("coverage") / "demo"
    run_demo(workdir, lambda _line: None)
    _set_unit_profile(workdir)
    return workdir


def _set_unit_profile(workdir: Path) -> None:
    store = unlock(StorePaths(workdir), DEMO_OFFICERS[0].certificate_no, DEMO_PASSWORD)
    try:
        set_demo_unit_profile(store)
    finally:
        store.close()


@pytest.fixture
def workdir(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(pristine, copy)
    return copy


def _drop(conn: Any, *triggers: str) -> None:
    for trigger in triggers:
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def _one(conn: Any, sql: str) -> str:
    return str(conn.execute(sql).fetchone()[0])


@dataclass(frozen=True)
class Edit:
    """A raw edit behind the program: which row (a query for its key), the triggers in the way,
    the UPDATE (its one parameter is the key), and content that must never be echoed."""

    table: str
    pick: str
    update: str
    triggers: tuple[str, ...] = ()
    content: str = "\x00"

    def apply(self, conn: Any) -> str:
        key = _one(conn, self.pick)
        _drop(conn, *self.triggers)
        conn.execute(self.update, (key,))
        return key


_KEYS = {"trust_roots": "fingerprint", "signature_captures": "statement_id",
         "statement_documents": "statement_id", "unit_profiles": "version"}


def _first(table: str, where: str = "") -> str:
    return f"SELECT {_KEYS.get(table, 'id')} FROM {table} {where} LIMIT 1"


EDITS: dict[str, Edit] = {
    "party name": Edit("parties", _first("parties"),
                       "UPDATE parties SET name = '李四' WHERE id = ?", ("parties_no_update",),
                       "李四"),
    "party id number": Edit("parties", _first("parties"),
                            "UPDATE parties SET id_number = '11010519491231002X' WHERE id = ?",
                            ("parties_no_update",), "11010519491231002X"),
    "signed pdf bytes": Edit("statement_documents", _first("statement_documents"),
        "UPDATE statement_documents SET pdf = CAST('this is not the statement' AS BLOB)"
        " WHERE statement_id = ?", ("statement_documents_no_update",), "this is not"),
    "case number": Edit("cases", _first("cases"),
                        "UPDATE cases SET number = 'X-0000-1' WHERE id = ?", ("cases_no_update",),
                        "X-0000-1"),
    "case cause": Edit("cases", _first("cases"), "UPDATE cases SET cause = '无' WHERE id = ?",
                       ("cases_no_update",), "无"),
    "evidence name": Edit("evidence_items", _first("evidence_items"),
                          "UPDATE evidence_items SET original_name = 'other.mp4' WHERE id = ?",
                          ("evidence_items_file_once", "evidence_items_no_update"), "other.mp4"),
    "evidence capture time": Edit(
        "evidence_items", _first("evidence_items"),
        "UPDATE evidence_items SET captured_at = '2020-01-01T00:00:00+08:00' WHERE id = ?",
        ("evidence_items_file_once", "evidence_items_no_update"), "2020-01-01"),
    "evidence custody": Edit("evidence_items", _first("evidence_items"),
                             "UPDATE evidence_items SET custody = '{}' WHERE id = ?",
                             ("evidence_items_file_once", "evidence_items_no_update"), "{}"),
    "statement place": Edit("statements", _first("statements"),
                            "UPDATE statements SET place = '别处' WHERE id = ?",
                            ("statements_signed_frozen",), "别处"),
    "statement recorder": Edit("statements", _first("statements"),
                               "UPDATE statements SET recorder_id = interviewer1_id WHERE id = ?",
                               ("statements_signed_frozen",)),
    "pen capture": Edit("signature_captures", _first("signature_captures"),
                        "UPDATE signature_captures SET png = x'00' WHERE statement_id = ?",
                        ("signature_captures_no_update",)),
    "turn kind": Edit("turns", _first("turns", "WHERE kind = 'answer'"),
                      "UPDATE turns SET kind = 'question' WHERE id = ?", ("turns_no_update",)),
    "docking certificate": Edit("dockings", _first("dockings"),
                                "UPDATE dockings SET certificate = x'7b7d' WHERE id = ?",
                                ("dockings_complete_once",), "{}"),
    "signing certificate": Edit("signing_identities",
                                _first("signing_identities", "WHERE role = 'seal'"),
                                "UPDATE signing_identities SET cert_pem = chain_pem WHERE id = ?",
                                ("signing_identities_certificate_fixed",)),
    "signing status": Edit("signing_identities",
                           _first("signing_identities", "WHERE status = 'active'"),
                           "UPDATE signing_identities SET status = 'retired',"
                           " retired_at = '2020-01-01' WHERE id = ?", (), "2020-01-01"),
    "trust root": Edit("trust_roots", _first("trust_roots"),
                       "UPDATE trust_roots SET cert_pem = x'00' WHERE fingerprint = ?"),
    "officer role": Edit("officers", _first("officers", "WHERE role = 'officer'"),
                         "UPDATE officers SET role = 'admin' WHERE id = ?"),
    "officer name": Edit("officers", _first("officers"),
                         "UPDATE officers SET name = '王五' WHERE id = ?", (), "王五"),
    # the account a fine is paid into, changed to the attacker's (the documents print it)
    "unit payment account": Edit("unit_profiles", _first("unit_profiles"),
                                 "UPDATE unit_profiles SET account = '6222000000000000'"
                                 " WHERE version = ?", ("unit_profiles_no_update",),
                                 "6222000000000000"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_record_edited_behind_the_program_is_named(workdir: Path, edit: str) -> None:
    change = EDITS[edit]
    with raw_connection(workdir) as conn:
        key = change.apply(conn)
    code, message = verify(workdir)
    assert code == 1, message
    assert f"{change.table} {key}" in message
    assert "does not match" in message
    assert change.content not in message  # named by table and id, never its personal content


def test_a_record_with_no_leaf_is_named(workdir: Path) -> None:
    with raw_connection(workdir) as conn:
        conn.execute(
            "INSERT INTO parties (id, id_kind, id_number, name, sex, nation, birth_date, address,"
            " authority, valid_from, valid_until, phone, workplace, source, created_at)"
            " SELECT 'forged-party', id_kind, id_number, '赵六', sex, nation, birth_date, address,"
            " authority, valid_from, valid_until, phone, workplace, source, created_at"
            " FROM parties LIMIT 1")
    code, message = verify(workdir)
    assert code == 1
    assert "parties forged-party has no audit record" in message
    assert "赵六" not in message


def test_a_record_whose_row_is_gone_is_named(workdir: Path) -> None:
    with raw_connection(workdir) as conn:
        # a docked file (the demo's recording is referenced by its recording row as well)
        key = _one(conn, "SELECT id FROM evidence_items WHERE source = 'bodycam' LIMIT 1")
        _drop(conn, "evidence_items_no_delete")
        conn.execute("DELETE FROM evidence_items WHERE id = ?", (key,))
    code, message = verify(workdir)
    assert code == 1
    assert f"evidence_items {key}" in message and "is missing from the store" in message


def test_the_service_report_names_the_record_and_hq_countersigning(workdir: Path) -> None:
    with raw_connection(workdir) as conn:
        key = EDITS["party name"].apply(conn)
    store = unlock(StorePaths(workdir), DEMO_OFFICERS[0].certificate_no, DEMO_PASSWORD)
    try:
        report = audit_trail.verify(store)
    finally:
        store.close()
    assert not report.ok
    assert any(f"parties {key}" in p.message for p in report.problems)
    assert report.records_checked > 0
    assert any("not yet countersigned by HQ since" in note for note in report.notes)


def test_an_untouched_demo_store_verifies_clean(workdir: Path) -> None:
    assert verify(workdir) == (0, "")
    store = unlock(StorePaths(workdir), DEMO_OFFICERS[0].certificate_no, DEMO_PASSWORD)
    try:
        report = audit_trail.verify(store)
    finally:
        store.close()
    assert report.ok, report.problems
    tables = {"parties", "cases", "statements", "turns", "statement_documents",
              "signature_captures", "evidence_items", "dockings", "signing_identities",
              "trust_roots", "officers", "unit_profiles"}
    assert tables <= set(report.records_by_table), report.records_by_table
    assert report.records_by_table["unit_profiles"] >= 1
    assert not [n for n in report.notes if "not covered" in n]


def test_records_of_an_earlier_store_are_reported_not_covered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An earlier version wrote its leaves without record digests.
    for module in ("cases", "officers", "statements", "documents", "evidence", "dockings",
                   "signing_keys", "unit_profile"):
        monkeypatch.setattr(f"desktop.store.{module}.leaf_fields", lambda *_a: {})
    workdir = tmp_path / "old"
    run_demo(workdir, lambda _line: None)
    _set_unit_profile(workdir)
    monkeypatch.undo()
    code, message = verify(workdir)
    assert (code, message) == (0, "")
    store = unlock(StorePaths(workdir), DEMO_OFFICERS[0].certificate_no, DEMO_PASSWORD)
    try:
        report = audit_trail.verify(store)
    finally:
        store.close()
    assert report.ok, report.problems
    assert any(entry.startswith("parties ") for entry in report.not_covered)
    # a setting of the unit's particulars from before its coverage (its leaf's subject is
    # "unit_profile", the row named by the version in the details) is matched, not failed
    assert "unit_profiles 1" in report.not_covered
    assert any("not covered (recorded before version 2 of the audit trail)" in note
               for note in report.notes)

    # What this version writes into the same store is covered from then on.
    run_demo(workdir, lambda _line: None)
    with raw_connection(workdir) as conn:
        key = _one(conn, "SELECT id FROM cases ORDER BY created_at DESC LIMIT 1")
        conn.execute("UPDATE cases SET cause = '无' WHERE id = ?", (key,))
    code, message = verify(workdir)
    assert code == 1 and f"cases {key}" in message and "does not match" in message


def test_an_early_unit_profile_does_not_excuse_a_forged_row_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store whose only leaf without a digest is a unit profile set before its coverage:
    # that setting is "not covered", but a party row added behind the program still fails.
    workdir = tmp_path / "early-profile"
    run_demo(workdir, lambda _line: None)
    monkeypatch.setattr("desktop.store.unit_profile.leaf_fields", lambda *_a: {})
    _set_unit_profile(workdir)
    monkeypatch.undo()
    with raw_connection(workdir) as conn:
        conn.execute(
            "INSERT INTO parties (id, id_kind, id_number, name, sex, nation, birth_date, address,"
            " authority, valid_from, valid_until, phone, workplace, source, created_at)"
            " SELECT 'forged-party', id_kind, id_number, '赵六', sex, nation, birth_date, address,"
            " authority, valid_from, valid_until, phone, workplace, source, created_at"
            " FROM parties LIMIT 1")
    code, message = verify(workdir)
    assert code == 1
    assert "parties forged-party has no audit record" in message
    store = unlock(StorePaths(workdir), DEMO_OFFICERS[0].certificate_no, DEMO_PASSWORD)
    try:
        report = audit_trail.verify(store)
    finally:
        store.close()
    assert "unit_profiles 1" in report.not_covered
