//! The schema as data: the SQL files in `crates/store/migrations/` (`V1__registry.sql`,
//! …), embedded in the binary by refinery and applied on open, in order, each version
//! once. A database whose schema is newer than this binary knows is refused before
//! anything is read or written: an older govcheck must not guess at tables it does not
//! know.

use std::path::Path;

use rusqlite::Connection;

use crate::error::StoreError;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The newest schema version this binary carries.
pub fn latest() -> u32 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .filter_map(|m| u32::try_from(m.version()).ok())
        .max()
        .unwrap_or(0)
}

/// The schema version `conn` holds (0 for a database no migration has touched).
pub fn current(conn: &Connection) -> Result<u32, rusqlite::Error> {
    let has_history: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history'",
        [],
        |r| r.get(0),
    )?;
    if !has_history {
        return Ok(0);
    }
    let version: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )?;
    Ok(u32::try_from(version).unwrap_or(u32::MAX))
}

/// Bring the schema up to date, all migrations in one transaction; refuse a database
/// newer than this binary ([`StoreError::NewerFormat`], naming both versions).
pub fn apply(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found = current(conn).map_err(|source| StoreError::Database {
        path: path.to_path_buf(),
        source,
    })?;
    let supported = latest();
    if found > supported {
        return Err(StoreError::NewerFormat {
            path: path.to_path_buf(),
            found,
            supported,
        });
    }
    if found == supported {
        return Ok(());
    }
    embedded::migrations::runner()
        .set_grouped(true)
        .run(conn)
        .map_err(|e| StoreError::Schema {
            path: path.to_path_buf(),
            table: "refinery_schema_history",
            row: format!("schema version {found} to {supported}"),
            message: e.to_string(),
        })?;
    Ok(())
}
