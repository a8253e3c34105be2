//! Store I/O off the UI thread. Every read and write runs as a tokio task around the
//! synchronous [`RegistrySource`] methods (`spawn_blocking`), and its result comes back
//! as a [`Msg`] on the channel, so a slow disk or a big journal never freezes the
//! screen. A new search cancels the one in flight (latest wins): the scan polls its
//! [`Cancel`] and stops, rather than running on unseen.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::app::{Data, Hit, SearchIndex};
use crate::error::TaskError;
use crate::update::{Effect, Msg};
use govcheck_domain::event::{Actor, Event};
use govcheck_domain::registry::Registry;
use govcheck_domain::rules::Posts;
use govcheck_domain::search::Cancel;
pub use govcheck_domain::search::{MAX_HITS, Narrowing};
use govcheck_store::{RegistrySource, StoreError};

/// How often the change token is polled for other supervisors' writes.
pub const POLL_EVERY: Duration = Duration::from_secs(2);

pub struct Tasks {
    tx: UnboundedSender<Msg>,
    source: Arc<dyn RegistrySource>,
    actor: Actor,
    tz: Tz,
    /// The search in flight and its cancellation flag.
    search: Option<(JoinHandle<()>, Cancel)>,
    load: Option<JoinHandle<()>>,
    writes: Vec<JoinHandle<()>>,
    index: Option<Arc<SearchIndex>>,
    registry: Option<Arc<Registry>>,
    /// Signalled after each frame: a load's second phase waits for the frame that
    /// shows its first, so the two do not share the cores while that frame is built.
    drawn: Arc<tokio::sync::Notify>,
    /// The last finished search, with the index it ran on (a reload makes it moot).
    narrowing: Arc<std::sync::Mutex<Option<LastSearch>>>,
}

/// A finished search and the index it ran on.
type LastSearch = (Arc<SearchIndex>, Arc<Narrowing>);

/// The longest a load's second phase waits for the first frame.
const FIRST_FRAME_WAIT: Duration = Duration::from_millis(300);

impl Tasks {
    pub fn new(
        tx: UnboundedSender<Msg>,
        source: Arc<dyn RegistrySource>,
        actor: Actor,
        tz: Tz,
    ) -> Tasks {
        Tasks {
            tx,
            source,
            actor,
            tz,
            search: None,
            load: None,
            writes: Vec::new(),
            index: None,
            registry: None,
            drawn: Arc::new(tokio::sync::Notify::new()),
            narrowing: Arc::default(),
        }
    }

    /// The UI drew a frame.
    pub fn frame_drawn(&self) {
        self.drawn.notify_waiters();
    }

    /// The search index of the data the UI has (set when a load is delivered).
    pub fn set_data(&mut self, data: &Data) {
        self.index = Some(data.index.clone());
        self.registry = Some(data.registry.clone());
    }

    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Load => self.load(),
            Effect::Append {
                finding,
                kind,
                event,
                note,
                version,
            } => {
                let source = self.source.clone();
                let tx = self.tx.clone();
                let ev = Event {
                    finding: finding.clone(),
                    kind: event,
                    at: now(self.tz),
                    by: self.actor.clone(),
                    note,
                };
                let h = tokio::spawn(async move {
                    let res = tokio::task::spawn_blocking(move || {
                        source.append_events(vec![(ev, Some(version))])
                    })
                    .await;
                    let result = match res {
                        Ok(Ok(seq)) => Ok(seq),
                        Ok(Err(e)) => Err(TaskError::from(e)),
                        Err(e) => Err(TaskError::from(e)),
                    };
                    let _ = tx.send(Msg::Written {
                        finding,
                        kind,
                        result,
                    });
                });
                self.writes.retain(|h| !h.is_finished());
                self.writes.push(h);
            }
            Effect::AppendBatch {
                kind,
                event,
                note,
                targets,
            } => {
                let source = self.source.clone();
                let tx = self.tx.clone();
                let (tz, actor) = (self.tz, self.actor.clone());
                let h = tokio::spawn(async move {
                    let res = tokio::task::spawn_blocking(move || {
                        // One append per finding: each its own event and its own
                        // outcome, so one refusal never holds back the others.
                        let mut done = 0;
                        let mut failed = Vec::new();
                        for t in targets {
                            let ev = Event {
                                finding: t.finding.clone(),
                                kind: event.clone(),
                                at: now(tz),
                                by: actor.clone(),
                                note: note.clone(),
                            };
                            match source.append_events(vec![(ev, Some(t.version))]) {
                                Ok(_) => done += 1,
                                // Kept in the outbox: it will be sent.
                                Err(e) => match TaskError::from(e) {
                                    TaskError::Queued { .. } => done += 1,
                                    e => failed.push((t.finding, e)),
                                },
                            }
                        }
                        (done, failed)
                    })
                    .await;
                    let (done, failed) = match res {
                        Ok(r) => r,
                        Err(e) => (0, vec![(String::new(), TaskError::from(e))]),
                    };
                    let _ = tx.send(Msg::BatchWritten(crate::chase::BatchResult {
                        kind,
                        done,
                        failed,
                    }));
                });
                self.writes.retain(|h| !h.is_finished());
                self.writes.push(h);
            }
            Effect::ExportChase {
                file_name,
                rows,
                overwrite,
            } => self.export(file_name, overwrite, move |path| {
                govcheck_store::export::write_chase(&rows, path, false)
            }),
            Effect::Search { generation, query } => {
                if let Some((h, cancel)) = self.search.take() {
                    // The scan stops at its next poll; the task only waits for it.
                    cancel.cancel();
                    h.abort();
                }
                let Some(index) = self.index.clone() else {
                    return;
                };
                let tx = self.tx.clone();
                let narrowing = self.narrowing.clone();
                let cancel = Cancel::new();
                let flag = cancel.clone();
                let task = tokio::spawn(async move {
                    let found = tokio::task::spawn_blocking(move || {
                        let previous = narrowing.lock().ok().and_then(|n| {
                            n.as_ref()
                                .filter(|(on, _)| Arc::ptr_eq(on, &index))
                                .map(|(_, prev)| prev.clone())
                        });
                        let found = index.search(&query, previous.as_deref(), &flag).ok()?;
                        // Any finished search is a valid start for one that extends it,
                        // so one that finishes after a newer one does no harm.
                        if let Ok(mut n) = narrowing.lock() {
                            *n = Some((index, Arc::new(found.narrowing)));
                        }
                        Some((found.hits, found.total))
                    })
                    .await;
                    // A cancelled search was superseded: the newer one answers.
                    if let Ok(Some((hits, total))) = found {
                        let _ = tx.send(Msg::SearchDone {
                            generation,
                            hits,
                            total,
                        });
                    }
                });
                self.search = Some((task, cancel));
            }
            Effect::Copy(text) => crate::terminal::copy_osc52(&text),
            Effect::Export {
                file_name,
                attachments,
            } => self.export(file_name, false, move |path| {
                govcheck_store::export::write_xlsx(&attachments, path)
            }),
            Effect::ExportReplacing {
                file_name,
                attachments,
            } => self.export(file_name, true, move |path| {
                govcheck_store::export::write_xlsx(&attachments, path)
            }),
            Effect::ExportDocx {
                file_name,
                document,
                overwrite,
            } => self.export(file_name, overwrite, move |path| {
                govcheck_store::export::write_docx(&document, path)
            }),
        }
    }

    /// Write an export into the working directory on the blocking pool (a disk may be
    /// slow; the UI thread never waits on it) and report the path or the error. An
    /// existing file is replaced only when `overwrite` (the supervisor said so).
    fn export<F>(&self, file_name: String, overwrite: bool, write: F)
    where
        F: FnOnce(&std::path::Path) -> Result<(), StoreError> + Send + 'static,
    {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let res = tokio::task::spawn_blocking(move || {
                let dir =
                    std::env::current_dir().map_err(|e| TaskError::from(StoreError::io(".", e)))?;
                let path = dir.join(file_name);
                if !overwrite && path.exists() {
                    return Err(TaskError::Exists { path });
                }
                write(&path)
                    .map(|()| path.display().to_string())
                    .map_err(TaskError::from)
            })
            .await;
            let _ = tx.send(Msg::Exported(res.unwrap_or_else(|e| Err(e.into()))));
        });
    }

    fn load(&mut self) {
        if let Some(h) = self.load.take() {
            h.abort();
        }
        let source = self.source.clone();
        let tx = self.tx.clone();
        let drawn = self.drawn.clone();
        self.load = Some(tokio::spawn(async move {
            let s1 = source.clone();
            let first = match tokio::task::spawn_blocking(move || load_registry(s1.as_ref())).await
            {
                Ok(r) => r,
                Err(e) => Err(e.into()),
            };
            let (data, token) = match first {
                Ok(ok) => ok,
                Err(e) => {
                    let _ = tx.send(Msg::Loaded(Err(e)));
                    return;
                }
            };
            // The first frame needs only the registry; the rest follows once it is
            // drawn (or, should no frame come, shortly after).
            let drawn = drawn.notified();
            tokio::pin!(drawn);
            drawn.as_mut().enable();
            let _ = tx.send(Msg::Loaded(Ok((data.clone(), token))));
            let _ = tokio::time::timeout(FIRST_FRAME_WAIT, drawn).await;
            let rest = tokio::task::spawn_blocking(move || complete(source.as_ref(), data)).await;
            let msg = match rest {
                Ok(Ok(full)) => Msg::Loaded(Ok((full, token))),
                Ok(Err(e)) => Msg::Loaded(Err(e)),
                Err(e) => Msg::Loaded(Err(e.into())),
            };
            let _ = tx.send(msg);
        }));
    }

    /// Poll the change token in the background; the UI reloads when it changes.
    pub fn start_polling(&self, every: Duration) -> JoinHandle<()> {
        let source = self.source.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let s = source.clone();
                if let Ok(Ok(t)) = tokio::task::spawn_blocking(move || s.change_token()).await
                    && tx.send(Msg::Token(t)).is_err()
                {
                    break;
                }
            }
        })
    }

    /// Wait for writes under way to finish: a quit or a dropped link must not cut a
    /// write in half (the store's append is atomic, but the user's last action should
    /// still land).
    pub async fn finish_writes(&mut self) {
        for h in self.writes.drain(..) {
            let _ = h.await;
        }
    }
}

fn now(tz: Tz) -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&tz).fixed_offset()
}

/// Read everything the console needs: the registry, the posts (for warnings) and the
/// search index, in one go (tests and benchmarks; the console uses the two phases).
pub fn load(source: &dyn RegistrySource) -> Result<(Data, u64), TaskError> {
    let (data, token) = load_registry(source)?;
    Ok((complete(source, data)?, token))
}

/// Phase one: the registry alone, enough for the first full frame. The change token is
/// read first so a write that lands during the load is noticed by the next poll.
///
/// A registry that cannot be reached still gives its cached copy (marked stale, token 0
/// so the next successful poll reloads).
pub fn load_registry(source: &dyn RegistrySource) -> Result<(Data, u64), TaskError> {
    let token = match source.change_token() {
        Ok(t) => t,
        Err(StoreError::Unreachable { .. }) => 0,
        Err(e) => return Err(e.into()),
    };
    let snap = source.load()?;
    // Read after the load, which sends what waited when the link is up.
    let pending = source.pending_findings();
    Ok((
        Data {
            registry: Arc::new(snap.registry),
            posts: Arc::new(Posts::default()),
            index: Arc::new(SearchIndex::default()),
            seq: snap.seq,
            stale_since: snap.stale_since,
            identity: None,
            refused_offline: 0,
            pending,
            complete: false,
        },
        token,
    ))
}

/// Phase two: posts (empty when offline), the search index and the identity.
pub fn complete(source: &dyn RegistrySource, mut data: Data) -> Result<Data, TaskError> {
    if data.stale_since.is_none() {
        data.posts = Arc::new(source.posts()?);
        data.identity = source.identity();
    }
    data.refused_offline = source.refused_offline();
    data.index = Arc::new(SearchIndex::build(&data.registry).with_letter_answers());
    data.complete = true;
    Ok(data)
}

/// The search index of a registry, without the one-letter answers (tests compare the
/// console's index against it).
pub fn build_index(reg: &Registry) -> SearchIndex {
    SearchIndex::build(reg)
}

/// The best hits for a query, best first, and how many names matched in all.
pub fn search(index: &SearchIndex, _reg: &Registry, query: &str) -> (Vec<Hit>, usize) {
    let (hits, total, _) = search_from(index, query, None);
    (hits, total)
}

/// [`search`], scanning only what `previous` matched when the query extends its query;
/// also gives the narrowing for the next keystroke. Never cancelled (tests and
/// benchmarks; the console's searches run in [`Tasks`]).
pub fn search_from(
    index: &SearchIndex,
    query: &str,
    previous: Option<&Narrowing>,
) -> (Vec<Hit>, usize, Narrowing) {
    match index.search(query, previous, &Cancel::new()) {
        Ok(found) => (found.hits, found.total, found.narrowing),
        Err(_) => (Vec::new(), 0, Narrowing::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use govcheck_domain::region::Region;
    use govcheck_store::local::LocalStore;

    #[tokio::test]
    async fn a_new_search_cancels_the_one_in_flight() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = Region {
            code: "330000".into(),
            name: "浙江省".into(),
            parent: None,
        };
        let now = Utc::now().fixed_offset();
        let store = LocalStore::create(&dir.path().join("store"), root, &Actor::default(), now)
            .expect("store");
        let (data, _) = load(&store).expect("load");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut tasks = Tasks::new(tx, Arc::new(store), Actor::default(), chrono_tz::UTC);
        tasks.set_data(&data);
        let search = |generation: u64, query: &str| Effect::Search {
            generation,
            query: query.into(),
        };
        let flag = |tasks: &Tasks| tasks.search.as_ref().map(|(_, c)| c.clone());

        tasks.run(search(1, "z"));
        let first = flag(&tasks).expect("a search in flight");
        assert!(!first.was_cancelled());
        tasks.run(search(2, "zj"));
        let second = flag(&tasks).expect("a search in flight");
        assert!(first.was_cancelled(), "the superseded scan is told to stop");
        assert!(!second.was_cancelled());

        // The latest search still answers.
        loop {
            match rx.recv().await.expect("an answer") {
                Msg::SearchDone {
                    generation: 2,
                    hits,
                    total,
                } => {
                    assert_eq!((hits.len(), total), (1, 1), "浙江省 matches zj");
                    break;
                }
                _ => continue,
            }
        }
    }
}
