"""Nothing personal reaches the disk in clear: store, WAL, key file and anchor."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.domain.model import StatementKind, TurnKind
from desktop.services import interview
from desktop.services.demo import DEMO_OFFICERS, run_demo
from desktop.services.demo_login import DEMO_PASSWORD
from desktop.store.cases import get_party
from desktop.store.store import StorePaths, unlock

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gbk")


def needles(workdir: Path) -> list[str]:
    """Everything personal the demo stored, read back through the store itself."""
    store = unlock(StorePaths(workdir), DEMO_OFFICERS[0].certificate_no, DEMO_PASSWORD)
    try:
        party_id = store.conn.execute("SELECT interviewee_id FROM statements").fetchone()[0]
        party = get_party(store.conn, party_id)
        answers = [row[0] for row in store.conn.execute(
            "SELECT text FROM turn_revisions WHERE length(text) > 8").fetchall()]
    finally:
        store.close(sign=False)
    words = [party.name, party.id_number, party.phone, party.address, party.workplace,
             party.authority, DEMO_OFFICERS[0].name, DEMO_OFFICERS[1].name,
             "机动车人行道违法停放", *answers]
    assert party.name and party.id_number.startswith("110101") and len(answers) > 5
    return words


def scan(directory: Path, words: list[str]) -> list[str]:
    found = []
    # exports/ holds what the officer deliberately exported (the signed PDF is the document
    # itself, with the party's details on it); everything else must be ciphertext.
    for path in (p for p in directory.iterdir() if p.is_file()):
        data = path.read_bytes()
        for word in words:
            for encoding in ENCODINGS:
                if word.encode(encoding) in data:
                    found.append(f"{word!r} in {encoding} in {path.name}")
    return found


def test_no_plaintext_in_any_file_including_the_wal(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    run_demo(workdir, lambda _line: None)
    words = needles(workdir)
    store = unlock(StorePaths(workdir), DEMO_OFFICERS[0].certificate_no, DEMO_PASSWORD)
    secret = "证人称当事人把电动自行车停在盲道上"
    sealed = interview.get(store, store.conn.execute("SELECT id FROM statements").fetchone()[0])
    store.conn.execute("PRAGMA wal_autocheckpoint = 0")  # keep the new frames in the WAL
    # The demo's statement is sealed; a second interview of the same party takes new answers.
    draft = interview.open_statement(
        store, case_id=sealed.case_id, interviewee_id=sealed.interviewee_id,
        kind=StatementKind.INQUIRY, place=sealed.place, interviewers=sealed.interviewer_ids,
        recorder_id=sealed.recorder_id)
    turn = interview.add_turn(store, draft.id, TurnKind.ANSWER, secret[:3])
    for end in range(4, len(secret) + 1):
        interview.save_turn(store, turn.id, secret[:end])
    wal = workdir / "store.db-wal"
    assert wal.exists() and wal.stat().st_size > 0
    assert scan(workdir, [*words, secret]) == []
    store.close()
    assert scan(workdir, [*words, secret]) == []


def test_store_files_are_owner_only(tmp_path: Path) -> None:
    run_demo(tmp_path / "d", lambda _line: None)
    for name in ("store.db", "keys.json", "anchor.json"):
        assert (tmp_path / "d" / name).stat().st_mode & 0o077 == 0, name


def test_stdlib_sqlite3_cannot_read_the_store(tmp_path: Path) -> None:
    run_demo(tmp_path / "d", lambda _line: None)
    conn = sqlite3.connect(tmp_path / "d" / "store.db")
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()
