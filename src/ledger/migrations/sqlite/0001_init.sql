-- The ledger (SPEC §8) on SQLite: entries and runs, append-only.
CREATE TABLE chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    input_sha256 TEXT,
    output_sha256 TEXT,
    rules_digest TEXT,
    as_of TEXT,
    user_name TEXT NOT NULL,
    at TEXT NOT NULL,
    counts TEXT NOT NULL,
    outcome TEXT NOT NULL
);

CREATE TABLE entries (
    seq BIGINT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('award', 'void')),
    credit_code TEXT NOT NULL,
    name TEXT NOT NULL,
    district TEXT NOT NULL,
    clause BIGINT NOT NULL,
    item TEXT NOT NULL,
    item_text TEXT,
    subject TEXT,
    title TEXT,
    year BIGINT,
    period_start TEXT,
    period_end TEXT,
    amount_fen BIGINT NOT NULL,
    attempt BIGINT NOT NULL,
    reverses BIGINT,
    reason TEXT,
    round TEXT NOT NULL,
    output_sha256 TEXT,
    output_row BIGINT,
    rules_digest TEXT,
    rules_version TEXT,
    as_of TEXT,
    approved_by TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    run_id BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE UNIQUE INDEX entries_one_award ON entries (credit_code, clause, item, attempt) WHERE kind = 'award';
CREATE UNIQUE INDEX entries_one_void ON entries (reverses) WHERE kind = 'void';
CREATE INDEX entries_code ON entries (credit_code);

CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: UPDATE refused'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: DELETE refused'); END;
CREATE TRIGGER runs_no_update BEFORE UPDATE ON runs
BEGIN SELECT RAISE(ABORT, 'the run log is append-only: UPDATE refused'); END;
CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs
BEGIN SELECT RAISE(ABORT, 'the run log is append-only: DELETE refused'); END;
