//! Reading the registry out of the tables: whole (a process's first load, in the
//! order a checkpoint uses, so the registry is the one the journal would give), or the
//! batches after a sequence number (the change feed, and catching a cached copy up).
//! Every function runs inside the caller's transaction, so it reads one consistent
//! state while writers go on.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, params};

use super::codec::{self, Bad};
use crate::error::StoreError;
use crate::journal::Batch;
use crate::posts::{RawPosts, Stamp};
use govcheck_domain::account::{Account, AccountStatus};
use govcheck_domain::event::Event;
use govcheck_domain::finding::Finding;
use govcheck_domain::region::Region;
use govcheck_domain::registry::{ApplyError, Change, Registry};
use govcheck_domain::round::{Round, RoundMode};
use govcheck_domain::rules::Posts;

/// Where a read failed: the database error, or a row that does not decode or apply.
pub(super) fn db(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Database {
        path: path.to_path_buf(),
        source,
    }
}

fn bad(path: &Path, table: &'static str, row: &str, message: impl Into<String>) -> StoreError {
    StoreError::Schema {
        path: path.to_path_buf(),
        table,
        row: row.to_string(),
        message: message.into(),
    }
}

/// The last batch's sequence number (0 for an empty database).
pub fn last_seq(conn: &Connection, path: &Path) -> Result<u64, StoreError> {
    let seq: i64 = conn
        .query_row("SELECT COALESCE(MAX(seq), 0) FROM batches", [], |r| {
            r.get(0)
        })
        .map_err(db(path))?;
    Ok(u64::try_from(seq).unwrap_or(0))
}

/// The whole registry as the tables hold it.
pub fn registry(conn: &Connection, path: &Path) -> Result<Registry, StoreError> {
    let mut reg = Registry::new();
    regions(conn, path, &mut reg)?;
    accounts(conn, path, &mut reg)?;
    rounds(conn, path, &mut reg)?;
    inspected(conn, path, &mut reg)?;
    findings(conn, path, &mut reg)?;
    events(conn, path, &mut reg)?;
    notices(conn, path, &mut reg)?;
    reg.reindex();
    Ok(reg)
}

fn apply(
    reg: &mut Registry,
    change: Change,
    path: &Path,
    table: &'static str,
    row: &str,
) -> Result<(), StoreError> {
    reg.apply(change)
        .map_err(|e| bad(path, table, row, format!("does not apply: {e}")))
}

/// Regions in the order they were first recorded; one whose parent was recorded after
/// it (re-parented later) waits until its parent is in.
fn regions(conn: &Connection, path: &Path, reg: &mut Registry) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare("SELECT code, name, parent FROM regions ORDER BY ord")
        .map_err(db(path))?;
    let mut waiting: Vec<Region> = stmt
        .query_map([], |r| {
            Ok(Region {
                code: r.get(0)?,
                name: r.get(1)?,
                parent: r.get(2)?,
            })
        })
        .map_err(db(path))?
        .collect::<Result<_, _>>()
        .map_err(db(path))?;
    while !waiting.is_empty() {
        let before = waiting.len();
        let mut later = Vec::new();
        for r in waiting {
            match reg.apply(Change::Region(r.clone())) {
                Ok(()) => {}
                Err(ApplyError::UnknownRegion(_)) => later.push(r),
                Err(e) => return Err(bad(path, "regions", &r.code, e.to_string())),
            }
        }
        if later.len() == before {
            let r = &later[0];
            return Err(bad(
                path,
                "regions",
                &r.code,
                format!("parent {:?} is not a region", r.parent),
            ));
        }
        waiting = later;
    }
    reg.reindex();
    Ok(())
}

fn count(conn: &Connection, path: &Path, table: &str) -> Result<usize, StoreError> {
    let n: i64 = conn
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .map_err(db(path))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// The columns of `accounts` every reader selects, in [`account_at`]'s order.
const ACCOUNT_COLS: &str = "id, name, platform, region, host_unit, supervisor_unit, status, \
     opened_on, closed_on, synthetic, extra";

fn accounts(conn: &Connection, path: &Path, reg: &mut Registry) -> Result<(), StoreError> {
    reg.reserve_accounts(count(conn, path, "accounts")?);
    let mut stmt = conn
        .prepare(&format!("SELECT {ACCOUNT_COLS} FROM accounts ORDER BY ord"))
        .map_err(db(path))?;
    let mut rows = stmt.query([]).map_err(db(path))?;
    while let Some(r) = rows.next().map_err(db(path))? {
        let account = account_at(r, path)?;
        let id = account.id.clone();
        apply(reg, Change::Account(account), path, "accounts", &id)?;
    }
    Ok(())
}

/// The account in a row of [`ACCOUNT_COLS`].
fn account_at(r: &rusqlite::Row<'_>, path: &Path) -> Result<Account, StoreError> {
    let id: String = r.get(0).map_err(db(path))?;
    (|| -> Result<Account, Bad> {
        let g = |e: rusqlite::Error| e.to_string();
        let status: String = r.get(6).map_err(g)?;
        let account = Account {
            id: id.clone(),
            name: r.get(1).map_err(g)?,
            platform: r.get(2).map_err(g)?,
            region: r.get(3).map_err(g)?,
            host_unit: r.get(4).map_err(g)?,
            supervisor_unit: r.get(5).map_err(g)?,
            status: AccountStatus::parse(&status).ok_or_else(|| format!("status {status:?}"))?,
            opened_on: codec::parse_opt_date(r.get(7).map_err(g)?)?,
            closed_on: codec::parse_opt_date(r.get(8).map_err(g)?)?,
            synthetic: r.get::<_, i64>(9).map_err(g)? != 0,
            // Contacts have no column of their own: they come back from `extra`.
            contact: None,
            phone: None,
        };
        let extra: Option<String> = r.get(10).map_err(g)?;
        match extra {
            None => Ok(account),
            Some(extra) => with_extra(&account, &extra),
        }
    })()
    .map_err(|m| bad(path, "accounts", &id, m))
}

/// An account with the fields a later version stored in `extra` (a JSON object of
/// the account's fields that have no column of their own).
pub(crate) fn with_extra(account: &Account, extra: &str) -> Result<Account, Bad> {
    let mut value = serde_json::to_value(account).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(fields) = &mut value else {
        return Err("account is not an object".into());
    };
    match serde_json::from_str(extra) {
        Ok(serde_json::Value::Object(more)) => fields.extend(more),
        _ => return Err(format!("extra {extra:?} is not a JSON object")),
    }
    serde_json::from_value(value).map_err(|e| format!("extra {extra:?}: {e}"))
}

/// The columns of `rounds` every reader selects, in [`round_at`]'s order.
const ROUND_COLS: &str =
    "id, title, period_start, period_end, monitoring_point, mode, deadline, note";

fn rounds(conn: &Connection, path: &Path, reg: &mut Registry) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare(&format!("SELECT {ROUND_COLS} FROM rounds ORDER BY id"))
        .map_err(db(path))?;
    let mut rows = stmt.query([]).map_err(db(path))?;
    while let Some(r) = rows.next().map_err(db(path))? {
        let round = round_at(r, path)?;
        let id = round.id.clone();
        apply(reg, Change::Round(round), path, "rounds", &id)?;
    }
    Ok(())
}

/// The round in a row of [`ROUND_COLS`].
fn round_at(r: &rusqlite::Row<'_>, path: &Path) -> Result<Round, StoreError> {
    let id: String = r.get(0).map_err(db(path))?;
    (|| -> Result<Round, Bad> {
        let g = |e: rusqlite::Error| e.to_string();
        let mode: String = r.get(5).map_err(g)?;
        Ok(Round {
            id: id.clone(),
            title: r.get(1).map_err(g)?,
            period_start: codec::parse_date(&r.get::<_, String>(2).map_err(g)?)?,
            period_end: codec::parse_date(&r.get::<_, String>(3).map_err(g)?)?,
            monitoring_point: codec::parse_date(&r.get::<_, String>(4).map_err(g)?)?,
            mode: RoundMode::parse(&mode).ok_or_else(|| format!("mode {mode:?}"))?,
            deadline: codec::parse_opt_date(r.get(6).map_err(g)?)?,
            note: r.get(7).map_err(g)?,
        })
    })()
    .map_err(|m| bad(path, "rounds", &id, m))
}

fn inspected(conn: &Connection, path: &Path, reg: &mut Registry) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare("SELECT round, account FROM inspected ORDER BY round, account")
        .map_err(db(path))?;
    let mut lists: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rows = stmt.query([]).map_err(db(path))?;
    while let Some(r) = rows.next().map_err(db(path))? {
        let round: String = r.get(0).map_err(db(path))?;
        lists
            .entry(round)
            .or_default()
            .push(r.get(1).map_err(db(path))?);
    }
    for (round, accounts) in lists {
        let change = Change::Inspected {
            round: round.clone(),
            accounts,
        };
        apply(reg, change, path, "inspected", &round)?;
    }
    Ok(())
}

/// The columns of `findings` every reader selects, in [`finding_at`]'s order.
const FINDING_COLS: &str = "id, round, account, indicator, problem, note, source, deadline, points";

fn findings(conn: &Connection, path: &Path, reg: &mut Registry) -> Result<(), StoreError> {
    reg.reserve_findings(count(conn, path, "findings")?);
    let mut stmt = conn
        .prepare(&format!("SELECT {FINDING_COLS} FROM findings ORDER BY ord"))
        .map_err(db(path))?;
    let mut rows = stmt.query([]).map_err(db(path))?;
    while let Some(r) = rows.next().map_err(db(path))? {
        let finding = finding_at(r, path)?;
        let id = finding.id.clone();
        apply(reg, Change::Finding(finding), path, "findings", &id)?;
    }
    Ok(())
}

/// The finding in a row of [`FINDING_COLS`].
fn finding_at(r: &rusqlite::Row<'_>, path: &Path) -> Result<Finding, StoreError> {
    let id: String = r.get(0).map_err(db(path))?;
    (|| -> Result<Finding, Bad> {
        let g = |e: rusqlite::Error| e.to_string();
        let points: Option<i64> = r.get(8).map_err(g)?;
        Ok(Finding {
            id: id.clone(),
            round: r.get(1).map_err(g)?,
            account: r.get(2).map_err(g)?,
            indicator: r.get(3).map_err(g)?,
            problem: r.get(4).map_err(g)?,
            note: r.get(5).map_err(g)?,
            source: codec::parse_source(&r.get::<_, String>(6).map_err(g)?)?,
            deadline: codec::parse_opt_date(r.get(7).map_err(g)?)?,
            points: points
                .map(|p| u32::try_from(p).map_err(|_| format!("points {p}")))
                .transpose()?,
        })
    })()
    .map_err(|m| bad(path, "findings", &id, m))
}

/// The columns of `events` every reader selects, in [`event_at`]'s order.
const EVENT_COLS: &str = "id, finding, kind, payload, at, by_name, by_os_user, by_ssh_client, \
     by_peer, claimed_os_user, claimed_ssh_client, note";

/// The event in a row of [`EVENT_COLS`].
fn event_at(r: &rusqlite::Row<'_>, path: &Path) -> Result<Event, StoreError> {
    let id: i64 = r.get(0).map_err(db(path))?;
    (|| -> Result<Event, Bad> {
        let g = |e: rusqlite::Error| e.to_string();
        let kind: String = r.get(2).map_err(g)?;
        let payload: Option<String> = r.get(3).map_err(g)?;
        Ok(Event {
            finding: r.get(1).map_err(g)?,
            kind: codec::parse_kind(&kind, payload.as_deref())?,
            at: codec::parse_instant(&r.get::<_, String>(4).map_err(g)?)?,
            by: codec::actor_at(r, 5).map_err(g)?,
            note: r.get(11).map_err(g)?,
        })
    })()
    .map_err(|m| bad(path, "events", &format!("id {id}"), m))
}

fn events(conn: &Connection, path: &Path, reg: &mut Registry) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare(&format!("SELECT {EVENT_COLS} FROM events ORDER BY id"))
        .map_err(db(path))?;
    let mut rows = stmt.query([]).map_err(db(path))?;
    while let Some(r) = rows.next().map_err(db(path))? {
        let id: i64 = r.get(0).map_err(db(path))?;
        let event = event_at(r, path)?;
        apply(
            reg,
            Change::Event(event),
            path,
            "events",
            &format!("id {id}"),
        )?;
    }
    Ok(())
}

fn notices(conn: &Connection, path: &Path, reg: &mut Registry) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare("SELECT round, body FROM notices ORDER BY round")
        .map_err(db(path))?;
    let mut rows = stmt.query([]).map_err(db(path))?;
    while let Some(r) = rows.next().map_err(db(path))? {
        let round: String = r.get(0).map_err(db(path))?;
        let body: String = r.get(1).map_err(db(path))?;
        let notice = serde_json::from_str(&body)
            .map_err(|e| bad(path, "notices", &round, format!("body: {e}")))?;
        apply(reg, Change::Notice(notice), path, "notices", &round)?;
    }
    Ok(())
}

/// The batches after `since` up to `upto`, each with its recorded changes followed by
/// its events in order: what the change feed sends and what a cached registry is
/// caught up with.
pub fn batches(
    conn: &Connection,
    path: &Path,
    since: u64,
    upto: u64,
) -> Result<Vec<Batch>, StoreError> {
    let since = i64::try_from(since).unwrap_or(i64::MAX);
    let upto = i64::try_from(upto).unwrap_or(i64::MAX);
    let mut out: Vec<Batch> = Vec::new();
    let mut stmt = conn
        .prepare(
            "SELECT seq, at, by_name, by_os_user, by_ssh_client, by_peer, claimed_os_user, \
             claimed_ssh_client, changes FROM batches WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
        )
        .map_err(db(path))?;
    let mut rows = stmt.query(params![since, upto]).map_err(db(path))?;
    while let Some(r) = rows.next().map_err(db(path))? {
        let seq: i64 = r.get(0).map_err(db(path))?;
        let row = format!("seq {seq}");
        let at: String = r.get(1).map_err(db(path))?;
        let changes: String = r.get(8).map_err(db(path))?;
        out.push(Batch {
            seq: u64::try_from(seq).map_err(|_| bad(path, "batches", &row, "negative"))?,
            at: codec::parse_instant(&at).map_err(|m| bad(path, "batches", &row, m))?,
            by: codec::actor_at(r, 2).map_err(db(path))?,
            changes: serde_json::from_str(&changes)
                .map_err(|e| bad(path, "batches", &row, format!("changes: {e}")))?,
        });
    }
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {EVENT_COLS}, batch FROM events WHERE batch > ?1 AND batch <= ?2 ORDER BY id"
        ))
        .map_err(db(path))?;
    let mut rows = stmt.query(params![since, upto]).map_err(db(path))?;
    while let Some(r) = rows.next().map_err(db(path))? {
        let batch: i64 = r.get(12).map_err(db(path))?;
        let event = event_at(r, path)?;
        let i = out
            .binary_search_by_key(&batch, |b| i64::try_from(b.seq).unwrap_or(i64::MAX))
            .map_err(|_| {
                bad(
                    path,
                    "events",
                    &event.finding,
                    format!("batch {batch} is missing"),
                )
            })?;
        out[i].changes.push(Change::Event(event));
    }
    Ok(out)
}

/// Part of the registry, by point queries on the tables' keys (no table is scanned):
/// every round (a handful of rows), and each of `findings` that exists with its
/// account, that account's regions up to the root and its history. What a point
/// command shows, and all a remediation write checks: the domain folds the history
/// into the status, deadline and version exactly as for the whole registry.
pub fn part(conn: &Connection, path: &Path, findings: &[&str]) -> Result<Registry, StoreError> {
    let mut reg = Registry::new();
    let mut wanted = Vec::new();
    for id in findings {
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {FINDING_COLS} FROM findings WHERE id = ?1"
            ))
            .map_err(db(path))?;
        let mut rows = stmt.query(params![id]).map_err(db(path))?;
        if let Some(r) = rows.next().map_err(db(path))? {
            wanted.push(finding_at(r, path)?);
        }
    }
    // Regions first, each chain from the root down, then accounts, rounds, findings.
    let mut accounts: Vec<Account> = Vec::new();
    for f in &wanted {
        if accounts.iter().any(|a| a.id == f.account) {
            continue;
        }
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1"
            ))
            .map_err(db(path))?;
        let mut rows = stmt.query(params![f.account]).map_err(db(path))?;
        let Some(r) = rows.next().map_err(db(path))? else {
            return Err(bad(path, "findings", &f.id, "its account is missing"));
        };
        accounts.push(account_at(r, path)?);
    }
    for a in &accounts {
        region_chain(conn, path, &a.region, &mut reg)?;
    }
    reg.reindex();
    for a in accounts {
        let id = a.id.clone();
        apply(&mut reg, Change::Account(a), path, "accounts", &id)?;
    }
    rounds(conn, path, &mut reg)?;
    for f in wanted {
        let id = f.id.clone();
        apply(&mut reg, Change::Finding(f), path, "findings", &id)?;
        for e in history(conn, path, &id)? {
            apply(&mut reg, Change::Event(e), path, "events", &id)?;
        }
    }
    reg.reindex();
    Ok(reg)
}

/// Add `code` and its ancestors to `reg`, the root first; those already in it stay.
fn region_chain(
    conn: &Connection,
    path: &Path,
    code: &str,
    reg: &mut Registry,
) -> Result<(), StoreError> {
    let mut chain: Vec<Region> = Vec::new();
    let mut next = Some(code.to_string());
    while let Some(code) = next.take() {
        if reg.tree().by_code(&code).is_some() || chain.iter().any(|r| r.code == code) {
            break;
        }
        let region = conn
            .prepare_cached("SELECT code, name, parent FROM regions WHERE code = ?1")
            .and_then(|mut s| {
                s.query_row(params![code], |r| {
                    Ok(Region {
                        code: r.get(0)?,
                        name: r.get(1)?,
                        parent: r.get(2)?,
                    })
                })
            })
            .map_err(db(path))?;
        next = region.parent.clone();
        chain.push(region);
    }
    for r in chain.into_iter().rev() {
        let code = r.code.clone();
        apply(reg, Change::Region(r), path, "regions", &code)?;
        reg.reindex();
    }
    Ok(())
}

/// One finding's history, by the index on `events (finding, id)`: a point query.
pub fn history(conn: &Connection, path: &Path, finding: &str) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {EVENT_COLS} FROM events WHERE finding = ?1 ORDER BY id"
        ))
        .map_err(db(path))?;
    let mut rows = stmt.query(params![finding]).map_err(db(path))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db(path))? {
        out.push(event_at(r, path)?);
    }
    Ok(out)
}

/// Post timestamps with their offsets, per account, sorted by time.
pub fn raw_posts(conn: &Connection, path: &Path) -> Result<RawPosts, StoreError> {
    let mut out = RawPosts::new();
    each_post(conn, path, |account, stamp| {
        out.entry(account).or_default().push(stamp);
    })?;
    Ok(out)
}

/// Post instants per account: what the rules read.
pub fn posts(conn: &Connection, path: &Path) -> Result<Posts, StoreError> {
    let mut out = Posts::default();
    each_post(conn, path, |account, (t, _)| {
        out.by_account.entry(account).or_default().push(t);
    })?;
    Ok(out)
}

fn each_post(
    conn: &Connection,
    path: &Path,
    mut each: impl FnMut(String, Stamp),
) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare("SELECT account, at, utc_offset FROM posts ORDER BY account, at")
        .map_err(db(path))?;
    let mut rows = stmt.query([]).map_err(db(path))?;
    while let Some(r) = rows.next().map_err(db(path))? {
        let account: String = r.get(0).map_err(db(path))?;
        let at: i64 = r.get(1).map_err(db(path))?;
        let offset: i32 = r.get(2).map_err(db(path))?;
        each(account, (at, offset));
    }
    Ok(())
}
