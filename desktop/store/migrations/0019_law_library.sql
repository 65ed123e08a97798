-- 0019 (issue 17, law library): the held `laws` dataset's articles, searchable.
--
-- Derived data only: everything here is rebuilt from ref_datasets' `laws` bytes (the signed,
-- audited record) by desktop/store/law_index.py, in the transaction that accepts a new
-- version, or at the first login after this migration for a store that accepted one before.
-- Nothing here is audited or synced; deleting it loses nothing.
--
-- law_index_state: which version of `laws` the tables below hold (one row, absent before the
--   first library), or why it could not be read (`problem`, with no articles).
-- law_statutes: one row per statute of that version, for the title match and the header of
--   every hit (version date, status, level, provenance).
-- law_articles: one row per article. The rowid is the search ranking (statute level, then
--   the library's statute order, then article order), assigned at the rebuild, so FTS5's
--   ascending rowid walk lists hits best first and stops at the limit.
-- law_fts: one token per character, exactly as search_fts (0002, desktop/store/search.py):
--   phrase queries give exact substring hits for queries of one character and up.

CREATE TABLE law_index_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    dataset_version INTEGER NOT NULL,
    dataset_sha256  TEXT NOT NULL,
    edition         TEXT NOT NULL,
    compiled        TEXT NOT NULL,
    statutes        INTEGER NOT NULL,
    articles        INTEGER NOT NULL,
    synthetic       INTEGER NOT NULL,
    problem         TEXT,
    indexed_at      TEXT NOT NULL
) STRICT;

CREATE TABLE law_statutes (
    id             TEXT PRIMARY KEY,
    position       INTEGER NOT NULL,
    title          TEXT NOT NULL,
    short_title    TEXT NOT NULL,
    level          TEXT NOT NULL,
    level_rank     INTEGER NOT NULL,
    status         TEXT NOT NULL,
    version_date   TEXT NOT NULL,
    effective_date TEXT,
    synthetic      INTEGER NOT NULL,
    collection     TEXT NOT NULL,
    snapshot       TEXT NOT NULL,
    file           TEXT NOT NULL
) STRICT;

CREATE TABLE law_articles (
    rowid           INTEGER PRIMARY KEY,
    dataset_version INTEGER NOT NULL,
    statute_id      TEXT NOT NULL REFERENCES law_statutes (id),
    number          INTEGER NOT NULL,
    suffix          TEXT NOT NULL,
    label           TEXT NOT NULL,
    chapter         TEXT NOT NULL,
    text            TEXT NOT NULL,
    UNIQUE (statute_id, number, suffix)
) STRICT;

CREATE VIRTUAL TABLE law_fts USING fts5(
    body,
    content = '',
    detail = full,
    tokenize = "unicode61 remove_diacritics 0 categories 'L* M* N* P* S* Z* C*' separators ' '"
);
