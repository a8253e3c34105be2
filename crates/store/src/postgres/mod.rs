//! The registry in a PostgreSQL database, shared by several `govcheck serve`
//! instances: the schema and migrations of SQLite (`crates/store/migrations/`, with
//! PostgreSQL's own V2), behind the same [`RegistrySource`] and [`ServedStore`], so no
//! handler knows which engine it has.
//!
//! Why it is safe to share: every write is one transaction that first takes the
//! `batches` table's SHARE ROW EXCLUSIVE lock (writers queue; readers never wait),
//! brings this process's copy of the registry up to the database's last batch, builds
//! and checks its changes against that (a version check sees every other server's
//! events), then inserts them and commits; an import's accounts, findings and posts
//! commit together or not at all. Readers read in one REPEATABLE READ transaction.
//!
//! The traits are synchronous and the driver is not: the store owns a small tokio
//! runtime (one worker) that runs the connections, the [`follow`] tasks and each call.
//! A call made outside any runtime (the CLI) blocks on it directly; one made from
//! inside another runtime (the server's `spawn_blocking` threads, or a runtime thread)
//! is run on a scoped thread of its own, since blocking on a runtime from inside one
//! panics.

mod codec_pg;
pub mod connect;
pub mod convert;
pub mod follow;
pub mod migrate;
mod read;
pub mod tokens;
mod write;

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use deadpool_postgres::Pool;
use tokio::sync::watch;
use tokio_postgres::{IsolationLevel, Transaction};

use crate::commit::{BatchWriter, Committed};
use crate::error::StoreError;
use crate::import;
use crate::journal::{self, Batch};
use crate::local::Feed;
use crate::posts::{self, RawPosts};
use crate::{RegistrySource, ServedStore, Snapshot};
use codec_pg::db;
use govcheck_domain::event::{Actor, Event};
use govcheck_domain::region::Region;
use govcheck_domain::registry::{Change, Registry};
use govcheck_domain::rules::Posts;

pub use connect::is_url;

/// Connections one process keeps to the database at most.
const POOL_SIZE: usize = 8;

/// How long a writer waits for another (an import) by default; the server sets its own
/// (`--lock-wait`).
const DEFAULT_WAIT: Duration = Duration::from_secs(600);

/// `$body` (which may use `$tx`, a read transaction) run on the store's runtime.
macro_rules! reading {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let store = $store;
        store.run(async {
            let mut client = store.client().await?;
            let $tx = store.begin_read(&mut client).await?;
            let out = $body;
            $tx.commit().await.map_err(|e| store.failed(e))?;
            Ok(out)
        })
    }};
}

/// A registry database on PostgreSQL, opened and brought to this binary's schema.
pub struct PgStore {
    /// `None` only while being dropped.
    rt: Option<tokio::runtime::Runtime>,
    pool: Pool,
    name: String,
    /// The registry as of a batch, kept between calls (as SQLite's store keeps it).
    cache: Mutex<Option<Snapshot>>,
    /// The database's last sequence number as last heard ([`follow`]).
    seq: watch::Sender<u64>,
    lock_wait: Duration,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("name", &self.name).finish()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Never blocks, so a store dropped on a runtime thread does not panic.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Runs `fut` to completion on `rt`, from any thread (see the module's notes).
fn block_on<F: Future + Send>(rt: &tokio::runtime::Runtime, fut: F) -> F::Output
where
    F::Output: Send,
{
    match tokio::runtime::Handle::try_current() {
        Err(_) => rt.block_on(fut),
        Ok(handle) => {
            let wait = || {
                std::thread::scope(|s| {
                    s.spawn(|| rt.block_on(fut))
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p))
                })
            };
            // On a multi-threaded runtime's worker, hand its other tasks to another
            // worker while this one waits.
            if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
                tokio::task::block_in_place(wait)
            } else {
                wait()
            }
        }
    }
}

impl PgStore {
    /// Connect to `url`, apply the migrations the database lacks, and follow its last
    /// sequence number. Refuses a database newer than this binary and one whose schema
    /// holds someone else's tables.
    fn connect(url: &str) -> Result<PgStore, StoreError> {
        let target = connect::parse(url)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("govcheck-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Other(format!("{}: runtime: {e}", target.name)))?;
        let pool = {
            let _enter = rt.enter();
            target.pool(POOL_SIZE)?
        };
        let name = target.name.clone();
        let seq = block_on(&rt, async {
            let mut client = pool.get().await.map_err(|e| StoreError::Unreachable {
                url: name.clone(),
                message: e.to_string(),
            })?;
            migrate::apply(&mut client, &name).await?;
            let format: Option<String> = client
                .query_opt("SELECT value FROM meta WHERE key = 'format'", &[])
                .await
                .map_err(db(&name))?
                .map(|r| r.try_get(0))
                .transpose()
                .map_err(db(&name))?;
            if format.as_deref() != Some("govcheck-registry") {
                return Err(StoreError::Other(format!(
                    "{name}: not a govcheck registry (no meta format)"
                )));
            }
            let seq: i32 = client
                .query_one("SELECT COALESCE(MAX(seq), 0) FROM batches", &[])
                .await
                .and_then(|r| r.try_get(0))
                .map_err(db(&name))?;
            Ok(u64::try_from(seq).unwrap_or(0))
        })?;
        let (tx, _) = watch::channel(seq);
        rt.spawn(follow::poll(pool.clone(), tx.clone()));
        rt.spawn(follow::listen(
            target.config.clone(),
            target.listen_tls(),
            tx.clone(),
        ));
        Ok(PgStore {
            rt: Some(rt),
            pool,
            name,
            cache: Mutex::default(),
            seq: tx,
            lock_wait: DEFAULT_WAIT,
        })
    }

    /// Open the registry at `url`; a database without one is refused (create it with
    /// `govcheck migrate --from … --to postgres://…`), and nothing is written to it
    /// but the schema.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        let store = PgStore::connect(url)?;
        if store.change_token()? == 0 {
            return Err(StoreError::Other(format!(
                "{}: holds no registry yet; fill it with `govcheck migrate --from DIR|FILE --to {}`",
                store.name, store.name
            )));
        }
        Ok(store)
    }

    /// Create a registry at `url` (an empty database, or one holding only an empty
    /// govcheck schema) whose region tree starts at `root`.
    pub fn create(
        url: &str,
        root: Region,
        actor: &Actor,
        now: DateTime<FixedOffset>,
    ) -> Result<PgStore, StoreError> {
        let store = PgStore::connect_empty(url)?;
        store.append_batch(&Batch {
            seq: 1,
            at: now,
            by: actor.clone(),
            changes: vec![Change::Region(root)],
        })?;
        Ok(store)
    }

    /// Connect to an empty registry (no batch yet), for filling it.
    pub fn connect_empty(url: &str) -> Result<PgStore, StoreError> {
        let store = PgStore::connect(url)?;
        if store.change_token()? != 0 {
            return Err(StoreError::Other(format!(
                "{} holds a registry already; refusing to write another over it",
                store.name
            )));
        }
        Ok(store)
    }

    /// Give up a write (with [`StoreError::Busy`], nothing written) when another writer
    /// holds the registry for longer than `wait`.
    pub fn with_lock_wait(mut self, wait: Duration) -> PgStore {
        self.lock_wait = wait;
        self
    }

    /// The database, named without its password.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Follow the database's last sequence number: changes as soon as any server
    /// writes (LISTEN/NOTIFY, or the poll).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.seq.subscribe()
    }

    fn run<F: Future + Send>(&self, fut: F) -> F::Output
    where
        F::Output: Send,
    {
        match &self.rt {
            Some(rt) => block_on(rt, fut),
            None => unreachable!("the runtime is only taken when the store is dropped"),
        }
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| StoreError::Unreachable {
            url: self.name.clone(),
            message: e.to_string(),
        })
    }

    /// A lock wait ran out: [`StoreError::Busy`]; anything else names the database.
    fn failed(&self, e: tokio_postgres::Error) -> StoreError {
        if e.code() == Some(&tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE) {
            return StoreError::Busy {
                path: self.name.clone().into(),
                waited: self.lock_wait,
            };
        }
        db(&self.name)(e)
    }

    /// Begin a read: one REPEATABLE READ, read-only transaction, one consistent state
    /// whatever is written meanwhile.
    async fn begin_read<'c>(
        &self,
        client: &'c mut deadpool_postgres::Object,
    ) -> Result<deadpool_postgres::Transaction<'c>, StoreError> {
        client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(|e| self.failed(e))
    }

    /// The registry as of the database's last batch, read inside `tx`: the cached copy
    /// when nothing was written since, caught up by the batches since when something
    /// was, else read from the tables.
    async fn current(&self, tx: &Transaction<'_>) -> Result<Snapshot, StoreError> {
        let seq = read::last_seq(tx, &self.name).await?;
        follow::raise(&self.seq, seq);
        let cached = self.cache.lock().ok().and_then(|c| c.clone());
        let snap = match cached {
            Some(s) if s.seq == seq => return Ok(s),
            Some(mut s) if s.seq < seq => {
                for b in read::batches(tx, &self.name, s.seq, seq).await? {
                    let row = format!("seq {}", b.seq);
                    s.registry
                        .apply_all(b.changes)
                        .map_err(|e| StoreError::Schema {
                            path: self.name.clone().into(),
                            table: "batches",
                            row,
                            message: format!("does not apply: {e}"),
                        })?;
                }
                s.seq = seq;
                s
            }
            _ => Snapshot {
                registry: read::registry(tx, &self.name).await?,
                seq,
                stale_since: None,
            },
        };
        self.keep(snap.clone());
        Ok(snap)
    }

    fn keep(&self, snap: Snapshot) {
        follow::raise(&self.seq, snap.seq);
        if let Ok(mut c) = self.cache.lock() {
            *c = Some(snap);
        }
    }

    /// Begin a write: a transaction holding the writers' lock on `batches`, waiting for
    /// it at most the lock wait.
    async fn begin_write<'c>(
        &self,
        client: &'c mut deadpool_postgres::Object,
    ) -> Result<deadpool_postgres::Transaction<'c>, StoreError> {
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await
            .map_err(|e| self.failed(e))?;
        let ms = self.lock_wait.as_millis().clamp(1, i32::MAX as u128);
        tx.batch_execute(&format!(
            "SET LOCAL lock_timeout = {ms}; LOCK TABLE batches IN SHARE ROW EXCLUSIVE MODE"
        ))
        .await
        .map_err(|e| self.failed(e))?;
        Ok(tx)
    }

    /// Tell the other servers (LISTEN) that the registry is at `seq` now. After the
    /// commit and outside it: a database without NOTIFY must not fail the write; the
    /// others then hear of it by their poll.
    async fn notify(&self, client: &deadpool_postgres::Object, seq: u64) {
        let _ = client
            .batch_execute(&format!("NOTIFY {}, '{seq}'", follow::CHANNEL))
            .await;
    }

    /// Append a batch as recorded elsewhere (a registry being migrated): it must follow
    /// the last batch and apply to the registry; stored in one transaction.
    pub fn append_batch(&self, batch: &Batch) -> Result<(), StoreError> {
        self.append_batches(std::slice::from_ref(batch))
    }

    /// Append batches recorded elsewhere, in one transaction: each must follow the one
    /// before and apply.
    pub fn append_batches(&self, batches: &[Batch]) -> Result<(), StoreError> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let snap = self.current(&tx).await?;
            let mut check = snap.registry;
            let mut seq = snap.seq;
            for batch in batches {
                if batch.seq != seq + 1 {
                    return Err(StoreError::Other(format!(
                        "{}: batch {} does not follow batch {seq}",
                        self.name, batch.seq
                    )));
                }
                check.apply_all(batch.changes.clone())?;
                write::batch(&tx, &self.name, batch).await?;
                seq = batch.seq;
            }
            tx.commit().await.map_err(|e| self.failed(e))?;
            self.keep(Snapshot {
                registry: check,
                seq,
                stale_since: None,
            });
            self.notify(&client, seq).await;
            Ok(())
        })
    }

    /// Add post timestamps as they are (a registry's posts being migrated).
    pub fn append_posts(&self, new: RawPosts) -> Result<usize, StoreError> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = self.begin_write(&mut client).await?;
            let added = write::posts(&tx, &self.name, new).await?;
            tx.commit().await.map_err(|e| self.failed(e))?;
            Ok(added)
        })
    }

    /// Every batch after `since`, in order.
    pub fn batches_since(&self, since: u64) -> Result<Vec<Batch>, StoreError> {
        let name = &self.name;
        reading!(self, |tx| read::batches(&tx, name, since, u64::MAX).await?)
    }

    /// Post timestamps with their offsets, as the posts file holds them.
    pub fn raw_posts(&self) -> Result<RawPosts, StoreError> {
        let name = &self.name;
        reading!(self, |tx| read::raw_posts(&tx, name).await?)
    }

    /// One finding's history, read by itself (no registry is loaded).
    pub fn history(&self, finding: &str) -> Result<Vec<Event>, StoreError> {
        let name = &self.name;
        reading!(self, |tx| read::history(&tx, name, finding).await?)
    }

    /// The registry read from the tables alone (no cache), for checking a copy.
    pub fn read_tables(&self) -> Result<Registry, StoreError> {
        let name = &self.name;
        reading!(self, |tx| read::registry(&tx, name).await?)
    }

    /// The checksum a feed names batch `seq` by (see SQLite's `batch_crc`).
    async fn batch_crc(
        tx: &Transaction<'_>,
        name: &str,
        seq: u64,
    ) -> Result<Option<String>, StoreError> {
        if seq == 0 {
            return Ok(None);
        }
        let Some(b) = read::batches(tx, name, seq - 1, seq).await?.pop() else {
            return Ok(None);
        };
        let line = journal::encode(&b)?;
        Ok(line
            .get(..8)
            .map(|c| String::from_utf8_lossy(c).into_owned()))
    }
}

impl BatchWriter for PgStore {
    fn commit_with_posts<F>(
        &self,
        actor: &Actor,
        now: DateTime<FixedOffset>,
        build: F,
    ) -> Result<(Committed, usize), StoreError>
    where
        F: FnOnce(&Registry) -> Result<(Vec<Change>, RawPosts), StoreError>,
    {
        // `build` need not be `Send`: it runs on the caller's thread, between the two
        // halves of the transaction, which stays open on the store's runtime.
        let rt = self
            .rt
            .as_ref()
            .ok_or_else(|| StoreError::Other("the store is closing".into()))?;
        let mut client = block_on(rt, self.client())?;
        let (tx, snap) = block_on(rt, async {
            let tx = self.begin_write(&mut client).await?;
            let snap = self.current(&tx).await?;
            Ok::<_, StoreError>((tx, snap))
        })?;
        let built = build(&snap.registry);
        let finish = async {
            let (changes, new_posts) = built?;
            let added = if new_posts.is_empty() {
                0
            } else {
                write::posts(&tx, &self.name, new_posts).await?
            };
            if changes.is_empty() {
                tx.commit().await.map_err(|e| self.failed(e))?;
                return Ok::<_, StoreError>((Committed::Unchanged { seq: snap.seq }, added, None));
            }
            let batch = Batch {
                seq: snap.seq + 1,
                at: now,
                by: actor.clone(),
                changes,
            };
            let mut check = snap.registry;
            check.apply_all(batch.changes.clone())?;
            write::batch(&tx, &self.name, &batch).await?;
            tx.commit().await.map_err(|e| self.failed(e))?;
            let n = batch.changes.len();
            Ok((
                Committed::Batch {
                    seq: batch.seq,
                    changes: n,
                },
                added,
                Some(Snapshot {
                    registry: check,
                    seq: batch.seq,
                    stale_since: None,
                }),
            ))
        };
        let (done, added, snap) = block_on(rt, finish)?;
        if let Some(snap) = snap {
            let seq = snap.seq;
            self.keep(snap);
            block_on(rt, self.notify(&client, seq));
        }
        Ok((done, added))
    }
}

impl RegistrySource for PgStore {
    fn describe(&self) -> String {
        format!("postgres: {}", self.name)
    }

    fn load(&self) -> Result<Snapshot, StoreError> {
        reading!(self, |tx| self.current(&tx).await?)
    }

    /// The database's last sequence number as last heard (a notification, the poll, or
    /// this process's own read or write): no query, so cheap on any thread.
    fn change_token(&self) -> Result<u64, StoreError> {
        Ok(*self.seq.borrow())
    }

    fn append_events(&self, events: Vec<(Event, Option<u32>)>) -> Result<u64, StoreError> {
        crate::commit::append_events(self, events)
    }

    fn posts(&self) -> Result<Posts, StoreError> {
        let name = &self.name;
        reading!(self, |tx| read::posts(&tx, name).await?)
    }
}

impl ServedStore for PgStore {
    fn feed(&self, since: u64) -> Result<Feed, StoreError> {
        let name = &self.name;
        reading!(self, |tx| {
            let seq = read::last_seq(&tx, name).await?;
            let batches = if since < seq {
                read::batches(&tx, name, since, seq).await?
            } else {
                Vec::new()
            };
            Feed {
                seq,
                crc: PgStore::batch_crc(&tx, name, seq).await?,
                since_crc: if since > 0 && since <= seq {
                    PgStore::batch_crc(&tx, name, since).await?
                } else {
                    None
                },
                batches,
            }
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

    fn changes(&self) -> Option<watch::Receiver<u64>> {
        Some(self.subscribe())
    }
}
