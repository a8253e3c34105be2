//! Checkpoint: the registry as of a journal position, in a compact binary file beside
//! the journal, so a national store (150,000 accounts, a 47 MB journal) loads without
//! decoding every JSON line again. It is a cache: derived from the journal, checked
//! against it on every use, rewritten when the journal has grown, and ignored (the
//! journal is replayed in full) whenever anything about it is off. Deleting it is
//! always safe.
//!
//! Layout (little endian): magic `GCCKPT01`; the journal position (length, last sequence
//! number, number of lines, and the length and CRC-32 of the last line, which is
//! re-read to prove the journal still starts with what was checkpointed); then the
//! regions (parents first), accounts, rounds, sample lists, findings, events and
//! notices. Strings are a u32 length and UTF-8 bytes; dates are days from CE.

use std::path::Path;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone};

use crate::atomic::write_atomic;
use crate::error::StoreError;
use govcheck_domain::account::{Account, AccountStatus};
use govcheck_domain::event::{Actor, Channel, Claimed, Event, EventKind};
use govcheck_domain::finding::{Finding, FindingSource};
use govcheck_domain::region::Region;
use govcheck_domain::registry::{Change, Registry};
use govcheck_domain::round::{Round, RoundMode};

pub const FILE: &str = "checkpoint.bin";
/// 03: an account also holds its contact and phone, and an event may be a reminder
/// (催办, kind 7 with its channel; kind 8 with its channel and request key).
const MAGIC: &[u8; 8] = b"GCCKPT03";
/// 02: an event's actor also holds the peer the server saw and what the client claimed.
/// Still read (its accounts have no contacts, its events no reminders), so the first
/// start after an upgrade does not replay a national journal; a checkpoint of 01 is not
/// read: the store rebuilds it from the journal.
const MAGIC_02: &[u8; 8] = b"GCCKPT02";

/// Where in the journal a checkpoint was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Bytes of the journal covered (ends with a complete line).
    pub journal_len: u64,
    pub seq: u64,
    pub lines: u64,
    pub last_line_len: u64,
    pub last_line_crc: u32,
}

impl Position {
    /// The position at absolute offset `valid_len` of the journal, where `buf` holds the
    /// journal from absolute offset `base` on and `lines` lines end at or before
    /// `valid_len`. `None` when the last line does not start inside `buf`.
    pub fn at(buf: &[u8], base: u64, valid_len: u64, seq: u64, lines: u64) -> Option<Position> {
        let end = usize::try_from(valid_len.checked_sub(base)?).ok()?;
        let body = buf.get(..end)?;
        if end == 0 || body.last() != Some(&b'\n') {
            return None;
        }
        let start = match body[..end - 1].iter().rposition(|&b| b == b'\n') {
            Some(p) => p + 1,
            None if base == 0 => 0,
            None => return None,
        };
        Some(Position {
            journal_len: valid_len,
            seq,
            lines,
            last_line_len: (end - start) as u64,
            last_line_crc: crc32fast::hash(&body[start..end]),
        })
    }

    /// Where to start reading the journal to check this position and replay what
    /// follows: the newline before the last covered line.
    pub fn window_start(&self) -> u64 {
        self.journal_len
            .saturating_sub(self.last_line_len)
            .saturating_sub(1)
    }

    /// Does the journal (of which `buf` holds the bytes from `base` on) still contain,
    /// at this position, the line that was checkpointed?
    pub fn matches_in(&self, buf: &[u8], base: u64) -> bool {
        let Some(rel_end) = self.journal_len.checked_sub(base) else {
            return false;
        };
        let (Ok(end), Ok(len)) = (
            usize::try_from(rel_end),
            usize::try_from(self.last_line_len),
        ) else {
            return false;
        };
        if len == 0 || len > end || end > buf.len() {
            return false;
        }
        let starts_file = base == 0 && end == len;
        (starts_file || (end > len && buf[end - len - 1] == b'\n'))
            && crc32fast::hash(&buf[end - len..end]) == self.last_line_crc
    }
}

// ------------------------------------------------------------------ encoding

struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }
    fn date(&mut self, d: NaiveDate) {
        self.u32(d.num_days_from_ce() as u32);
    }
    fn opt_date(&mut self, d: Option<NaiveDate>) {
        match d {
            Some(d) => {
                self.u8(1);
                self.date(d);
            }
            None => self.u8(0),
        }
    }
    fn time(&mut self, t: &DateTime<FixedOffset>) {
        self.i64(t.timestamp());
        self.u32(t.timestamp_subsec_nanos());
        self.u32(t.offset().local_minus_utc() as u32);
    }
}

/// Write a checkpoint of `reg` at `pos`, atomically.
pub fn write(path: &Path, reg: &Registry, pos: &Position) -> Result<(), StoreError> {
    write_atomic(path, &encode(reg, pos))
}

/// A checkpoint of `reg` at `pos` as bytes (also what the registry server sends a
/// console that starts, instead of the whole journal).
pub fn encode(reg: &Registry, pos: &Position) -> Vec<u8> {
    let mut w = W(Vec::with_capacity(reg.accounts().len() * 160 + 4096));
    w.0.extend_from_slice(MAGIC);
    w.u64(pos.journal_len);
    w.u64(pos.seq);
    w.u64(pos.lines);
    w.u64(pos.last_line_len);
    w.u32(pos.last_line_crc);

    // Regions in registry order, so the rebuilt tree lists children in the same order;
    // parents first when a re-parented region would otherwise precede its parent.
    let tree = reg.tree();
    let mut order: Vec<usize> = (0..tree.len()).collect();
    let parents_first = reg.regions().iter().enumerate().all(|(i, r)| {
        r.parent
            .as_ref()
            .is_none_or(|p| tree.by_code(p).is_some_and(|pi| pi < i))
    });
    if !parents_first {
        order.sort_by_key(|&i| (tree.depth(i), i));
    }
    w.len(order.len());
    for i in order {
        let r = &reg.regions()[i];
        w.str(&r.code);
        w.str(&r.name);
        w.opt_str(r.parent.as_deref());
    }
    w.len(reg.accounts().len());
    for a in reg.accounts() {
        w.str(&a.id);
        w.str(&a.name);
        w.str(&a.platform);
        w.str(&a.region);
        w.str(&a.host_unit);
        w.opt_str(a.supervisor_unit.as_deref());
        w.u8(match a.status {
            AccountStatus::Operating => 0,
            AccountStatus::Suspended => 1,
            AccountStatus::Closed => 2,
        });
        w.opt_date(a.opened_on);
        w.opt_date(a.closed_on);
        w.u8(u8::from(a.synthetic));
        w.opt_str(a.contact.as_deref());
        w.opt_str(a.phone.as_deref());
    }
    w.len(reg.rounds().len());
    for r in reg.rounds() {
        w.str(&r.id);
        w.str(&r.title);
        w.date(r.period_start);
        w.date(r.period_end);
        w.date(r.monitoring_point);
        w.u8(match r.mode {
            RoundMode::Full => 0,
            RoundMode::Sample => 1,
        });
        w.opt_date(r.deadline);
        w.opt_str(r.note.as_deref());
    }
    let lists: Vec<(&str, Vec<&str>)> = reg
        .rounds()
        .iter()
        .map(|r| (r.id.as_str(), reg.inspected_ids(&r.id)))
        .filter(|(_, ids)| !ids.is_empty())
        .collect();
    w.len(lists.len());
    for (round, ids) in lists {
        w.str(round);
        w.len(ids.len());
        for id in ids {
            w.str(id);
        }
    }
    w.len(reg.findings().len());
    for f in reg.findings() {
        w.str(&f.id);
        w.str(&f.round);
        w.str(&f.account);
        w.str(&f.indicator);
        w.opt_str(f.problem.as_deref());
        w.opt_str(f.note.as_deref());
        w.u8(match f.source {
            FindingSource::Auto => 0,
            FindingSource::Manual => 1,
            FindingSource::Notice => 2,
        });
        w.opt_date(f.deadline);
        match f.points {
            Some(p) => {
                w.u8(1);
                w.u32(p);
            }
            None => w.u8(0),
        }
    }
    let events: usize = (0..reg.findings().len())
        .map(|i| reg.history(i).len())
        .sum();
    w.len(events);
    for i in 0..reg.findings().len() {
        for e in reg.history(i) {
            w.str(&e.finding);
            match &e.kind {
                EventKind::Reported => w.u8(0),
                EventKind::RectificationReported => w.u8(1),
                EventKind::Verified => w.u8(2),
                EventKind::Rejected => w.u8(3),
                EventKind::Reopened => w.u8(4),
                EventKind::DeadlineExtended { to } => {
                    w.u8(5);
                    w.date(*to);
                }
                EventKind::Waived => w.u8(6),
                EventKind::Reminded { channel, request } => {
                    // 8: a reminder with the request key it was sent with.
                    w.u8(if request.is_some() { 8 } else { 7 });
                    w.u8(match channel {
                        Channel::Phone => 0,
                        Channel::Document => 1,
                        Channel::Message => 2,
                    });
                    if let Some(key) = request {
                        w.str(key);
                    }
                }
            }
            w.time(&e.at);
            w.str(&e.by.name);
            w.opt_str(e.by.os_user.as_deref());
            w.opt_str(e.by.ssh_client.as_deref());
            w.opt_str(e.by.peer.as_deref());
            match &e.by.claimed {
                None => w.u8(0),
                Some(c) => {
                    w.u8(1);
                    w.opt_str(c.os_user.as_deref());
                    w.opt_str(c.ssh_client.as_deref());
                }
            }
            w.opt_str(e.note.as_deref());
        }
    }
    let notices: Vec<String> = reg
        .rounds()
        .iter()
        .filter_map(|r| reg.notice(&r.id))
        .filter_map(|n| serde_json::to_string(n).ok())
        .collect();
    w.len(notices.len());
    for n in notices {
        w.str(&n);
    }
    w.0
}

// ------------------------------------------------------------------ decoding

struct R<'a> {
    b: &'a [u8],
    pos: usize,
    /// Written as version 03 (contacts, reminders), not 02.
    v3: bool,
}

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|s| s[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u64(&mut self) -> Option<u64> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Some(u64::from_le_bytes(a))
    }
    fn len(&mut self) -> Option<usize> {
        self.u32().map(|n| n as usize)
    }
    /// A count of items that each take at least `min` bytes: more than the remaining
    /// bytes can hold is damage. What is reserved for the items is bounded by the
    /// input, never by a number read from it.
    fn count(&mut self, min: usize) -> Option<usize> {
        let n = self.len()?;
        let left = self.b.len().saturating_sub(self.pos);
        (n.saturating_mul(min) <= left).then_some(n)
    }
    fn str(&mut self) -> Option<String> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
    fn opt_str(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            1 => self.str().map(Some),
            _ => None,
        }
    }
    fn date(&mut self) -> Option<NaiveDate> {
        NaiveDate::from_num_days_from_ce_opt(i32::try_from(self.u32()?).ok()?)
    }
    fn opt_date(&mut self) -> Option<Option<NaiveDate>> {
        match self.u8()? {
            0 => Some(None),
            1 => self.date().map(Some),
            _ => None,
        }
    }
    fn time(&mut self) -> Option<DateTime<FixedOffset>> {
        let ts = self.u64()? as i64;
        let nanos = self.u32()?;
        let off = FixedOffset::east_opt(self.u32()? as i32)?;
        off.timestamp_opt(ts, nanos).single()
    }
}

/// The position a checkpoint file was taken at, without decoding the rest.
pub fn position(bytes: &[u8]) -> Option<Position> {
    let mut r = R {
        b: bytes,
        pos: 0,
        v3: true,
    };
    let magic = r.take(8)?;
    if magic != MAGIC && magic != MAGIC_02 {
        return None;
    }
    Some(Position {
        journal_len: r.u64()?,
        seq: r.u64()?,
        lines: r.u64()?,
        last_line_len: r.u64()?,
        last_line_crc: r.u32()?,
    })
}

/// Rebuild the registry from checkpoint bytes into `reg`. `None` when the bytes are
/// damaged or do not apply; `reg` is then partly built and must be discarded.
///
/// Decoding (a million small strings) and applying (the indexes) each take about half
/// of a national store's load, which is most of the console's first frame: they run
/// as a pipeline on two threads, the decoder handing over batches of changes. Without
/// a second thread it all runs on this one.
pub fn load_into(bytes: &[u8], reg: &mut Registry) -> Option<Position> {
    let pos = position(bytes)?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Piece>(PIPELINE_DEPTH);
    let outcome = std::thread::scope(|s| {
        let decoder = std::thread::Builder::new()
            .name("checkpoint decode".into())
            .spawn_scoped(s, move || decode_all(bytes, &mut PipeSink::new(tx)));
        let Ok(decoder) = decoder else {
            return None;
        };
        let mut applied = true;
        for piece in rx.iter() {
            applied = match piece {
                Piece::Changes(changes) => changes.into_iter().all(|c| reg.apply(c).is_ok()),
                Piece::Reserve(section, n) => {
                    reserve(reg, section, n);
                    true
                }
            };
            if !applied {
                break;
            }
        }
        // Hang up first, so a decoder blocked on a full channel stops.
        drop(rx);
        let decoded = decoder.join().unwrap_or(false);
        Some(applied && decoded)
    });
    let ok = match outcome {
        Some(ok) => ok,
        // No thread to be had: decode and apply in turn.
        None => decode_all(bytes, &mut Direct(reg)),
    };
    reg.reindex();
    ok.then_some(pos)
}

/// Changes per batch handed from the decoder to the applier, and batches in flight:
/// enough to keep both threads busy, little enough memory.
const BATCH: usize = 2048;
const PIPELINE_DEPTH: usize = 8;

enum Piece {
    Changes(Vec<Change>),
    Reserve(Section, usize),
}

fn reserve(reg: &mut Registry, section: Section, n: usize) {
    match section {
        Section::Accounts => reg.reserve_accounts(n.min(1 << 24)),
        Section::Findings => reg.reserve_findings(n.min(1 << 24)),
    }
}

/// Decode everything after the header into `sink`; true when every change was taken
/// and the bytes end exactly where the notices do.
fn decode_all(bytes: &[u8], sink: &mut dyn ChangeSink) -> bool {
    let mut r = R {
        b: bytes,
        pos: 8 + 8 * 4 + 4,
        v3: bytes.get(..8) == Some(MAGIC.as_slice()),
    };
    decode(&mut r, sink).is_some() && sink.finish() && r.pos == bytes.len()
}

/// Where decoded changes go: applied at once, or batched to the applying thread.
trait ChangeSink {
    /// Take one change; false stops the decoding.
    fn push(&mut self, c: Change) -> bool;
    /// A section of `n` items follows.
    fn reserve(&mut self, section: Section, n: usize);
    /// Everything is decoded; false when the last of it was not taken.
    fn finish(&mut self) -> bool {
        true
    }
}

/// Applies each change as it is decoded.
struct Direct<'a>(&'a mut Registry);

impl ChangeSink for Direct<'_> {
    fn push(&mut self, c: Change) -> bool {
        self.0.apply(c).is_ok()
    }
    fn reserve(&mut self, section: Section, n: usize) {
        reserve(self.0, section, n);
    }
}

struct PipeSink {
    tx: std::sync::mpsc::SyncSender<Piece>,
    batch: Vec<Change>,
}

impl PipeSink {
    fn new(tx: std::sync::mpsc::SyncSender<Piece>) -> PipeSink {
        PipeSink {
            tx,
            batch: Vec::with_capacity(BATCH),
        }
    }
    /// Send the batch; false when the applier has hung up (a change did not apply).
    fn send(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.tx.send(Piece::Changes(full)).is_ok()
    }
}

impl ChangeSink for PipeSink {
    fn push(&mut self, c: Change) -> bool {
        self.batch.push(c);
        self.batch.len() < BATCH || self.send()
    }
    fn reserve(&mut self, section: Section, n: usize) {
        // In order: what was decoded before the section goes first. A failed send
        // shows at the next push.
        if self.send() {
            let _ = self.tx.send(Piece::Reserve(section, n));
        }
    }
    fn finish(&mut self) -> bool {
        self.send()
    }
}

fn decode(r: &mut R<'_>, out: &mut dyn ChangeSink) -> Option<()> {
    for _ in 0..r.len()? {
        put(
            out,
            Change::Region(Region {
                code: r.str()?,
                name: r.str()?,
                parent: r.opt_str()?,
            }),
        )?;
    }
    // An account is at least five strings (4 bytes each), a status and four flags.
    let n = r.count(25)?;
    out.reserve(Section::Accounts, n);
    for _ in 0..n {
        put(
            out,
            Change::Account(Account {
                id: r.str()?,
                name: r.str()?,
                platform: r.str()?,
                region: r.str()?,
                host_unit: r.str()?,
                supervisor_unit: r.opt_str()?,
                status: match r.u8()? {
                    0 => AccountStatus::Operating,
                    1 => AccountStatus::Suspended,
                    2 => AccountStatus::Closed,
                    _ => return None,
                },
                opened_on: r.opt_date()?,
                closed_on: r.opt_date()?,
                synthetic: r.u8()? == 1,
                contact: if r.v3 { r.opt_str()? } else { None },
                phone: if r.v3 { r.opt_str()? } else { None },
            }),
        )?;
    }
    for _ in 0..r.len()? {
        put(
            out,
            Change::Round(Round {
                id: r.str()?,
                title: r.str()?,
                period_start: r.date()?,
                period_end: r.date()?,
                monitoring_point: r.date()?,
                mode: match r.u8()? {
                    0 => RoundMode::Full,
                    1 => RoundMode::Sample,
                    _ => return None,
                },
                deadline: r.opt_date()?,
                note: r.opt_str()?,
            }),
        )?;
    }
    for _ in 0..r.len()? {
        let round = r.str()?;
        let n = r.count(4)?;
        let mut accounts = Vec::with_capacity(n);
        for _ in 0..n {
            accounts.push(r.str()?);
        }
        put(out, Change::Inspected { round, accounts })?;
    }
    // A finding is at least four strings, two options, a source, a deadline and points.
    let n = r.count(21)?;
    out.reserve(Section::Findings, n);
    for _ in 0..n {
        put(
            out,
            Change::Finding(Finding {
                id: r.str()?,
                round: r.str()?,
                account: r.str()?,
                indicator: r.str()?,
                problem: r.opt_str()?,
                note: r.opt_str()?,
                source: match r.u8()? {
                    0 => FindingSource::Auto,
                    1 => FindingSource::Manual,
                    2 => FindingSource::Notice,
                    _ => return None,
                },
                deadline: r.opt_date()?,
                points: match r.u8()? {
                    0 => None,
                    1 => Some(r.u32()?),
                    _ => return None,
                },
            }),
        )?;
    }
    for _ in 0..r.len()? {
        let finding = r.str()?;
        let kind = match r.u8()? {
            0 => EventKind::Reported,
            1 => EventKind::RectificationReported,
            2 => EventKind::Verified,
            3 => EventKind::Rejected,
            4 => EventKind::Reopened,
            5 => EventKind::DeadlineExtended { to: r.date()? },
            6 => EventKind::Waived,
            tag @ (7 | 8) if r.v3 => EventKind::Reminded {
                channel: match r.u8()? {
                    0 => Channel::Phone,
                    1 => Channel::Document,
                    2 => Channel::Message,
                    _ => return None,
                },
                request: if tag == 8 { Some(r.str()?) } else { None },
            },
            _ => return None,
        };
        put(
            out,
            Change::Event(Event {
                finding,
                kind,
                at: r.time()?,
                by: Actor {
                    name: r.str()?,
                    os_user: r.opt_str()?,
                    ssh_client: r.opt_str()?,
                    peer: r.opt_str()?,
                    claimed: match r.u8()? {
                        0 => None,
                        1 => Some(Claimed {
                            os_user: r.opt_str()?,
                            ssh_client: r.opt_str()?,
                        }),
                        _ => return None,
                    },
                },
                note: r.opt_str()?,
            }),
        )?;
    }
    for _ in 0..r.len()? {
        put(out, Change::Notice(serde_json::from_str(&r.str()?).ok()?))?;
    }
    Some(())
}

/// Sections whose size is worth reserving before they are applied.
enum Section {
    Accounts,
    Findings,
}

/// Hand a decoded change on; `None` (stop decoding) when it was refused.
fn put(out: &mut dyn ChangeSink, c: Change) -> Option<()> {
    out.push(c).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POS: Position = Position {
        journal_len: 100,
        seq: 7,
        lines: 3,
        last_line_len: 10,
        last_line_crc: 42,
    };

    /// A province with one city and `n` accounts in it: more changes than the pipeline
    /// holds in flight, so the decoder really waits on the applier.
    fn registry(n: usize) -> Registry {
        let mut reg = Registry::new();
        for (code, name, parent) in [
            ("330000", "浙江省", None),
            ("330100", "杭州市", Some("330000")),
        ] {
            let region = Region {
                code: code.into(),
                name: name.into(),
                parent: parent.map(String::from),
            };
            reg.apply(Change::Region(region)).expect("region");
        }
        for i in 0..n {
            let account = Account {
                id: format!("A{i:06}"),
                name: format!("账号{i}"),
                platform: "微信".into(),
                region: "330100".into(),
                host_unit: format!("单位{}", i % 97),
                supervisor_unit: None,
                status: AccountStatus::Operating,
                opened_on: None,
                closed_on: None,
                synthetic: true,
                contact: None,
                phone: None,
            };
            reg.apply(Change::Account(account)).expect("account");
        }
        reg.reindex();
        reg
    }

    #[test]
    fn what_is_loaded_is_what_was_written() {
        let n = BATCH * PIPELINE_DEPTH * 2 + 5;
        let bytes = encode(&registry(n), &POS);
        let mut back = Registry::new();
        assert_eq!(load_into(&bytes, &mut back), Some(POS));
        assert_eq!(back.accounts().len(), n);
        assert_eq!(
            back.account("A000123").map(|a| a.name.as_str()),
            Some("账号123")
        );
        assert_eq!(encode(&back, &POS), bytes, "encodes to the same bytes");
    }

    /// The actor of an event written through the server (the peer it saw, what the
    /// client claimed) survives the checkpoint: a console starting from one, or a
    /// store loading one, shows the same history as the journal.
    #[test]
    fn an_events_peer_and_claims_survive_the_checkpoint() {
        let mut reg = registry(3);
        let round: Round = serde_json::from_str(
            r#"{"id":"R1","title":"t","period_start":"2022-01-01","period_end":"2022-03-27","monitoring_point":"2022-03-27"}"#,
        )
        .expect("round");
        let finding: Finding = serde_json::from_str(
            r#"{"id":"R1-0001","round":"R1","account":"A000001","indicator":"nm.no-update-2w"}"#,
        )
        .expect("finding");
        let at = chrono::DateTime::parse_from_rfc3339("2022-04-01T10:00:00+08:00").expect("t");
        let event = |kind, by| Event {
            finding: "R1-0001".into(),
            kind,
            at,
            by,
            note: None,
        };
        let served = Actor {
            name: "张三".into(),
            peer: Some("10.1.2.3".into()),
            claimed: Some(Claimed {
                os_user: None,
                ssh_client: Some("10.9.9.9".into()),
            }),
            ..Actor::default()
        };
        for c in [
            Change::Round(round),
            Change::Finding(finding),
            Change::Event(event(EventKind::Reported, Actor::default())),
            Change::Event(event(EventKind::RectificationReported, served.clone())),
        ] {
            reg.apply(c).expect("apply");
        }
        reg.reindex();
        let bytes = encode(&reg, &POS);
        let mut back = Registry::new();
        assert_eq!(load_into(&bytes, &mut back), Some(POS));
        let idx = back.finding_index("R1-0001").expect("finding");
        let by: Vec<&Actor> = back.history(idx).iter().map(|e| &e.by).collect();
        assert_eq!(by, vec![&Actor::default(), &served]);
    }

    /// An account's contact and phone and a reminder with its channel survive the
    /// checkpoint; a checkpoint written before they existed (02) still loads.
    #[test]
    fn contacts_and_reminders_survive_and_an_02_checkpoint_still_loads() {
        let mut reg = registry(1);
        let mut a = reg.accounts()[0].clone();
        a.contact = Some("陈孝渝".into());
        a.phone = Some("0971-8177175".into());
        reg.apply(Change::Account(a.clone())).expect("account");
        let round: Round = serde_json::from_str(
            r#"{"id":"R1","title":"t","period_start":"2022-01-01","period_end":"2022-03-27","monitoring_point":"2022-03-27"}"#,
        )
        .expect("round");
        let finding: Finding = serde_json::from_str(
            r#"{"id":"R1-0001","round":"R1","account":"A000000","indicator":"nm.no-update-2w"}"#,
        )
        .expect("finding");
        let at = chrono::DateTime::parse_from_rfc3339("2022-04-01T10:00:00+08:00").expect("t");
        let event = |kind| Event {
            finding: "R1-0001".into(),
            kind,
            at,
            by: Actor::default(),
            note: Some("已电话催办".into()),
        };
        let remind = EventKind::Reminded {
            channel: Channel::Message,
            request: Some("k-1".into()),
        };
        for c in [
            Change::Round(round),
            Change::Finding(finding),
            Change::Event(event(EventKind::Reported)),
            Change::Event(event(remind.clone())),
        ] {
            reg.apply(c).expect("apply");
        }
        let bytes = encode(&reg, &POS);
        let mut back = Registry::new();
        assert_eq!(load_into(&bytes, &mut back), Some(POS));
        assert_eq!(back.account("A000000"), Some(&a));
        let idx = back.finding_index("R1-0001").expect("finding");
        assert_eq!(back.history(idx)[1].kind, remind);
        assert_eq!(back.state(idx).version, 1);

        // 02: the same single account without its two contact fields (both absent
        // here), followed by five empty sections.
        let plain = encode(&registry(1), &POS);
        let mut old = plain.clone();
        old[..8].copy_from_slice(MAGIC_02);
        let cut = old.len() - 22;
        assert_eq!(&old[cut..cut + 2], &[0, 0], "two absent contact fields");
        old.drain(cut..cut + 2);
        let mut back = Registry::new();
        assert_eq!(load_into(&old, &mut back), Some(POS));
        assert_eq!(back.accounts(), registry(1).accounts());
    }

    #[test]
    fn a_change_that_does_not_apply_early_on_fails_the_load_without_hanging() {
        let n = BATCH * PIPELINE_DEPTH * 2;
        let mut bytes = encode(&registry(n), &POS);
        // The first account's region (the second "330100": the first is the city's
        // own code) becomes one that does not exist.
        let at: Vec<usize> = bytes
            .windows(6)
            .enumerate()
            .filter(|(_, w)| *w == b"330100")
            .map(|(i, _)| i)
            .take(2)
            .collect();
        bytes[at[1]..at[1] + 6].copy_from_slice(b"339999");
        let mut back = Registry::new();
        assert_eq!(load_into(&bytes, &mut back), None);
    }

    #[test]
    fn truncated_or_trailing_bytes_fail_the_load() {
        let bytes = encode(&registry(100), &POS);
        let mut back = Registry::new();
        assert_eq!(load_into(&bytes[..bytes.len() - 1], &mut back), None);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(load_into(&longer, &mut Registry::new()), None);
        assert_eq!(load_into(&bytes[..20], &mut Registry::new()), None);
    }

    #[test]
    fn a_count_larger_than_the_remaining_bytes_is_damage_not_an_allocation() {
        let mut r = R {
            b: &[0xff, 0xff, 0xff, 0x0f, 1, 2, 3, 4],
            pos: 0,
            v3: true,
        };
        assert_eq!(r.count(4), None);
        let mut r = R {
            b: &[1, 0, 0, 0, 1, 2, 3, 4],
            pos: 0,
            v3: true,
        };
        assert_eq!(r.count(4), Some(1));
    }
}
