-- Belt and braces: the database itself refuses to change or remove an event or a
-- batch, whatever program writes to it. PostgreSQL's form of SQLite's V2 (the one part
-- of the schema the engines write differently): a PL/pgSQL function raising an
-- exception, fired before any UPDATE or DELETE of a row and before a TRUNCATE.

CREATE FUNCTION govcheck_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% are append-only: a row is never changed or removed', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE PROCEDURE govcheck_append_only();

CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE PROCEDURE govcheck_append_only();

CREATE TRIGGER batches_append_only BEFORE UPDATE OR DELETE ON batches
    FOR EACH ROW EXECUTE PROCEDURE govcheck_append_only();

CREATE TRIGGER batches_no_truncate BEFORE TRUNCATE ON batches
    FOR EACH STATEMENT EXECUTE PROCEDURE govcheck_append_only();
