//! `govcheck migrate --from PATH --to PATH`: move a registry between engines with its
//! complete history. A store directory (the journal, format 1) goes into a new SQLite
//! database file; a database file goes back into a new store directory. The target must
//! not exist (or be empty); it appears only complete, read back and compared.

use std::path::Path;

use anyhow::{Context as _, bail};

use crate::output::emit;
use govcheck_store::sqlite::convert;

pub fn migrate(from: &Path, to: &Path) -> anyhow::Result<i32> {
    let started = std::time::Instant::now();
    let (moved, what) = if from.is_dir() {
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
    emit(&format!(
        "moved the {what} {}: {} batches, {} accounts, {} findings, {} events, {} posts ({:.1} s)\n",
        to.display(),
        moved.batches,
        moved.accounts,
        moved.findings,
        moved.events,
        moved.posts,
        started.elapsed().as_secs_f64()
    ))?;
    Ok(0)
}
