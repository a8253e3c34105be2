//! `govcheck migrate --from DIR|FILE|postgres://… --to DIR|FILE|postgres://…`: move a
//! registry between engines with its complete history. A store directory in the old
//! journal format (format 1) goes into an SQLite registry: `DIR2/registry.sqlite` for a
//! directory (the same directory included: the old files stay beside the database as a
//! backup, and are no longer read), or the database file named. An SQLite registry (a
//! database file, or a directory holding one) goes back into a new journal store
//! directory. Either goes into a PostgreSQL database (`postgres://…`, holding no
//! registry yet), and a PostgreSQL registry comes back into an SQLite registry (a
//! directory's `registry.sqlite`, or the file named). The target must not exist (or be
//! empty); it appears only complete, read back and compared.

use std::path::Path;

use anyhow::{Context as _, bail};

use crate::output::emit;
use govcheck_store::sqlite::{self, convert};

pub fn migrate(from: &Path, to: &Path) -> anyhow::Result<i32> {
    let started = std::time::Instant::now();
    let url = |p: &Path| {
        p.to_str()
            .filter(|s| govcheck_store::postgres::is_url(s))
            .map(str::to_string)
    };
    let named = |u: &str| {
        govcheck_store::postgres::connect::parse(u)
            .map(|t| t.name)
            .unwrap_or_else(|_| "the database".into())
    };
    let (moved, what, target) = if let (Some(a), Some(b)) = (url(from), url(to)) {
        bail!(
            "--from {} --to {}: both are PostgreSQL databases; copy one into the other with pg_dump and psql",
            named(&a),
            named(&b)
        );
    } else if let Some(u) = url(to) {
        if !from.exists() {
            bail!(
                "--from {}: no such store directory or database file",
                from.display()
            );
        }
        // A data directory's registry is its database when it has one.
        let source = sqlite::locate(from).unwrap_or_else(|| from.to_path_buf());
        let moved = govcheck_store::postgres::convert::into_postgres(&source, &u)
            .with_context(|| format!("migrate {} to {}", source.display(), named(&u)))?;
        (moved, "registry into the PostgreSQL database", named(&u))
    } else if let Some(u) = url(from) {
        let target = sqlite::database_for(to);
        let moved = govcheck_store::postgres::convert::out_of_postgres(&u, &target)
            .with_context(|| format!("migrate {} to {}", named(&u), target.display()))?;
        (
            moved,
            "PostgreSQL registry into",
            target.display().to_string(),
        )
    } else if let Some(db) = sqlite::locate(from) {
        if same_place(from, to) {
            bail!(
                "--from {}: already holds the SQLite registry {}; nothing to migrate",
                from.display(),
                db.display()
            );
        }
        let moved = convert::sqlite_to_journal(&db, to)
            .with_context(|| format!("migrate {} to {}", db.display(), to.display()))?;
        (
            moved,
            "SQLite database into the store directory",
            to.display().to_string(),
        )
    } else if from.join("store.json").is_file() {
        let target = sqlite::database_for(to);
        let moved = convert::journal_to_sqlite(from, &target)
            .with_context(|| format!("migrate {} to {}", from.display(), target.display()))?;
        (
            moved,
            "store directory into the SQLite database",
            target.display().to_string(),
        )
    } else {
        bail!(
            "--from {}: no such store directory or database file",
            from.display()
        );
    };
    emit(&format!(
        "moved the {what} {}: {} batches, {} accounts, {} findings, {} events, {} posts ({:.1} s)\n",
        target,
        moved.batches,
        moved.accounts,
        moved.findings,
        moved.events,
        moved.posts,
        started.elapsed().as_secs_f64()
    ))?;
    Ok(0)
}

/// Do `a` and `b` name the same directory (however written)?
fn same_place(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
