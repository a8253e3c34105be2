//! `GET /api/v1/checkpoint`: the whole registry as one typed, versioned snapshot, which
//! the server encodes from the registry it holds (whatever engine stores it) and the
//! client decodes into the same types, to start a console and to keep as its offline
//! cache.
//!
//! Why a type of its own rather than the domain's serde or the local store's checkpoint
//! codec: the wire must not change when the domain's JSON (the journal's) or the local
//! checkpoint does, and every field is declared once, here, instead of in an encoder
//! and a mirrored decoder. The encoding is postcard (serde's compact binary format),
//! chosen by measurement (`cargo bench --bench snapshot`, 150,000 accounts): the client
//! builds the registry from it faster than from the old checkpoint codec (435 against
//! 579 ms in one run) and more than twice as fast as from gzipped JSON of the same
//! types (1.13 s); it is 24 MB where gzipped JSON is 5 MB, which a compressing proxy
//! can still take back on a slow link.
//!
//! Compatibility rules, since postcard has no field names: the first field is
//! [`FORMAT`] and is read before anything else; a snapshot of a newer format is refused
//! with a message saying to update govcheck, never misread. Any change to these types
//! (a field added, a variant added anywhere but at the end) is a new format number,
//! with the older numbers still read where that is cheap.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

use govcheck_domain::account::{Account, AccountStatus};
use govcheck_domain::event::{Actor, Channel, Claimed, Event, EventKind};
use govcheck_domain::finding::{Finding, FindingSource};
use govcheck_domain::published::{
    PublishedAccount, PublishedNotice, PublishedProblem, PublishedRow,
};
use govcheck_domain::region::Region;
use govcheck_domain::registry::{Change, Registry};
use govcheck_domain::round::{Round, RoundMode};

/// The snapshot format this build writes, and the newest it reads.
pub const FORMAT: u32 = 1;
/// The media type of the snapshot (the `Content-Type` of `/api/v1/checkpoint`).
pub const MEDIA_TYPE: &str = "application/vnd.govcheck.snapshot";
/// The response header that repeats the body's format number, for proxies and scripts
/// that want to know without decoding.
pub const FORMAT_HEADER: &str = "x-govcheck-snapshot-format";

/// Why a snapshot was refused. Nothing of a refused snapshot is used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error(
        "the registry snapshot is format {found}, newer than this govcheck reads (up to {supported}): update govcheck"
    )]
    Newer { found: u32, supported: u32 },
    #[error("the registry snapshot is format {found}, which this govcheck does not read")]
    Unknown { found: u32 },
    #[error("the registry snapshot is damaged: {0}")]
    Damaged(String),
    #[error("the registry snapshot does not make a registry: {0}")]
    Inconsistent(String),
}

/// The registry as of journal position `seq`. Borrows on the way out (the server
/// encodes without copying the registry) and owns on the way in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrySnapshot<'a> {
    /// [`FORMAT`]; always the first field.
    pub format: u32,
    /// The change feed's sequence number this snapshot is at: follow with
    /// `/api/v1/changes?since=seq`.
    pub seq: u64,
    /// Parents before their children, otherwise in registry order.
    pub regions: Vec<SnapRegion<'a>>,
    pub accounts: Vec<SnapAccount<'a>>,
    pub rounds: Vec<SnapRound<'a>>,
    /// Sample rounds' inspected lists (account ids, sorted).
    pub inspected: Vec<SnapInspected<'a>>,
    /// Each finding with its whole history, oldest event first.
    pub findings: Vec<SnapFinding<'a>>,
    pub notices: Vec<SnapNotice<'a>>,
}

/// A calendar day, as days from the first day of the common era (chrono's
/// `num_days_from_ce`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day(pub i32);

/// An instant with the writer's UTC offset: seconds since 1970 UTC, nanoseconds, and
/// the offset in seconds east of UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    pub secs: i64,
    pub nanos: u32,
    pub offset: i32,
}

type Text<'a> = Cow<'a, str>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapRegion<'a> {
    pub code: Text<'a>,
    pub name: Text<'a>,
    pub parent: Option<Text<'a>>,
}

/// New variants go at the end (a variant is sent as its position).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapAccountStatus {
    Operating,
    Suspended,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapAccount<'a> {
    pub id: Text<'a>,
    pub name: Text<'a>,
    pub platform: Text<'a>,
    pub region: Text<'a>,
    pub host_unit: Text<'a>,
    pub supervisor_unit: Option<Text<'a>>,
    pub status: SnapAccountStatus,
    pub opened_on: Option<Day>,
    pub closed_on: Option<Day>,
    pub synthetic: bool,
    pub contact: Option<Text<'a>>,
    pub phone: Option<Text<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapRoundMode {
    Full,
    Sample,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapRound<'a> {
    pub id: Text<'a>,
    pub title: Text<'a>,
    pub period_start: Day,
    pub period_end: Day,
    pub monitoring_point: Day,
    pub mode: SnapRoundMode,
    pub deadline: Option<Day>,
    pub note: Option<Text<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapInspected<'a> {
    pub round: Text<'a>,
    pub accounts: Vec<Text<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapSource {
    Auto,
    Manual,
    Notice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapFinding<'a> {
    pub id: Text<'a>,
    pub round: Text<'a>,
    pub account: Text<'a>,
    pub indicator: Text<'a>,
    pub problem: Option<Text<'a>>,
    pub note: Option<Text<'a>>,
    pub source: SnapSource,
    pub deadline: Option<Day>,
    pub points: Option<u32>,
    pub events: Vec<SnapEvent<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapChannel {
    Phone,
    Document,
    Message,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapKind {
    Reported,
    RectificationReported,
    Verified,
    Rejected,
    Reopened,
    DeadlineExtended {
        to: Day,
    },
    Waived,
    /// With the key its client sent it with, if any (a resend is recognised by it).
    Reminded {
        channel: SnapChannel,
        request: Option<String>,
    },
}

/// One event of a finding's history (the finding is the one that holds it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapEvent<'a> {
    pub kind: SnapKind,
    pub at: Moment,
    pub by: SnapActor<'a>,
    pub note: Option<Text<'a>>,
}

/// Who did it: what the writing process saw, the peer the server saw, and what a
/// client claimed, kept apart as in the domain's `Actor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapActor<'a> {
    pub name: Text<'a>,
    pub os_user: Option<Text<'a>>,
    pub ssh_client: Option<Text<'a>>,
    pub peer: Option<Text<'a>>,
    pub claimed: Option<SnapClaimed<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapClaimed<'a> {
    pub os_user: Option<Text<'a>>,
    pub ssh_client: Option<Text<'a>>,
}

/// A round's published record (附件1 and 附件2 as printed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapNotice<'a> {
    pub round: Text<'a>,
    pub rows: Vec<SnapRow<'a>>,
    pub total: Option<SnapRow<'a>>,
    pub problems: Vec<SnapProblem<'a>>,
    pub sources: Vec<Text<'a>>,
    pub accounts: Vec<SnapPublishedAccount<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapRow<'a> {
    pub region: Text<'a>,
    pub total: u64,
    pub inspected: u64,
    pub problems: u64,
    pub rate: Text<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapProblem<'a> {
    pub problem: Text<'a>,
    pub region: Text<'a>,
    pub platform: Text<'a>,
    pub name: Text<'a>,
    pub host_unit: Text<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapPublishedAccount<'a> {
    pub region: Option<Text<'a>>,
    pub platform: Text<'a>,
    pub name: Text<'a>,
    pub host_unit: Text<'a>,
    pub passed: bool,
    pub problem: Text<'a>,
    pub score: Option<Text<'a>>,
}

// ------------------------------------------------------------------ encoding

fn b(s: &str) -> Text<'_> {
    Cow::Borrowed(s)
}

fn ob(s: &Option<String>) -> Option<Text<'_>> {
    s.as_deref().map(Cow::Borrowed)
}

fn day(d: NaiveDate) -> Day {
    Day(d.num_days_from_ce())
}

impl<'a> RegistrySnapshot<'a> {
    /// The snapshot of `reg` at sequence number `seq`, borrowing its text.
    pub fn of(reg: &'a Registry, seq: u64) -> RegistrySnapshot<'a> {
        // Regions in registry order, so the rebuilt tree lists children in the same
        // order; parents first when a re-parented region would otherwise precede its
        // parent.
        let tree = reg.tree();
        let mut order: Vec<usize> = (0..reg.regions().len()).collect();
        let parents_first = reg.regions().iter().enumerate().all(|(i, r)| {
            r.parent
                .as_ref()
                .is_none_or(|p| tree.by_code(p).is_some_and(|pi| pi < i))
        });
        if !parents_first {
            order.sort_by_key(|&i| (tree.depth(i), i));
        }
        let regions = order
            .into_iter()
            .filter_map(|i| reg.regions().get(i))
            .map(|r| SnapRegion {
                code: b(&r.code),
                name: b(&r.name),
                parent: ob(&r.parent),
            })
            .collect();
        let accounts = reg
            .accounts()
            .iter()
            .map(|a| SnapAccount {
                id: b(&a.id),
                name: b(&a.name),
                platform: b(&a.platform),
                region: b(&a.region),
                host_unit: b(&a.host_unit),
                supervisor_unit: ob(&a.supervisor_unit),
                status: match a.status {
                    AccountStatus::Operating => SnapAccountStatus::Operating,
                    AccountStatus::Suspended => SnapAccountStatus::Suspended,
                    AccountStatus::Closed => SnapAccountStatus::Closed,
                },
                opened_on: a.opened_on.map(day),
                closed_on: a.closed_on.map(day),
                synthetic: a.synthetic,
                contact: ob(&a.contact),
                phone: ob(&a.phone),
            })
            .collect();
        let rounds = reg
            .rounds()
            .iter()
            .map(|r| SnapRound {
                id: b(&r.id),
                title: b(&r.title),
                period_start: day(r.period_start),
                period_end: day(r.period_end),
                monitoring_point: day(r.monitoring_point),
                mode: match r.mode {
                    RoundMode::Full => SnapRoundMode::Full,
                    RoundMode::Sample => SnapRoundMode::Sample,
                },
                deadline: r.deadline.map(day),
                note: ob(&r.note),
            })
            .collect();
        let inspected = reg
            .rounds()
            .iter()
            .map(|r| (r, reg.inspected_ids(&r.id)))
            .filter(|(_, ids)| !ids.is_empty())
            .map(|(r, ids)| SnapInspected {
                round: b(&r.id),
                accounts: ids.into_iter().map(b).collect(),
            })
            .collect();
        let findings = reg
            .findings()
            .iter()
            .enumerate()
            .map(|(i, f)| SnapFinding {
                id: b(&f.id),
                round: b(&f.round),
                account: b(&f.account),
                indicator: b(&f.indicator),
                problem: ob(&f.problem),
                note: ob(&f.note),
                source: match f.source {
                    FindingSource::Auto => SnapSource::Auto,
                    FindingSource::Manual => SnapSource::Manual,
                    FindingSource::Notice => SnapSource::Notice,
                },
                deadline: f.deadline.map(day),
                points: f.points,
                events: reg.history(i).iter().map(event_of).collect(),
            })
            .collect();
        let notices = reg
            .rounds()
            .iter()
            .filter_map(|r| reg.notice(&r.id))
            .map(notice_of)
            .collect();
        RegistrySnapshot {
            format: FORMAT,
            seq,
            regions,
            accounts,
            rounds,
            inspected,
            findings,
            notices,
        }
    }

    /// The snapshot as the bytes `/api/v1/checkpoint` sends.
    pub fn encode(&self) -> Vec<u8> {
        // Serialising into a vector fails only for types postcard cannot express,
        // which these are not; an empty body would be refused by every reader.
        postcard::to_stdvec(self).unwrap_or_default()
    }
}

fn event_of(e: &Event) -> SnapEvent<'_> {
    let kind = match &e.kind {
        EventKind::Reported => SnapKind::Reported,
        EventKind::RectificationReported => SnapKind::RectificationReported,
        EventKind::Verified => SnapKind::Verified,
        EventKind::Rejected => SnapKind::Rejected,
        EventKind::Reopened => SnapKind::Reopened,
        EventKind::DeadlineExtended { to } => SnapKind::DeadlineExtended { to: day(*to) },
        EventKind::Waived => SnapKind::Waived,
        EventKind::Reminded { channel, request } => SnapKind::Reminded {
            channel: match channel {
                Channel::Phone => SnapChannel::Phone,
                Channel::Document => SnapChannel::Document,
                Channel::Message => SnapChannel::Message,
            },
            request: request.clone(),
        },
    };
    SnapEvent {
        kind,
        at: Moment {
            secs: e.at.timestamp(),
            nanos: e.at.timestamp_subsec_nanos(),
            offset: e.at.offset().local_minus_utc(),
        },
        by: SnapActor {
            name: b(&e.by.name),
            os_user: ob(&e.by.os_user),
            ssh_client: ob(&e.by.ssh_client),
            peer: ob(&e.by.peer),
            claimed: e.by.claimed.as_ref().map(|c| SnapClaimed {
                os_user: ob(&c.os_user),
                ssh_client: ob(&c.ssh_client),
            }),
        },
        note: ob(&e.note),
    }
}

fn row_of(r: &PublishedRow) -> SnapRow<'_> {
    SnapRow {
        region: b(&r.region),
        total: r.total,
        inspected: r.inspected,
        problems: r.problems,
        rate: b(&r.rate),
    }
}

fn notice_of(n: &PublishedNotice) -> SnapNotice<'_> {
    SnapNotice {
        round: b(&n.round),
        rows: n.rows.iter().map(row_of).collect(),
        total: n.total.as_ref().map(row_of),
        problems: n
            .problems
            .iter()
            .map(|p| SnapProblem {
                problem: b(&p.problem),
                region: b(&p.region),
                platform: b(&p.platform),
                name: b(&p.name),
                host_unit: b(&p.host_unit),
            })
            .collect(),
        sources: n.sources.iter().map(|s| b(s)).collect(),
        accounts: n
            .accounts
            .iter()
            .map(|a| SnapPublishedAccount {
                region: ob(&a.region),
                platform: b(&a.platform),
                name: b(&a.name),
                host_unit: b(&a.host_unit),
                passed: a.passed,
                problem: b(&a.problem),
                score: ob(&a.score),
            })
            .collect(),
    }
}

// ------------------------------------------------------------------ decoding

/// The format number at the start of `bytes`, without decoding the rest.
pub fn format_of(bytes: &[u8]) -> Result<u32, SnapshotError> {
    postcard::take_from_bytes::<u32>(bytes)
        .map(|(format, _)| format)
        .map_err(|e| SnapshotError::Damaged(e.to_string()))
}

impl RegistrySnapshot<'static> {
    /// Read a snapshot: the format number first (a newer one is refused, saying to
    /// update), then the whole body, which must end exactly where the bytes do. Counts
    /// in the body never reserve more than the bytes can hold, so damaged input costs
    /// no more memory than its own size.
    pub fn decode(bytes: &[u8]) -> Result<RegistrySnapshot<'static>, SnapshotError> {
        match format_of(bytes)? {
            FORMAT => {}
            found if found > FORMAT => {
                return Err(SnapshotError::Newer {
                    found,
                    supported: FORMAT,
                });
            }
            found => return Err(SnapshotError::Unknown { found }),
        }
        let (snap, rest) = postcard::take_from_bytes::<RegistrySnapshot<'static>>(bytes)
            .map_err(|e| SnapshotError::Damaged(e.to_string()))?;
        if !rest.is_empty() {
            return Err(SnapshotError::Damaged(format!(
                "{} bytes after its end",
                rest.len()
            )));
        }
        Ok(snap)
    }

    /// The registry this snapshot holds, built by applying its content in order, as a
    /// journal replay would: a snapshot that does not fit together (an account in a
    /// region it does not hold, an event the state machine refuses) is refused.
    pub fn into_registry(self) -> Result<Registry, SnapshotError> {
        let mut reg = Registry::new();
        let bad = |e: &dyn std::fmt::Display| SnapshotError::Inconsistent(e.to_string());
        for r in self.regions {
            reg.apply(Change::Region(Region {
                code: r.code.into_owned(),
                name: r.name.into_owned(),
                parent: own(r.parent),
            }))
            .map_err(|e| bad(&e))?;
        }
        reg.reindex();
        reg.reserve_accounts(self.accounts.len());
        for a in self.accounts {
            reg.apply(Change::Account(Account {
                id: a.id.into_owned(),
                name: a.name.into_owned(),
                platform: a.platform.into_owned(),
                region: a.region.into_owned(),
                host_unit: a.host_unit.into_owned(),
                supervisor_unit: own(a.supervisor_unit),
                status: match a.status {
                    SnapAccountStatus::Operating => AccountStatus::Operating,
                    SnapAccountStatus::Suspended => AccountStatus::Suspended,
                    SnapAccountStatus::Closed => AccountStatus::Closed,
                },
                opened_on: a.opened_on.map(date).transpose()?,
                closed_on: a.closed_on.map(date).transpose()?,
                synthetic: a.synthetic,
                contact: own(a.contact),
                phone: own(a.phone),
            }))
            .map_err(|e| bad(&e))?;
        }
        for r in self.rounds {
            reg.apply(Change::Round(Round {
                id: r.id.into_owned(),
                title: r.title.into_owned(),
                period_start: date(r.period_start)?,
                period_end: date(r.period_end)?,
                monitoring_point: date(r.monitoring_point)?,
                mode: match r.mode {
                    SnapRoundMode::Full => RoundMode::Full,
                    SnapRoundMode::Sample => RoundMode::Sample,
                },
                deadline: r.deadline.map(date).transpose()?,
                note: own(r.note),
            }))
            .map_err(|e| bad(&e))?;
        }
        for l in self.inspected {
            reg.apply(Change::Inspected {
                round: l.round.into_owned(),
                accounts: l.accounts.into_iter().map(Cow::into_owned).collect(),
            })
            .map_err(|e| bad(&e))?;
        }
        reg.reserve_findings(self.findings.len());
        for f in self.findings {
            let id = f.id.into_owned();
            let events = f.events;
            reg.apply(Change::Finding(Finding {
                id: id.clone(),
                round: f.round.into_owned(),
                account: f.account.into_owned(),
                indicator: f.indicator.into_owned(),
                problem: own(f.problem),
                note: own(f.note),
                source: match f.source {
                    SnapSource::Auto => FindingSource::Auto,
                    SnapSource::Manual => FindingSource::Manual,
                    SnapSource::Notice => FindingSource::Notice,
                },
                deadline: f.deadline.map(date).transpose()?,
                points: f.points,
            }))
            .map_err(|e| bad(&e))?;
            for e in events {
                reg.apply(Change::Event(event_from(id.clone(), e)?))
                    .map_err(|e| bad(&e))?;
            }
        }
        for n in self.notices {
            reg.apply(Change::Notice(notice_from(n)))
                .map_err(|e| bad(&e))?;
        }
        reg.reindex();
        Ok(reg)
    }
}

fn own(s: Option<Text<'_>>) -> Option<String> {
    s.map(Cow::into_owned)
}

fn date(d: Day) -> Result<NaiveDate, SnapshotError> {
    NaiveDate::from_num_days_from_ce_opt(d.0)
        .ok_or_else(|| SnapshotError::Damaged(format!("day {} is not a date", d.0)))
}

fn event_from(finding: String, e: SnapEvent<'_>) -> Result<Event, SnapshotError> {
    let kind = match e.kind {
        SnapKind::Reported => EventKind::Reported,
        SnapKind::RectificationReported => EventKind::RectificationReported,
        SnapKind::Verified => EventKind::Verified,
        SnapKind::Rejected => EventKind::Rejected,
        SnapKind::Reopened => EventKind::Reopened,
        SnapKind::DeadlineExtended { to } => EventKind::DeadlineExtended { to: date(to)? },
        SnapKind::Waived => EventKind::Waived,
        SnapKind::Reminded { channel, request } => EventKind::Reminded {
            channel: match channel {
                SnapChannel::Phone => Channel::Phone,
                SnapChannel::Document => Channel::Document,
                SnapChannel::Message => Channel::Message,
            },
            request,
        },
    };
    let at: Option<DateTime<FixedOffset>> = FixedOffset::east_opt(e.at.offset)
        .and_then(|off| off.timestamp_opt(e.at.secs, e.at.nanos).single());
    let at = at.ok_or_else(|| {
        SnapshotError::Damaged(format!(
            "an event of finding {finding} has no valid time ({}s {}ns {:+}s)",
            e.at.secs, e.at.nanos, e.at.offset
        ))
    })?;
    Ok(Event {
        finding,
        kind,
        at,
        by: Actor {
            name: e.by.name.into_owned(),
            os_user: own(e.by.os_user),
            ssh_client: own(e.by.ssh_client),
            peer: own(e.by.peer),
            claimed: e.by.claimed.map(|c| Claimed {
                os_user: own(c.os_user),
                ssh_client: own(c.ssh_client),
            }),
        },
        note: own(e.note),
    })
}

fn row_from(r: SnapRow<'_>) -> PublishedRow {
    PublishedRow {
        region: r.region.into_owned(),
        total: r.total,
        inspected: r.inspected,
        problems: r.problems,
        rate: r.rate.into_owned(),
    }
}

fn notice_from(n: SnapNotice<'_>) -> PublishedNotice {
    PublishedNotice {
        round: n.round.into_owned(),
        rows: n.rows.into_iter().map(row_from).collect(),
        total: n.total.map(row_from),
        problems: n
            .problems
            .into_iter()
            .map(|p| PublishedProblem {
                problem: p.problem.into_owned(),
                region: p.region.into_owned(),
                platform: p.platform.into_owned(),
                name: p.name.into_owned(),
                host_unit: p.host_unit.into_owned(),
            })
            .collect(),
        sources: n.sources.into_iter().map(Cow::into_owned).collect(),
        accounts: n
            .accounts
            .into_iter()
            .map(|a| PublishedAccount {
                region: own(a.region),
                platform: a.platform.into_owned(),
                name: a.name.into_owned(),
                host_unit: a.host_unit.into_owned(),
                passed: a.passed,
                problem: a.problem.into_owned(),
                score: own(a.score),
            })
            .collect(),
    }
}

/// Decode `bytes` and build the registry they hold, with the snapshot's sequence
/// number: what a client does with the body of `/api/v1/checkpoint`.
pub fn registry_of(bytes: &[u8]) -> Result<(Registry, u64), SnapshotError> {
    let snap = RegistrySnapshot::decode(bytes)?;
    let seq = snap.seq;
    Ok((snap.into_registry()?, seq))
}
