//! Scanning a [`SearchIndex`] for a query and ordering what matched: best score
//! first, ties in index order, so equal scores never swap places between two
//! keystrokes or two requests.
//!
//! Two views of one scan: [`SearchIndex::search`] keeps the best [`MAX_HITS`] entries
//! with their highlight positions (the console), [`SearchIndex::accounts`] ranks every
//! matching account by the better of its name and its host unit (the CLI's
//! `accounts --search` and the server's `/api/v1/accounts?search=`). Both poll a
//! [`Cancel`] as they go.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicI64, Ordering};

use rayon::prelude::*;

use super::cancel::{CHECK_EVERY, Cancel, Cancelled};
use super::index::{SearchIndex, Target};
use super::matcher::{Query, Screen, match_key, score_key, score_screened, screen_key};
use crate::registry::Registry;

/// How many hits a console search keeps (the list shows a screenful; the count shows
/// all).
pub const MAX_HITS: usize = 500;

/// Scans of more entries than this are split across rayon's pool; smaller ones run on
/// the caller's thread (a hop to the pool would cost more than it saves).
const PARALLEL_FROM: usize = 20_000;
/// Entries per stretch of a parallel scan.
const CHUNK: usize = 4096;

/// A search hit, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub target: Target,
    pub score: i64,
    pub positions: Vec<usize>,
}

/// Everything a one-letter query matched.
#[derive(Debug, Default)]
pub struct LetterHits {
    /// The best hits, best first (at most [`MAX_HITS`]).
    pub hits: Vec<Hit>,
    pub total: usize,
    /// Indexes into `entries` of every match, in entry order.
    pub all: Vec<u32>,
}

/// A finished search: its query and every entry it matched (in entry order). The next
/// keystroke as a rule only appends to the query, and then can only match among these:
/// it scans them instead of every name.
#[derive(Debug, Clone, Default)]
pub struct Narrowing {
    pub query: String,
    pub all: Vec<u32>,
}

/// What [`SearchIndex::search`] found.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The best hits, best first, with highlight positions (at most [`MAX_HITS`]).
    pub hits: Vec<Hit>,
    /// How many entries matched in all.
    pub total: usize,
    /// Where the next keystroke can start, when it extends this query.
    pub narrowing: Narrowing,
}

impl SearchIndex {
    /// The best hits for a query, best first, and how many names matched in all;
    /// scanning only what `previous` matched when the query extends its query, or what
    /// the query's first letter matched.
    pub fn search(
        &self,
        query: &str,
        previous: Option<&Narrowing>,
        cancel: &Cancel,
    ) -> Result<Found, Cancelled> {
        let q = Query::new(query);
        let narrowing = |all| Narrowing {
            query: query.to_string(),
            all,
        };
        if q.is_empty() {
            return Ok(Found::default());
        }
        if let Some(prev) = previous
            && !Query::new(&prev.query).is_empty()
            && q.refines(&Query::new(&prev.query))
        {
            let mut ranking = scan_all(self, &q, Some(&prev.all), cancel)?;
            let hits = with_positions(self, &q, &ranking.best_first());
            return Ok(Found {
                hits,
                total: ranking.total,
                narrowing: narrowing(ranking.all),
            });
        }
        // A query starting with a letter can only match names that letter matched.
        let first = query
            .chars()
            .find(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_lowercase())
            .filter(char::is_ascii_lowercase);
        let letter = first.and_then(|c| {
            self.by_letter
                .get(usize::from(c as u8 - b'a'))
                .and_then(Option::as_ref)
                .map(|lh| (c, lh))
        });
        let only = letter.filter(|(c, _)| q.refines(&Query::new(&c.to_string())));
        if let Some((_, lh)) = only
            && query.chars().filter(|c| !c.is_whitespace()).count() == 1
        {
            return Ok(Found {
                hits: lh.hits.clone(),
                total: lh.total,
                narrowing: narrowing(lh.all.clone()),
            });
        }
        let mut ranking = scan_all(self, &q, only.map(|(_, lh)| lh.all.as_slice()), cancel)?;
        let hits = with_positions(self, &q, &ranking.best_first());
        Ok(Found {
            hits,
            total: ranking.total,
            narrowing: narrowing(ranking.all),
        })
    }

    /// Accounts within a scope (tree index) matching a search typed as Chinese, pinyin
    /// or initials against the name or the host unit, best first (the better of the
    /// two scores; ties in registry order); all accounts of the scope in registry order
    /// for an empty query. `reg` must be the registry the index was built from.
    pub fn accounts(
        &self,
        reg: &Registry,
        scope: Option<usize>,
        query: &str,
        cancel: &Cancel,
    ) -> Result<Vec<usize>, Cancelled> {
        let q = Query::new(query);
        if q.is_empty() {
            return Ok(accounts_within(reg, scope));
        }
        let scores = score_all(self, &q, cancel)?;
        let score_of = |e: Option<u32>| e.and_then(|e| scores.get(e as usize).copied().flatten());
        let tree = reg.tree();
        let mut hits: Vec<Scored> = (0..reg.accounts().len())
            .filter(|&i| scope.is_none_or(|s| tree.is_within(reg.account_region(i), s)))
            .filter_map(|i| {
                let [name, unit] = self.entries_of_account(i);
                let best = score_of(name).max(score_of(unit))?;
                Some((best, u32::try_from(i).ok()?))
            })
            .collect();
        hits.sort_unstable_by(best_first);
        Ok(hits.into_iter().map(|(_, i)| i as usize).collect())
    }
}

/// Accounts within a scope (tree index), all in registry order: what an account list
/// without a search shows. Needs no index.
pub fn accounts_within(reg: &Registry, scope: Option<usize>) -> Vec<usize> {
    let tree = reg.tree();
    (0..reg.accounts().len())
        .filter(|&i| scope.is_none_or(|s| tree.is_within(reg.account_region(i), s)))
        .collect()
}

/// The one-letter answers of an index.
pub(super) fn letter_answers(index: &SearchIndex) -> Vec<Option<LetterHits>> {
    let never = Cancel::new();
    ('a'..='z')
        .map(|c| {
            let q = Query::new(&c.to_string());
            let mut ranking = scan_all(index, &q, None, &never).ok()?;
            let hits = with_positions(index, &q, &ranking.best_first());
            Some(LetterHits {
                hits,
                total: ranking.total,
                all: ranking.all,
            })
        })
        .collect()
}

/// A match of the ranking pass: its score and its place (an index entry, or an
/// account).
type Scored = (i64, u32);

/// The order hits are shown in: best score first, ties in index order (so equal
/// scores never swap places between two keystrokes). The one order of every search.
fn best_first(a: &Scored, b: &Scored) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Ranks `(score, entry)` pairs: larger is better (a higher score, then an earlier entry).
type Rank = (i64, Reverse<u32>);

/// What a scan keeps: how many names matched and which, and the best [`MAX_HITS`] of
/// them in a min-heap whose top is the worst kept.
#[derive(Default)]
struct Ranking {
    total: usize,
    all: Vec<u32>,
    best: BinaryHeap<Reverse<Rank>>,
}

impl Ranking {
    /// The worst hit kept, once [`MAX_HITS`] are kept: a match must beat it to enter.
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

/// Runs `visit` over every entry (or only `among`, indexes into the entries) in
/// stretches, split across rayon's persistent pool for large scans (a fresh thread per
/// keystroke would pay for its own setup and scratch space every time), polling
/// `cancel` every [`CHECK_EVERY`] entries; the stretches' accumulators are merged in
/// entry order.
fn scan<A: Default + Send>(
    index: &SearchIndex,
    among: Option<&[u32]>,
    cancel: &Cancel,
    visit: impl Fn(&mut A, u32) + Sync,
    merge: impl Fn(A, A) -> A + Sync + Send,
) -> Result<A, Cancelled> {
    let visit = &visit;
    let merge = |a, b| Ok(merge(a, b));
    let n = index.len_u32();
    match among {
        Some(ids) if ids.len() > PARALLEL_FROM => ids
            .par_chunks(CHUNK)
            .map(|c| stretch(c.iter().copied(), cancel, visit))
            .try_reduce(A::default, merge),
        Some(ids) => stretch(ids.iter().copied(), cancel, visit),
        None if n as usize > PARALLEL_FROM => (0..n.div_ceil(CHUNK as u32))
            .into_par_iter()
            .map(|k| {
                let from = k.saturating_mul(CHUNK as u32);
                let to = from.saturating_add(CHUNK as u32).min(n);
                stretch(from..to, cancel, visit)
            })
            .try_reduce(A::default, merge),
        None => stretch(0..n, cancel, visit),
    }
}

/// One stretch of entries, in order, into an accumulator of its own (moved once per
/// stretch, not once per name).
fn stretch<A: Default>(
    ids: impl Iterator<Item = u32>,
    cancel: &Cancel,
    visit: &impl Fn(&mut A, u32),
) -> Result<A, Cancelled> {
    let mut acc = A::default();
    let mut since_check = CHECK_EVERY;
    for i in ids {
        if since_check == CHECK_EVERY {
            cancel.check()?;
            since_check = 0;
        }
        since_check += 1;
        visit(&mut acc, i);
    }
    Ok(acc)
}

/// The console's scan: every match is counted and listed, but only names whose score
/// bound ([`screen_key`]) can still enter the best [`MAX_HITS`] are scored: once a
/// stretch of the scan holds [`MAX_HITS`] hits, its worst score is a bar for every
/// stretch (shared through an atomic), and a two-letter query skips the scoring of
/// most of its tens of thousands of matches.
fn scan_all(
    index: &SearchIndex,
    q: &Query,
    among: Option<&[u32]>,
    cancel: &Cancel,
) -> Result<Ranking, Cancelled> {
    let bar = AtomicI64::new(i64::MIN);
    scan(
        index,
        among,
        cancel,
        |acc: &mut Ranking, i| consider(index, q, &bar, acc, i),
        Ranking::merge,
    )
}

/// One entry of the console's scan: counted if it matches, scored only if it can
/// still rank.
#[inline]
fn consider(index: &SearchIndex, q: &Query, bar: &AtomicI64, acc: &mut Ranking, i: u32) {
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
    acc.all.push(i);
    if let Some(s) = score {
        acc.offer((s, Reverse(i)));
        if let Some((worst, _)) = acc.bar() {
            bar.fetch_max(worst, Ordering::Relaxed);
        }
    }
}

/// The account lists' scan: the exact score of every entry that matches (`None` for
/// the others), by entry.
fn score_all(
    index: &SearchIndex,
    q: &Query,
    cancel: &Cancel,
) -> Result<Vec<Option<i64>>, Cancelled> {
    let found = scan(
        index,
        None,
        cancel,
        |acc: &mut Vec<Scored>, i| {
            if let Some((_, key)) = index.entries.get(i as usize)
                && let Some(s) = score_key(q, key)
            {
                acc.push((s, i));
            }
        },
        |mut a, b| {
            a.extend(b);
            a
        },
    )?;
    let mut scores = vec![None; index.entries.len()];
    for (s, i) in found {
        if let Some(slot) = scores.get_mut(i as usize) {
            *slot = Some(s);
        }
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::super::matcher::SearchKey;
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
        SearchIndex {
            entries,
            ..SearchIndex::default()
        }
        .with_letter_answers()
    }

    fn search(index: &SearchIndex, q: &str) -> (Vec<Hit>, usize) {
        let found = index
            .search(q, None, &Cancel::new())
            .expect("not cancelled");
        (found.hits, found.total)
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
            let (hits, total) = search(&index, q);
            let (want, want_total) = reference(&index, q);
            assert_eq!(total, want_total, "{q}");
            assert_eq!(hits.len(), want.len(), "{q}");
            assert_eq!(hits, want, "{q}: top hits or their order differ");
            assert!(hits.iter().all(|h| !h.positions.is_empty()), "{q}");
            many += usize::from(total > MAX_HITS);
        }
        assert!(many >= 3, "the sample must exercise the cut to MAX_HITS");
    }

    #[test]
    fn a_cancelled_search_stops_mid_scan_and_returns_cancelled() {
        // Below the parallel threshold the scan runs on this thread, in order, so the
        // polls are counted exactly; a query that starts with a Chinese character has
        // no one-letter answer to start from and scans every entry.
        let index = sample_index(12_000);
        let polls_of_a_full_scan = 12_000usize.div_ceil(CHECK_EVERY);
        let full = Cancel::new();
        let found = index.search("舟山", None, &full);
        assert!(found.is_ok_and(|f| f.total > 0));
        assert_eq!(full.polls(), polls_of_a_full_scan);

        // Cancelled at its third poll: it gives up there, 2 stretches in of 12.
        let midway = Cancel::after(3);
        assert_eq!(
            index.search("舟山", None, &midway).map(|f| f.total),
            Err(Cancelled)
        );
        assert_eq!(midway.polls(), 3, "no name looked at after the cancel");

        // Cancelled before it starts: nothing is scanned.
        let before = Cancel::new();
        before.cancel();
        assert_eq!(
            index.search("舟山", None, &before).map(|f| f.total),
            Err(Cancelled)
        );
        assert_eq!(before.polls(), 1);

        // The account lists' scan stops the same way.
        let reg = Registry::default();
        let midway = Cancel::after(2);
        assert_eq!(index.accounts(&reg, None, "zs", &midway), Err(Cancelled));
        assert_eq!(midway.polls(), 2);
    }

    #[test]
    fn a_cancelled_parallel_scan_returns_cancelled() {
        let index = sample_index(24_000);
        let cancel = Cancel::new();
        cancel.cancel();
        assert_eq!(
            index.search("舟山", None, &cancel).map(|f| f.total),
            Err(Cancelled)
        );
        // Every stretch that started gave up at its first poll.
        assert!(cancel.polls() <= 24_000usize.div_ceil(CHUNK));
    }
}
