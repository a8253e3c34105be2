//! Store I/O off the UI thread. Every read and write runs as a tokio task around the
//! synchronous [`RegistrySource`] methods (`spawn_blocking`), and its result comes back
//! as a [`Msg`] on the channel, so a slow disk or a big journal never freezes the
//! screen. A new search aborts the one in flight (latest wins).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::app::{Data, Hit, LetterHits, SearchIndex, Target};
use crate::error::TaskError;
use crate::update::{Effect, Msg};
use govcheck_domain::event::{Actor, Event};
use govcheck_domain::registry::Registry;
use govcheck_domain::rules::Posts;
use govcheck_domain::search::{Query, Screen, SearchKey, match_key, score_screened, screen_key};
use govcheck_store::{RegistrySource, StoreError};

/// How many hits a search keeps (the list shows a screenful; the count shows all).
pub const MAX_HITS: usize = 500;

/// How often the change token is polled for other supervisors' writes.
pub const POLL_EVERY: Duration = Duration::from_secs(2);

pub struct Tasks {
    tx: UnboundedSender<Msg>,
    source: Arc<dyn RegistrySource>,
    actor: Actor,
    tz: Tz,
    search: Option<JoinHandle<()>>,
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
            Effect::Search { generation, query } => {
                if let Some(h) = self.search.take() {
                    h.abort();
                }
                let Some(index) = self.index.clone() else {
                    return;
                };
                let tx = self.tx.clone();
                let narrowing = self.narrowing.clone();
                self.search = Some(tokio::spawn(async move {
                    let hits = tokio::task::spawn_blocking(move || {
                        let previous = narrowing.lock().ok().and_then(|n| {
                            n.as_ref()
                                .filter(|(on, _)| Arc::ptr_eq(on, &index))
                                .map(|(_, prev)| prev.clone())
                        });
                        let (hits, total, next) = search_from(&index, &query, previous.as_deref());
                        // Any finished search is a valid start for one that extends it,
                        // so one that finishes after a newer one does no harm.
                        if let Ok(mut n) = narrowing.lock() {
                            *n = Some((index, Arc::new(next)));
                        }
                        (hits, total)
                    })
                    .await;
                    if let Ok((hits, total)) = hits {
                        let _ = tx.send(Msg::SearchDone {
                            generation,
                            hits,
                            total,
                        });
                    }
                }));
            }
            Effect::Copy(text) => crate::terminal::copy_osc52(&text),
            Effect::Export {
                file_name,
                attachments,
            } => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let res = tokio::task::spawn_blocking(move || {
                        let dir = std::env::current_dir()
                            .map_err(|e| TaskError::from(StoreError::io(".", e)))?;
                        let path = dir.join(file_name);
                        govcheck_store::export::write_xlsx(&attachments, &path)
                            .map(|()| path.display().to_string())
                            .map_err(TaskError::from)
                    })
                    .await;
                    let _ = tx.send(Msg::Exported(res.unwrap_or_else(|e| Err(e.into()))));
                });
            }
        }
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
    let mut index = build_index(&data.registry);
    index.by_letter = letter_answers(&index);
    data.index = Arc::new(index);
    data.complete = true;
    Ok(data)
}

/// Account names, host units (each distinct unit once) and region names.
pub fn build_index(reg: &Registry) -> SearchIndex {
    let mut entries = Vec::with_capacity(reg.accounts().len() * 2 + reg.tree().len());
    let mut units = std::collections::HashSet::new();
    for (i, a) in reg.accounts().iter().enumerate() {
        entries.push((Target::Account(i), SearchKey::new(&a.name)));
        if !a.host_unit.is_empty() && units.insert(a.host_unit.as_str()) {
            entries.push((Target::HostUnit(i), SearchKey::new(&a.host_unit)));
        }
    }
    for (i, r) in reg.tree().regions().iter().enumerate() {
        entries.push((Target::Region(i), SearchKey::new(&r.name)));
    }
    SearchIndex {
        entries,
        by_letter: Vec::new(),
    }
}

/// The one-letter answers (computing them also warms the search pool before the
/// first key).
pub fn letter_answers(index: &SearchIndex) -> Vec<Option<LetterHits>> {
    ('a'..='z')
        .map(|c| {
            let q = Query::new(&c.to_string());
            let mut ranking = scan_all(index, &q, None, true);
            let hits = with_positions(index, &q, &ranking.best_first());
            Some(LetterHits {
                hits,
                total: ranking.total,
                all: ranking.all,
            })
        })
        .collect()
}

/// A finished search: its query and every entry it matched (in entry order). The next
/// keystroke as a rule only appends to the query, and then can only match among these:
/// it scans them instead of every name.
pub struct Narrowing {
    pub query: String,
    pub all: Vec<u32>,
}

/// The best hits for a query, best first, and how many names matched in all.
pub fn search(index: &SearchIndex, _reg: &Registry, query: &str) -> (Vec<Hit>, usize) {
    let (hits, total, _) = search_from(index, query, None);
    (hits, total)
}

/// [`search`], scanning only what `previous` matched when the query extends its query;
/// also gives the narrowing for the next keystroke.
pub fn search_from(
    index: &SearchIndex,
    query: &str,
    previous: Option<&Narrowing>,
) -> (Vec<Hit>, usize, Narrowing) {
    let q = Query::new(query);
    let narrowing = |all| Narrowing {
        query: query.to_string(),
        all,
    };
    if q.is_empty() {
        return (Vec::new(), 0, narrowing(Vec::new()));
    }
    if let Some(prev) = previous
        && !Query::new(&prev.query).is_empty()
        && q.refines(&Query::new(&prev.query))
    {
        let mut ranking = scan_all(index, &q, Some(&prev.all), true);
        let hits = with_positions(index, &q, &ranking.best_first());
        return (hits, ranking.total, narrowing(ranking.all));
    }
    // A query starting with a letter can only match names that letter matched.
    let first = query
        .chars()
        .find(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .filter(char::is_ascii_lowercase);
    let letter = first.and_then(|c| {
        index
            .by_letter
            .get(usize::from(c as u8 - b'a'))
            .and_then(Option::as_ref)
            .map(|lh| (c, lh))
    });
    let only = letter.filter(|(c, _)| q.refines(&Query::new(&c.to_string())));
    if let Some((_, lh)) = only
        && query.chars().filter(|c| !c.is_whitespace()).count() == 1
    {
        return (lh.hits.clone(), lh.total, narrowing(lh.all.clone()));
    }
    let mut ranking = scan_all(index, &q, only.map(|(_, lh)| lh.all.as_slice()), true);
    let hits = with_positions(index, &q, &ranking.best_first());
    (hits, ranking.total, narrowing(ranking.all))
}

/// A match of the ranking pass: its score and its index into the entries.
type Scored = (i64, u32);

/// The order hits are shown in: best score first, ties in entry order (so equal
/// scores never swap places between two keystrokes).
fn best_first(a: &Scored, b: &Scored) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Ranks `(score, entry)` pairs: larger is better (a higher score, then an earlier entry).
type Rank = (i64, Reverse<u32>);

/// What a scan keeps: how many names matched (and which, when asked), and the best
/// `MAX_HITS` of them in a min-heap whose top is the worst kept.
#[derive(Default)]
struct Ranking {
    total: usize,
    all: Vec<u32>,
    best: BinaryHeap<Reverse<Rank>>,
}

impl Ranking {
    /// The worst hit kept, once `MAX_HITS` are kept: a match must beat it to enter.
    fn bar(&self) -> Option<Rank> {
        (self.best.len() >= MAX_HITS)
            .then(|| self.best.peek().map(|r| r.0))
            .flatten()
    }

    fn offer(&mut self, rank: Rank) {
        if self.best.len() < MAX_HITS {
            self.best.push(Reverse(rank));
        } else if self.bar().is_some_and(|bar| rank > bar) {
            self.best.pop();
            self.best.push(Reverse(rank));
        }
    }

    /// Two scans of consecutive stretches of the entries, in order.
    fn merge(mut self, other: Ranking) -> Ranking {
        self.total += other.total;
        self.all.extend(other.all);
        for Reverse(rank) in other.best {
            self.offer(rank);
        }
        self
    }

    /// The hits kept, best first (taken out of the ranking).
    fn best_first(&mut self) -> Vec<Scored> {
        let mut out: Vec<Scored> = std::mem::take(&mut self.best)
            .into_iter()
            .map(|Reverse((score, Reverse(i)))| (score, i))
            .collect();
        out.sort_unstable_by(best_first);
        out
    }
}

/// Hits with their highlight positions, computed only for the matches kept (the
/// ranking pass computes scores alone, without allocating).
fn with_positions(index: &SearchIndex, q: &Query, top: &[Scored]) -> Vec<Hit> {
    top.iter()
        .filter_map(|&(_, i)| {
            let (target, key) = index.entries.get(i as usize)?;
            let m = match_key(q, key)?;
            Some(Hit {
                target: *target,
                score: m.score,
                positions: m.positions,
            })
        })
        .collect()
}

/// Match `q` against every entry (or only `among`, indexes into the entries), split
/// across a persistent pool: a fresh thread per keystroke would pay for its own setup
/// and scratch space every time. Every match is counted (and listed when `keep_all`),
/// but only names whose score bound ([`screen_key`]) can still enter the best
/// `MAX_HITS` are scored: once a stretch of the scan holds `MAX_HITS` hits, its worst
/// score is a bar for every stretch (shared through an atomic), and a two-letter query
/// skips the scoring of most of its tens of thousands of matches.
fn scan_all(index: &SearchIndex, q: &Query, among: Option<&[u32]>, keep_all: bool) -> Ranking {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    let bar = AtomicI64::new(i64::MIN);
    let stretch = |ids: std::slice::Iter<'_, u32>| stretch(index, q, &bar, keep_all, ids.copied());
    let n = u32::try_from(index.entries.len()).unwrap_or(u32::MAX);
    match among {
        Some(ids) if ids.len() > 20_000 => ids
            .par_chunks(CHUNK)
            .map(|c| stretch(c.iter()))
            .reduce(Ranking::default, Ranking::merge),
        Some(ids) => stretch(ids.iter()),
        None if n > 20_000 => (0..n.div_ceil(CHUNK as u32))
            .into_par_iter()
            .map(|k| {
                let from = k.saturating_mul(CHUNK as u32);
                let to = from.saturating_add(CHUNK as u32).min(n);
                self::stretch(index, q, &bar, keep_all, from..to)
            })
            .reduce(Ranking::default, Ranking::merge),
        None => self::stretch(index, q, &bar, keep_all, 0..n),
    }
}

/// One stretch of entries, in order, into an accumulator of its own (moved once per
/// stretch, not once per name).
fn stretch(
    index: &SearchIndex,
    q: &Query,
    bar: &AtomicI64,
    keep_all: bool,
    ids: impl Iterator<Item = u32>,
) -> Ranking {
    let mut acc = Ranking::default();
    for i in ids {
        consider(index, q, bar, keep_all, &mut acc, i);
    }
    acc
}

/// One entry of a scan: counted if it matches, scored only if it can still rank.
#[inline]
fn consider(
    index: &SearchIndex,
    q: &Query,
    bar: &AtomicI64,
    keep_all: bool,
    acc: &mut Ranking,
    i: u32,
) {
    let Some((_, key)) = index.entries.get(i as usize) else {
        return;
    };
    let score = match screen_key(q, key) {
        Screen::No => return,
        Screen::Score(s) => Some(s),
        Screen::AtMost(bound) => {
            let beaten_here = acc.bar().is_some_and(|b| (bound, Reverse(i)) < b);
            if bound < bar.load(Ordering::Relaxed) || beaten_here {
                None
            } else {
                score_screened(q, key)
            }
        }
    };
    acc.total += 1;
    if keep_all {
        acc.all.push(i);
    }
    if let Some(s) = score {
        acc.offer((s, Reverse(i)));
        if let Some((worst, _)) = acc.bar() {
            bar.fetch_max(worst, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names built from place, unit and sector words, so that short queries match
    /// thousands of them with many equal scores.
    fn sample_index(n: usize) -> SearchIndex {
        let words = [
            "舟山",
            "台州",
            "中山",
            "长沙",
            "浙江",
            "司法",
            "医疗",
            "保障",
            "公安",
            "市场",
            "监管",
            "重庆",
            "厦门",
            "乐清",
            "政务",
            "服务",
            "发布",
            "12345",
            "APP",
            "县",
            "市",
            "局",
            "中心",
            "招商",
            "住建",
            "自然资源",
            " ",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as usize
        };
        let entries = (0..n)
            .map(|i| {
                let name: String = (0..1 + next(5)).map(|_| words[next(words.len())]).collect();
                (Target::Account(i), SearchKey::new(&name))
            })
            .collect();
        let mut index = SearchIndex {
            entries,
            by_letter: Vec::new(),
        };
        index.by_letter = letter_answers(&index);
        index
    }

    /// The full computation the ranking pass replaces: every match with its
    /// positions, sorted, cut to the display limit.
    fn reference(index: &SearchIndex, query: &str) -> (Vec<Hit>, usize) {
        let q = Query::new(query);
        let mut all: Vec<(i64, usize, Hit)> = index
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, (t, key))| {
                match_key(&q, key).map(|m| {
                    let hit = Hit {
                        target: *t,
                        score: m.score,
                        positions: m.positions,
                    };
                    (m.score, i, hit)
                })
            })
            .collect();
        let total = all.len();
        all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        all.truncate(MAX_HITS);
        (all.into_iter().map(|(_, _, h)| h).collect(), total)
    }

    #[test]
    fn ranking_pass_keeps_the_full_computations_top_hits_and_order() {
        // Past 20,000 entries the scan runs on the pool, as in the console.
        let index = sample_index(24_000);
        let reg = Registry::default();
        let mut many = 0;
        for q in [
            "z",
            "zs",
            "tz",
            "sf",
            "zsyl",
            "舟山",
            "gongan",
            "12",
            "s",
            "zhongshan",
        ] {
            let (hits, total) = search(&index, &reg, q);
            let (want, want_total) = reference(&index, q);
            assert_eq!(total, want_total, "{q}");
            assert_eq!(hits.len(), want.len(), "{q}");
            assert_eq!(hits, want, "{q}: top hits or their order differ");
            assert!(hits.iter().all(|h| !h.positions.is_empty()), "{q}");
            many += usize::from(total > MAX_HITS);
        }
        assert!(many >= 3, "the sample must exercise the cut to MAX_HITS");
    }
}
