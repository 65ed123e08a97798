"""The page format of the store file: new stores use HMAC_SHA256 and 2 KiB pages, older ones
keep working.

Stores created before issue 13 were written with SQLCipher 4's defaults (HMAC_SHA512, 4 KiB
pages), and for a while during it with HMAC_SHA256 and 4 KiB pages. `open_database` reads
each with its own format and leaves it as it is (decision 7); these tests make such stores
from a real one, re-encrypted with the raw pragmas, and use them through the real login,
save, read and search-repair paths.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from desktop.services import interview
from desktop.store.connection import (
    LEGACY_HMAC,
    LEGACY_PAGE_SIZE,
    PAGE_HMAC,
    PAGE_SIZE,
    StoreDamaged,
    open_database,
)
from desktop.store.keyfile import load_key_file
from desktop.store.keys import unwrap_with_password
from desktop.store.store import StorePaths, unlock
from tests.conftest import PASSWORD, FakeClock, World


def data_key(paths: StorePaths, certificate_no: str, password: str) -> bytes:
    key_file = load_key_file(paths.key_file)
    entry = key_file.find(certificate_no)
    assert entry is not None
    return unwrap_with_password(entry.wrap, password, entry.officer_id.encode())


def raw_key(key: bytes) -> str:
    return f"\"x'{key.hex()}'\""


Format = tuple[str, int]  # page HMAC, page size
NEW: Format = (PAGE_HMAC, PAGE_SIZE)
OLD_FORMATS: list[Format] = [(LEGACY_HMAC, LEGACY_PAGE_SIZE), (PAGE_HMAC, LEGACY_PAGE_SIZE)]
ALL_FORMATS: list[Format] = [NEW, *OLD_FORMATS]


def formats_of(database: Path, key: bytes) -> list[Format]:
    """The page formats with which the file's pages verify (raw pragmas, read only)."""
    found = []
    for hmac, page_size in ALL_FORMATS:
        conn = sqlcipher3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            conn.execute(f"PRAGMA key = {raw_key(key)}")
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(f"PRAGMA cipher_hmac_algorithm = {hmac}")
            conn.execute(f"PRAGMA cipher_page_size = {page_size:d}")
            if not conn.execute("PRAGMA cipher_integrity_check").fetchall():
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                found.append((hmac, page_size))
        except sqlcipher3.DatabaseError:
            pass
        finally:
            conn.close()
    return found


def make_old(database: Path, key: bytes, old: Format) -> None:
    """Re-encrypt the closed store at `database` in an older page format, keeping every
    page's content and the schema version."""
    legacy = database.with_name("legacy.db")
    conn = sqlcipher3.connect(str(database), isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = {raw_key(key)}")
        conn.execute(f"PRAGMA cipher_hmac_algorithm = {PAGE_HMAC}")
        conn.execute(f"PRAGMA cipher_page_size = {PAGE_SIZE:d}")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute(f"ATTACH DATABASE ? AS legacy KEY {raw_key(key)}", (str(legacy),))
        conn.execute(f"PRAGMA legacy.cipher_hmac_algorithm = {old[0]}")
        conn.execute(f"PRAGMA legacy.cipher_page_size = {old[1]:d}")
        conn.execute("SELECT sqlcipher_export('legacy')")
        conn.execute(f"PRAGMA legacy.user_version = {version:d}")
        conn.execute("PRAGMA legacy.journal_mode = WAL")
        conn.execute("DETACH DATABASE legacy")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    legacy.replace(database)


def test_a_new_store_is_written_in_the_new_format(world: World) -> None:
    key = data_key(world.paths, world.admin.certificate_no, PASSWORD)
    world.store.close()
    assert formats_of(world.paths.database, key) == [NEW]


@pytest.mark.parametrize("old", OLD_FORMATS)
def test_a_store_in_an_older_format_opens_saves_and_stays_as_it_was(
        world: World, clock: FakeClock, old: Format) -> None:
    key = data_key(world.paths, world.admin.certificate_no, PASSWORD)
    turn = world.statement.turns[-1]
    interview.save_turn(world.store, turn.id, "答：写于旧设置之前。")
    world.store.close()
    make_old(world.paths.database, key, old)
    assert formats_of(world.paths.database, key) == [old]

    # The real login: continuity and the audit trail check out; a save commits; the second,
    # read-only connection reads it.
    store = unlock(world.paths, world.admin.certificate_no, PASSWORD, clock=clock)
    assert store.continuity is not None and store.continuity.ok
    assert interview.get(store, world.statement.id).turns[-1].text == "答：写于旧设置之前。"
    interview.save_turn(store, turn.id, "答：旧库里的新修改。")
    with store.reading() as reader:
        row = reader.execute("SELECT text FROM current_turns WHERE id = ?",
                             (turn.id,)).fetchone()
    assert row[0] == "答：旧库里的新修改。"
    store.close()

    assert formats_of(world.paths.database, key) == [old]  # not rewritten behind the user
    again = unlock(world.paths, world.admin.certificate_no, PASSWORD, clock=clock)
    assert again.continuity is not None and again.continuity.ok
    assert interview.get(again, world.statement.id).turns[-1].text == "答：旧库里的新修改。"
    again.close()


@pytest.mark.parametrize("old", OLD_FORMATS)
def test_repairing_the_search_index_of_an_old_store_writes_the_new_format(
        world: World, clock: FakeClock, old: Format) -> None:
    """The repair copies the store with VACUUM INTO, which writes a new file: it gets the
    current page HMAC, whatever the old file had (the page size is the file's own, which
    VACUUM INTO keeps), and the store keeps its content."""
    key = data_key(world.paths, world.admin.certificate_no, PASSWORD)
    turn = world.statement.turns[-1]
    interview.save_turn(world.store, turn.id, "答：车停在人行道上。")
    world.store.close()
    make_old(world.paths.database, key, old)

    store = unlock(world.paths, world.admin.certificate_no, PASSWORD, clock=clock)
    assert store.repair_search_index() >= 1
    store.close()

    assert formats_of(world.paths.database, key) == [(PAGE_HMAC, old[1])]
    again = unlock(world.paths, world.admin.certificate_no, PASSWORD, clock=clock)
    assert interview.get(again, world.statement.id).turns[-1].text == "答：车停在人行道上。"
    again.close()


def test_a_damaged_first_page_is_reported_as_damage_under_either_setting(
        world: World) -> None:
    key = data_key(world.paths, world.admin.certificate_no, PASSWORD)
    world.store.close()
    with world.paths.database.open("r+b") as f:  # a byte inside page 1's encrypted content
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0x01]))
    with pytest.raises(StoreDamaged):
        open_database(world.paths.database, key)
