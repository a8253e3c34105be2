//! Moving a registry between the journal store (format 1) and an SQLite database, with
//! its complete history: every batch with its sequence number, who and when, every
//! event, every post. All or nothing: the target is built under a temporary name beside
//! it and renamed into place only once it is complete, synced and read back equal.

use std::fs;
use std::path::Path;

use super::{SqliteStore, read};
use crate::RegistrySource;
use crate::error::StoreError;
use crate::journal::Batch;
use crate::local::LocalStore;
use crate::posts::{self, RawPosts};
use govcheck_domain::registry::{Change, Registry};

/// What was moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub batches: u64,
    pub accounts: usize,
    pub findings: usize,
    pub events: usize,
    pub posts: usize,
}

impl Moved {
    fn of(reg: &Registry, seq: u64, posts: &RawPosts) -> Moved {
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
}

/// The difference between two registries that must be the same, if any: counts,
/// every finding's derived state and whole history, the rounds.
pub fn difference(a: &Registry, b: &Registry) -> Option<String> {
    if a.regions().len() != b.regions().len() {
        return Some("regions differ".into());
    }
    if a.accounts() != b.accounts() {
        return Some("accounts differ".into());
    }
    if a.rounds() != b.rounds() {
        return Some("rounds differ".into());
    }
    if a.findings() != b.findings() {
        return Some("findings differ".into());
    }
    for (i, f) in a.findings().iter().enumerate() {
        if a.state(i) != b.state(i) || a.history(i) != b.history(i) {
            return Some(format!("finding {}: history or state differs", f.id));
        }
    }
    for r in a.rounds() {
        if a.notice(&r.id) != b.notice(&r.id) || a.inspected_ids(&r.id) != b.inspected_ids(&r.id) {
            return Some(format!("round {}: notice or sample list differs", r.id));
        }
    }
    None
}

fn mismatch(path: &Path, what: String) -> StoreError {
    StoreError::Other(format!(
        "{}: the copy does not read back the same ({what}); nothing was written",
        path.display()
    ))
}

/// Move the journal store in `from` into a new SQLite database at `to` (absent or an
/// empty file).
pub fn journal_to_sqlite(from: &Path, to: &Path) -> Result<Moved, StoreError> {
    let source = LocalStore::open(from)?;
    let snap = source.load()?;
    let feed = source.feed(0)?;
    if feed.seq != snap.seq {
        return Err(StoreError::Other(format!(
            "{}: written to while being read; try again",
            from.display()
        )));
    }
    let bytes = source.posts_bytes()?;
    let text = std::str::from_utf8(&bytes).map_err(|_| StoreError::Corrupt {
        path: from.join("posts.tsv"),
        line: 0,
        message: "not UTF-8".into(),
    })?;
    let raw = posts::parse_raw_posts(&from.join("posts.tsv"), text)?;
    let moved = Moved::of(&snap.registry, snap.seq, &raw);
    SqliteStore::build(to, |store| {
        for batch in &feed.batches {
            store.append_batch(batch)?;
        }
        store.append_posts(raw.clone())?;
        // Read the tables back, as a later process will, and compare.
        let back = store.reading(|c| read::registry(c, store.path()))?;
        if let Some(what) = difference(&snap.registry, &back) {
            return Err(mismatch(to, what));
        }
        if store.raw_posts()? != raw {
            return Err(mismatch(to, "posts differ".into()));
        }
        Ok(())
    })?;
    Ok(moved)
}

/// Move the SQLite database at `from` into a new journal store directory `to` (absent
/// or empty).
pub fn sqlite_to_journal(from: &Path, to: &Path) -> Result<Moved, StoreError> {
    let source = SqliteStore::open(from)?;
    let batches = source.batches_since(0)?;
    let snap = source.load()?;
    let raw = source.raw_posts()?;
    let moved = Moved::of(&snap.registry, snap.seq, &raw);
    if to.exists()
        && fs::read_dir(to)
            .map_err(|e| StoreError::io(to, e))?
            .next()
            .is_some()
    {
        return Err(StoreError::NotEmpty(to.to_path_buf()));
    }
    let parent = crate::perm::parent(to);
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let built = write_journal(&tmp, &batches, raw).and_then(|()| {
        let back = LocalStore::open(&tmp)?.load()?;
        match difference(&snap.registry, &back.registry) {
            Some(what) => Err(mismatch(to, what)),
            None if back.seq != snap.seq => Err(mismatch(to, "batch count".into())),
            None => Ok(()),
        }
    });
    let renamed = built.and_then(|()| {
        if to.exists() {
            fs::remove_dir(to).map_err(|e| StoreError::io(to, e))?;
        }
        fs::rename(&tmp, to).map_err(|e| StoreError::io(to, e))?;
        crate::atomic::sync_dir(parent)
    });
    if let Err(e) = renamed {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    Ok(moved)
}

/// A journal store in `dir` holding `batches` (batch 1 the root region, as every store
/// starts) and `raw` posts.
fn write_journal(dir: &Path, batches: &[Batch], raw: RawPosts) -> Result<(), StoreError> {
    let Some((first, rest)) = batches.split_first() else {
        return Err(StoreError::Other("the database holds no batch".into()));
    };
    let root = match first.changes.as_slice() {
        [Change::Region(r)] => r.clone(),
        _ => {
            return Err(StoreError::Other(
                "batch 1 is not the root region alone; cannot start a journal with it".into(),
            ));
        }
    };
    let store = LocalStore::create(dir, root, &first.by, first.at)?;
    for b in rest {
        let changes = b.changes.clone();
        store.commit(&b.by, b.at, move |_| Ok(changes))?;
    }
    if !raw.is_empty() {
        store.add_posts(raw)?;
    }
    store.sync()
}
