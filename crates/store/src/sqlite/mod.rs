//! The registry in one SQLite database file: the schema of `crates/store/migrations/`
//! (documented in docs/data-format.md, "The registry schema") behind the same
//! [`RegistrySource`] and [`ServedStore`] as the journal store, so no edge knows which
//! it has.
//!
//! Why it is safe to share: WAL with `synchronous = FULL` (a commit is on disk before it
//! returns; readers never wait for a writer), a busy timeout (several processes on one
//! host queue for the write lock instead of failing), foreign keys on. Every write is
//! one `BEGIN IMMEDIATE` transaction that first brings this process's copy of the
//! registry up to the database's last batch, builds and checks its changes against
//! that (so a version check sees every other writer's events), then inserts them: an
//! import's accounts, findings and posts commit together or not at all.

pub(crate) mod codec;
pub mod convert;
pub mod migrate;
pub(crate) mod read;
mod write;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::atomic::sync_dir;
use crate::commit::{BatchWriter, Committed};
use crate::error::StoreError;
use crate::import;
use crate::journal::{self, Batch};
use crate::local::Feed;
use crate::posts::{self, RawPosts};
use crate::{RegistrySource, ServedStore, Snapshot};
use govcheck_domain::event::{Actor, Event};
use govcheck_domain::region::Region;
use govcheck_domain::registry::{Change, Registry};
use govcheck_domain::rules::Posts;
use read::db;

/// The database's name in a data directory that holds one.
pub const FILE: &str = "registry.sqlite";

/// How long a writer waits for another (an import) by default: long enough for a
/// national import, bounded so a stuck process is reported rather than waited on
/// forever. The server sets its own (`--lock-wait`).
const DEFAULT_BUSY: Duration = Duration::from_secs(600);

/// Is `path` a SQLite database file by its name (`.sqlite`, `.sqlite3`, `.db`)?
pub fn is_database_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "sqlite" | "sqlite3" | "db"))
}

/// The SQLite registry a data location names, if it names one: a file named like a
/// database (`zj.sqlite`, `zj.db`), or a directory holding [`FILE`]. A directory
/// holding [`FILE`] beside an old journal store (`store.json`, kept as a backup by
/// `govcheck migrate --from DIR --to DIR`) is the database: the journal is no longer
/// read.
pub fn locate(data: &Path) -> Option<PathBuf> {
    if is_database_path(data) && !data.is_dir() {
        return Some(data.to_path_buf());
    }
    let inside = data.join(FILE);
    inside.is_file().then_some(inside)
}

/// Where a new registry goes for a data location: the location itself when it is
/// named like a database file, else [`FILE`] inside the directory.
pub fn database_for(data: &Path) -> PathBuf {
    if is_database_path(data) && !data.is_dir() {
        data.to_path_buf()
    } else {
        data.join(FILE)
    }
}

/// Does `dir` hold a store in the journal format (format 1: `store.json` and its
/// journal) and no SQLite registry? Such a store is moved with `govcheck migrate`;
/// nothing else reads it any more.
pub fn is_old_journal_store(dir: &Path) -> bool {
    dir.is_dir() && dir.join("store.json").exists() && !dir.join(FILE).exists()
}

/// A registry database, opened and brought to this binary's schema.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// The registry as of a batch, kept between calls: a write or a reload after
    /// another process's batch replays only the batches since.
    cache: Mutex<Option<Snapshot>>,
    busy: Duration,
    /// Feed checksums already computed: batch → (its time, its size, checksum).
    crcs: Mutex<std::collections::HashMap<u64, (String, i64, String)>>,
}

impl SqliteStore {
    /// Create a store at `path` (absent or an empty file) whose region tree starts at
    /// `root`.
    pub fn create(
        path: &Path,
        root: Region,
        actor: &Actor,
        now: DateTime<FixedOffset>,
    ) -> Result<SqliteStore, StoreError> {
        SqliteStore::create_with(path, root, actor, now, |_| Ok(()))
    }

    /// Create a store at `path` whose region tree starts at `root`, filled by `fill`
    /// (the demo, a synthetic dataset), all or nothing as [`SqliteStore::build`].
    pub fn create_with(
        path: &Path,
        root: Region,
        actor: &Actor,
        now: DateTime<FixedOffset>,
        fill: impl FnOnce(&SqliteStore) -> Result<(), StoreError>,
    ) -> Result<SqliteStore, StoreError> {
        let first = Batch {
            seq: 1,
            at: now,
            by: actor.clone(),
            changes: vec![Change::Region(root)],
        };
        SqliteStore::build(path, |store| {
            store.append_batch(&first)?;
            fill(store)
        })
    }

    /// Create a store at `path` filled by `fill`, all or nothing: the database is
    /// written as a temporary file beside `path`, closed (its log folded in) and synced,
    /// then renamed to `path`. A failure, or a crash, leaves no `path`. Refuses a
    /// `path` that exists and is not empty.
    pub fn build(
        path: &Path,
        fill: impl FnOnce(&SqliteStore) -> Result<(), StoreError>,
    ) -> Result<SqliteStore, StoreError> {
        refuse_non_empty(path)?;
        let dir = crate::perm::parent(path);
        crate::perm::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| FILE.into());
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        remove_database(&tmp);
        let built = (|| {
            // Created with the store's file mode; SQLite gives its -wal and -shm files
            // the same.
            crate::perm::open(fs::OpenOptions::new().write(true).truncate(true), &tmp)
                .map_err(|e| StoreError::io(&tmp, e))?;
            let store = SqliteStore::connect(&tmp, true)?;
            // The file is synced whole before it is renamed into place, and thrown
            // away after a crash: its transactions need not each reach the disk.
            store
                .conn()?
                .execute_batch("PRAGMA synchronous = OFF")
                .map_err(db(&tmp))?;
            fill(&store)?;
            store.close()?;
            fs::File::open(&tmp)
                .and_then(|f| f.sync_all())
                .map_err(|e| StoreError::io(&tmp, e))?;
            refuse_non_empty(path)?;
            fs::rename(&tmp, path).map_err(|e| StoreError::io(path, e))?;
            sync_dir(dir)
        })();
        if let Err(e) = built {
            remove_database(&tmp);
            return Err(e);
        }
        SqliteStore::open(path)
    }

    /// Open an existing store, applying the migrations it lacks; refuses a file that
    /// is not a govcheck registry and one written by a newer govcheck.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        match fs::metadata(path) {
            Ok(m) if m.is_file() && m.len() > 0 => {}
            Ok(_) => return Err(StoreError::NotAStore(path.to_path_buf())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NotAStore(path.to_path_buf()));
            }
            Err(e) => return Err(StoreError::io(path, e)),
        }
        SqliteStore::connect(path, false)
    }

    fn connect(path: &Path, fresh: bool) -> Result<SqliteStore, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(db(path))?;
        conn.busy_timeout(DEFAULT_BUSY).map_err(db(path))?;
        if !fresh && migrate::current(&conn).map_err(db(path))? == 0 {
            // An SQLite file that is not ours: never change it (not even its journal
            // mode), never add tables to it.
            return Err(StoreError::NotAStore(path.to_path_buf()));
        }
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(db(path))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Other(format!(
                "{}: the database cannot use write-ahead logging (journal mode {mode}); \
                 is it on a network file system?",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(db(path))?;
        migrate::apply(&mut conn, path)?;
        let format: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                r.get(0)
            })
            .map_err(db(path))?;
        if format.as_deref() != Some("govcheck-registry") {
            return Err(StoreError::NotAStore(path.to_path_buf()));
        }
        Ok(SqliteStore {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            cache: Mutex::default(),
            busy: DEFAULT_BUSY,
            crcs: Mutex::default(),
        })
    }

    /// Close the connection, folding the write-ahead log into the database file.
    fn close(self) -> Result<(), StoreError> {
        let conn = self
            .conn
            .into_inner()
            .map_err(|_| StoreError::Other("database connection poisoned".into()))?;
        conn.close().map_err(|(_, e)| db(&self.path)(e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Give up a write (with [`StoreError::Busy`], nothing written) when another writer
    /// holds the database for longer than `wait`.
    pub fn with_lock_wait(mut self, wait: Duration) -> SqliteStore {
        self.busy = wait;
        if let Ok(conn) = self.conn.get_mut() {
            let _ = conn.busy_timeout(wait);
        }
        self
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn
            .lock()
            .map_err(|_| StoreError::Other("database connection poisoned".into()))
    }

    /// A database error, or [`StoreError::Busy`] when it was the busy timeout.
    fn failed(&self, e: rusqlite::Error) -> StoreError {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
                path: self.path.clone(),
                waited: self.busy,
            },
            _ => db(&self.path)(e),
        }
    }

    /// The registry as of the database's last batch, read inside `conn`'s current
    /// transaction: the cached copy when nothing was written since, caught up by the
    /// batches since when something was, else read from the tables.
    fn current(&self, conn: &Connection) -> Result<Snapshot, StoreError> {
        let seq = read::last_seq(conn, &self.path)?;
        let cached = self.cache.lock().ok().and_then(|c| c.clone());
        let snap = match cached {
            Some(s) if s.seq == seq => return Ok(s),
            Some(mut s) if s.seq < seq => {
                for b in read::batches(conn, &self.path, s.seq, seq)? {
                    let row = format!("seq {}", b.seq);
                    s.registry
                        .apply_all(b.changes)
                        .map_err(|e| StoreError::Schema {
                            path: self.path.clone(),
                            table: "batches",
                            row,
                            message: format!("does not apply: {e}"),
                        })?;
                }
                s.seq = seq;
                s
            }
            _ => Snapshot {
                registry: read::registry(conn, &self.path)?,
                seq,
                stale_since: None,
            },
        };
        self.keep(snap.clone());
        Ok(snap)
    }

    fn keep(&self, snap: Snapshot) {
        if let Ok(mut c) = self.cache.lock() {
            *c = Some(snap);
        }
    }

    /// Run `read` in one read transaction: a consistent state, whatever is written
    /// meanwhile.
    fn reading<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(|e| self.failed(e))?;
        let out = read(&tx)?;
        tx.finish().map_err(|e| self.failed(e))?;
        Ok(out)
    }

    /// Commit the changes `build` decides against the latest registry as one batch
    /// (see [`BatchWriter`]), without posts.
    pub fn commit<F>(
        &self,
        actor: &Actor,
        now: DateTime<FixedOffset>,
        build: F,
    ) -> Result<Committed, StoreError>
    where
        F: FnOnce(&Registry) -> Result<Vec<Change>, StoreError>,
    {
        self.commit_with_posts(actor, now, |reg| Ok((build(reg)?, RawPosts::new())))
            .map(|(committed, _)| committed)
    }

    /// Append a batch as recorded elsewhere (a journal being migrated): it must follow
    /// the last batch and apply to the registry; stored in one transaction.
    pub fn append_batch(&self, batch: &Batch) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.failed(e))?;
        let snap = self.current(&tx)?;
        if batch.seq != snap.seq + 1 {
            return Err(StoreError::Other(format!(
                "{}: batch {} does not follow batch {}",
                self.path.display(),
                batch.seq,
                snap.seq
            )));
        }
        let mut check = snap.registry;
        check.apply_all(batch.changes.clone())?;
        write::batch(&tx, &self.path, batch)?;
        tx.commit().map_err(|e| self.failed(e))?;
        self.keep(Snapshot {
            registry: check,
            seq: batch.seq,
            stale_since: None,
        });
        Ok(())
    }

    /// Add post timestamps as they are (a journal store's posts being migrated).
    pub fn append_posts(&self, new: RawPosts) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.failed(e))?;
        let added = write::posts(&tx, &self.path, new)?;
        tx.commit().map_err(|e| self.failed(e))?;
        Ok(added)
    }

    /// Every batch after `since`, in order (a migration to a journal reads them all).
    pub fn batches_since(&self, since: u64) -> Result<Vec<Batch>, StoreError> {
        self.reading(|c| read::batches(c, &self.path, since, u64::MAX))
    }

    /// Post timestamps with their offsets, as the posts file holds them.
    pub fn raw_posts(&self) -> Result<RawPosts, StoreError> {
        self.reading(|c| read::raw_posts(c, &self.path))
    }

    /// One finding's history, read by itself (no registry is loaded).
    pub fn history(&self, finding: &str) -> Result<Vec<Event>, StoreError> {
        self.reading(|c| read::history(c, &self.path, finding))
    }

    /// The checksum a feed names batch `seq` by: CRC-32 of the batch as a journal
    /// would encode it, so a client can tell a restored database from the one it
    /// followed. Remembered per batch (with its time and size, so a batch replaced by a
    /// restore is computed afresh): every long poll asks for the last batch's, and
    /// decoding an import's batch each time would serialise the polls behind it.
    fn batch_crc(&self, conn: &Connection, seq: u64) -> Result<Option<String>, StoreError> {
        if seq == 0 {
            return Ok(None);
        }
        let Ok(signed) = i64::try_from(seq) else {
            return Ok(None);
        };
        let key: Option<(String, i64)> = conn
            .prepare_cached("SELECT at, length(changes) FROM batches WHERE seq = ?1")
            .and_then(|mut s| {
                s.query_row([signed], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map(Some)
                    .or_else(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => Ok(None),
                        e => Err(e),
                    })
            })
            .map_err(db(&self.path))?;
        let Some((at, len)) = key else {
            return Ok(None);
        };
        if let Ok(crcs) = self.crcs.lock()
            && let Some((a, l, crc)) = crcs.get(&seq)
            && *a == at
            && *l == len
        {
            return Ok(Some(crc.clone()));
        }
        let Some(b) = read::batches(conn, &self.path, seq - 1, seq)?.pop() else {
            return Ok(None);
        };
        let line = journal::encode(&b)?;
        let crc = line
            .get(..8)
            .map(|c| String::from_utf8_lossy(c).into_owned());
        if let (Some(crc), Ok(mut crcs)) = (&crc, self.crcs.lock()) {
            if crcs.len() >= 4096 {
                crcs.clear();
            }
            crcs.insert(seq, (at, len, crc.clone()));
        }
        Ok(crc)
    }
}

/// `path` must not exist or be empty.
fn refuse_non_empty(path: &Path) -> Result<(), StoreError> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == 0 => Ok(()),
        Ok(_) => Err(StoreError::NotEmpty(path.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// Remove a database file with its log and shared-memory files, if there.
fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = fs::remove_file(PathBuf::from(p));
    }
}

impl BatchWriter for SqliteStore {
    fn commit_with_posts<F>(
        &self,
        actor: &Actor,
        now: DateTime<FixedOffset>,
        build: F,
    ) -> Result<(Committed, usize), StoreError>
    where
        F: FnOnce(&Registry) -> Result<(Vec<Change>, RawPosts), StoreError>,
    {
        self.commit_on(actor, now, Base::Whole, build)
    }
}

/// What a write builds and checks its batch against.
#[derive(Clone, Copy)]
enum Base<'a> {
    /// The whole registry, kept for the next call.
    Whole,
    /// Only these findings with what they name ([`read::part`]): a remediation write
    /// from a process that has not loaded the registry reads a few rows, not all.
    Findings(&'a [&'a str]),
}

/// [`SqliteStore`] committing against [`Base::Findings`]: the same commit, for
/// [`crate::commit::append_events`]'s rule.
struct PointWriter<'a> {
    store: &'a SqliteStore,
    findings: &'a [&'a str],
}

impl BatchWriter for PointWriter<'_> {
    fn commit_with_posts<F>(
        &self,
        actor: &Actor,
        now: DateTime<FixedOffset>,
        build: F,
    ) -> Result<(Committed, usize), StoreError>
    where
        F: FnOnce(&Registry) -> Result<(Vec<Change>, RawPosts), StoreError>,
    {
        self.store
            .commit_on(actor, now, Base::Findings(self.findings), build)
    }
}

impl SqliteStore {
    /// One `BEGIN IMMEDIATE` transaction: read the base (inside it, so it sees every
    /// other writer's batches), let `build` decide, check by applying, insert, commit.
    fn commit_on<F>(
        &self,
        actor: &Actor,
        now: DateTime<FixedOffset>,
        base: Base<'_>,
        build: F,
    ) -> Result<(Committed, usize), StoreError>
    where
        F: FnOnce(&Registry) -> Result<(Vec<Change>, RawPosts), StoreError>,
    {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.failed(e))?;
        let snap = match base {
            Base::Whole => self.current(&tx)?,
            Base::Findings(ids) => Snapshot {
                seq: read::last_seq(&tx, &self.path)?,
                registry: read::part(&tx, &self.path, ids)?,
                stale_since: None,
            },
        };
        let (changes, new_posts) = build(&snap.registry)?;
        let added = if new_posts.is_empty() {
            0
        } else {
            write::posts(&tx, &self.path, new_posts)?
        };
        if changes.is_empty() {
            tx.commit().map_err(|e| self.failed(e))?;
            return Ok((Committed::Unchanged { seq: snap.seq }, added));
        }
        let batch = Batch {
            seq: snap.seq + 1,
            at: now,
            by: actor.clone(),
            changes,
        };
        let mut check = snap.registry;
        check.apply_all(batch.changes.clone())?;
        write::batch(&tx, &self.path, &batch)?;
        tx.commit().map_err(|e| self.failed(e))?;
        let n = batch.changes.len();
        if matches!(base, Base::Whole) {
            self.keep(Snapshot {
                registry: check,
                seq: batch.seq,
                stale_since: None,
            });
        }
        Ok((
            Committed::Batch {
                seq: batch.seq,
                changes: n,
            },
            added,
        ))
    }

    /// Has this process loaded the registry (a server, a console)? Then a write
    /// catches that copy up and keeps it; a one-shot command reads only its findings.
    fn has_loaded(&self) -> bool {
        self.cache.lock().is_ok_and(|c| c.is_some())
    }
}

impl RegistrySource for SqliteStore {
    fn describe(&self) -> String {
        format!("sqlite: {}", self.path.display())
    }

    fn load(&self) -> Result<Snapshot, StoreError> {
        self.reading(|c| self.current(c))
    }

    fn change_token(&self) -> Result<u64, StoreError> {
        self.reading(|c| read::last_seq(c, &self.path))
    }

    fn append_events(&self, events: Vec<(Event, Option<u32>)>) -> Result<u64, StoreError> {
        if self.has_loaded() {
            return crate::commit::append_events(self, events);
        }
        let ids: Vec<String> = events.iter().map(|(e, _)| e.finding.clone()).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        crate::commit::append_events(
            &PointWriter {
                store: self,
                findings: &ids,
            },
            events,
        )
    }

    fn posts(&self) -> Result<Posts, StoreError> {
        self.reading(|c| read::posts(c, &self.path))
    }

    fn load_part(&self, findings: &[&str]) -> Result<Snapshot, StoreError> {
        self.reading(|c| {
            Ok(Snapshot {
                seq: read::last_seq(c, &self.path)?,
                registry: read::part(c, &self.path, findings)?,
                stale_since: None,
            })
        })
    }
}

impl ServedStore for SqliteStore {
    fn feed(&self, since: u64) -> Result<Feed, StoreError> {
        self.reading(|c| {
            let seq = read::last_seq(c, &self.path)?;
            let batches = if since < seq {
                read::batches(c, &self.path, since, seq)?
            } else {
                Vec::new()
            };
            Ok(Feed {
                seq,
                crc: self.batch_crc(c, seq)?,
                since_crc: if since > 0 && since <= seq {
                    self.batch_crc(c, since)?
                } else {
                    None
                },
                batches,
            })
        })
    }

    fn posts_bytes(&self) -> Result<Vec<u8>, StoreError> {
        let raw = self.raw_posts()?;
        Ok(if raw.is_empty() {
            Vec::new()
        } else {
            posts::render(&raw)
        })
    }

    fn import(
        &self,
        files: &[import::SourceFile],
        ctx: &import::ImportContext<'_>,
    ) -> Result<import::ImportReport, StoreError> {
        import::import(self, files, ctx)
    }
}
