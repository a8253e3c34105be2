-- Belt and braces: the database itself refuses to change or remove an event or a
-- batch, whatever program writes to it. SQLite's trigger syntax: the one part of the
-- schema PostgreSQL writes differently (a PL/pgSQL function raising an exception),
-- so it is a migration of its own.

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: an event is never changed');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: an event is never removed');
END;

CREATE TRIGGER batches_no_update BEFORE UPDATE ON batches
BEGIN
    SELECT RAISE(ABORT, 'batches are append-only: a batch is never changed');
END;

CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches
BEGIN
    SELECT RAISE(ABORT, 'batches are append-only: a batch is never removed');
END;
