"""Tampering with the store, as someone holding the file (or even its key) might.

Each case checks what the officer sees: a clear message naming what is wrong, never a
traceback. Raw SQL edits use a connection opened with the real data key and first drop the
triggers that would refuse them, as an attacker would.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.services.demo import DEMO_OFFICERS, run_demo
from desktop.services.demo_login import DEMO_PASSWORD
from desktop.store import audit
from desktop.store.audit import leaf_data
from desktop.store.connection import open_database
from desktop.store.keyfile import load_key_file
from desktop.store.keys import unwrap_with_password
from desktop.store.store import StorePaths, StoreRolledBack, unlock
from sync.protocol.merkle import leaf_hash
from tests.cli.helpers import run_cli

LOGIN = {"STATEMENT_ROOM_OFFICER": DEMO_OFFICERS[0].certificate_no,
         "STATEMENT_ROOM_PASSWORD": DEMO_PASSWORD}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store run twice (two sessions, two signed tree heads), never modified."""
    workdir = tmp_path_factory.mktemp("pristine") / "demo"
    run_demo(workdir, lambda _line: None)
    run_demo(workdir, lambda _line: None)
    return workdir


@pytest.fixture
def workdir(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(pristine, copy)
    return copy


@contextlib.contextmanager
def raw_connection(workdir: Path) -> Iterator[Any]:
    """A connection holding the real data key, as an insider with the password would have."""
    paths = StorePaths(workdir)
    key_file = load_key_file(paths.key_file)
    entry = key_file.find(DEMO_OFFICERS[0].certificate_no)
    assert entry is not None
    key = unwrap_with_password(entry.wrap, DEMO_PASSWORD, entry.officer_id.encode())
    conn = open_database(paths.database, key)
    try:
        yield conn
    finally:
        conn.close()


def verify(workdir: Path) -> tuple[int, str]:
    run = run_cli("audit", "verify", "--workdir", str(workdir), env=LOGIN)
    assert "Traceback" not in run.stderr
    return run.returncode, run.stderr


def test_pristine_store_verifies(workdir: Path) -> None:
    assert verify(workdir) == (0, "")


@pytest.mark.parametrize("where", ["first page", "middle", "last page"])
def test_flipped_byte_in_the_store_file_is_reported(workdir: Path, where: str) -> None:
    path = workdir / "store.db"
    data = bytearray(path.read_bytes())
    position = {"first page": 100, "middle": len(data) // 2 + 37, "last page": len(data) - 50}
    data[position[where]] ^= 0x01
    path.write_bytes(bytes(data))
    code, message = verify(workdir)
    assert code == 1
    assert "damaged" in message or "fails its integrity check" in message


def test_altered_audit_record_is_named(workdir: Path) -> None:
    with raw_connection(workdir) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET actor = 'someone-else' WHERE idx = 7")
    code, message = verify(workdir)
    assert code == 1
    assert "audit record #7" in message and "has been altered" in message


def test_altered_record_with_recomputed_hash_is_caught_by_the_tree_head(workdir: Path) -> None:
    with raw_connection(workdir) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        record = audit.records(conn, 7, 8)[0]
        forged = leaf_hash(leaf_data(record.idx, record.id, record.at, "someone-else",
                                     record.action, record.subject, record.outcome, record.details))
        conn.execute("UPDATE audit_log SET actor = 'someone-else', leaf_hash = ? WHERE idx = 7",
                     (forged,))
    code, message = verify(workdir)
    assert code == 1
    assert "Audit records #0 to #" in message and "do not match" in message


def test_deleted_audit_record_is_named(workdir: Path) -> None:
    with raw_connection(workdir) as conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE idx = 5")
    code, message = verify(workdir)
    assert code == 1
    assert "Audit record #5 is missing" in message


def test_records_deleted_from_the_end_are_caught(workdir: Path) -> None:
    with raw_connection(workdir) as conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        size = audit.size(conn)
        conn.execute("DELETE FROM audit_log WHERE idx >= ?", (size - 3,))
    code, message = verify(workdir)
    assert code == 1
    # The verifying login appends at the index the log's frontier expects, leaving a gap.
    assert f"Audit record #{size - 3} is missing (the next record is #{size})" in message
    assert "replaced by an older copy" in message


def test_answer_text_changed_behind_the_program_is_named(workdir: Path) -> None:
    with raw_connection(workdir) as conn:
        turn_id, revision = conn.execute(
            "SELECT turn_id, max(revision) FROM turn_revisions WHERE text LIKE '%银行%'"
        ).fetchone()
        conn.execute("DROP TRIGGER turn_revisions_no_update")
        conn.execute("UPDATE turn_revisions SET text = '不是我停的。'"
                     " WHERE turn_id = ? AND revision = ?", (turn_id, revision))
    code, message = verify(workdir)
    assert code == 1
    assert f"The text of turn {turn_id} revision {revision} was changed" in message


def test_statement_state_changed_behind_the_program_is_named(workdir: Path) -> None:
    # Reverting a sealed statement to draft (to edit it) needs the trigger gone first.
    with raw_connection(workdir) as conn:
        statement_id = conn.execute("SELECT id FROM statements LIMIT 1").fetchone()[0]
        conn.execute("DROP TRIGGER statements_signed_frozen")
        conn.execute("UPDATE statements SET state = 'draft' WHERE id = ?", (statement_id,))
    code, message = verify(workdir)
    assert code == 1
    assert f"Statement {statement_id} is marked draft, but the audit trail last recorded " \
        "sealed" in message


def test_store_replaced_by_an_older_copy_is_caught(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    run_demo(workdir, lambda _line: None)
    old_copy = (workdir / "store.db").read_bytes()
    run_demo(workdir, lambda _line: None)
    (workdir / "store.db").write_bytes(old_copy)
    with pytest.raises(StoreRolledBack, match="replaced by an older copy"):
        unlock(StorePaths(workdir), DEMO_OFFICERS[0].certificate_no, DEMO_PASSWORD)
    search = run_cli("search", "--workdir", str(workdir), "药", env=LOGIN)
    assert search.returncode == 1 and "older copy" in search.stderr
    code, message = verify(workdir)
    assert code == 1 and "older copy" in message
