-- The registry schema, shared by every engine (plain SQL that SQLite and PostgreSQL
-- both accept; see docs/data-format.md, "The registry schema").
--
-- Status, deadline and version of a finding are never stored: they are derived from
-- its events, which are only ever inserted. Each table's `batch` is the change (the
-- batch in `batches`) that last wrote the row.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

INSERT INTO meta (key, value) VALUES ('format', 'govcheck-registry');
INSERT INTO meta (key, value) VALUES ('format_version', '1');

-- One committed change: an import, a remediation action, a rule run. `seq` is the
-- store's change sequence (what the change feed and a client's copy count).
-- `changes` holds the batch's changes other than events, as JSON (the journal's
-- `Change` encoding), for the change feed and for migrating back to a journal.
CREATE TABLE batches (
    seq                INTEGER PRIMARY KEY,
    at                 TEXT NOT NULL,
    by_name            TEXT NOT NULL,
    by_os_user         TEXT,
    by_ssh_client      TEXT,
    by_peer            TEXT,
    claimed_os_user    TEXT,
    claimed_ssh_client TEXT,
    changes            TEXT NOT NULL
);

CREATE TABLE regions (
    code   TEXT PRIMARY KEY,
    ord    INTEGER NOT NULL UNIQUE,
    name   TEXT NOT NULL,
    parent TEXT REFERENCES regions (code),
    batch  INTEGER NOT NULL REFERENCES batches (seq)
);

CREATE TABLE accounts (
    id              TEXT PRIMARY KEY,
    ord             INTEGER NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    platform        TEXT NOT NULL,
    region          TEXT NOT NULL REFERENCES regions (code),
    host_unit       TEXT NOT NULL,
    supervisor_unit TEXT,
    status          TEXT NOT NULL,
    opened_on       TEXT,
    closed_on       TEXT,
    synthetic       INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1)),
    extra           TEXT,
    batch           INTEGER NOT NULL REFERENCES batches (seq)
);

CREATE INDEX accounts_region ON accounts (region);

CREATE TABLE rounds (
    id               TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    period_start     TEXT NOT NULL,
    period_end       TEXT NOT NULL,
    monitoring_point TEXT NOT NULL,
    mode             TEXT NOT NULL,
    deadline         TEXT,
    note             TEXT,
    batch            INTEGER NOT NULL REFERENCES batches (seq)
);

-- A sample round's inspected list.
CREATE TABLE inspected (
    round   TEXT NOT NULL REFERENCES rounds (id),
    account TEXT NOT NULL REFERENCES accounts (id),
    batch   INTEGER NOT NULL REFERENCES batches (seq),
    PRIMARY KEY (round, account)
);

-- A finding as reported; never changed afterwards.
CREATE TABLE findings (
    id        TEXT PRIMARY KEY,
    ord       INTEGER NOT NULL UNIQUE,
    round     TEXT NOT NULL REFERENCES rounds (id),
    account   TEXT NOT NULL REFERENCES accounts (id),
    indicator TEXT NOT NULL,
    problem   TEXT,
    note      TEXT,
    source    TEXT NOT NULL,
    deadline  TEXT,
    points    INTEGER,
    batch     INTEGER NOT NULL REFERENCES batches (seq),
    UNIQUE (round, account, indicator)
);

CREATE INDEX findings_account ON findings (account);

-- The remediation history: append-only. `id` is the event's place in the order of
-- all events; `kind` is the event's name and `payload` its fields as JSON (a new kind
-- needs no migration). `by_*` is who did it as the writer saw them; `claimed_*` what a
-- client said about itself, unverified.
CREATE TABLE events (
    id                 INTEGER PRIMARY KEY,
    finding            TEXT NOT NULL REFERENCES findings (id),
    kind               TEXT NOT NULL,
    payload            TEXT,
    at                 TEXT NOT NULL,
    by_name            TEXT NOT NULL,
    by_os_user         TEXT,
    by_ssh_client      TEXT,
    by_peer            TEXT,
    claimed_os_user    TEXT,
    claimed_ssh_client TEXT,
    note               TEXT,
    batch              INTEGER NOT NULL REFERENCES batches (seq)
);

CREATE INDEX events_finding ON events (finding, id);
CREATE INDEX events_batch ON events (batch);

-- A round's published notice (附件1, 附件2) as printed, as JSON.
CREATE TABLE notices (
    round TEXT PRIMARY KEY REFERENCES rounds (id),
    body  TEXT NOT NULL,
    batch INTEGER NOT NULL REFERENCES batches (seq)
);

-- Post timestamps for the two-week rule: unix seconds and the UTC offset (minutes)
-- they were written with. Not part of any batch: who imported them is not recorded.
CREATE TABLE posts (
    account    TEXT NOT NULL,
    at         BIGINT NOT NULL,
    utc_offset INTEGER NOT NULL,
    PRIMARY KEY (account, at)
);
