"""The room's blind index (hq/catalog/search.py) on a real HQ database and blob store: what it
normalises and cuts, that its tokens depend on HQ's key, that a process without the key
indexes nothing and says so, and that ``reindex`` fills it idempotently; and the statement
page's inclusion proofs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hq import catalog
from hq.catalog import search
from hq.web.statement_records import _subtrees
from sync.protocol.merkle import (
    inclusion_path,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_inclusion,
)
from sync.protocol.records import RecordKind
from tests.hq.test_receiver import DEVICE, announce, receiver
from tests.sync.test_formats import statement


@pytest.fixture
def no_key() -> Iterator[None]:
    """This process without the index key (as a bare `Receiver` runs), restored after."""
    kept = list(search._installed)
    search._installed.clear()
    try:
        yield
    finally:
        search._installed[:] = kept


def test_text_is_normalised_and_cut_into_characters_and_pairs() -> None:
    assert search.normalise(" ＡＢｃ　１２ 号\n") == "abc12号"
    assert search.grams("西瓜 子") == {"西", "瓜", "子", "西瓜", "瓜子"}
    assert search.query_grams("瓜") == {"瓜"}
    assert search.query_grams("西瓜子") == {"西瓜", "瓜子"}
    assert search.query_grams("   ") == set()
    key, other = search.SearchKey(bytes(32)), search.SearchKey(bytes([1]) * 32)
    assert key.token("张") == search.SearchKey(bytes(32)).token("张")
    assert key.token("张") != other.token("张")  # without HQ's key a token says nothing
    assert len(key.token("张")) == 32


def test_without_the_key_nothing_is_indexed_until_reindex_fills_it(
        tmp_path: Path, no_key: None) -> None:
    hq = receiver(tmp_path)
    hq.enrol(DEVICE.public_key())
    content = statement()
    data = content.canonical_bytes()
    hq.accept(announce(RecordKind.STATEMENT, content.id, data, 1), data)
    assert hq.db.all("SELECT * FROM room_search_tokens") == []
    assert search.unindexed(hq.db) == 1

    key = search.use_master_key(bytes(32))
    assert catalog.reindex(hq.db, hq.blobs) == 1
    tokens = len(hq.db.all("SELECT * FROM room_search_tokens"))
    assert tokens > 10 and search.unindexed(hq.db) == 0
    catalog.reindex(hq.db, hq.blobs)  # idempotent
    assert len(hq.db.all("SELECT * FROM room_search_tokens")) == tokens

    assert search.candidates(hq.db, key, "张三") == [content.id]
    assert search.candidates(hq.db, key, "询") == [content.id]
    assert search.candidates(hq.db, key, "三张") == []
    # A pair across two fields is not in the index: 询问室一 (the place), 你的姓名？ (a turn).
    assert search.candidates(hq.db, key, "一你") == []
    assert search.candidates(hq.db, key, "名？") == [content.id]
    searchable = search.Searchable(content, None)
    assert search.confirm(searchable, "（合成")
    assert not search.confirm(searchable, "姓名张三")
    assert not search.confirm(searchable, " ")


def test_the_statement_pages_proofs_are_the_rfc_9162_audit_paths() -> None:
    """The statement page proves its events with subtree hashes it computes once
    (hq/web/statement_records.py): the same paths as RFC 9162's, for every size and leaf."""
    for size in (1, 2, 3, 5, 64, 65, 130, 300):
        hashes = [leaf_hash(bytes([size % 256, i % 256, i // 256])) for i in range(size)]
        subtree = _subtrees(hashes)
        root = root_hash(hashes)
        for index in range(size):
            path = inclusion_path(subtree, index, size)
            assert path == inclusion_proof(hashes, index)
            assert verify_inclusion(hashes[index], index, size, path, root)
