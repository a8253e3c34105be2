//! Moving a registry into and out of PostgreSQL with its complete history (every batch
//! with its sequence number, who and when, every event, every post), from or to a
//! journal store directory or an SQLite file. Into PostgreSQL: one transaction that
//! writes everything, reads the tables back and compares before it commits. Out of
//! it: an SQLite file built beside its final name and renamed only once complete
//! (SQLite's own `build`), or a journal directory made from that file.

use std::path::Path;

use super::{PgStore, read, write};
use crate::RegistrySource;
use crate::error::StoreError;
use crate::journal::Batch;
use crate::local::LocalStore;
use crate::posts::{self, RawPosts};
use crate::sqlite::convert::{Moved, difference, sqlite_to_journal};
use crate::sqlite::{SqliteStore, is_database_path};
use govcheck_domain::registry::Registry;

fn moved(reg: &Registry, seq: u64, posts: &RawPosts) -> Moved {
    Moved {
        batches: seq,
        accounts: reg.accounts().len(),
        findings: reg.findings().len(),
        events: (0..reg.findings().len())
            .map(|i| reg.history(i).len())
            .sum(),
        posts: posts.values().map(Vec::len).sum(),
    }
}

fn mismatch(to: &str, what: String) -> StoreError {
    StoreError::Other(format!(
        "{to}: the copy does not read back the same ({what}); nothing was written"
    ))
}

/// Everything a journal store directory or an SQLite file holds.
fn read_source(from: &Path) -> Result<(Vec<Batch>, RawPosts, Registry, u64), StoreError> {
    if from.is_dir() {
        let source = LocalStore::open(from)?;
        let snap = source.load()?;
        let feed = source.feed(0)?;
        let bytes = source.posts_bytes()?;
        let text = std::str::from_utf8(&bytes).map_err(|_| StoreError::Corrupt {
            path: from.join("posts.tsv"),
            line: 0,
            message: "not UTF-8".into(),
        })?;
        let raw = posts::parse_raw_posts(&from.join("posts.tsv"), text)?;
        if feed.seq != snap.seq {
            return Err(StoreError::Other(format!(
                "{}: written to while being read; try again",
                from.display()
            )));
        }
        Ok((feed.batches, raw, snap.registry, snap.seq))
    } else {
        let source = SqliteStore::open(from)?;
        let batches = source.batches_since(0)?;
        let snap = source.load()?;
        let raw = source.raw_posts()?;
        if batches.last().map_or(0, |b| b.seq) != snap.seq {
            return Err(StoreError::Other(format!(
                "{}: written to while being read; try again",
                from.display()
            )));
        }
        Ok((batches, raw, snap.registry, snap.seq))
    }
}

/// Move the journal store directory or SQLite file `from` into the PostgreSQL database
/// at `url`, which must hold no registry yet.
pub fn into_postgres(from: &Path, url: &str) -> Result<Moved, StoreError> {
    let (batches, raw, reference, seq) = read_source(from)?;
    let store = PgStore::connect_empty(url)?;
    store.fill(&batches, &raw, &reference)?;
    Ok(moved(&reference, seq, &raw))
}

/// Move the registry in the PostgreSQL database at `url` into a new SQLite file or a
/// new journal store directory `to` (absent or empty).
pub fn out_of_postgres(url: &str, to: &Path) -> Result<Moved, StoreError> {
    let source = PgStore::open(url)?;
    let batches = source.batches_since(0)?;
    let snap = source.load()?;
    let raw = source.raw_posts()?;
    if batches.last().map_or(0, |b| b.seq) != snap.seq {
        return Err(StoreError::Other(format!(
            "{}: written to while being read; try again",
            source.name()
        )));
    }
    let build = |file: &Path| -> Result<(), StoreError> {
        SqliteStore::build(file, |s| {
            for b in &batches {
                s.append_batch(b)?;
            }
            s.append_posts(raw.clone())?;
            Ok(())
        })?;
        // Read back by a fresh handle (from the tables, no cache) and compare.
        let back = SqliteStore::open(file)?;
        let what = difference(&snap.registry, &back.load()?.registry).or_else(|| {
            (back.raw_posts().ok().as_ref() != Some(&raw)).then(|| "posts differ".into())
        });
        if let Some(what) = what {
            drop(back);
            let _ = std::fs::remove_file(file);
            return Err(mismatch(&file.display().to_string(), what));
        }
        Ok(())
    };
    if is_database_path(to) && !to.is_dir() {
        build(to)?;
    } else {
        // A journal directory, by way of an SQLite file beside it.
        let parent = crate::perm::parent(to);
        let tmp = parent.join(format!(".govcheck-migrate-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let done = build(&tmp).and_then(|()| sqlite_to_journal(&tmp, to));
        for suffix in ["", "-wal", "-shm"] {
            let mut p = tmp.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(std::path::PathBuf::from(p));
        }
        done?;
    }
    Ok(moved(&snap.registry, snap.seq, &raw))
}

impl PgStore {
    /// Fill an empty registry with `batches` and `raw` posts in one transaction, read
    /// the tables back inside it and commit only when they give `reference`.
    pub fn fill(
        &self,
        batches: &[Batch],
        raw: &RawPosts,
        reference: &Registry,
    ) -> Result<(), StoreError> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            if read::last_seq(&tx, &self.name).await? != 0 {
                return Err(StoreError::Other(format!(
                    "{} holds a registry already; refusing to write another over it",
                    self.name
                )));
            }
            let mut check = Registry::new();
            for (i, b) in batches.iter().enumerate() {
                if b.seq != i as u64 + 1 {
                    return Err(StoreError::Other(format!(
                        "batch {} where {} was expected",
                        b.seq,
                        i + 1
                    )));
                }
                check.apply_all(b.changes.clone())?;
                write::batch(&tx, &self.name, b).await?;
            }
            write::posts(&tx, &self.name, raw.clone()).await?;
            let back = read::registry(&tx, &self.name).await?;
            if let Some(what) = difference(reference, &back) {
                return Err(mismatch(&self.name, what));
            }
            if &read::raw_posts(&tx, &self.name).await? != raw {
                return Err(mismatch(&self.name, "posts differ".into()));
            }
            tx.commit().await.map_err(|e| self.failed(e))?;
            let seq = batches.last().map_or(0, |b| b.seq);
            crate::postgres::follow::raise(&self.seq, seq);
            self.notify(&client, seq).await;
            Ok(())
        })
    }
}
