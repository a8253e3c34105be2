//! Matching one query against one name: the part of search that knows Chinese,
//! pinyin and initials. [`super::index`] prepares the names, [`super::rank`] orders
//! the hits.
//!
//! Supervisors type `tzsf`, `zhoushanyl` or `12345` and expect to find
//! 台州司法, 舟山医疗保障 or 12345热线 among ~150,000 account, unit and region
//! names, re-ranked on every keystroke. Everything here is pure: readings are
//! computed once per name ([`SearchKey`]), so the per-keystroke work in
//! [`match_key`] does no pinyin lookups. It is layered by cost because most
//! names do not match: inline bit masks reject most of them without touching
//! the heap, a bit-parallel automaton rejects the rest exactly, and only real
//! hits run the scoring DP. Ranking needs only the score ([`score_key`]), and
//! only for names whose bound ([`screen_key`]) can still make the list;
//! [`match_key`] also allocates the highlight positions, which callers compute
//! for the few hits they show.

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

/// The same flag in a packed char field. It lies above every code point, so
/// a transparent char can never equal a query char.
const TRANSPARENT_CHAR: u32 = 1 << 21;

// Layout of a packed per-char word: char (22 bits, see TRANSPARENT_CHAR),
// arena start (16 bits), first letters of its readings (26 bits).
const META_CHAR_BITS: u32 = 22;
const META_START_SHIFT: u32 = META_CHAR_BITS;
const META_FIRST_SHIFT: u32 = META_START_SHIFT + 16;

/// Arena offsets are stored in 16 bits; readings that would not fit are
/// dropped (unreachable for real names, which need ~10 bytes per char).
const ARENA_CAP: usize = u16::MAX as usize;

/// Number of inline per-segment letter masks in a [`SearchKey`].
const SEGMENTS: usize = 8;

/// The `a`..`z` bits of a char mask.
const LETTERS: u64 = (1 << 26) - 1;

/// One bit per letter and digit (and a hashed bit for any other character)
/// so the matcher can reject most names with a couple of AND instructions
/// before it looks at a single reading.
fn char_bit(c: char) -> u64 {
    let slot = match c {
        'a'..='z' => c as u32 - 'a' as u32,
        '0'..='9' => 26 + c as u32 - '0' as u32,
        _ => 36 + c as u32 % 27,
    };
    1 << slot
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

/// Per-character data while a [`SearchKey`] is built, before it is packed.
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
    /// Bits of the characters a match of this slot can begin with: its own
    /// char and the first letter of each reading.
    first: u64,
}

/// A name prepared once for repeated matching (readings precomputed), because
/// the console re-matches 150,000 names on every keystroke and a pinyin
/// lookup per character per keystroke would not fit a 16 ms frame.
#[derive(Debug, Clone)]
pub struct SearchKey {
    /// One packed word per character (char, reading start, first letters of
    /// its readings; see `META_*`) plus one closing the arena. Only names
    /// that pass the inline filters below read it; 8 bytes a char keeps a
    /// hit's heap footprint to a few cache lines.
    words: Box<[u64]>,
    /// All pinyin readings, each stored as `[len, ascii bytes…]`. One flat
    /// buffer instead of a `Vec<String>` per character keeps 150,000 keys to
    /// two allocations each.
    arena: Box<[u8]>,
    /// Union of all char masks.
    mask: u64,
    /// Union of the first-letter masks: the query's first char always starts
    /// a reading (or is a char itself), which rejects e.g. `a` for names
    /// where `a` only occurs inside syllables.
    firsts: u64,
    /// Letters of each eighth of the name. Kept inline because a full scan is
    /// bound by memory latency: the query's letters must be found segment by
    /// segment, in order, which rejects most names without touching the heap.
    segments: [u32; SEGMENTS],
    /// Full character count of the name (capped), for the length tie-break.
    len: u32,
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
            let start = arena.len() as u32;
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
            start: arena.len() as u32,
            mask: TRANSPARENT,
            first: 0,
        });
        let n = slots.len() - 1;
        let mut segments = [0u32; SEGMENTS];
        let mut mask = 0u64;
        let mut firsts = 0u64;
        for (j, slot) in slots[..n].iter().enumerate() {
            segments[j * SEGMENTS / n] |= (slot.mask & LETTERS) as u32;
            mask |= slot.mask & !TRANSPARENT;
            firsts |= slot.first;
        }
        words.extend(slots.iter().map(|s| {
            let ch = if s.mask & TRANSPARENT != 0 {
                TRANSPARENT_CHAR
            } else {
                u32::from(s.ch)
            };
            u64::from(ch)
                | u64::from(s.start & 0xffff) << META_START_SHIFT
                | (s.first & LETTERS) << META_FIRST_SHIFT
        }));
        SearchKey {
            words: Box::from(&words[..]),
            arena: Box::from(&arena[..]),
            mask,
            firsts,
            segments,
            len: (total_chars as u64).min(LEN_CAP) as u32,
        }
    }

    /// Number of searchable characters, i.e. the exclusive upper bound of
    /// [`Match::positions`].
    pub fn char_len(&self) -> usize {
        self.words.len() - 1
    }

    /// Accessors for the paths that look at chars one at a time.
    #[inline]
    fn planes(&self) -> Planes<'_> {
        Planes {
            metas: &self.words,
            arena: &self.arena,
        }
    }
}

/// Arena offset of a char's readings, from its packed word.
#[inline]
fn meta_start(meta: u64) -> usize {
    usize::from((meta >> META_START_SHIFT) as u16)
}

/// A key's packed words and readings.
struct Planes<'a> {
    metas: &'a [u64],
    arena: &'a [u8],
}

impl<'a> Planes<'a> {
    /// The normalised char `j`, as a code point, or [`TRANSPARENT_CHAR`].
    #[inline]
    fn ch(&self, j: usize) -> u32 {
        (self.metas[j] & ((1 << META_CHAR_BITS) - 1)) as u32
    }

    #[inline]
    fn is_transparent(&self, j: usize) -> bool {
        self.ch(j) & TRANSPARENT_CHAR != 0
    }

    #[inline]
    fn readings(&self, j: usize) -> Readings<'a> {
        Readings {
            rest: self
                .arena
                .get(meta_start(self.metas[j])..meta_start(self.metas[j + 1]))
                .unwrap_or(&[]),
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
            let fits = arena.len() + 1 + len <= ARENA_CAP;
            if fits && !reading.is_empty() && !has_reading(&arena[char_start..], reading) {
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
/// must fit in a `u64`. Longer queries (full pinyin of a long name) still
/// work, through a slower row-by-row path.
const MAX_BIT_PARALLEL_QUERY: usize = 63;

/// A query normalised once per keystroke rather than once per name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    chars: Box<[char]>,
    /// `char_bit` of each query character, parallel to `chars`.
    bits: Box<[u64]>,
    /// The `a`..`z` bit of each query character (0 for anything else),
    /// parallel to `chars`, for the segment filter.
    letters: Box<[u32]>,
    mask: u64,
    /// For each ASCII char, the set of query positions holding it: the
    /// alphabet table of a shift-and automaton, so a name is checked with a
    /// few bit operations per reading instead of a DP.
    ascii_rows: [u64; 128],
    /// Query positions holding non-ASCII chars (usually none), compared one
    /// by one.
    other_rows: u64,
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
        let letters: Box<[u32]> = bits.iter().map(|&b| (b & LETTERS) as u32).collect();
        let mut ascii_rows = [0u64; 128];
        let mut other_rows = 0u64;
        for (i, &c) in chars.iter().enumerate().take(MAX_BIT_PARALLEL_QUERY) {
            match ascii_rows.get_mut(c as usize) {
                Some(rows) => *rows |= 1 << i,
                None => other_rows |= 1 << i,
            }
        }
        Query {
            chars,
            bits,
            letters,
            mask,
            ascii_rows,
            other_rows,
        }
    }

    /// Query positions holding exactly the char with code `ch`.
    #[inline]
    fn rows_of(&self, ch: u32) -> u64 {
        if let Some(&rows) = self.ascii_rows.get(ch as usize) {
            return rows;
        }
        let mut candidates = self.other_rows;
        let mut rows = 0;
        while candidates != 0 {
            let i = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            if self.chars.get(i).is_some_and(|&c| u32::from(c) == ch) {
                rows |= 1 << i;
            }
        }
        rows
    }

    /// Query positions holding any letter in `letters` (bit 0 = `a`).
    #[inline]
    fn rows_of_letters(&self, letters: u64) -> u64 {
        let mut letters = letters & self.mask & LETTERS;
        let mut rows = 0;
        while letters != 0 {
            rows |= self.ascii_rows[b'a' as usize + letters.trailing_zeros() as usize];
            letters &= letters - 1;
        }
        rows
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

/// A priced move of the [`Dp`], kept only so the winning alignment can be
/// walked back for highlighting.
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
    /// Rows set in `last` and `current`, so folding and clearing touch only
    /// those instead of every row.
    last_rows: Vec<usize>,
    current_rows: Vec<usize>,
    /// Moves for queries too long for the bit-parallel scan, in column
    /// order.
    moves: Vec<Move>,
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
    match_key_with(
        query,
        key,
        query.chars.len() <= MAX_BIT_PARALLEL_QUERY,
        true,
    )
}

/// The score [`match_key`] would give, without the highlight positions: no
/// allocation and no alignment walk-back. Ranking tens of thousands of hits of
/// a short query needs only this; positions are then computed for the few hits
/// the list shows. Always equal to `match_key(query, key).map(|m| m.score)`.
pub fn score_key(query: &Query, key: &SearchKey) -> Option<i64> {
    match_key_with(
        query,
        key,
        query.chars.len() <= MAX_BIT_PARALLEL_QUERY,
        false,
    )
    .map(|m| m.score)
}

/// `track`: whether to compute [`Match::positions`] (left empty otherwise).
fn match_key_with(
    query: &Query,
    key: &SearchKey,
    bit_parallel: bool,
    track: bool,
) -> Option<Match> {
    let m = query.chars.len();
    let n = key.char_len();
    if m == 0 {
        return Some(Match {
            score: score_of(u64::from(key.len)),
            positions: Vec::new(),
        });
    }
    if !passes_filters(query, key) {
        return None;
    }
    if m == 1 && bit_parallel {
        return first_hit(query.chars[0], key, track);
    }

    SCRATCH.with(|cell| {
        let mut scratch = cell.borrow_mut();
        let scratch = &mut *scratch;
        let (penalty, positions) = if bit_parallel {
            if !reachable(query, key) {
                return None;
            }
            scan(query, key, scratch, track)?
        } else {
            let mut moves = std::mem::take(&mut scratch.moves);
            moves.clear();
            all_moves(query, key, &mut moves);
            let result = align_moves(m, n, &moves, scratch, track);
            scratch.moves = moves;
            result?
        };
        Some(Match {
            score: score_of(penalty.saturating_add(u64::from(key.len))),
            positions,
        })
    })
}

/// The inline checks that reject most names without touching the heap: every
/// query char occurs in the name, the first one can start something, and a
/// relaxed subsequence check on the segment masks (each query letter occurs
/// in a segment at or after the one holding its predecessor; other query
/// chars are let through). Exact matches always pass. Needs a non-empty query.
#[inline]
fn passes_filters(query: &Query, key: &SearchKey) -> bool {
    let Some(&first) = query.bits.first() else {
        return true;
    };
    if query.mask & !key.mask != 0 || first & key.firsts == 0 {
        return false;
    }
    let mut k = 0;
    for segment in key.segments {
        while let Some(&letter) = query.letters.get(k) {
            if letter != 0 && segment & letter == 0 {
                break;
            }
            k += 1;
        }
    }
    !query
        .letters
        .get(k..)
        .is_some_and(|rest| rest.iter().any(|&l| l != 0))
}

/// What [`screen_key`] learned about a name without running the scoring DP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The name does not match.
    No,
    /// It matches with this score (cheap to know exactly: one-char and empty
    /// queries, and queries too long for the automaton, are scored outright).
    Score(i64),
    /// It matches, with a score of at most this: [`score_screened`] gives the
    /// exact one.
    AtMost(i64),
}

/// Whether `query` matches `key`, and a bound on its score, without the DP.
/// A ranking that keeps only the best few hundred of tens of thousands of
/// matches scores only the names whose bound can still beat the worst hit
/// kept; the rest are counted and skipped. The bound is the leading skip:
/// an alignment cannot start before the first char that can take the
/// query's first char, and every char skipped before the start costs more
/// than any other difference between two alignments.
pub fn screen_key(query: &Query, key: &SearchKey) -> Screen {
    let m = query.chars.len();
    if m <= 1 || m > MAX_BIT_PARALLEL_QUERY {
        return score_key(query, key).map_or(Screen::No, Screen::Score);
    }
    if !passes_filters(query, key) || !reachable(query, key) {
        return Screen::No;
    }
    let lead = lead_chars(query, key);
    Screen::AtMost(score_of(
        lead.saturating_mul(LEAD_CHAR)
            .saturating_add(u64::from(key.len)),
    ))
}

/// The exact score of a name [`screen_key`] found to match with
/// [`Screen::AtMost`]: the DP alone, its checks already done. Equal to
/// [`score_key`] on such names.
pub fn score_screened(query: &Query, key: &SearchKey) -> Option<i64> {
    SCRATCH.with(|cell| {
        let mut scratch = cell.borrow_mut();
        let (penalty, _) = scan(query, key, &mut scratch, false)?;
        Some(score_of(penalty.saturating_add(u64::from(key.len))))
    })
}

/// Non-transparent chars before the first one that can take the query's
/// first char (as itself or as the start of one of its readings).
fn lead_chars(query: &Query, key: &SearchKey) -> u64 {
    let (Some(&c0), Some(&bit0)) = (query.chars.first(), query.bits.first()) else {
        return 0;
    };
    let code = u32::from(c0);
    let letter = bit0 & LETTERS;
    let mut here = 0u64;
    for &meta in key.words.iter().take(key.char_len()) {
        let ch = (meta & ((1 << META_CHAR_BITS) - 1)) as u32;
        if ch & TRANSPARENT_CHAR != 0 {
            continue;
        }
        if ch == code || (meta >> META_FIRST_SHIFT) & letter != 0 {
            return here;
        }
        here += 1;
    }
    here
}

/// Scoring for a one-char query, the first keystroke of every search and the
/// one with the most hits. There are no gaps, so the earliest char that can
/// take it wins: any later one pays a leading-skip unit, which outweighs
/// every lower tier.
fn first_hit(c: char, key: &SearchKey, track: bool) -> Option<Match> {
    let planes = key.planes();
    let code = u32::from(c);
    let letter = if c.is_ascii_lowercase() {
        1u64 << (code - u32::from('a'))
    } else {
        0
    };
    let mut here = 0u64;
    for j in 0..key.char_len() {
        let ch = planes.ch(j);
        if ch & TRANSPARENT_CHAR != 0 {
            continue;
        }
        let whole = if ch == code {
            true
        } else if planes.metas[j] >> META_FIRST_SHIFT & letter != 0 {
            planes.readings(j).any(|r| r == [code as u8])
        } else {
            here += 1;
            continue;
        };
        let partial = if whole { 0 } else { PARTIAL_READING };
        let penalty = here * LEAD_CHAR + partial + u64::from(key.len);
        return Some(Match {
            score: score_of(penalty),
            positions: if track { vec![j] } else { Vec::new() },
        });
    }
    None
}

fn score_of(penalty: u64) -> i64 {
    let score = SCORE_BASE.saturating_sub(penalty);
    i64::try_from(score).unwrap_or(0)
}

/// One way name char `col` can consume query chars `row..row + len`.
#[derive(Debug, Clone, Copy)]
struct Move {
    col: u32,
    /// Position of `col` among non-transparent chars, the unit of gaps and
    /// of the leading skip.
    here: u32,
    row: u32,
    len: u32,
    /// Whether `len` covers a whole reading (or the char itself).
    whole: bool,
}

/// Least-penalty alignment as a shortest path over [`Move`]s, fed column by
/// column from left to right.
///
/// Each move is priced by the best step ending at its row before its
/// column: in the previous non-transparent column (no gap), in any earlier
/// one (gap), or nothing yet (leading skip, only for row 0). Ties prefer the
/// adjacent and then the later predecessor, so `tzsf` on 台州市司法局
/// highlights 台州 and 司法 rather than 台州市 and 法.
struct Dp<'s> {
    m: usize,
    steps: &'s mut Vec<Step>,
    gapped: &'s mut [Best],
    last: &'s mut [Best],
    current: &'s mut [Best],
    last_rows: &'s mut Vec<usize>,
    current_rows: &'s mut Vec<usize>,
    /// `here` of the column `last` belongs to, or -2.
    last_pos: i64,
    /// Whether the column being fed follows `last_pos` directly.
    adjacent: bool,
    touched: bool,
    final_step: Best,
    // Least value in `gapped`, `last` and `current`, for the early exit.
    min_gapped: i64,
    min_last: i64,
    min_current: i64,
    /// Set if the step table would outgrow its `u32` indices.
    overflow: bool,
    /// Whether steps are recorded for walking the alignment back. A ranking pass
    /// over tens of thousands of hits needs only the score; highlight positions are
    /// computed afterwards for the few it shows.
    track: bool,
    /// Steps taken (recorded or not), so the overflow rule is the same either way.
    taken: usize,
}

const GAP_OPEN_I: i64 = GAP_OPEN as i64;
const GAP_CHAR_I: i64 = GAP_CHAR as i64;
const LEAD_CHAR_I: i64 = LEAD_CHAR as i64;
const PARTIAL_I: i64 = PARTIAL_READING as i64;

impl<'s> Dp<'s> {
    fn new(m: usize, scratch: &'s mut Scratch, track: bool) -> Dp<'s> {
        let Scratch {
            steps,
            gapped,
            last,
            current,
            last_rows,
            current_rows,
            moves: _,
        } = scratch;
        steps.clear();
        last_rows.clear();
        current_rows.clear();
        let table = |rows: &'s mut Vec<Best>| -> &'s mut [Best] {
            if rows.len() <= m {
                rows.resize(m + 1, NOTHING);
            }
            let rows = &mut rows[..=m];
            rows.fill(NOTHING);
            rows
        };
        Dp {
            m,
            steps,
            gapped: table(gapped),
            last: table(last),
            current: table(current),
            last_rows,
            current_rows,
            last_pos: -2,
            adjacent: false,
            touched: false,
            final_step: NOTHING,
            min_gapped: UNREACHED,
            min_last: UNREACHED,
            min_current: UNREACHED,
            overflow: false,
            track,
            taken: 0,
        }
    }

    /// False once no column at `here` or later can improve the result.
    /// Steps only add cost, so that holds when every way of continuing is
    /// already at least as expensive as the complete alignment found: a
    /// fresh start, a pending partial alignment across a gap, or one
    /// continuing from the previous column.
    #[inline]
    fn worth_continuing(&self, here: i64) -> bool {
        if self.final_step.value == UNREACHED {
            return true;
        }
        let fresh = here * LEAD_CHAR_I;
        let across_gap = self
            .min_gapped
            .saturating_add(GAP_OPEN_I + (here - 1) * GAP_CHAR_I);
        let pending = if self.last_pos + 1 == here {
            self.min_last
        } else {
            self.min_last.saturating_add(GAP_OPEN_I + GAP_CHAR_I)
        };
        fresh.min(across_gap).min(pending) < self.final_step.value
    }

    fn begin_column(&mut self, here: i64) {
        if self.last_pos + 1 < here {
            let folded = fold_into_gapped(self.gapped, self.last, self.last_rows, self.last_pos);
            self.min_gapped = self.min_gapped.min(folded);
            self.min_last = UNREACHED;
            self.last_pos = -2;
        }
        self.adjacent = self.last_pos + 1 == here;
        self.touched = false;
    }

    /// Takes one move of the current column.
    #[inline]
    fn step(&mut self, col: u32, here: i64, row: usize, len: usize, whole: bool) {
        // Price of arriving at `row` just before this column.
        let (arrive, prev) = if row == 0 {
            (here * LEAD_CHAR_I, NO_STEP)
        } else {
            let adj = if self.adjacent {
                self.last[row]
            } else {
                NOTHING
            };
            let gap = self.gapped[row];
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
                return;
            }
        };
        let to = row + len;
        let cost = arrive + if whole { 0 } else { PARTIAL_I };
        let Ok(index) = u32::try_from(self.taken) else {
            self.overflow = true;
            return;
        };
        self.taken += 1;
        if self.track {
            self.steps.push(Step { col, prev });
        }
        self.touched = true;
        if to == self.m {
            if cost < self.final_step.value {
                self.final_step = Best {
                    value: cost,
                    step: index,
                };
            }
        } else if cost < self.current[to].value {
            if self.current[to].value == UNREACHED {
                self.current_rows.push(to);
            }
            self.min_current = self.min_current.min(cost);
            self.current[to] = Best {
                value: cost,
                step: index,
            };
        }
    }

    fn end_column(&mut self, here: i64) {
        if !self.touched {
            return;
        }
        if self.adjacent {
            let folded = fold_into_gapped(self.gapped, self.last, self.last_rows, self.last_pos);
            self.min_gapped = self.min_gapped.min(folded);
        }
        // `last` is all NOTHING here (just folded, or folded when the
        // previous column stopped being adjacent), so after the swap
        // `current` starts empty without a fill.
        std::mem::swap(&mut self.last, &mut self.current);
        std::mem::swap(&mut self.last_rows, &mut self.current_rows);
        self.last_pos = here;
        self.min_last = self.min_current;
        self.min_current = UNREACHED;
    }

    /// The penalty (without the length term) and matched char indices (none when
    /// steps were not tracked).
    fn finish(self, n: usize) -> Option<(u64, Vec<usize>)> {
        if self.final_step.value == UNREACHED || self.overflow {
            return None;
        }
        if !self.track {
            let penalty = u64::try_from(self.final_step.value).ok()?;
            return Some((penalty, Vec::new()));
        }
        let mut positions = Vec::with_capacity(self.m.min(n));
        let mut at = self.final_step.step;
        while let Some(step) = self.steps.get(at as usize) {
            positions.push(step.col as usize);
            at = step.prev;
        }
        positions.reverse();
        let penalty = u64::try_from(self.final_step.value).ok()?;
        Some((penalty, positions))
    }
}

/// Scores a name with a shift-and automaton over query positions driving
/// the [`Dp`]: `reached` is the set of query prefixes (by length) the name
/// can consume so far, and each reading is checked against every reachable
/// row at once with a few bit operations. Names that cannot match never
/// complete a step to the last row. Needs `m <= 63`.
fn scan(
    query: &Query,
    key: &SearchKey,
    scratch: &mut Scratch,
    track: bool,
) -> Option<(u64, Vec<usize>)> {
    let m = query.chars.len();
    let rows_of_byte = &query.ascii_rows;
    let query_letters = query.mask & LETTERS;
    let arena: &[u8] = &key.arena;
    let mut dp = Dp::new(m, scratch, track);
    let mut reached: u64 = 1;
    let mut here = -1i64;
    for (j, pair) in key.words.windows(2).enumerate() {
        let (meta, next_meta) = (pair[0], pair[1]);
        let ch = (meta & ((1 << META_CHAR_BITS) - 1)) as u32;
        if ch & TRANSPARENT_CHAR != 0 {
            continue;
        }
        here += 1;
        let letters = (meta >> META_FIRST_SHIFT) & query_letters;
        let same = match rows_of_byte.get(ch as usize) {
            Some(&rows) => rows,
            None if query.other_rows == 0 => 0,
            None => query.rows_of(ch),
        };
        if letters == 0 && same == 0 {
            continue;
        }
        let from = (query.rows_of_letters(letters) | same) & reached;
        if from == 0 {
            continue;
        }
        if !dp.worth_continuing(here) {
            break;
        }
        dp.begin_column(here);
        let col = j as u32;
        let direct = from & same;
        for_each_row(direct, |row| dp.step(col, here, row, 1, true));
        let mut next = direct << 1;
        let readings = Readings {
            rest: arena
                .get(meta_start(meta)..meta_start(next_meta))
                .unwrap_or(&[]),
        };
        for reading in readings {
            let mut run = from;
            for (used, &b) in reading.iter().enumerate() {
                run = (run & rows_of_byte[usize::from(b & 0x7f)]) << 1;
                if run == 0 {
                    break;
                }
                next |= run;
                let len = used + 1;
                let whole = len == reading.len();
                for_each_row(run >> len, |row| dp.step(col, here, row, len, whole));
            }
        }
        dp.end_column(here);
        reached |= next;
    }
    dp.finish(key.char_len())
}

/// The automaton of [`scan`] without the scoring: a cheap exact test that
/// rejects most names reaching this far before any DP state is set up.
fn reachable(query: &Query, key: &SearchKey) -> bool {
    let m = query.chars.len();
    let rows_of_byte = &query.ascii_rows;
    let query_letters = query.mask & LETTERS;
    let arena: &[u8] = &key.arena;
    let mut reached: u64 = 1;
    // Kept lean: this loop runs for every name that passes the inline
    // filters, mostly to skip characters that cannot start anything.
    for pair in key.words.windows(2) {
        let (meta, next_meta) = (pair[0], pair[1]);
        let ch = (meta & ((1 << META_CHAR_BITS) - 1)) as u32;
        let letters = (meta >> META_FIRST_SHIFT) & query_letters;
        let same = match rows_of_byte.get(ch as usize) {
            Some(&rows) => rows,
            None if query.other_rows == 0 => 0,
            None => query.rows_of(ch),
        };
        if letters == 0 && same == 0 {
            continue;
        }
        let from = (query.rows_of_letters(letters) | same) & reached;
        if from == 0 {
            continue;
        }
        let mut next = (from & same) << 1;
        let readings = Readings {
            rest: arena
                .get(meta_start(meta)..meta_start(next_meta))
                .unwrap_or(&[]),
        };
        for reading in readings {
            let mut run = from;
            for &b in reading {
                run = (run & rows_of_byte[usize::from(b & 0x7f)]) << 1;
                if run == 0 {
                    break;
                }
                next |= run;
            }
        }
        reached |= next;
        if (reached >> m) & 1 != 0 {
            return true;
        }
    }
    false
}

#[inline]
fn for_each_row(mut rows: u64, mut f: impl FnMut(usize)) {
    while rows != 0 {
        f(rows.trailing_zeros() as usize);
        rows &= rows - 1;
    }
}

/// The moves for queries too long for [`scan`]'s bit sets, found by
/// comparing every row with every reading.
fn all_moves(query: &Query, key: &SearchKey, moves: &mut Vec<Move>) {
    let planes = key.planes();
    let mut here = 0u32;
    for j in 0..key.char_len() {
        if planes.is_transparent(j) {
            continue;
        }
        here += 1;
        let ch = planes.ch(j);
        for (i, &first) in query.chars.iter().enumerate() {
            let mut push = |len: usize, whole: bool| {
                moves.push(Move {
                    col: j as u32,
                    here: here - 1,
                    row: i as u32,
                    len: len as u32,
                    whole,
                });
            };
            if u32::from(first) == ch {
                push(1, true);
            }
            for reading in planes.readings(j) {
                let common = reading
                    .iter()
                    .zip(&query.chars[i..])
                    .take_while(|&(&r, &c)| r as char == c)
                    .count();
                for used in 1..=common {
                    push(used, used == reading.len());
                }
            }
        }
    }
}

/// Feeds precomputed moves (grouped by column, in order) through the [`Dp`].
fn align_moves(
    m: usize,
    n: usize,
    moves: &[Move],
    scratch: &mut Scratch,
    track: bool,
) -> Option<(u64, Vec<usize>)> {
    let mut dp = Dp::new(m, scratch, track);
    let mut rest = moves;
    while let Some(first) = rest.first() {
        let split = rest
            .iter()
            .position(|mv| mv.col != first.col)
            .unwrap_or(rest.len());
        let (column, tail) = rest.split_at(split);
        rest = tail;
        let here = i64::from(first.here);
        if !dp.worth_continuing(here) {
            break;
        }
        dp.begin_column(here);
        for mv in column {
            dp.step(mv.col, here, mv.row as usize, mv.len as usize, mv.whole);
        }
        dp.end_column(here);
    }
    dp.finish(n)
}

/// Moves the previous column's steps into the "needs a gap" table once a
/// later column makes them non-adjacent. Later columns win ties. Returns
/// the least value moved.
fn fold_into_gapped(
    gapped: &mut [Best],
    last: &mut [Best],
    rows: &mut Vec<usize>,
    last_pos: i64,
) -> i64 {
    let mut least = UNREACHED;
    for row in rows.drain(..) {
        let (Some(g), Some(l)) = (gapped.get_mut(row), last.get_mut(row)) else {
            continue;
        };
        let value = l.value - last_pos * GAP_CHAR as i64;
        least = least.min(value);
        if value <= g.value {
            *g = Best {
                value,
                step: l.step,
            };
        }
        *l = NOTHING;
    }
    least
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

    fn char_at(key: &SearchKey, j: usize) -> char {
        char::from_u32(key.planes().ch(j)).unwrap_or('\0')
    }

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
            let v = if key.planes().is_transparent(j) {
                go(q, key, i, j + 1, state, memo)
            } else {
                let mut best = match state {
                    0 => go(q, key, i, j + 1, 0, memo).saturating_add(LEAD_CHAR),
                    1 => go(q, key, i, j + 1, 2, memo).saturating_add(GAP_OPEN + GAP_CHAR),
                    _ => go(q, key, i, j + 1, 2, memo).saturating_add(GAP_CHAR),
                };
                if q[i] == char_at(key, j) {
                    best = best.min(go(q, key, i + 1, j + 1, 1, memo));
                }
                for r in key.planes().readings(j) {
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
        (v != INF).then(|| v + u64::from(key.len))
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
            if q[0] == char_at(key, j) && split(&q[1..], key, tail) {
                return true;
            }
            key.planes().readings(j).any(|r| {
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
                let readings: Vec<&[u8]> = key.planes().readings(j).collect();
                if readings.is_empty() || next(5) == 0 {
                    text.push(char_at(&key, j));
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
                let got = match_key_with(&query, &key, bit_parallel, true);
                let score_only = match_key_with(&query, &key, bit_parallel, false);
                assert_eq!(
                    score_only.as_ref().map(|m| m.score),
                    got.as_ref().map(|m| m.score),
                    "score-only pass disagrees: {text:?} on {name:?}, bit_parallel={bit_parallel}"
                );
                assert!(score_only.is_none_or(|m| m.positions.is_empty()));
                if bit_parallel {
                    let want = got.as_ref().map(|m| m.score);
                    match screen_key(&query, &key) {
                        Screen::No => assert_eq!(want, None, "{text:?} on {name:?}"),
                        Screen::Score(s) => assert_eq!(want, Some(s), "{text:?} on {name:?}"),
                        Screen::AtMost(bound) => {
                            let exact = score_screened(&query, &key);
                            assert_eq!(exact, want, "{text:?} on {name:?}");
                            assert!(exact.is_some_and(|s| s <= bound), "{text:?} on {name:?}");
                        }
                    }
                }
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
    fn one_char_fast_path_agrees_with_brute_force() {
        let names = [
            "阿里巴巴",
            "鹅湖",
            "爱心e站",
            "台州 司法",
            "\u{7}e",
            "浙江省台州市",
            "12345热线",
            "厦门",
        ];
        for name in names {
            let key = SearchKey::new(name);
            for c in ('a'..='z').chain(['1', '5', '州', '厦', 'E']) {
                let query = Query::new(&c.to_string());
                let got = match_key(&query, &key);
                let expected = reference_penalty(&query, &key).map(score_of);
                assert_eq!(score_key(&query, &key), expected, "{c:?} on {name:?}");
                assert_eq!(got.as_ref().map(|m| m.score), expected, "{c:?} on {name:?}");
                if let Some(hit) = got {
                    assert!(positions_are_consistent(&query, &key, &hit.positions));
                    assert_eq!(hit.positions.len(), 1);
                }
            }
        }
        // 鹅 reads `e` exactly, so `e` is a whole syllable there.
        assert!(score("e", "鹅湖") > score("e", "儿童"));
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
