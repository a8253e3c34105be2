//! Reading the registry out of the tables on PostgreSQL: the same queries, in the same
//! order, as SQLite's reader (`sqlite/read.rs`), so both engines build the same
//! registry. Every function runs inside the caller's transaction. Text keys are ordered
//! here, not by the database: a database's collation (`zh_CN.UTF-8`, `en_US.UTF-8`)
//! would order them differently from SQLite's byte order.

use std::collections::BTreeMap;

use tokio_postgres::{Row, Transaction};

use super::codec_pg::{actor_at, bad, db, get};
use crate::error::StoreError;
use crate::journal::Batch;
use crate::posts::{RawPosts, Stamp};
use crate::sqlite::codec::{self, Bad};
use crate::sqlite::read::with_extra;
use govcheck_domain::account::{Account, AccountStatus};
use govcheck_domain::event::Event;
use govcheck_domain::finding::Finding;
use govcheck_domain::region::Region;
use govcheck_domain::registry::{ApplyError, Change, Registry};
use govcheck_domain::round::{Round, RoundMode};
use govcheck_domain::rules::Posts;

/// The last batch's sequence number (0 for an empty database).
pub async fn last_seq(tx: &Transaction<'_>, name: &str) -> Result<u64, StoreError> {
    let row = tx
        .query_one("SELECT COALESCE(MAX(seq), 0) FROM batches", &[])
        .await
        .map_err(db(name))?;
    let seq: i32 = row.try_get(0).map_err(db(name))?;
    Ok(u64::try_from(seq).unwrap_or(0))
}

/// The whole registry as the tables hold it.
pub async fn registry(tx: &Transaction<'_>, name: &str) -> Result<Registry, StoreError> {
    let mut reg = Registry::new();
    regions(tx, name, &mut reg).await?;
    accounts(tx, name, &mut reg).await?;
    rounds(tx, name, &mut reg).await?;
    inspected(tx, name, &mut reg).await?;
    findings(tx, name, &mut reg).await?;
    events(tx, name, &mut reg).await?;
    notices(tx, name, &mut reg).await?;
    reg.reindex();
    Ok(reg)
}

fn apply(
    reg: &mut Registry,
    change: Change,
    name: &str,
    table: &'static str,
    row: &str,
) -> Result<(), StoreError> {
    reg.apply(change)
        .map_err(|e| bad(name, table, row, format!("does not apply: {e}")))
}

async fn regions(tx: &Transaction<'_>, name: &str, reg: &mut Registry) -> Result<(), StoreError> {
    let rows = tx
        .query("SELECT code, name, parent FROM regions ORDER BY ord", &[])
        .await
        .map_err(db(name))?;
    let mut waiting = Vec::with_capacity(rows.len());
    for r in &rows {
        waiting.push(Region {
            code: r.try_get(0).map_err(db(name))?,
            name: r.try_get(1).map_err(db(name))?,
            parent: r.try_get(2).map_err(db(name))?,
        });
    }
    while !waiting.is_empty() {
        let before = waiting.len();
        let mut later = Vec::new();
        for r in waiting {
            match reg.apply(Change::Region(r.clone())) {
                Ok(()) => {}
                Err(ApplyError::UnknownRegion(_)) => later.push(r),
                Err(e) => return Err(bad(name, "regions", &r.code, e.to_string())),
            }
        }
        if later.len() == before {
            let r = &later[0];
            return Err(bad(
                name,
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

async fn accounts(tx: &Transaction<'_>, name: &str, reg: &mut Registry) -> Result<(), StoreError> {
    let rows = tx
        .query(
            "SELECT id, name, platform, region, host_unit, supervisor_unit, status, \
             opened_on, closed_on, synthetic, extra FROM accounts ORDER BY ord",
            &[],
        )
        .await
        .map_err(db(name))?;
    reg.reserve_accounts(rows.len());
    for r in rows {
        let id: String = r.try_get(0).map_err(db(name))?;
        let decoded = (|| -> Result<Account, Bad> {
            let status: String = get(&r, 6)?;
            let account = Account {
                id: id.clone(),
                name: get(&r, 1)?,
                platform: get(&r, 2)?,
                region: get(&r, 3)?,
                host_unit: get(&r, 4)?,
                supervisor_unit: get(&r, 5)?,
                status: AccountStatus::parse(&status)
                    .ok_or_else(|| format!("status {status:?}"))?,
                opened_on: codec::parse_opt_date(get(&r, 7)?)?,
                closed_on: codec::parse_opt_date(get(&r, 8)?)?,
                synthetic: get::<i32>(&r, 9)? != 0,
                contact: None,
                phone: None,
            };
            match get::<Option<String>>(&r, 10)? {
                None => Ok(account),
                Some(extra) => with_extra(&account, &extra),
            }
        })()
        .map_err(|m| bad(name, "accounts", &id, m))?;
        apply(reg, Change::Account(decoded), name, "accounts", &id)?;
    }
    Ok(())
}

async fn rounds(tx: &Transaction<'_>, name: &str, reg: &mut Registry) -> Result<(), StoreError> {
    let rows = tx
        .query(
            "SELECT id, title, period_start, period_end, monitoring_point, mode, deadline, note \
             FROM rounds",
            &[],
        )
        .await
        .map_err(db(name))?;
    let mut decoded = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.try_get(0).map_err(db(name))?;
        let round = (|| -> Result<Round, Bad> {
            let mode: String = get(&r, 5)?;
            Ok(Round {
                id: id.clone(),
                title: get(&r, 1)?,
                period_start: codec::parse_date(&get::<String>(&r, 2)?)?,
                period_end: codec::parse_date(&get::<String>(&r, 3)?)?,
                monitoring_point: codec::parse_date(&get::<String>(&r, 4)?)?,
                mode: RoundMode::parse(&mode).ok_or_else(|| format!("mode {mode:?}"))?,
                deadline: codec::parse_opt_date(get(&r, 6)?)?,
                note: get(&r, 7)?,
            })
        })()
        .map_err(|m| bad(name, "rounds", &id, m))?;
        decoded.push(round);
    }
    decoded.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    for round in decoded {
        let id = round.id.clone();
        apply(reg, Change::Round(round), name, "rounds", &id)?;
    }
    Ok(())
}

async fn inspected(tx: &Transaction<'_>, name: &str, reg: &mut Registry) -> Result<(), StoreError> {
    let rows = tx
        .query("SELECT round, account FROM inspected", &[])
        .await
        .map_err(db(name))?;
    let mut lists: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        let round: String = r.try_get(0).map_err(db(name))?;
        lists
            .entry(round)
            .or_default()
            .push(r.try_get(1).map_err(db(name))?);
    }
    for (round, mut accounts) in lists {
        accounts.sort_unstable();
        let change = Change::Inspected {
            round: round.clone(),
            accounts,
        };
        apply(reg, change, name, "inspected", &round)?;
    }
    Ok(())
}

async fn findings(tx: &Transaction<'_>, name: &str, reg: &mut Registry) -> Result<(), StoreError> {
    let rows = tx
        .query(
            "SELECT id, round, account, indicator, problem, note, source, deadline, points \
             FROM findings ORDER BY ord",
            &[],
        )
        .await
        .map_err(db(name))?;
    reg.reserve_findings(rows.len());
    for r in rows {
        let id: String = r.try_get(0).map_err(db(name))?;
        let decoded = (|| -> Result<Finding, Bad> {
            let points: Option<i32> = get(&r, 8)?;
            Ok(Finding {
                id: id.clone(),
                round: get(&r, 1)?,
                account: get(&r, 2)?,
                indicator: get(&r, 3)?,
                problem: get(&r, 4)?,
                note: get(&r, 5)?,
                source: codec::parse_source(&get::<String>(&r, 6)?)?,
                deadline: codec::parse_opt_date(get(&r, 7)?)?,
                points: points
                    .map(|p| u32::try_from(p).map_err(|_| format!("points {p}")))
                    .transpose()?,
            })
        })()
        .map_err(|m| bad(name, "findings", &id, m))?;
        apply(reg, Change::Finding(decoded), name, "findings", &id)?;
    }
    Ok(())
}

/// The columns of `events` every reader selects, in [`event_at`]'s order.
const EVENT_COLS: &str = "id, finding, kind, payload, at, by_name, by_os_user, by_ssh_client, \
     by_peer, claimed_os_user, claimed_ssh_client, note";

/// The event in a row of [`EVENT_COLS`].
fn event_at(r: &Row, name: &str) -> Result<Event, StoreError> {
    let id: i32 = r.try_get(0).map_err(db(name))?;
    (|| -> Result<Event, Bad> {
        let kind: String = get(r, 2)?;
        let payload: Option<String> = get(r, 3)?;
        Ok(Event {
            finding: get(r, 1)?,
            kind: codec::parse_kind(&kind, payload.as_deref())?,
            at: codec::parse_instant(&get::<String>(r, 4)?)?,
            by: actor_at(r, 5)?,
            note: get(r, 11)?,
        })
    })()
    .map_err(|m| bad(name, "events", &format!("id {id}"), m))
}

async fn events(tx: &Transaction<'_>, name: &str, reg: &mut Registry) -> Result<(), StoreError> {
    let rows = tx
        .query(&format!("SELECT {EVENT_COLS} FROM events ORDER BY id"), &[])
        .await
        .map_err(db(name))?;
    for r in rows {
        let id: i32 = r.try_get(0).map_err(db(name))?;
        let event = event_at(&r, name)?;
        apply(
            reg,
            Change::Event(event),
            name,
            "events",
            &format!("id {id}"),
        )?;
    }
    Ok(())
}

async fn notices(tx: &Transaction<'_>, name: &str, reg: &mut Registry) -> Result<(), StoreError> {
    let rows = tx
        .query("SELECT round, body FROM notices", &[])
        .await
        .map_err(db(name))?;
    let mut bodies = Vec::with_capacity(rows.len());
    for r in rows {
        let round: String = r.try_get(0).map_err(db(name))?;
        let body: String = r.try_get(1).map_err(db(name))?;
        bodies.push((round, body));
    }
    bodies.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (round, body) in bodies {
        let notice = serde_json::from_str(&body)
            .map_err(|e| bad(name, "notices", &round, format!("body: {e}")))?;
        apply(reg, Change::Notice(notice), name, "notices", &round)?;
    }
    Ok(())
}

/// The batches after `since` up to `upto`, each with its recorded changes followed by
/// its events in order (see SQLite's `read::batches`).
pub async fn batches(
    tx: &Transaction<'_>,
    name: &str,
    since: u64,
    upto: u64,
) -> Result<Vec<Batch>, StoreError> {
    let since = i32::try_from(since).unwrap_or(i32::MAX);
    let upto = i32::try_from(upto).unwrap_or(i32::MAX);
    let mut out: Vec<Batch> = Vec::new();
    let rows = tx
        .query(
            "SELECT seq, at, by_name, by_os_user, by_ssh_client, by_peer, claimed_os_user, \
             claimed_ssh_client, changes FROM batches WHERE seq > $1 AND seq <= $2 ORDER BY seq",
            &[&since, &upto],
        )
        .await
        .map_err(db(name))?;
    for r in rows {
        let seq: i32 = r.try_get(0).map_err(db(name))?;
        let row = format!("seq {seq}");
        let at: String = r.try_get(1).map_err(db(name))?;
        let changes: String = r.try_get(8).map_err(db(name))?;
        out.push(Batch {
            seq: u64::try_from(seq).map_err(|_| bad(name, "batches", &row, "negative"))?,
            at: codec::parse_instant(&at).map_err(|m| bad(name, "batches", &row, m))?,
            by: actor_at(&r, 2).map_err(|m| bad(name, "batches", &row, m))?,
            changes: serde_json::from_str(&changes)
                .map_err(|e| bad(name, "batches", &row, format!("changes: {e}")))?,
        });
    }
    let rows = tx
        .query(
            &format!(
                "SELECT {EVENT_COLS}, batch FROM events WHERE batch > $1 AND batch <= $2 ORDER BY id"
            ),
            &[&since, &upto],
        )
        .await
        .map_err(db(name))?;
    for r in rows {
        let batch: i32 = r.try_get(12).map_err(db(name))?;
        let event = event_at(&r, name)?;
        let i = out
            .binary_search_by_key(&i64::from(batch), |b| {
                i64::try_from(b.seq).unwrap_or(i64::MAX)
            })
            .map_err(|_| {
                bad(
                    name,
                    "events",
                    &event.finding,
                    format!("batch {batch} is missing"),
                )
            })?;
        out[i].changes.push(Change::Event(event));
    }
    Ok(out)
}

/// One finding's history, by the index on `events (finding, id)`: a point query.
pub async fn history(
    tx: &Transaction<'_>,
    name: &str,
    finding: &str,
) -> Result<Vec<Event>, StoreError> {
    let rows = tx
        .query(
            &format!("SELECT {EVENT_COLS} FROM events WHERE finding = $1 ORDER BY id"),
            &[&finding],
        )
        .await
        .map_err(db(name))?;
    rows.iter().map(|r| event_at(r, name)).collect()
}

/// Post timestamps with their offsets, per account, sorted by time.
pub async fn raw_posts(tx: &Transaction<'_>, name: &str) -> Result<RawPosts, StoreError> {
    let mut out = RawPosts::new();
    each_post(tx, name, |account, stamp| {
        out.entry(account).or_default().push(stamp);
    })
    .await?;
    Ok(out)
}

/// Post instants per account: what the rules read.
pub async fn posts(tx: &Transaction<'_>, name: &str) -> Result<Posts, StoreError> {
    let mut out = Posts::default();
    each_post(tx, name, |account, (t, _)| {
        out.by_account.entry(account).or_default().push(t);
    })
    .await?;
    Ok(out)
}

/// Every post, each account's in time order (accounts in the map's own order).
async fn each_post(
    tx: &Transaction<'_>,
    name: &str,
    mut each: impl FnMut(String, Stamp),
) -> Result<(), StoreError> {
    let rows = tx
        .query(
            "SELECT account, at, utc_offset FROM posts ORDER BY account, at",
            &[],
        )
        .await
        .map_err(db(name))?;
    for r in rows {
        let account: String = r.try_get(0).map_err(db(name))?;
        let at: i64 = r.try_get(1).map_err(db(name))?;
        let offset: i32 = r.try_get(2).map_err(db(name))?;
        each(account, (at, offset));
    }
    Ok(())
}
