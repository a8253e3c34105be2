//! Writing one batch into the tables, inside the caller's write transaction: the
//! batch row, then each change as an insert (an event, a finding, a sample list entry,
//! a post) or a replacement by key (a region, an account, a round, a notice: the
//! journal's "create or replace"). Events and batches are only ever inserted: no
//! statement here updates or deletes one, and the schema's triggers refuse it anyway.

use std::path::Path;

use rusqlite::{Transaction, params};

use super::codec;
use super::read::db;
use crate::error::StoreError;
use crate::journal::Batch;
use crate::posts::RawPosts;
use govcheck_domain::account::Account;
use govcheck_domain::event::Event;
use govcheck_domain::registry::Change;

/// Insert `batch` (already checked against the registry it follows).
pub fn batch(tx: &Transaction<'_>, path: &Path, batch: &Batch) -> Result<(), StoreError> {
    let seq =
        i64::try_from(batch.seq).map_err(|_| StoreError::Other("sequence overflow".into()))?;
    let recorded: Vec<&Change> = batch
        .changes
        .iter()
        .filter(|c| !matches!(c, Change::Event(_)))
        .collect();
    let changes = serde_json::to_string(&recorded).map_err(|e| StoreError::Other(e.to_string()))?;
    let [name, os_user, ssh, peer, c_user, c_ssh] = codec::actor_cols(&batch.by);
    tx.prepare_cached(
        "INSERT INTO batches (seq, at, by_name, by_os_user, by_ssh_client, by_peer, \
         claimed_os_user, claimed_ssh_client, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut s| {
        s.execute(params![
            seq,
            codec::instant(&batch.at),
            name,
            os_user,
            ssh,
            peer,
            c_user,
            c_ssh,
            changes
        ])
    })
    .map_err(db(path))?;
    let mut next_event: i64 = tx
        .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM events", [], |r| {
            r.get(0)
        })
        .map_err(db(path))?;
    for change in &batch.changes {
        match change {
            Change::Event(e) => {
                event(tx, path, next_event, seq, e)?;
                next_event += 1;
            }
            other => row(tx, path, seq, other)?,
        }
    }
    Ok(())
}

fn event(
    tx: &Transaction<'_>,
    path: &Path,
    id: i64,
    seq: i64,
    e: &Event,
) -> Result<(), StoreError> {
    let (kind, payload) = codec::kind_parts(&e.kind).map_err(StoreError::Other)?;
    let [name, os_user, ssh, peer, c_user, c_ssh] = codec::actor_cols(&e.by);
    tx.prepare_cached(
        "INSERT INTO events (id, finding, kind, payload, at, by_name, by_os_user, \
         by_ssh_client, by_peer, claimed_os_user, claimed_ssh_client, note, batch) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )
    .and_then(|mut s| {
        s.execute(params![
            id,
            e.finding,
            kind,
            payload,
            codec::instant(&e.at),
            name,
            os_user,
            ssh,
            peer,
            c_user,
            c_ssh,
            e.note,
            seq
        ])
    })
    .map_err(db(path))?;
    Ok(())
}

/// The account's fields that have no column of their own (added by a later version),
/// as a JSON object; `None` when there are none.
fn account_extra(a: &Account) -> Result<Option<String>, StoreError> {
    const COLUMNS: [&str; 10] = [
        "id",
        "name",
        "platform",
        "region",
        "host_unit",
        "supervisor_unit",
        "status",
        "opened_on",
        "closed_on",
        "synthetic",
    ];
    let value = serde_json::to_value(a).map_err(|e| StoreError::Other(e.to_string()))?;
    let serde_json::Value::Object(mut fields) = value else {
        return Ok(None);
    };
    fields.retain(|k, _| !COLUMNS.contains(&k.as_str()));
    Ok((!fields.is_empty()).then(|| serde_json::Value::Object(fields).to_string()))
}

fn row(tx: &Transaction<'_>, path: &Path, seq: i64, change: &Change) -> Result<(), StoreError> {
    match change {
        Change::Region(r) => tx
            .prepare_cached(
                "INSERT INTO regions (code, ord, name, parent, batch) \
                 VALUES (?1, (SELECT COALESCE(MAX(ord), 0) + 1 FROM regions), ?2, ?3, ?4) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
                 parent = excluded.parent, batch = excluded.batch",
            )
            .and_then(|mut s| s.execute(params![r.code, r.name, r.parent, seq])),
        Change::Account(a) => {
            let extra = account_extra(a)?;
            tx.prepare_cached(
                "INSERT INTO accounts (id, ord, name, platform, region, host_unit, \
                 supervisor_unit, status, opened_on, closed_on, synthetic, extra, batch) \
                 VALUES (?1, (SELECT COALESCE(MAX(ord), 0) + 1 FROM accounts), ?2, ?3, ?4, ?5, \
                 ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                 platform = excluded.platform, region = excluded.region, \
                 host_unit = excluded.host_unit, supervisor_unit = excluded.supervisor_unit, \
                 status = excluded.status, opened_on = excluded.opened_on, \
                 closed_on = excluded.closed_on, synthetic = excluded.synthetic, \
                 extra = excluded.extra, batch = excluded.batch",
            )
            .and_then(|mut s| {
                s.execute(params![
                    a.id,
                    a.name,
                    a.platform,
                    a.region,
                    a.host_unit,
                    a.supervisor_unit,
                    a.status.as_str(),
                    codec::opt_date(a.opened_on),
                    codec::opt_date(a.closed_on),
                    i64::from(a.synthetic),
                    extra,
                    seq
                ])
            })
        }
        Change::Round(r) => tx
            .prepare_cached(
                "INSERT INTO rounds (id, title, period_start, period_end, monitoring_point, \
                 mode, deadline, note, batch) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (id) DO UPDATE SET title = excluded.title, \
                 period_start = excluded.period_start, period_end = excluded.period_end, \
                 monitoring_point = excluded.monitoring_point, mode = excluded.mode, \
                 deadline = excluded.deadline, note = excluded.note, batch = excluded.batch",
            )
            .and_then(|mut s| {
                s.execute(params![
                    r.id,
                    r.title,
                    codec::date(r.period_start),
                    codec::date(r.period_end),
                    codec::date(r.monitoring_point),
                    r.mode.as_str(),
                    codec::opt_date(r.deadline),
                    r.note,
                    seq
                ])
            }),
        Change::Inspected { round, accounts } => {
            let mut s = tx
                .prepare_cached(
                    "INSERT INTO inspected (round, account, batch) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (round, account) DO NOTHING",
                )
                .map_err(db(path))?;
            for a in accounts {
                s.execute(params![round, a, seq]).map_err(db(path))?;
            }
            Ok(0)
        }
        Change::Finding(f) => tx
            .prepare_cached(
                "INSERT INTO findings (id, ord, round, account, indicator, problem, note, \
                 source, deadline, points, batch) \
                 VALUES (?1, (SELECT COALESCE(MAX(ord), 0) + 1 FROM findings), ?2, ?3, ?4, ?5, \
                 ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    f.id,
                    f.round,
                    f.account,
                    f.indicator,
                    f.problem,
                    f.note,
                    codec::source(f.source),
                    codec::opt_date(f.deadline),
                    f.points,
                    seq
                ])
            }),
        Change::Notice(n) => {
            let body = serde_json::to_string(n).map_err(|e| StoreError::Other(e.to_string()))?;
            tx.prepare_cached(
                "INSERT INTO notices (round, body, batch) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (round) DO UPDATE SET body = excluded.body, batch = excluded.batch",
            )
            .and_then(|mut s| s.execute(params![n.round, body, seq]))
        }
        Change::Event(_) => Ok(0),
    }
    .map_err(db(path))?;
    Ok(())
}

/// Add post timestamps; an account's post at a second already recorded is not added
/// again. Returns how many were new.
pub fn posts(tx: &Transaction<'_>, path: &Path, new: RawPosts) -> Result<usize, StoreError> {
    let mut s = tx
        .prepare_cached(
            "INSERT INTO posts (account, at, utc_offset) VALUES (?1, ?2, ?3) \
             ON CONFLICT (account, at) DO NOTHING",
        )
        .map_err(db(path))?;
    let mut added = 0;
    for (account, mut stamps) in new {
        // As the posts file merges them: of two posts in one second, the smaller offset.
        stamps.sort_unstable();
        for (at, offset) in stamps {
            added += s.execute(params![account, at, offset]).map_err(db(path))?;
        }
    }
    Ok(added)
}
