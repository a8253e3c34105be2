//! The schema on PostgreSQL: the same migrations as SQLite's (`crates/store/migrations/`,
//! embedded by refinery), except where the dialects differ: a version that
//! `crates/store/migrations-postgres/` also holds is taken from there. Only V2 (the
//! append-only triggers: SQLite's `RAISE(ABORT)` against PostgreSQL's PL/pgSQL) does;
//! it lives outside `migrations/` because refinery embeds that directory whole,
//! subdirectories included, for SQLite.
//!
//! Several servers may start at once over one empty database: the migration runs under
//! an advisory lock when the database has them, and is checked again once it is held.

use refinery::Migration;

use crate::error::StoreError;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The migrations PostgreSQL writes its own way: (version, name, SQL).
const OVERRIDES: &[(u32, &str, &str)] = &[(
    2,
    "V2__append_only",
    include_str!("../../migrations-postgres/V2__append_only.sql"),
)];

/// Arbitrary, fixed: the advisory lock every govcheck holds while migrating.
const LOCK_KEY: i64 = 0x676f_7663_6865_636b; // "govcheck"

/// The migrations of this binary, in order, PostgreSQL's own where it has one.
fn migrations() -> Result<Vec<Migration>, StoreError> {
    let runner = embedded::migrations::runner();
    let mut out = Vec::new();
    for m in runner.get_migrations() {
        let version = u32::try_from(m.version()).unwrap_or(u32::MAX);
        match OVERRIDES.iter().find(|(v, _, _)| *v == version) {
            Some((_, name, sql)) => out.push(
                Migration::unapplied(name, sql)
                    .map_err(|e| StoreError::Other(format!("migration {name}: {e}")))?,
            ),
            None => out.push(m.clone()),
        }
    }
    out.sort_by_key(|m| m.version());
    Ok(out)
}

/// The newest schema version this binary carries (the same as SQLite's).
pub fn latest() -> u32 {
    super::super::sqlite::migrate::latest()
}

/// The schema version the database holds (0 for one no migration has touched).
pub async fn current(client: &tokio_postgres::Client) -> Result<u32, tokio_postgres::Error> {
    let has: bool = client
        .query_one(
            "SELECT COUNT(*) > 0 FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'refinery_schema_history'",
            &[],
        )
        .await?
        .get(0);
    if !has {
        return Ok(0);
    }
    let v: i32 = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
            &[],
        )
        .await?
        .get(0);
    Ok(u32::try_from(v).unwrap_or(0))
}

/// Bring the schema up to date (all migrations in one transaction); refuse a database
/// newer than this binary, and one that holds tables but no govcheck schema.
pub async fn apply(client: &mut tokio_postgres::Client, name: &str) -> Result<(), StoreError> {
    let db = |source| StoreError::Postgres {
        database: name.to_string(),
        source,
    };
    let supported = latest();
    let found = current(client).await.map_err(db)?;
    if found == supported {
        return Ok(());
    }
    if found > supported {
        return Err(StoreError::NewerFormat {
            path: name.into(),
            found,
            supported,
        });
    }
    if found == 0 {
        // Tables of someone else's in the schema: never add ours beside them.
        let theirs: i64 = client
            .query_one(
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema()",
                &[],
            )
            .await
            .map_err(db)?
            .get(0);
        if theirs > 0 {
            return Err(StoreError::Other(format!(
                "{name}: the database schema holds tables that are not a govcheck registry; \
                 give an empty database (CREATE DATABASE …) or another schema"
            )));
        }
    }
    // Without advisory locks (a compatible database that lacks them) two first starts
    // at once may collide; one then fails and is simply started again.
    let locked = client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .await
        .is_ok();
    let result = async {
        let found = current(client).await.map_err(db)?;
        if found >= supported {
            return Ok(());
        }
        refinery::Runner::new(&migrations()?)
            .set_grouped(true)
            .run_async(client)
            .await
            .map_err(|e| StoreError::Schema {
                path: name.into(),
                table: "refinery_schema_history",
                row: format!("schema version {found} to {supported}"),
                message: e.to_string(),
            })
            .map(|_| ())
    }
    .await;
    if locked {
        let _ = client
            .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
            .await;
    }
    result
}
