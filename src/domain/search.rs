//! Name search for a terminal that has no Chinese input method.
//!
//! Supervisors type `tzsf`, `zhoushanyl` or `12345` and expect to find
//! 台州司法, 舟山医疗保障 or 12345热线 among ~150,000 account, unit and region
//! names, re-ranked on every keystroke. Everything here is pure: readings are
//! computed once per name ([`SearchKey`]) so that the per-keystroke work in
//! [`match_key`] is a small dynamic programme over (query position, name
//! character) with no pinyin lookups and, for rejected names, no allocation.

use std::cell::RefCell;
use std::ops::Range;

use pinyin::ToPinyinMulti;

/// Names longer than this are only searchable on their first
/// `MAX_KEY_CHARS` characters. Real names are ≤ 40 characters; the cap bounds
/// the matcher's work and keeps every score component inside its bit field.
pub const MAX_KEY_CHARS: usize = 256;

// Score tiers, most significant first. Each component is provably < 4096, so
// packing them into disjoint 12-bit fields makes "compare the packed number"
// the same as "compare component by component".
const TIER_GAP: u64 = 1 << 36;
const TIER_START: u64 = 1 << 24;
const TIER_PARTIAL: u64 = 1 << 12;
/// Opening a gap costs more than widening one, so one gap of two characters
/// ranks above two gaps of one.
const GAP_OPEN: u64 = 3 * TIER_GAP;
const GAP_CHAR: u64 = TIER_GAP;
const LEAD_CHAR: u64 = TIER_START;
const PARTIAL_READING: u64 = TIER_PARTIAL;
/// Largest name length that is told apart by the length tie-break.
const LEN_CAP: u64 = TIER_PARTIAL - 1;
/// Every reachable penalty is below this, so `SCORE_BASE - penalty` is positive.
const SCORE_BASE: u64 = 1 << 48;
const INF: u64 = u64::MAX;

/// Set on characters (whitespace, control characters) that are skipped for
/// free: the query drops them too, so they must neither match nor count as a
/// gap between two matched characters.
const TRANSPARENT: u64 = 1 << 63;

/// One bit per letter/digit (and a hashed bit for any other character) so the
/// matcher can reject most names with a couple of AND instructions before it
/// looks at a single reading.
fn char_bit(c: char) -> u64 {
    match c {
        'a'..='z' => 1 << (c as u32 - 'a' as u32),
        '0'..='9' => 1 << (26 + c as u32 - '0' as u32),
        _ => 1 << (36 + c as u32 % 27),
    }
}

/// Folds what a terminal user might type differently from how the name is
/// stored (case, full-width Latin letters and digits) onto one form.
fn normalize_char(c: char) -> char {
    let c = match c {
        // Full-width ASCII block (Ａ, ｚ, ０, ＠ …) to its half-width twin.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn is_transparent(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// Per-character data, kept together so the hot loops touch one cache line.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The normalised character itself, which a query may type literally.
    ch: char,
    /// Start of this character's readings in `SearchKey::arena`; the next
    /// slot's `start` is the end.
    start: u32,
    /// Bits of every character any of its readings can consume, plus
    /// [`TRANSPARENT`].
    mask: u64,
}

/// A name prepared once for repeated matching (readings precomputed), because
/// the console re-matches 150,000 names on every keystroke and a pinyin
/// lookup per character per keystroke would not fit a 16 ms frame.
#[derive(Debug, Clone)]
pub struct SearchKey {
    /// One slot per character plus a sentinel whose `start` closes the arena.
    slots: Box<[Slot]>,
    /// All pinyin readings, each stored as `[len, ascii bytes…]`. One flat
    /// buffer instead of a `Vec<String>` per character keeps 150,000 keys to
    /// two allocations each.
    arena: Box<[u8]>,
    /// Union of all slot masks, for the cheapest possible rejection.
    mask: u64,
    /// Full character count of the name (capped), for the length tie-break.
    len: u64,
}

impl SearchKey {
    /// Precomputes every reading of every character, because heteronyms
    /// (重 zhong/chong, 厦 sha/xia, 乐 le/yue) and place names need all of them
    /// and the pinyin tables are too slow to consult per keystroke.
    pub fn new(name: &str) -> SearchKey {
        let mut slots = Vec::with_capacity(name.len().min(MAX_KEY_CHARS) + 1);
        let mut arena: Vec<u8> = Vec::new();
        let mut mask = 0u64;
        let mut total_chars = 0usize;
        for raw in name.chars() {
            total_chars += 1;
            if slots.len() >= MAX_KEY_CHARS {
                continue;
            }
            let start = u32::try_from(arena.len()).unwrap_or(u32::MAX);
            if is_transparent(raw) {
                slots.push(Slot {
                    ch: raw,
                    start,
                    mask: TRANSPARENT,
                });
                continue;
            }
            let ch = normalize_char(raw);
            let mut slot_mask = char_bit(ch);
            if !ch.is_ascii() {
                push_readings(ch, &mut arena, start as usize, &mut slot_mask);
            }
            mask |= slot_mask;
            slots.push(Slot {
                ch,
                start,
                mask: slot_mask,
            });
        }
        slots.push(Slot {
            ch: '\0',
            start: u32::try_from(arena.len()).unwrap_or(u32::MAX),
            mask: TRANSPARENT,
        });
        SearchKey {
            slots: slots.into_boxed_slice(),
            arena: arena.into_boxed_slice(),
            mask,
            len: (total_chars as u64).min(LEN_CAP),
        }
    }

    /// Number of searchable characters, i.e. the exclusive upper bound of
    /// [`Match::positions`].
    pub fn char_len(&self) -> usize {
        self.slots.len() - 1
    }

    fn readings(&self, j: usize) -> Readings<'_> {
        let from = self.slots[j].start as usize;
        let to = self.slots[j + 1].start as usize;
        Readings {
            rest: self.arena.get(from..to).unwrap_or(&[]),
        }
    }
}

/// Appends the distinct toneless readings of `ch` to `arena` (from
/// `char_start` on, which is where this character's readings begin).
fn push_readings(ch: char, arena: &mut Vec<u8>, char_start: usize, mask: &mut u64) {
    let Some(multi) = ch.to_pinyin_multi() else {
        return;
    };
    let mut buf = [0u8; 16];
    for py in multi {
        // ü is typed as `v` on pinyin keyboards but as `u` by many people
        // without one; accept both. ê only appears in interjections: `e`.
        let plain = py.plain();
        for u_as in [b'v', b'u'] {
            let mut len = 0usize;
            let mut had_umlaut = false;
            for c in plain.chars() {
                let b = match c {
                    'ü' => {
                        had_umlaut = true;
                        u_as
                    }
                    'ê' => b'e',
                    c if c.is_ascii_alphabetic() => c.to_ascii_lowercase() as u8,
                    _ => continue,
                };
                if len < buf.len() {
                    buf[len] = b;
                    len += 1;
                }
            }
            let reading = &buf[..len];
            if !reading.is_empty() && !has_reading(&arena[char_start..], reading) {
                arena.push(len as u8);
                arena.extend_from_slice(reading);
                for &b in reading {
                    *mask |= char_bit(b as char);
                }
            }
            if !had_umlaut {
                break;
            }
        }
    }
}

fn has_reading(existing: &[u8], reading: &[u8]) -> bool {
    Readings { rest: existing }.any(|r| r == reading)
}

/// Iterates the `[len, bytes…]` records of one character.
struct Readings<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Readings<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let (&len, tail) = self.rest.split_first()?;
        let len = usize::from(len).min(tail.len());
        let (reading, rest) = tail.split_at(len);
        self.rest = rest;
        Some(reading)
    }
}

/// A query normalised once per keystroke rather than once per name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    chars: Box<[char]>,
    /// `char_bit` of each query character, parallel to `chars`.
    bits: Box<[u64]>,
    mask: u64,
}

impl Query {
    /// Lowercases and drops spaces/control characters up front, because a
    /// supervisor types `zhou shan` or `ZSYL` as freely as `zsyl`.
    pub fn new(text: &str) -> Query {
        let chars: Box<[char]> = text
            .chars()
            .filter(|&c| !is_transparent(c))
            .map(normalize_char)
            .collect();
        let bits: Box<[u64]> = chars.iter().map(|&c| char_bit(c)).collect();
        let mask = bits.iter().fold(0, |acc, b| acc | b);
        Query { chars, bits, mask }
    }

    /// An empty query matches every name; the console shows the full list
    /// instead of nothing.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// True when every name matching `self` also matched `previous`, because
    /// `self` only appends characters. The console can then re-filter the
    /// previous hits instead of all 150,000 names while the user keeps typing.
    pub fn refines(&self, previous: &Query) -> bool {
        self.chars.starts_with(&previous.chars)
    }
}

/// Result of a successful match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Higher is better. Only comparable between matches of the same query:
    /// contiguous beats gappy, then earlier start beats later, then whole
    /// syllables beat abbreviations, then shorter names beat longer ones.
    pub score: i64,
    /// Char indices in the name, ascending, so the view can highlight them.
    pub positions: Vec<usize>,
}

thread_local! {
    /// DP tables reused across calls so matching 150,000 names does not
    /// allocate 150,000 tables. Thread-local so matching stays `Sync`-friendly
    /// for callers that split the list across threads.
    static SCRATCH: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// The DP tables for one (query, key) pair.
///
/// `adj[i][j]`: least penalty to consume `query[i..]` with name chars `j..`
/// when char `j-1` was matched (skipping `j` opens a gap). `gap[i][j]`: the
/// same when already inside a gap. Row `i == 0` of `adj` holds the "nothing
/// matched yet" state, where skipping only costs the start penalty. Row
/// `i == m` is 0: characters after the last match are free.
struct Tables<'a> {
    adj: &'a mut [u64],
    gap: &'a mut [u64],
    rows: usize,
}

impl Tables<'_> {
    #[inline]
    fn at(&self, i: usize, j: usize) -> usize {
        j * self.rows + i
    }
}

/// Least penalty for matching name char `j` at query position `i` (and then
/// the rest from `j + 1`), and how many query chars that consumes.
#[inline]
fn best_here(query: &Query, key: &SearchKey, t: &Tables<'_>, i: usize, j: usize) -> (u64, usize) {
    let slot = key.slots[j];
    if slot.mask & query.bits[i] == 0 {
        return (INF, 0);
    }
    let m = query.chars.len();
    let q = &query.chars[i..];
    let next = |consumed: usize| t.adj[t.at(i + consumed, j + 1)];
    let mut best = INF;
    let mut best_len = 0;
    if q[0] == slot.ch {
        best = next(1);
        best_len = 1;
    }
    for reading in key.readings(j) {
        if reading.first().map(|&b| b as char) != Some(q[0]) {
            continue;
        }
        let common = reading
            .iter()
            .zip(q)
            .take_while(|&(&r, &c)| r as char == c)
            .count();
        for used in 1..=common.min(m - i) {
            let partial = if used < reading.len() {
                PARTIAL_READING
            } else {
                0
            };
            let cost = next(used).saturating_add(partial);
            if cost < best {
                best = cost;
                best_len = used;
            }
        }
    }
    (best, best_len)
}

/// Matches a prepared query against a prepared name.
///
/// Every name character may be matched by its full pinyin syllable, by any
/// prefix of one of its readings (so initials), or by itself (Latin, digits,
/// Chinese); characters may be skipped. Returns `None` when the whole query
/// cannot be consumed. Cheap mask checks reject most names before the DP.
pub fn match_key(query: &Query, key: &SearchKey) -> Option<Match> {
    let m = query.chars.len();
    let n = key.char_len();
    if m == 0 {
        return Some(Match {
            score: score_of(key.len),
            positions: Vec::new(),
        });
    }
    if query.mask & !key.mask != 0 {
        return None;
    }
    // Relaxed subsequence check: each query char must be consumable by some
    // name char at or after the one that consumed its predecessor. Exact
    // matches always pass it, and it costs one AND per name character.
    let mut k = 0;
    for slot in &key.slots[..n] {
        while k < m && slot.mask & query.bits[k] != 0 {
            k += 1;
        }
        if k == m {
            break;
        }
    }
    if k < m {
        return None;
    }

    SCRATCH.with(|cell| {
        let mut buf = cell.borrow_mut();
        let rows = m + 1;
        let cells = rows * (n + 1);
        if buf.len() < 2 * cells {
            buf.resize(2 * cells, INF);
        }
        let (adj, rest) = buf.split_at_mut(cells);
        let gap = &mut rest[..cells];
        let mut t = Tables { adj, gap, rows };
        run_dp(query, key, &mut t, n);
        let total = t.adj[t.at(0, 0)];
        if total == INF {
            return None;
        }
        let positions = trace(query, key, &t, n);
        Some(Match {
            score: score_of(total.saturating_add(key.len)),
            positions,
        })
    })
}

fn score_of(penalty: u64) -> i64 {
    let score = SCORE_BASE.saturating_sub(penalty);
    i64::try_from(score).unwrap_or(0)
}

fn run_dp(query: &Query, key: &SearchKey, t: &mut Tables<'_>, n: usize) {
    let m = query.chars.len();
    // Column n: past the end of the name.
    for i in 0..m {
        let at = t.at(i, n);
        t.adj[at] = INF;
        t.gap[at] = INF;
    }
    let at = t.at(m, n);
    t.adj[at] = 0;
    t.gap[at] = 0;

    for j in (0..n).rev() {
        let transparent = key.slots[j].mask & TRANSPARENT != 0;
        let at = t.at(m, j);
        t.adj[at] = 0;
        t.gap[at] = 0;
        for i in (0..m).rev() {
            let here = t.at(i, j);
            let skip_adj = t.adj[t.at(i, j + 1)];
            let skip_gap = t.gap[t.at(i, j + 1)];
            if transparent {
                t.adj[here] = skip_adj;
                t.gap[here] = skip_gap;
                continue;
            }
            let (matched, _) = best_here(query, key, t, i, j);
            if i == 0 {
                t.adj[here] = matched.min(skip_adj.saturating_add(LEAD_CHAR));
            } else {
                t.adj[here] = matched.min(skip_gap.saturating_add(GAP_OPEN + GAP_CHAR));
                t.gap[here] = matched.min(skip_gap.saturating_add(GAP_CHAR));
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Adjacent,
    InGap,
}

/// Walks the filled tables from the start to recover one optimal alignment.
/// On ties inside the match it prefers skipping, so the highlight lands on
/// the later, usually word-initial, candidate (台州_司法_ rather than
/// 台州市_法_ for `tzsf`).
fn trace(query: &Query, key: &SearchKey, t: &Tables<'_>, n: usize) -> Vec<usize> {
    let m = query.chars.len();
    let mut positions = Vec::with_capacity(m.min(n));
    let (mut i, mut j, mut state) = (0usize, 0usize, State::Start);
    while i < m && j < n {
        if key.slots[j].mask & TRANSPARENT != 0 {
            j += 1;
            continue;
        }
        let (matched, used) = best_here(query, key, t, i, j);
        let (here, skip) = match state {
            State::Start => (
                t.adj[t.at(0, j)],
                t.adj[t.at(0, j + 1)].saturating_add(LEAD_CHAR),
            ),
            State::Adjacent => (
                t.adj[t.at(i, j)],
                t.gap[t.at(i, j + 1)].saturating_add(GAP_OPEN + GAP_CHAR),
            ),
            State::InGap => (
                t.gap[t.at(i, j)],
                t.gap[t.at(i, j + 1)].saturating_add(GAP_CHAR),
            ),
        };
        let take = if state == State::Start {
            matched == here
        } else {
            matched == here && skip != here
        };
        if take && used > 0 {
            positions.push(j);
            i += used;
            state = State::Adjacent;
        } else if state == State::Adjacent {
            state = State::InGap;
        }
        j += 1;
    }
    positions
}

/// Convenience for one-off matching (tests, small lists); hot paths should
/// build [`Query`] and [`SearchKey`] once and call [`match_key`].
pub fn matches(query: &str, name: &str) -> Option<Match> {
    match_key(&Query::new(query), &SearchKey::new(name))
}

/// Byte ranges of maximal runs of matched characters in `name`, so a view can
/// emit one highlighted span per run instead of one per character.
/// Out-of-range positions are ignored; `positions` must be ascending.
pub fn highlight_ranges(name: &str, positions: &[usize]) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = Vec::new();
    let mut wanted = positions.iter().copied().peekable();
    for (idx, (byte, ch)) in name.char_indices().enumerate() {
        while wanted.peek().is_some_and(|&p| p < idx) {
            wanted.next();
        }
        if wanted.peek() != Some(&idx) {
            continue;
        }
        wanted.next();
        let end = byte + ch.len_utf8();
        match ranges.last_mut() {
            Some(last) if last.end == byte => last.end = end,
            _ => ranges.push(byte..end),
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(query: &str, name: &str) -> Option<Vec<usize>> {
        matches(query, name).map(|m| m.positions)
    }

    fn score(query: &str, name: &str) -> i64 {
        match matches(query, name) {
            Some(m) => m.score,
            None => panic!("{query:?} should match {name:?}"),
        }
    }

    #[test]
    fn initials_match_whole_name() {
        assert_eq!(pos("tzsf", "台州司法"), Some(vec![0, 1, 2, 3]));
        assert_eq!(pos("zsyl", "舟山医疗保障"), Some(vec![0, 1, 2, 3]));
    }

    #[test]
    fn initials_skip_characters_fuzzily() {
        assert_eq!(pos("tzsf", "台州市司法局"), Some(vec![0, 1, 3, 4]));
    }

    #[test]
    fn heteronym_place_names_use_proper_reading() {
        assert_eq!(pos("cq", "重庆市"), Some(vec![0, 1]));
        assert_eq!(pos("chongqing", "重庆市"), Some(vec![0, 1]));
        assert_eq!(pos("cs", "长沙"), Some(vec![0, 1]));
        assert_eq!(pos("changsha", "长沙市"), Some(vec![0, 1]));
        assert_eq!(pos("xm", "厦门"), Some(vec![0, 1]));
        assert_eq!(pos("xiamen", "厦门大学"), Some(vec![0, 1]));
        assert_eq!(pos("yq", "乐清"), Some(vec![0, 1]));
        assert_eq!(pos("yueqing", "乐清市"), Some(vec![0, 1]));
    }

    #[test]
    fn other_readings_of_heteronyms_still_match() {
        // The common reading must not be lost when the place-name one is added.
        assert_eq!(pos("zq", "重庆"), Some(vec![0, 1]));
        assert_eq!(pos("zhongyao", "重要"), Some(vec![0, 1]));
        assert_eq!(pos("zhang", "长"), Some(vec![0]));
        assert_eq!(pos("lexue", "乐学"), Some(vec![0, 1]));
    }

    #[test]
    fn full_pinyin() {
        assert_eq!(pos("zhoushan", "舟山医疗保障"), Some(vec![0, 1]));
        assert_eq!(pos("taizhousifa", "台州司法"), Some(vec![0, 1, 2, 3]));
    }

    #[test]
    fn mixed_syllables_initials_and_prefixes() {
        assert_eq!(pos("zhoushanyl", "舟山医疗保障"), Some(vec![0, 1, 2, 3]));
        assert_eq!(pos("zsyiliao", "舟山医疗保障"), Some(vec![0, 1, 2, 3]));
        assert_eq!(pos("zhoush", "舟山医疗保障"), Some(vec![0, 1]));
        assert_eq!(pos("zhsh", "舟山"), Some(vec![0, 1]));
    }

    #[test]
    fn query_case_and_spaces_are_ignored() {
        assert_eq!(pos("ZSYL", "舟山医疗保障"), Some(vec![0, 1, 2, 3]));
        assert_eq!(pos("zhou shan", "舟山医疗保障"), Some(vec![0, 1]));
        assert_eq!(pos(" t z ", "台州"), Some(vec![0, 1]));
    }

    #[test]
    fn chinese_query_matches_characters() {
        assert_eq!(pos("舟山", "舟山商务"), Some(vec![0, 1]));
        assert_eq!(pos("商务", "舟山商务"), Some(vec![2, 3]));
        assert_eq!(pos("舟务", "舟山商务"), Some(vec![0, 3]));
        assert_eq!(pos("舟山yl", "舟山医疗"), Some(vec![0, 1, 2, 3]));
        assert_eq!(pos("杭州", "舟山商务"), None);
        // A character does not match a homophone.
        assert_eq!(pos("州", "舟山"), None);
    }

    #[test]
    fn latin_letters_and_digits_match_themselves() {
        assert_eq!(pos("app", "浙里办APP"), Some(vec![3, 4, 5]));
        assert_eq!(pos("zlbapp", "浙里办APP"), Some(vec![0, 1, 2, 3, 4, 5]));
        assert_eq!(pos("12345", "12345热线"), Some(vec![0, 1, 2, 3, 4]));
        assert_eq!(pos("12345rx", "12345热线"), Some(vec![0, 1, 2, 3, 4, 5, 6]));
        assert_eq!(pos("110", "12345热线"), None);
        // Full-width Latin in the name is typed half-width.
        assert_eq!(pos("app", "浙里办ＡＰＰ"), Some(vec![3, 4, 5]));
    }

    #[test]
    fn umlaut_readings_accept_v_and_u() {
        assert_eq!(pos("lvse", "绿色"), Some(vec![0, 1]));
        assert_eq!(pos("luse", "绿色"), Some(vec![0, 1]));
        assert_eq!(pos("nvzi", "女子"), Some(vec![0, 1]));
    }

    #[test]
    fn non_matches() {
        assert_eq!(pos("zzzz", "台州司法"), None);
        assert_eq!(pos("tzsfj", "台州司法"), None);
        assert_eq!(pos("ft", "台州司法"), None, "order matters");
        assert_eq!(pos("tx", "台州司法"), None);
        assert_eq!(pos("q", ""), None);
        // A reading must be entered from its start: `hou` is inside `zhou`.
        assert_eq!(pos("hou", "舟山"), None);
    }

    #[test]
    fn empty_query_matches_everything_without_positions() {
        assert!(Query::new("  ").is_empty());
        assert!(!Query::new("a").is_empty());
        let hit = matches("", "台州司法");
        assert_eq!(hit.map(|m| m.positions), Some(vec![]));
        assert!(score("", "台州") > score("", "台州司法"));
    }

    #[test]
    fn control_chars_and_spaces_in_names_are_transparent() {
        assert_eq!(pos("tzsf", "台州\u{7}司\n法"), Some(vec![0, 1, 3, 5]));
        assert_eq!(pos("tzsf", "台州 司法"), Some(vec![0, 1, 3, 4]));
        // Transparent characters never count as a gap.
        assert_eq!(score("tzsf", "台州 司法"), score("tzsf", "台州\u{1}司法"));
        assert!(score("tzsf", "台州 司法") > score("tzsf", "台州市司法"));
        // …and never match anything themselves.
        assert_eq!(pos("\u{7}", "台\u{7}州"), Some(vec![]));
    }

    #[test]
    fn contiguous_beats_gappy() {
        assert!(score("tzsf", "台州司法局") > score("tzsf", "台州市司法局"));
        // Even when the contiguous hit starts later.
        assert!(score("tzsf", "浙江台州司法") > score("tzsf", "台州市司法局"));
        // One gap beats two gaps.
        assert!(score("tzsf", "台州市区司法") > score("tzsf", "台州市司区法"));
    }

    #[test]
    fn prefix_beats_later_start() {
        assert!(score("sf", "司法局") > score("sf", "台州司法"));
        assert!(score("舟山", "舟山商务") > score("舟山", "浙江舟山"));
        assert_eq!(pos("tz", "台台州"), Some(vec![1, 2]));
    }

    #[test]
    fn shorter_beats_longer_on_ties() {
        assert!(score("zsyl", "舟山医疗") > score("zsyl", "舟山医疗保障"));
        assert!(score("舟山", "舟山") > score("舟山", "舟山商务"));
    }

    #[test]
    fn whole_syllables_beat_abbreviations() {
        // `fa` as 法 rather than as 服+安.
        assert!(score("fa", "法院") > score("fa", "服安"));
        assert_eq!(pos("xian", "西安"), Some(vec![0, 1]));
    }

    #[test]
    fn ranking_sorts_a_list() {
        let names = ["台州市司法局", "浙江台州司法", "台州司法局", "台州司法"];
        let query = Query::new("tzsf");
        let mut hits: Vec<(i64, &str)> = names
            .iter()
            .filter_map(|n| match_key(&query, &SearchKey::new(n)).map(|m| (m.score, *n)))
            .collect();
        hits.sort_by(|a, b| b.0.cmp(&a.0));
        let order: Vec<&str> = hits.iter().map(|h| h.1).collect();
        assert_eq!(order, ["台州司法", "台州司法局", "浙江台州司法", "台州市司法局"]);
    }

    #[test]
    fn prepared_key_is_reusable_across_queries() {
        let key = SearchKey::new("舟山医疗保障");
        assert_eq!(key.char_len(), 6);
        for q in ["zsyl", "zhoushan", "舟山", "baozhang", "ylbz"] {
            assert!(match_key(&Query::new(q), &key).is_some(), "{q}");
        }
        assert!(match_key(&Query::new("hz"), &key).is_none());
    }

    #[test]
    fn refining_query_never_gains_matches() {
        let a = Query::new("zs");
        let b = Query::new("zsy");
        assert!(b.refines(&a));
        assert!(!a.refines(&b));
        assert!(!Query::new("zx").refines(&a));
        let names = ["舟山医疗保障", "舟山商务", "中山", "长沙", "浙江省"];
        for n in names {
            let key = SearchKey::new(n);
            if match_key(&b, &key).is_some() {
                assert!(match_key(&a, &key).is_some(), "{n}");
            }
        }
        assert!(match_key(&a, &SearchKey::new("舟山商务")).is_some());
        assert!(match_key(&b, &SearchKey::new("舟山商务")).is_none());
    }

    #[test]
    fn long_names_are_capped_not_rejected() {
        let mut name = "台州".repeat(200);
        name.push_str("司法");
        let key = SearchKey::new(&name);
        assert_eq!(key.char_len(), MAX_KEY_CHARS);
        assert!(match_key(&Query::new("tz"), &key).is_some());
        assert!(match_key(&Query::new("sf"), &key).is_none());
    }

    #[test]
    fn highlight_ranges_merge_runs() {
        let name = "台州市司法局";
        let hit = matches("tzsf", name).map(|m| highlight_ranges(name, &m.positions));
        assert_eq!(hit, Some(vec![0..6, 9..15]));
        assert_eq!(&name[9..15], "司法");
        assert_eq!(highlight_ranges("ab", &[0, 1, 7]), vec![0..2]);
        assert_eq!(highlight_ranges("ab", &[]), Vec::<Range<usize>>::new());
    }
}
