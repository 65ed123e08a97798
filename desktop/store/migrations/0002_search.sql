-- 0002: Chinese full-text search over turn text, party names and case causes.
-- One FTS5 token per character (see desktop/store/search.py), phrase queries give exact
-- substring hits for queries of any length. The index is contentless: the text already
-- lives in turn_revisions / parties / cases, so it is not stored twice.

-- Maps a document to its FTS row: the FTS rowid is minus this rowid, so FTS5's fast
-- ascending walk lists the newest documents first. The rowid is kept across re-indexing, so
-- an autosave touches one row here at most once. The CHECK is spelled with OR on purpose:
-- SQLite codes an IN list of 3+ constants with an ephemeral table built on every insert,
-- which costs ~45 us per row under SQLCipher against ~4 us for the comparisons.
CREATE TABLE search_docs (
    rowid  INTEGER PRIMARY KEY,
    source TEXT NOT NULL CHECK (source = 'turn' OR source = 'party' OR source = 'cause'),
    ref_id TEXT NOT NULL,
    UNIQUE (source, ref_id)
) STRICT;

-- Every category is a token character and only U+0020 separates tokens: search.py puts a
-- space between every character, so each character is one token whatever Unicode version
-- SQLite's tables know (unicode61 would silently drop punctuation and newer hanzi).
-- detail=full keeps positions, which phrase queries need; columnsize stays on for bm25.
-- No contentless_delete=1: benchmarks replay this schema on SQLite 3.40, which lacks it;
-- old text is removed with the 'delete' command instead.
CREATE VIRTUAL TABLE search_fts USING fts5(
    body,
    content = '',
    detail = full,
    tokenize = "unicode61 remove_diacritics 0 categories 'L* M* N* P* S* Z* C*' separators ' '"
);
