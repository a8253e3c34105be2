//! `govcheck migrate --from PATH --to PATH`: move a registry between engines with its
//! complete history. A store directory (the journal, format 1) goes into a new SQLite
//! database file; a database file goes back into a new store directory. Either goes
//! into a PostgreSQL database (`postgres://…`, holding no registry yet), and a
//! PostgreSQL registry comes back into either. The target must not exist (or be
//! empty); it appears only complete, read back and compared.

use std::path::Path;

use anyhow::{Context as _, bail};

use crate::output::emit;
use govcheck_store::sqlite::convert;

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
    let (moved, what) = if let (Some(a), Some(b)) = (url(from), url(to)) {
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
        let moved = govcheck_store::postgres::convert::into_postgres(from, &u)
            .with_context(|| format!("migrate {} to {}", from.display(), named(&u)))?;
        (moved, "registry into the PostgreSQL database")
    } else if let Some(u) = url(from) {
        let moved = govcheck_store::postgres::convert::out_of_postgres(&u, to)
            .with_context(|| format!("migrate {} to {}", named(&u), to.display()))?;
        (moved, "PostgreSQL registry into")
    } else if from.is_dir() {
        if to.is_dir() {
            bail!(
                "--to {}: is a directory; give the database file to create (e.g. {}/{})",
                to.display(),
                to.display(),
                govcheck_store::sqlite::FILE
            );
        }
        let moved = convert::journal_to_sqlite(from, to)
            .with_context(|| format!("migrate {} to {}", from.display(), to.display()))?;
        (moved, "store directory into the SQLite database")
    } else if from.is_file() {
        let moved = convert::sqlite_to_journal(from, to)
            .with_context(|| format!("migrate {} to {}", from.display(), to.display()))?;
        (moved, "SQLite database into the store directory")
    } else {
        bail!(
            "--from {}: no such store directory or database file",
            from.display()
        );
    };
    let to_shown = url(to).map_or_else(|| to.display().to_string(), |u| named(&u));
    emit(&format!(
        "moved the {what} {}: {} batches, {} accounts, {} findings, {} events, {} posts ({:.1} s)\n",
        to_shown,
        moved.batches,
        moved.accounts,
        moved.findings,
        moved.events,
        moved.posts,
        started.elapsed().as_secs_f64()
    ))?;
    Ok(0)
}
