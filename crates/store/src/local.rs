//! The local store: a directory with a manifest, the journal and the posts file.
//!
//! Writers take an exclusive lock on `DIR/lock`, reread the journal (another supervisor
//! may have written since), check their batch against the latest state, append it and
//! fsync before reporting success. Readers take no lock: they read complete lines only.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::atomic::{sync_dir, write_atomic};
use crate::checkpoint;
use crate::error::StoreError;
use crate::journal::{self, Batch};
use crate::posts::{self, RawPosts};
use crate::{RegistrySource, Snapshot};
use govcheck_domain::event::{Actor, Event};
use govcheck_domain::region::Region;
use govcheck_domain::registry::{Change, Registry};
use govcheck_domain::rules::Posts;

/// The store format this build reads and writes. Bump on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;
const FORMAT_NAME: &str = "govcheck-store";
const MANIFEST: &str = "store.json";
const JOURNAL: &str = "journal.jsonl";
const POSTS: &str = "posts.tsv";
/// The posts file an import wrote for journal batch `<seq>`, before that batch was
/// appended: `posts.tsv.pending-<seq>`. It is the store's posts file once (and only
/// once) the journal holds batch `<seq>`; see [`LocalStore::commit_with_posts`].
const PENDING: &str = "posts.tsv.pending-";
const LOCK: &str = "lock";
/// Journals shorter than this replay fast enough without a checkpoint; one is written
/// (or refreshed) when the journal has grown by half of this since the last.
const CHECKPOINT_MIN: u64 = 4 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    created_at: DateTime<FixedOffset>,
}

pub use crate::commit::Committed;

/// A store directory that has been checked to be a govcheck store of a format we read.
#[derive(Debug, Clone)]
pub struct LocalStore {
    dir: PathBuf,
    /// The registry as this process last read or wrote it, with the journal length it
    /// matches: a process that writes many events (the registry server) reuses it
    /// instead of re-reading the journal while nobody else has appended.
    cache: Arc<Mutex<Option<Cached>>>,
    /// Where recent batches start in the journal, by sequence number (see
    /// [`LocalStore::batches_since`]).
    hints: Arc<Mutex<std::collections::BTreeMap<u64, (u64, u64)>>>,
    /// Held while a position is looked for by reading the whole journal: a burst of
    /// consoles asking for the same position (after the server restarts, every
    /// long-poll at once) then costs one read, remembered as a hint, not one copy of
    /// the journal in memory per request.
    scan: Arc<Mutex<()>>,
    /// How long a write waits for another writer (an import) to finish: forever by
    /// default; bounded for the server, whose requests must be answered, and answered
    /// truthfully (a write given up on is never made afterwards).
    lock_wait: Option<std::time::Duration>,
}

/// How often a bounded wait for the writers' lock tries again.
const LOCK_POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// Enough of a journal line to read its checksum and sequence number.
const LINE_HEAD: u64 = 48;

/// Batch positions remembered for the change feed: a quarter's remediation events.
const MAX_HINTS: usize = 100_000;

#[derive(Debug)]
struct Cached {
    journal_len: u64,
    /// Journal lines up to `journal_len`, for line numbers in errors from the tail.
    lines: u64,
    /// The journal file this was read from: a journal replaced under us (a restore)
    /// is read afresh, never extended.
    inode: u64,
    snap: Snapshot,
}

/// The registry as of the journal's end, with what a writer needs to append after it.
struct Current {
    snap: Snapshot,
    /// Bytes up to the end of the last complete, valid line.
    valid: u64,
    /// Lines up to `valid`.
    lines: u64,
    /// The journal ends in an incomplete line (a crashed append) after `valid`.
    torn: bool,
}

/// What the change feed sends after a sequence number.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The last batch's sequence number.
    pub seq: u64,
    /// The checksum field of batch `seq`'s journal line (`None` for an empty journal).
    pub crc: Option<String>,
    /// The checksum field of batch `since`'s line. A client that kept `crc` from an
    /// earlier feed compares it with this: a difference means the journal was replaced
    /// (restored) since, and the client's copy must be fetched afresh.
    pub since_crc: Option<String>,
    pub batches: Vec<Batch>,
}

/// The 8-hex-digit checksum field of the journal line starting at `start`.
fn crc_at(bytes: &[u8], start: u64) -> Option<String> {
    let start = usize::try_from(start).ok()?;
    let field = bytes.get(start..start + 8)?;
    field
        .iter()
        .all(u8::is_ascii_hexdigit)
        .then(|| String::from_utf8_lossy(field).into_owned())
}

/// The file's identity, to tell a journal that grew from one that was replaced.
fn inode_of(meta: &fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::ino(meta)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        0
    }
}

impl LocalStore {
    /// Create a new store in `dir` (which must be absent or empty) whose region tree
    /// starts at `root`.
    pub fn create(
        dir: &Path,
        root: Region,
        actor: &Actor,
        now: DateTime<FixedOffset>,
    ) -> Result<LocalStore, StoreError> {
        if dir.exists() {
            let mut entries = fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))?;
            if entries.next().is_some() {
                return Err(StoreError::NotEmpty(dir.to_path_buf()));
            }
        }
        crate::perm::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let store = LocalStore {
            dir: dir.to_path_buf(),
            cache: Arc::default(),
            hints: Arc::default(),
            scan: Arc::default(),
            lock_wait: None,
        };
        // The journal comes first and the manifest last: a crash in between leaves a
        // directory that is not yet a store, never a store without its root.
        let first = Batch {
            seq: 1,
            at: now,
            by: actor.clone(),
            changes: vec![Change::Region(root)],
        };
        write_atomic(&store.path(JOURNAL), &journal::encode(&first)?)?;
        crate::perm::open(OpenOptions::new().write(true), &store.path(LOCK))
            .map_err(|e| StoreError::io(store.path(LOCK), e))?;
        let manifest = Manifest {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            created_at: now,
        };
        let bytes =
            serde_json::to_vec_pretty(&manifest).map_err(|e| StoreError::Other(e.to_string()))?;
        write_atomic(&store.path(MANIFEST), &bytes)?;
        Ok(store)
    }

    /// Open an existing store, refusing one written by a newer format.
    pub fn open(dir: &Path) -> Result<LocalStore, StoreError> {
        let mpath = dir.join(MANIFEST);
        let text = match fs::read_to_string(&mpath) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NotAStore(dir.to_path_buf()));
            }
            Err(e) => return Err(StoreError::io(&mpath, e)),
        };
        let m: Manifest = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
            path: mpath.clone(),
            line: e.line() as u64,
            message: e.to_string(),
        })?;
        if m.format != FORMAT_NAME {
            return Err(StoreError::Corrupt {
                path: mpath,
                line: 1,
                message: format!("format {:?} is not {FORMAT_NAME:?}", m.format),
            });
        }
        if m.version > FORMAT_VERSION {
            return Err(StoreError::NewerFormat {
                path: mpath,
                found: m.version,
                supported: FORMAT_VERSION,
            });
        }
        Ok(LocalStore {
            dir: dir.to_path_buf(),
            cache: Arc::default(),
            hints: Arc::default(),
            scan: Arc::default(),
            lock_wait: None,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn replay(&self, scan: journal::Scan) -> Result<Snapshot, StoreError> {
        self.replay_onto(Registry::new(), scan, 0)
    }

    /// Apply the batches of `scan` (whose first line is line `lines_before + 1`).
    fn replay_onto(
        &self,
        mut registry: Registry,
        scan: journal::Scan,
        lines_before: u64,
    ) -> Result<Snapshot, StoreError> {
        let seq = scan.last_seq;
        journal::replay_into(
            &mut registry,
            scan.batches,
            &self.path(JOURNAL),
            lines_before,
        )?;
        Ok(Snapshot {
            registry,
            seq,
            stale_since: None,
        })
    }

    /// The registry as of the journal's end, through the checkpoint when it still
    /// matches the journal (else a full replay), refreshing the checkpoint when the
    /// journal has grown past it. Also returns the journal's valid length and whether
    /// it ends in a torn line, for writers.
    fn load_state(&self) -> Result<Current, StoreError> {
        let jpath = self.path(JOURNAL);
        let cpath = self.path(checkpoint::FILE);
        let file_len = fs::metadata(&jpath)
            .map_err(|e| StoreError::io(&jpath, e))?
            .len();
        let ckpt = if file_len >= CHECKPOINT_MIN {
            fs::read(&cpath).ok()
        } else {
            None
        };
        if let Some(ck) = ckpt
            && let Some(pos) = checkpoint::position(&ck)
            && pos.journal_len <= file_len
        {
            // Read only from the checkpoint's last line on: that line proves the journal
            // still starts with what was checkpointed, and what follows is the tail.
            let base = pos.window_start();
            let buf = read_from(&jpath, base)?;
            let mut reg = Registry::new();
            if pos.matches_in(&buf, base) && checkpoint::load_into(&ck, &mut reg) == Some(pos) {
                drop(ck);
                let start = usize::try_from(pos.journal_len - base).unwrap_or(usize::MAX);
                let scan = journal::scan_from(&jpath, &buf, start, pos.seq, pos.lines)?;
                let valid_rel = usize::try_from(scan.valid_len).unwrap_or(buf.len());
                let (valid, torn) = (base + scan.valid_len, scan.torn_tail);
                let lines = pos.lines + newlines(&buf[start.min(valid_rel)..valid_rel]);
                let snap = self.replay_onto(reg, scan, pos.lines)?;
                self.refresh_checkpoint(&buf, base, valid, pos.journal_len, lines, &snap);
                return Ok(Current {
                    snap,
                    valid,
                    lines,
                    torn,
                });
            }
        }
        let bytes = fs::read(&jpath).map_err(|e| StoreError::io(&jpath, e))?;
        let scan = journal::scan(&jpath, &bytes)?;
        let (valid, torn) = (scan.valid_len, scan.torn_tail);
        let lines = newlines(&bytes[..usize::try_from(valid).unwrap_or(bytes.len())]);
        let snap = self.replay(scan)?;
        self.refresh_checkpoint(&bytes, 0, valid, 0, lines, &snap);
        Ok(Current {
            snap,
            valid,
            lines,
            torn,
        })
    }

    /// Write a checkpoint when the journal is large and has grown since the last one.
    fn refresh_checkpoint(
        &self,
        buf: &[u8],
        base: u64,
        valid: u64,
        covered: u64,
        lines: u64,
        snap: &Snapshot,
    ) {
        if valid >= CHECKPOINT_MIN
            && valid - covered >= CHECKPOINT_MIN / 2
            && let Some(pos) = checkpoint::Position::at(buf, base, valid, snap.seq, lines)
        {
            // A cache: a read-only store directory simply goes without.
            let _ = checkpoint::write(&self.path(checkpoint::FILE), &snap.registry, &pos);
        }
    }

    /// Take the writers' lock; released when the returned file is dropped.
    fn lock(&self) -> Result<File, StoreError> {
        let p = self.path(LOCK);
        let f = crate::perm::open(OpenOptions::new().write(true), &p)
            .map_err(|e| StoreError::io(&p, e))?;
        let Some(wait) = self.lock_wait else {
            f.lock().map_err(|e| StoreError::io(&p, e))?;
            return Ok(f);
        };
        let deadline = std::time::Instant::now() + wait;
        loop {
            match f.try_lock() {
                Ok(()) => return Ok(f),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(LOCK_POLL);
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Busy {
                        path: self.dir.clone(),
                        waited: wait,
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(StoreError::io(&p, e)),
            }
        }
    }

    /// Give up a write (with [`StoreError::Busy`], nothing written) when another writer
    /// holds the store for longer than `wait`.
    pub fn with_lock_wait(mut self, wait: std::time::Duration) -> LocalStore {
        self.lock_wait = Some(wait);
        self
    }

    /// Under the writers' lock: read the latest state, let `build` decide the changes
    /// against it, check them, append them as one batch, fsync. Nothing is written when
    /// `build` or the check fails.
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

    /// [`LocalStore::commit`] with post timestamps to merge into the posts file, all
    /// under one lock and with one commit point, so an import is all or nothing: the
    /// new posts file is written and fsynced as `posts.tsv.pending-<seq>` first, then
    /// the batch is appended (the commit point), then the pending file is renamed over
    /// `posts.tsv`. A failure before the append removes the pending file; a failed
    /// append is cut off again; a crash anywhere leaves a pending file that readers use
    /// only when the journal holds its batch and the next writer puts in place or
    /// deletes ([`LocalStore::settle_posts`]). Without journal changes the posts file
    /// is replaced atomically, the rename being the commit point. Returns how many
    /// posts were new.
    ///
    /// Every error means nothing was written, except [`StoreError::Unsettled`].
    pub fn commit_with_posts<F>(
        &self,
        actor: &Actor,
        now: DateTime<FixedOffset>,
        build: F,
    ) -> Result<(Committed, usize), StoreError>
    where
        F: FnOnce(&Registry) -> Result<(Vec<Change>, RawPosts), StoreError>,
    {
        let _lock = self.lock()?;
        let Current {
            snap,
            valid: valid_len,
            lines,
            torn,
        } = self.current_state()?;
        self.settle_posts(snap.seq)?;
        let (changes, new_posts) = build(&snap.registry)?;
        let mut posts_file = None;
        let mut added = 0;
        if !new_posts.is_empty() {
            let mut all = posts::read_raw(&self.path(POSTS))?;
            added = posts::merge(&mut all, new_posts);
            if added > 0 {
                posts_file = Some(posts::render(&all));
            }
        }
        if changes.is_empty() {
            if let Some(bytes) = posts_file {
                write_atomic(&self.path(POSTS), &bytes)?;
            }
            return Ok((Committed::Unchanged { seq: snap.seq }, added));
        }
        let batch = Batch {
            seq: snap.seq + 1,
            at: now,
            by: actor.clone(),
            changes,
        };
        let line = journal::encode(&batch)?;
        let n = batch.changes.len();
        let mut check = snap.registry;
        check.apply_all(batch.changes)?;

        let pending = match posts_file {
            Some(bytes) => Some(self.write_pending(batch.seq, &bytes)?),
            None => None,
        };
        if let Err(e) = self.append(&line, valid_len, torn) {
            return Err(match pending {
                Some(p) if matches!(e, StoreError::Io { .. }) => match fs::remove_file(&p) {
                    // A pending file left behind is harmless (its batch is not in the
                    // journal: readers ignore it, the next writer deletes it).
                    Ok(()) | Err(_) => e,
                },
                _ => e,
            });
        }
        // Committed. Putting the posts file in place is tidying: until it is done,
        // readers use the pending file, and the next writer finishes the job.
        if let Some(p) = pending {
            let _ = fs::rename(&p, self.path(POSTS))
                .and_then(|()| File::open(&self.dir).and_then(|d| d.sync_all()));
        }
        self.hint(batch.seq, valid_len, lines);
        self.keep(
            valid_len + line.len() as u64,
            lines + 1,
            Snapshot {
                registry: check,
                seq: batch.seq,
                stale_since: None,
            },
        );
        Ok((
            Committed::Batch {
                seq: batch.seq,
                changes: n,
            },
            added,
        ))
    }

    /// Append one line at `valid_len` (cutting off a torn tail first) and fsync. On a
    /// failure the journal is cut back to `valid_len`, so nothing was written; when
    /// even that fails the outcome is [`StoreError::Unsettled`].
    fn append(&self, line: &[u8], valid_len: u64, torn: bool) -> Result<(), StoreError> {
        use std::io::Seek;
        let p = self.path(JOURNAL);
        let mut f = OpenOptions::new()
            .write(true)
            .open(&p)
            .map_err(|e| StoreError::io(&p, e))?;
        if torn {
            // A crashed writer left half a line: cut it off before appending.
            f.set_len(valid_len).map_err(|e| StoreError::io(&p, e))?;
        }
        let written = f
            .seek(std::io::SeekFrom::Start(valid_len))
            .and_then(|_| f.write_all(line))
            .and_then(|()| f.sync_data());
        match written {
            Ok(()) => Ok(()),
            Err(e) => match f.set_len(valid_len).and_then(|()| f.sync_data()) {
                Ok(()) => Err(StoreError::io(&p, e)),
                Err(_) => Err(StoreError::Unsettled { path: p, source: e }),
            },
        }
    }

    /// Write the posts file for batch `seq` beside the journal, durably (file and
    /// directory entry), before the batch is appended. Removed again on failure.
    fn write_pending(&self, seq: u64, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let p = self.path(&format!("{PENDING}{seq}"));
        let written = (|| {
            // With the store's file mode from its creation, as every store file.
            let mut f = crate::perm::open(OpenOptions::new().write(true).truncate(true), &p)?;
            f.write_all(bytes)?;
            f.sync_all()
        })();
        if let Err(e) = written
            .map_err(|e| StoreError::io(&p, e))
            .and_then(|()| sync_dir(&self.dir))
        {
            let _ = fs::remove_file(&p);
            return Err(e);
        }
        Ok(p)
    }

    /// Pending posts files (`posts.tsv.pending-<seq>`) in the directory, by sequence.
    fn pending_posts(&self) -> Result<Vec<(u64, PathBuf)>, StoreError> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, e))? {
            let entry = entry.map_err(|e| StoreError::io(&self.dir, e))?;
            let name = entry.file_name();
            if let Some(seq) = name
                .to_str()
                .and_then(|n| n.strip_prefix(PENDING))
                .and_then(|n| n.parse::<u64>().ok())
            {
                out.push((seq, entry.path()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Under the writers' lock, before anything else is written: finish what a writer
    /// that died (or failed) after writing a pending posts file left. A pending file
    /// whose batch the journal holds (`seq <= last`) was committed and becomes
    /// `posts.tsv`; one whose batch is not there never was, and is deleted.
    fn settle_posts(&self, last: u64) -> Result<(), StoreError> {
        let pending = self.pending_posts()?;
        if pending.is_empty() {
            return Ok(());
        }
        for (seq, p) in pending {
            if seq <= last {
                fs::rename(&p, self.path(POSTS)).map_err(|e| StoreError::io(&p, e))?;
            } else {
                fs::remove_file(&p).map_err(|e| StoreError::io(&p, e))?;
            }
        }
        sync_dir(&self.dir)
    }

    /// The posts file readers should read: a pending file whose batch is committed
    /// (its writer has not renamed it yet, or died before it could), else `posts.tsv`.
    fn posts_path(&self) -> Result<PathBuf, StoreError> {
        let last = self.current_state()?.snap.seq;
        Ok(self
            .pending_posts()?
            .into_iter()
            .rev()
            .find(|(seq, _)| *seq <= last)
            .map_or_else(|| self.path(POSTS), |(_, p)| p))
    }

    /// Read the current posts file with `read`; a pending file renamed away meanwhile
    /// means `posts.tsv` is now the current one.
    fn read_posts<T>(
        &self,
        read: impl Fn(&Path) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let p = self.posts_path()?;
        match read(&p) {
            Err(StoreError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound && p != self.path(POSTS) =>
            {
                read(&self.path(POSTS))
            }
            other => other,
        }
    }

    /// The registry as of the journal's current end, its valid length and whether it
    /// ends in a torn line. From the in-process cache when that is current; when the
    /// journal has grown since (our own write seen by a reader, or another process
    /// writing to the same store), only the appended tail is read and replayed onto a
    /// copy of the cached registry, which is cheap because the registry shares its
    /// unchanged parts. Anything unexpected (a shorter or replaced journal, a tail that
    /// does not follow) falls back to the full load, which reports errors properly.
    fn current_state(&self) -> Result<Current, StoreError> {
        let p = self.path(JOURNAL);
        let meta = fs::metadata(&p).map_err(|e| StoreError::io(&p, e))?;
        let (file_len, inode) = (meta.len(), inode_of(&meta));
        let cached = self
            .cache
            .lock()
            .map_err(|_| StoreError::Other("store cache poisoned".into()))?
            .as_ref()
            .filter(|c| c.inode == inode && c.journal_len <= file_len)
            .map(|c| (c.journal_len, c.lines, c.snap.clone()));
        if let Some((len, lines, snap)) = cached {
            if len == file_len {
                return Ok(Current {
                    snap,
                    valid: len,
                    lines,
                    torn: false,
                });
            }
            if let Some(caught_up) = self.catch_up(snap, len, lines, inode) {
                return Ok(caught_up);
            }
        }
        let current = self.load_state()?;
        self.keep_at(current.valid, current.lines, inode, current.snap.clone());
        Ok(current)
    }

    /// Replay the journal from `len` (line `lines`) onto `snap`; `None` when the tail
    /// does not cleanly follow what was cached.
    fn catch_up(&self, mut snap: Snapshot, len: u64, lines: u64, inode: u64) -> Option<Current> {
        let p = self.path(JOURNAL);
        let tail = read_from(&p, len).ok()?;
        let scan = journal::scan_from(&p, &tail, 0, snap.seq, lines).ok()?;
        let (valid, torn, seq) = (len + scan.valid_len, scan.torn_tail, scan.last_seq);
        let added = newlines(&tail[..usize::try_from(scan.valid_len).ok()?]);
        for (i, (b, start)) in scan.batches.iter().zip(&scan.starts).enumerate() {
            self.hint(b.seq, len + start, lines + i as u64);
        }
        journal::replay_into(&mut snap.registry, scan.batches, &p, lines).ok()?;
        snap.seq = seq;
        self.keep_at(valid, lines + added, inode, snap.clone());
        Some(Current {
            snap,
            valid,
            lines: lines + added,
            torn,
        })
    }

    /// Cache `snap` as the state at journal length `journal_len` of the current file.
    fn keep(&self, journal_len: u64, lines: u64, snap: Snapshot) {
        let p = self.path(JOURNAL);
        if let Ok(meta) = fs::metadata(&p) {
            self.keep_at(journal_len, lines, inode_of(&meta), snap);
        }
    }

    fn keep_at(&self, journal_len: u64, lines: u64, inode: u64, snap: Snapshot) {
        if let Ok(mut guard) = self.cache.lock() {
            *guard = Some(Cached {
                journal_len,
                lines,
                inode,
                snap,
            });
        }
    }

    /// Merge post timestamps into the posts file (atomic rewrite under the lock).
    /// Returns how many were new.
    pub fn add_posts(&self, new: RawPosts) -> Result<usize, StoreError> {
        // No batch is written for posts alone: who and when are not recorded.
        let now = chrono::Utc::now().fixed_offset();
        self.commit_with_posts(&Actor::default(), now, |_| Ok((Vec::new(), new)))
            .map(|(_, added)| added)
    }

    /// Committed batches after `since`, for the server's change feed and remote
    /// clients (which replay them into the same registry). Returns the last sequence
    /// number too.
    pub fn batches_since(&self, since: u64) -> Result<(u64, Vec<Batch>), StoreError> {
        let feed = self.feed(since)?;
        Ok((feed.seq, feed.batches))
    }

    /// The batches after `since`, with the checksums that let a client holding a copy
    /// as of `since` prove its copy is this journal's (not one from before a restore):
    /// see [`Feed`]. Reads from where batch `since` starts (remembered for recent
    /// batches, else found by each line's sequence number), never decoding the rest.
    pub fn feed(&self, since: u64) -> Result<Feed, StoreError> {
        let current = self.current_state()?;
        let last = current.snap.seq;
        let p = self.path(JOURNAL);
        if since > last {
            return Ok(Feed {
                seq: last,
                crc: self.line_crc(last)?,
                since_crc: None,
                batches: Vec::new(),
            });
        }
        if since == 0 {
            let tail = read_from(&p, 0)?;
            let scan = journal::scan(&p, &tail)?;
            return Ok(Feed {
                seq: scan.last_seq,
                crc: scan.starts.last().and_then(|&s| crc_at(&tail, s)),
                since_crc: None,
                batches: scan.batches,
            });
        }
        let (offset, lines) = self
            .locate(since)?
            .ok_or_else(|| StoreError::Other(format!("batch {since} is not in the journal")))?;
        let tail = read_from(&p, offset)?;
        let since_crc = crc_at(&tail, 0);
        let next = tail
            .iter()
            .position(|&b| b == b'\n')
            .map_or(tail.len(), |n| n + 1);
        let scan = journal::scan_from(&p, &tail, next, since, lines + 1)?;
        for (i, (b, start)) in scan.batches.iter().zip(&scan.starts).enumerate() {
            self.hint(b.seq, offset + start, lines + 1 + i as u64);
        }
        Ok(Feed {
            seq: scan.last_seq,
            crc: match scan.starts.last() {
                Some(&s) => crc_at(&tail, s),
                None => since_crc.clone(),
            },
            since_crc,
            batches: scan.batches,
        })
    }

    /// Where batch `seq`'s line starts and how many lines precede it.
    fn locate(&self, seq: u64) -> Result<Option<(u64, u64)>, StoreError> {
        let p = self.path(JOURNAL);
        let hinted = || {
            self.hints
                .lock()
                .ok()
                .and_then(|h| h.get(&seq).copied())
                .filter(|&(offset, _)| {
                    read_at(&p, offset, LINE_HEAD)
                        .is_ok_and(|head| journal::seq_of_line(&head) == Some(seq))
                })
        };
        if let Some(found) = hinted() {
            return Ok(Some(found));
        }
        let _one_scan_at_a_time = self.scan.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = hinted() {
            return Ok(Some(found));
        }
        let bytes = fs::read(&p).map_err(|e| StoreError::io(&p, e))?;
        let found = journal::find_seq(&bytes, seq).map(|(o, l)| (o as u64, l));
        if let Some((offset, lines)) = found {
            self.hint(seq, offset, lines);
        }
        Ok(found)
    }

    /// The checksum field of batch `seq`'s line.
    fn line_crc(&self, seq: u64) -> Result<Option<String>, StoreError> {
        if seq == 0 {
            return Ok(None);
        }
        let Some((offset, _)) = self.locate(seq)? else {
            return Ok(None);
        };
        Ok(crc_at(&read_at(&self.path(JOURNAL), offset, LINE_HEAD)?, 0))
    }

    /// Remember where batch `seq` starts (byte `offset`, after `lines` lines), so the
    /// change feed reads recent batches without scanning the journal. Bounded: the
    /// oldest are forgotten first.
    fn hint(&self, seq: u64, offset: u64, lines: u64) {
        if let Ok(mut h) = self.hints.lock() {
            h.insert(seq, (offset, lines));
            while h.len() > MAX_HINTS {
                h.pop_first();
            }
        }
    }

    /// Raw posts file bytes (the documented `posts.tsv` format), empty when none.
    pub fn posts_bytes(&self) -> Result<Vec<u8>, StoreError> {
        self.read_posts(|p| match fs::read(p) {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && *p == self.path(POSTS) => {
                Ok(Vec::new())
            }
            Err(e) => Err(StoreError::io(p, e)),
        })
    }

    /// The journal's length: grows with every commit, so a viewer can poll it cheaply.
    pub fn journal_len(&self) -> Result<u64, StoreError> {
        let p = self.path(JOURNAL);
        fs::metadata(&p)
            .map(|m| m.len())
            .map_err(|e| StoreError::io(&p, e))
    }

    /// Make sure the directory entry of the journal is durable (after create).
    pub fn sync(&self) -> Result<(), StoreError> {
        sync_dir(&self.dir)
    }
}

/// The file's bytes from `offset` on.
fn read_from(path: &Path, offset: u64) -> Result<Vec<u8>, StoreError> {
    read_at(path, offset, u64::MAX)
}

/// At most `len` of the file's bytes from `offset` on.
fn read_at(path: &Path, offset: u64, len: u64) -> Result<Vec<u8>, StoreError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path).map_err(|e| StoreError::io(path, e))?;
    f.seek(SeekFrom::Start(offset))
        .map_err(|e| StoreError::io(path, e))?;
    let mut buf = Vec::new();
    f.take(len)
        .read_to_end(&mut buf)
        .map_err(|e| StoreError::io(path, e))?;
    Ok(buf)
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

impl crate::commit::BatchWriter for LocalStore {
    fn commit_with_posts<F>(
        &self,
        actor: &Actor,
        now: DateTime<FixedOffset>,
        build: F,
    ) -> Result<(Committed, usize), StoreError>
    where
        F: FnOnce(&Registry) -> Result<(Vec<Change>, RawPosts), StoreError>,
    {
        LocalStore::commit_with_posts(self, actor, now, build)
    }
}

impl RegistrySource for LocalStore {
    fn describe(&self) -> String {
        format!("local: {}", self.dir.display())
    }

    fn load(&self) -> Result<Snapshot, StoreError> {
        Ok(self.current_state()?.snap)
    }

    fn change_token(&self) -> Result<u64, StoreError> {
        self.journal_len()
    }

    fn append_events(&self, events: Vec<(Event, Option<u32>)>) -> Result<u64, StoreError> {
        crate::commit::append_events(self, events)
    }

    fn posts(&self) -> Result<Posts, StoreError> {
        let p = self.path(POSTS);
        let bytes = self.posts_bytes()?;
        let text = std::str::from_utf8(&bytes).map_err(|e| StoreError::Corrupt {
            line: newlines(&bytes[..e.valid_up_to()]) + 1,
            path: p.clone(),
            message: "not UTF-8".into(),
        })?;
        posts::parse_posts(&p, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::ImportContext;
    use govcheck_domain::event::Actor;
    use govcheck_domain::indicator::Catalogue;

    /// A feed request for a position no request has been given before reads the
    /// journal once and remembers where it was: the burst of long-polls that follows a
    /// restart (all asking for the same position) must not each copy the journal.
    #[test]
    fn a_position_found_by_a_full_read_is_remembered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cat = Catalogue::builtin();
        let ctx = ImportContext {
            catalogue: &cat,
            tz: chrono_tz::Asia::Shanghai,
            actor: Actor {
                name: "演示".into(),
                ..Actor::default()
            },
            now: chrono::DateTime::parse_from_rfc3339("2022-03-27T09:00:00+08:00").expect("t"),
            reported_at: None,
        };
        let (store, _) = crate::demo::create_demo_store(&dir.path().join("s"), &ctx).expect("demo");
        let reader = LocalStore::open(store.dir()).expect("open");
        let last = reader.feed(0).expect("feed").seq;
        assert!(last >= 1);
        assert!(reader.hints.lock().expect("hints").get(&last).is_none());
        let feed = reader.feed(last).expect("feed");
        assert!(feed.batches.is_empty() && feed.since_crc.is_some());
        assert!(
            reader.hints.lock().expect("hints").get(&last).is_some(),
            "the position found by reading the journal is kept as a hint"
        );
    }
}
