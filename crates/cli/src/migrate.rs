//! `govcheck migrate --from DIR|FILE --to DIR|FILE`: move a registry between engines
//! with its complete history. A store directory in the old journal format (format 1)
//! goes into an SQLite registry: `DIR2/registry.sqlite` for a directory (the same
//! directory included: the old files stay beside the database as a backup, and are no
//! longer read), or the database file named. An SQLite registry (a database file, or a
//! directory holding one) goes back into a new journal store directory. The target must
//! not exist (or be empty); it appears only complete, read back and compared.

use std::path::Path;

use anyhow::{Context as _, bail};

use crate::output::emit;
use govcheck_store::sqlite::{self, convert};

pub fn migrate(from: &Path, to: &Path) -> anyhow::Result<i32> {
    let started = std::time::Instant::now();
    let (moved, what, target) = if let Some(db) = sqlite::locate(from) {
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
            to.to_path_buf(),
        )
    } else if from.join("store.json").is_file() {
        let target = sqlite::database_for(to);
        let moved = convert::journal_to_sqlite(from, &target)
            .with_context(|| format!("migrate {} to {}", from.display(), target.display()))?;
        (moved, "store directory into the SQLite database", target)
    } else {
        bail!(
            "--from {}: no such store directory or database file",
            from.display()
        );
    };
    emit(&format!(
        "moved the {what} {}: {} batches, {} accounts, {} findings, {} events, {} posts ({:.1} s)\n",
        target.display(),
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
