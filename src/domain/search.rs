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
/// Longest reading kept (the longest pinyin syllable has 6 letters).
const READING_CAP: usize = 16;

/// Set on characters (whitespace, control characters) that are skipped for
/// free: the query drops them too, so they must neither match nor count as a
/// gap between two matched characters.
const TRANSPARENT: u64 = 1 << 63;

/// Number of inline per-quarter masks in a [`SearchKey`].
const SEGMENTS: usize = 4;

/// One bit per letter/digit (and a hashed bit for any other character) so the
/// matcher can reject most names with a couple of AND instructions before it
/// looks at a single reading.
fn char_slot(c: char) -> usize {
    match c {
        'a'..='z' => (c as u32 - 'a' as u32) as usize,
        '0'..='9' => 26 + (c as u32 - '0' as u32) as usize,
        _ => 36 + (c as u32 % 27) as usize,
    }
}

fn char_bit(c: char) -> u64 {
    1 << char_slot(c)
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
    /// Bits of the characters a match of this slot can begin with (its own
    /// char and the first letter of each reading), so the matcher can tell
    /// without decoding readings that the slot cannot start at a position.
    first: u64,
}

/// A name prepared once for repeated matching (readings precomputed), because
/// the console re-matches 150,000 names on every keystroke and a pinyin
/// lookup per character per keystroke would not fit a 16 ms frame.
#[derive(Debug, Clone)]
pub struct SearchKey {
    /// Per character, in three planes: `[mask; n]`, `[first; n]` and
    /// `[char | reading start << 32; n + 1]` (the extra entry closes the
    /// arena). The masks come first and contiguous because the cheap
    /// rejection pass reads nothing else: one or two cache lines per name
    /// instead of every slot.
    words: Box<[u64]>,
    /// All pinyin readings, each stored as `[len, ascii bytes…]`. One flat
    /// buffer instead of a `Vec<String>` per character keeps 150,000 keys to
    /// two allocations each.
    arena: Box<[u8]>,
    /// Union of the char masks of each quarter of the name, kept inline so
    /// most non-matching names are rejected without touching the heap (the
    /// query's letters must be found quarter by quarter, in order).
    segments: [u64; SEGMENTS],
    /// Full character count of the name (capped), for the length tie-break.
    len: u64,
}

impl SearchKey {
    /// Precomputes every reading of every character, because heteronyms
    /// (重 zhong/chong, 厦 sha/xia, 乐 le/yue) and place names need all of them
    /// and the pinyin tables are too slow to consult per keystroke.
    pub fn new(name: &str) -> SearchKey {
        BUILD.with(|cell| {
            let mut bufs = cell.borrow_mut();
            let (slots, arena, words) = &mut *bufs;
            slots.clear();
            arena.clear();
            words.clear();
            SearchKey::build(name, slots, arena, words)
        })
    }

    /// Builds into reused buffers and copies out exact-size boxes, so the
    /// keys of a freshly loaded list sit back to back in memory and a full
    /// scan streams through them instead of chasing scattered blocks.
    fn build(
        name: &str,
        slots: &mut Vec<Slot>,
        arena: &mut Vec<u8>,
        words: &mut Vec<u64>,
    ) -> SearchKey {
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
                    first: 0,
                });
                continue;
            }
            let ch = normalize_char(raw);
            let mut slot_mask = char_bit(ch);
            let mut first = char_bit(ch);
            if !ch.is_ascii() {
                push_readings(ch, arena, start as usize, &mut slot_mask);
                let from = start as usize;
                for reading in (Readings {
                    rest: arena.get(from..).unwrap_or(&[]),
                }) {
                    if let Some(&b) = reading.first() {
                        first |= char_bit(b as char);
                    }
                }
            }
            slots.push(Slot {
                ch,
                start,
                mask: slot_mask,
                first,
            });
        }
        slots.push(Slot {
            ch: '\0',
            start: u32::try_from(arena.len()).unwrap_or(u32::MAX),
            mask: TRANSPARENT,
            first: 0,
        });
        let n = slots.len() - 1;
        let mut segments = [0u64; SEGMENTS];
        for (j, slot) in slots[..n].iter().enumerate() {
            segments[j * SEGMENTS / n] |= slot.mask & !TRANSPARENT;
        }
        words.extend(slots[..n].iter().map(|s| s.mask));
        words.extend(slots[..n].iter().map(|s| s.first));
        words.extend(
            slots
                .iter()
                .map(|s| u64::from(u32::from(s.ch)) | u64::from(s.start) << 32),
        );
        SearchKey {
            words: Box::from(&words[..]),
            arena: Box::from(&arena[..]),
            segments,
            len: (total_chars as u64).min(LEN_CAP),
        }
    }

    /// Number of searchable characters, i.e. the exclusive upper bound of
    /// [`Match::positions`].
    pub fn char_len(&self) -> usize {
        self.words.len() / 3
    }

    /// Unpacks char `j` (or the sentinel at `j == char_len()`).
    #[inline]
    fn slot(&self, j: usize) -> Slot {
        let n = self.char_len();
        let meta = self.words[2 * n + j];
        Slot {
            ch: char::from_u32(meta as u32).unwrap_or('\0'),
            start: (meta >> 32) as u32,
            mask: self.words.get(j).copied().unwrap_or(TRANSPARENT),
            first: self
                .words
                .get(n + j)
                .copied()
                .filter(|_| j < n)
                .unwrap_or(0),
        }
    }

    fn readings(&self, j: usize) -> Readings<'_> {
        let n = self.char_len();
        let from = (self.words[2 * n + j] >> 32) as usize;
        let to = (self.words[2 * n + j + 1] >> 32) as usize;
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
    let mut buf = [0u8; READING_CAP];
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

/// Longest query that fits the bit-parallel path: query positions `0..=m`
/// must fit in a `u64`. Longer queries (pasted full-pinyin of a long name)
/// still work, through the plain DP.
const MAX_BIT_PARALLEL_QUERY: usize = 63;

/// A query normalised once per keystroke rather than once per name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    chars: Box<[char]>,
    /// `char_bit` of each query character, parallel to `chars`.
    bits: Box<[u64]>,
    mask: u64,
    /// For each `char_slot`, the set of query positions holding that
    /// character: the alphabet table of a shift-and automaton, so a name is
    /// checked with a few bit operations per reading instead of a DP.
    positions_of: [u64; 64],
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
        let mut positions_of = [0u64; 64];
        for (i, &c) in chars.iter().enumerate().take(MAX_BIT_PARALLEL_QUERY) {
            positions_of[char_slot(c)] |= 1 << i;
        }
        Query {
            chars,
            bits,
            mask,
            positions_of,
        }
    }

    /// Query positions holding any character in `bits`.
    #[inline]
    fn positions_for(&self, bits: u64) -> u64 {
        let mut bits = bits & self.mask;
        let mut out = 0;
        while bits != 0 {
            out |= self.positions_of[bits.trailing_zeros() as usize];
            bits &= bits - 1;
        }
        out
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

/// One way a name character can consume a piece of the query, kept only so
/// the winning alignment can be walked back. Scoring is a shortest path over
/// these, which for a real hit are a handful, far fewer than
/// (query × name) cells.
#[derive(Debug, Clone, Copy)]
struct Step {
    /// Name char index.
    col: u32,
    /// Index of the previous step on the best alignment, or `NO_STEP`.
    prev: u32,
}

const NO_STEP: u32 = u32::MAX;
const UNREACHED: i64 = i64::MAX;

/// Best step ending at some query row, for a set of earlier columns.
#[derive(Debug, Clone, Copy)]
struct Best {
    /// For adjacent predecessors the step cost; for gapped ones the cost
    /// minus `pos * GAP_CHAR`, so one number serves every later column.
    value: i64,
    step: u32,
}

const NOTHING: Best = Best {
    value: UNREACHED,
    step: NO_STEP,
};

/// Buffers reused across calls so matching 150,000 names allocates nothing
/// but the positions of real hits.
#[derive(Default)]
struct Scratch {
    steps: Vec<Step>,
    /// Per query row: best step ending there from columns at least two
    /// non-transparent chars back (reaching the current one needs a gap).
    gapped: Vec<Best>,
    /// Per query row: best step ending there in the previous participating
    /// column.
    last: Vec<Best>,
    /// Per query row: best step ending there in the current column.
    current: Vec<Best>,
    /// Per name column: query rows where that char can begin a match.
    starts: Vec<u64>,
}

thread_local! {
    /// Scratch for [`SearchKey::new`].
    static BUILD: RefCell<(Vec<Slot>, Vec<u8>, Vec<u64>)> =
        const { RefCell::new((Vec::new(), Vec::new(), Vec::new())) };

    /// Thread-local so callers can split the name list across threads.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Matches a prepared query against a prepared name.
///
/// Every name character may be matched by its full pinyin syllable, by any
/// prefix of one of its readings (so initials), or by itself (Latin, digits,
/// Chinese); characters may be skipped. Returns `None` when the whole query
/// cannot be consumed. Non-matching names are rejected by mask checks and a
/// bit-parallel automaton; only real hits pay for scoring and positions.
pub fn match_key(query: &Query, key: &SearchKey) -> Option<Match> {
    match_key_with(query, key, query.chars.len() <= MAX_BIT_PARALLEL_QUERY)
}

fn match_key_with(query: &Query, key: &SearchKey, bit_parallel: bool) -> Option<Match> {
    let m = query.chars.len();
    let n = key.char_len();
    if m == 0 {
        return Some(Match {
            score: score_of(key.len),
            positions: Vec::new(),
        });
    }
    let [a, b, c, d] = key.segments;
    if query.mask & !(a | b | c | d) != 0 {
        return None;
    }
    let mut k = 0;
    for segment in key.segments {
        while k < m && segment & query.bits[k] != 0 {
            k += 1;
        }
    }
    if k < m {
        return None;
    }
    // Relaxed subsequence check: each query char must be consumable by some
    // name char at or after the one that consumed its predecessor. Exact
    // matches always pass it, and it costs one AND per name character.
    let mut k = 0;
    for &char_mask in &key.words[..n] {
        while k < m && char_mask & query.bits[k] != 0 {
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
        let mut scratch = cell.borrow_mut();
        let scratch = &mut *scratch;
        scratch.starts.clear();
        scratch.starts.resize(n, u64::MAX);
        if bit_parallel && !reachable(query, key, &mut scratch.starts) {
            return None;
        }
        let (penalty, positions) = align(query, key, scratch, bit_parallel)?;
        Some(Match {
            score: score_of(penalty.saturating_add(key.len)),
            positions,
        })
    })
}

fn score_of(penalty: u64) -> i64 {
    let score = SCORE_BASE.saturating_sub(penalty);
    i64::try_from(score).unwrap_or(0)
}

/// Shift-and automaton over query positions: tracks the set of query
/// prefixes (by length) consumable by the name so far, and records in
/// `starts[j]` the reachable rows where char `j` can begin a match. Exact for
/// pinyin and ASCII (non-ASCII chars are compared by hashed bit, so it can
/// only over-approximate), hence it doubles as the precise rejection test and
/// as the list of steps worth scoring. Needs `m <= 63`.
fn reachable(query: &Query, key: &SearchKey, starts: &mut [u64]) -> bool {
    let m = query.chars.len();
    let pos = &query.positions_of;
    let mut reached: u64 = 1;
    for (j, start) in starts.iter_mut().enumerate() {
        let slot = key.slot(j);
        let from = query.positions_for(slot.first) & reached;
        *start = from;
        if from == 0 {
            continue;
        }
        let mut next = (from & pos[char_slot(slot.ch)]) << 1;
        for reading in key.readings(j) {
            let mut run = from;
            for &b in reading {
                run = (run & pos[char_slot(b as char)]) << 1;
                if run == 0 {
                    break;
                }
                next |= run;
            }
        }
        reached |= next;
    }
    (reached >> m) & 1 != 0
}

/// Least-penalty alignment of the whole query, as (penalty without the
/// length term, matched char indices).
///
/// Sweeps name columns left to right, creating a [`Step`] for every way a
/// column can consume query chars `i..k`, priced by the best step ending at
/// row `i` before it: the previous non-transparent column (no gap), any
/// earlier one (gap), or none (leading skip, only for `i == 0`). Ties prefer
/// the adjacent and then the later predecessor, so the highlight lands on
/// 台州_司法_ rather than 台州市_法_ for `tzsf`.
fn align(
    query: &Query,
    key: &SearchKey,
    scratch: &mut Scratch,
    bit_parallel: bool,
) -> Option<(u64, Vec<usize>)> {
    const GAP_OPEN_I: i64 = GAP_OPEN as i64;
    const GAP_CHAR_I: i64 = GAP_CHAR as i64;
    const LEAD_CHAR_I: i64 = LEAD_CHAR as i64;
    const PARTIAL_I: i64 = PARTIAL_READING as i64;

    let m = query.chars.len();
    let n = key.char_len();
    let Scratch {
        steps,
        gapped,
        last,
        current,
        starts,
    } = scratch;
    steps.clear();
    for rows in [&mut *gapped, &mut *last, &mut *current] {
        rows.clear();
        rows.resize(m + 1, NOTHING);
    }
    // Position among non-transparent chars, which is what gaps and the
    // leading skip are counted in.
    let mut pos: i64 = 0;
    let mut last_pos: i64 = -2;
    let mut final_step = NOTHING;

    for j in 0..n {
        let slot = key.slot(j);
        if slot.mask & TRANSPARENT != 0 {
            continue;
        }
        let here = pos;
        pos += 1;
        let rows = if bit_parallel { starts[j] } else { u64::MAX };
        if rows == 0 || slot.mask & query.mask == 0 {
            continue;
        }
        if last_pos + 1 < here {
            fold_into_gapped(gapped, last, last_pos);
            last_pos = -2;
        }
        let adjacent = last_pos + 1 == here;
        let mut touched = false;
        let mut rows = Rows::new(rows, m, bit_parallel);
        while let Some(i) = rows.next_row() {
            let first = query.chars[i];
            if slot.first & query.bits[i] == 0 {
                continue;
            }
            // Price of arriving at row i just before this column.
            let (arrive, prev) = if i == 0 {
                (here * LEAD_CHAR_I, NO_STEP)
            } else {
                let adj = if adjacent { last[i] } else { NOTHING };
                let gap = gapped[i];
                let via_gap = if gap.value == UNREACHED {
                    UNREACHED
                } else {
                    gap.value + GAP_OPEN_I + (here - 1) * GAP_CHAR_I
                };
                if adj.value != UNREACHED && adj.value <= via_gap {
                    (adj.value, adj.step)
                } else if via_gap != UNREACHED {
                    (via_gap, gap.step)
                } else {
                    continue;
                }
            };
            // How far this column can consume from row i, and at which
            // lengths that consumes a whole reading (bit `len` set).
            let mut longest = 0usize;
            let mut whole = 0u32;
            if first == slot.ch {
                longest = 1;
                whole = 1 << 1;
            }
            let rest = &query.chars[i..];
            for reading in key.readings(j) {
                if reading.first().map(|&b| b as char) != Some(first) {
                    continue;
                }
                let common = reading
                    .iter()
                    .zip(rest)
                    .take_while(|&(&r, &c)| r as char == c)
                    .count();
                longest = longest.max(common);
                if common == reading.len() {
                    whole |= 1 << common;
                }
            }
            for used in 1..=longest {
                let to = i + used;
                let partial = if (whole >> used) & 1 != 0 {
                    0
                } else {
                    PARTIAL_I
                };
                let cost = arrive + partial;
                let Ok(index) = u32::try_from(steps.len()) else {
                    return None;
                };
                steps.push(Step {
                    col: j as u32,
                    prev,
                });
                touched = true;
                if to == m {
                    if cost < final_step.value {
                        final_step = Best {
                            value: cost,
                            step: index,
                        };
                    }
                } else if cost < current[to].value {
                    current[to] = Best {
                        value: cost,
                        step: index,
                    };
                }
            }
        }
        if touched {
            if adjacent {
                fold_into_gapped(gapped, last, last_pos);
            }
            // `last` is all NOTHING here (just folded, or folded when the
            // previous column stopped being adjacent), so after the swap
            // `current` starts empty without a fill.
            std::mem::swap(last, current);
            last_pos = here;
        }
    }

    if final_step.step == NO_STEP {
        return None;
    }
    let mut positions = Vec::with_capacity(m.min(n));
    let mut at = final_step.step;
    while let Some(step) = steps.get(at as usize) {
        positions.push(step.col as usize);
        at = step.prev;
    }
    positions.reverse();
    let penalty = u64::try_from(final_step.value).ok()?;
    Some((penalty, positions))
}

/// Query rows to try in one column: the automaton's set bits, or every row
/// for queries too long for it.
struct Rows {
    bits: u64,
    next: usize,
    end: usize,
    bit_parallel: bool,
}

impl Rows {
    fn new(bits: u64, m: usize, bit_parallel: bool) -> Rows {
        Rows {
            bits,
            next: 0,
            end: m,
            bit_parallel,
        }
    }

    #[inline]
    fn next_row(&mut self) -> Option<usize> {
        if self.bit_parallel {
            if self.bits == 0 {
                return None;
            }
            let i = self.bits.trailing_zeros() as usize;
            self.bits &= self.bits - 1;
            // Bit m is "whole query consumed", never a start row.
            (i < self.end).then_some(i)
        } else {
            let i = self.next;
            self.next += 1;
            (i < self.end).then_some(i)
        }
    }
}

/// Moves the previous column's steps into the "needs a gap" table once a
/// later column makes them non-adjacent. Later columns win ties.
fn fold_into_gapped(gapped: &mut [Best], last: &mut [Best], last_pos: i64) {
    for (g, l) in gapped.iter_mut().zip(last.iter_mut()) {
        if l.value != UNREACHED {
            let value = l.value - last_pos * GAP_CHAR as i64;
            if value <= g.value {
                *g = Best {
                    value,
                    step: l.step,
                };
            }
        }
        *l = NOTHING;
    }
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

    const INF: u64 = u64::MAX;

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
        assert!(score("tzsf", "台州区区司法") > score("tzsf", "台州区司区法"));
        assert_eq!(pos("tzsf", "台州区司区法"), Some(vec![0, 1, 3, 5]));
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
        hits.sort_by_key(|h| std::cmp::Reverse(h.0));
        let order: Vec<&str> = hits.iter().map(|h| h.1).collect();
        assert_eq!(
            order,
            ["台州司法", "台州司法局", "浙江台州司法", "台州市司法局"]
        );
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

    /// Brute-force memoised search over all alignments, written
    /// independently of the table layout, to check the optimised DP.
    fn reference_penalty(query: &Query, key: &SearchKey) -> Option<u64> {
        use std::collections::HashMap;
        fn go(
            q: &[char],
            key: &SearchKey,
            i: usize,
            j: usize,
            state: u8,
            memo: &mut HashMap<(usize, usize, u8), u64>,
        ) -> u64 {
            if i == q.len() {
                return 0;
            }
            if j == key.char_len() {
                return INF;
            }
            if let Some(&v) = memo.get(&(i, j, state)) {
                return v;
            }
            let slot = key.slot(j);
            let v = if slot.mask & TRANSPARENT != 0 {
                go(q, key, i, j + 1, state, memo)
            } else {
                let mut best = match state {
                    0 => go(q, key, i, j + 1, 0, memo).saturating_add(LEAD_CHAR),
                    1 => go(q, key, i, j + 1, 2, memo).saturating_add(GAP_OPEN + GAP_CHAR),
                    _ => go(q, key, i, j + 1, 2, memo).saturating_add(GAP_CHAR),
                };
                if q[i] == slot.ch {
                    best = best.min(go(q, key, i + 1, j + 1, 1, memo));
                }
                for r in key.readings(j) {
                    for used in 1..=r.len().min(q.len() - i) {
                        let same = r[..used]
                            .iter()
                            .zip(&q[i..i + used])
                            .all(|(&a, &b)| a as char == b);
                        if !same {
                            break;
                        }
                        let partial = if used < r.len() { PARTIAL_READING } else { 0 };
                        let rest = go(q, key, i + used, j + 1, 1, memo);
                        best = best.min(rest.saturating_add(partial));
                    }
                }
                best
            };
            memo.insert((i, j, state), v);
            v
        }
        let mut memo = HashMap::new();
        let v = go(&query.chars, key, 0, 0, 0, &mut memo);
        (v != INF).then(|| v + key.len)
    }

    /// Checks that `positions` is a real alignment: ascending, in range, and
    /// each matched char can consume a non-empty piece of the query in order.
    fn positions_are_consistent(query: &Query, key: &SearchKey, positions: &[usize]) -> bool {
        if positions.windows(2).any(|w| w[0] >= w[1]) {
            return false;
        }
        if positions.iter().any(|&p| p >= key.char_len()) {
            return false;
        }
        // Can the query be split into len(positions) pieces, piece k consumed
        // by char positions[k]?
        fn split(q: &[char], key: &SearchKey, rest: &[usize]) -> bool {
            let Some((&j, tail)) = rest.split_first() else {
                return q.is_empty();
            };
            if q.is_empty() {
                return false;
            }
            if q[0] == key.slot(j).ch && split(&q[1..], key, tail) {
                return true;
            }
            key.readings(j).any(|r| {
                (1..=r.len().min(q.len())).any(|used| {
                    r[..used]
                        .iter()
                        .zip(&q[..used])
                        .all(|(&a, &b)| a as char == b)
                        && split(&q[used..], key, tail)
                })
            })
        }
        split(&query.chars, key, positions)
    }

    #[test]
    fn optimised_paths_agree_with_brute_force() {
        let alphabet: Vec<char> = "重庆长沙厦门乐清台州市司法局舟山医疗保障绿西安县行Ab1 \u{7}"
            .chars()
            .collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as usize
        };
        let mut hits = 0;
        for _ in 0..3000 {
            let name: String = (0..1 + next(9))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let key = SearchKey::new(&name);
            // Build queries out of the name's own readings so that many match.
            let mut text = String::new();
            for j in 0..key.char_len() {
                if next(3) == 0 {
                    continue;
                }
                let readings: Vec<&[u8]> = key.readings(j).collect();
                if readings.is_empty() || next(5) == 0 {
                    text.push(key.slot(j).ch);
                } else {
                    let r = readings[next(readings.len())];
                    let take = 1 + next(r.len());
                    text.extend(r[..take].iter().map(|&b| b as char));
                }
            }
            if next(4) == 0 {
                text.push(['a', 'z', 'q', '州'][next(4)]);
            }
            let query = Query::new(&text);
            let expected = reference_penalty(&query, &key);
            for bit_parallel in [true, false] {
                let got = match_key_with(&query, &key, bit_parallel);
                let expected_score = expected.map(score_of);
                assert_eq!(
                    got.as_ref().map(|m| m.score),
                    expected_score,
                    "{text:?} on {name:?}, bit_parallel={bit_parallel}"
                );
                if let Some(hit) = got {
                    hits += 1;
                    assert!(
                        query.is_empty() || positions_are_consistent(&query, &key, &hit.positions),
                        "{text:?} on {name:?}: {:?}",
                        hit.positions
                    );
                }
            }
        }
        assert!(
            hits > 2000,
            "generator should mostly produce hits, got {hits}"
        );
    }

    #[test]
    fn queries_too_long_for_the_bit_set_still_match() {
        let name = "浙江省台州市司法局舟山医疗保障局重庆市长沙市厦门市";
        let text = "zhejiangshengtaizhoushisifajuzhoushanyiliaobaozhangjuchongqingshichangshashi";
        assert!(Query::new(text).chars.len() > MAX_BIT_PARALLEL_QUERY);
        let hit = matches(text, name).map(|m| m.positions);
        assert_eq!(hit, Some((0..22).collect::<Vec<_>>()));
        assert_eq!(matches(&format!("{text}q"), name), None);
        assert!(matches(&format!("{text}xiamen"), name).is_some());
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
