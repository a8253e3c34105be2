//! Writing one batch into the tables on PostgreSQL, inside the caller's transaction:
//! the same statements as SQLite's writer (`sqlite/write.rs`), with PostgreSQL's
//! placeholders and integer widths. Events and batches are only ever inserted: no
//! statement here updates or deletes one, and the schema's triggers refuse it anyway.

use tokio_postgres::types::ToSql;
use tokio_postgres::{Statement, Transaction};

use super::codec_pg::db;
use crate::error::StoreError;
use crate::journal::Batch;
use crate::posts::RawPosts;
use crate::sqlite::codec;
use govcheck_domain::account::Account;
use govcheck_domain::registry::Change;

fn int(n: u64, what: &str) -> Result<i32, StoreError> {
    i32::try_from(n)
        .map_err(|_| StoreError::Other(format!("{what} {n} is beyond the schema's INTEGER")))
}

/// A statement's parameter, borrowed from the batch being written.
type Param<'a> = Box<dyn ToSql + Sync + Send + 'a>;

fn p<'a, T: ToSql + Sync + Send + 'a>(v: T) -> Param<'a> {
    Box::new(v)
}

/// The statements a batch is written with, each prepared once per batch when first
/// needed; the rows are then sent without waiting for each answer (pipelined), a few
/// thousand at a time: one round trip per row would make a national import minutes.
const PIPELINE: usize = 2_000;

const SQL_EVENT: &str = "INSERT INTO events (id, finding, kind, payload, at, by_name, by_os_user, \
     by_ssh_client, by_peer, claimed_os_user, claimed_ssh_client, note, batch) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
const SQL_REGION: &str = "INSERT INTO regions (code, ord, name, parent, batch) \
     VALUES ($1, (SELECT COALESCE(MAX(ord), 0) + 1 FROM regions), $2, $3, $4) \
     ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
     parent = excluded.parent, batch = excluded.batch";
const SQL_ACCOUNT: &str = "INSERT INTO accounts (id, ord, name, platform, region, host_unit, \
     supervisor_unit, status, opened_on, closed_on, synthetic, extra, batch) \
     VALUES ($1, (SELECT COALESCE(MAX(ord), 0) + 1 FROM accounts), $2, $3, $4, $5, \
     $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
     platform = excluded.platform, region = excluded.region, \
     host_unit = excluded.host_unit, supervisor_unit = excluded.supervisor_unit, \
     status = excluded.status, opened_on = excluded.opened_on, \
     closed_on = excluded.closed_on, synthetic = excluded.synthetic, \
     extra = excluded.extra, batch = excluded.batch";
const SQL_ROUND: &str = "INSERT INTO rounds (id, title, period_start, period_end, monitoring_point, \
     mode, deadline, note, batch) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (id) DO UPDATE SET title = excluded.title, \
     period_start = excluded.period_start, period_end = excluded.period_end, \
     monitoring_point = excluded.monitoring_point, mode = excluded.mode, \
     deadline = excluded.deadline, note = excluded.note, batch = excluded.batch";
const SQL_INSPECTED: &str = "INSERT INTO inspected (round, account, batch) VALUES ($1, $2, $3) \
     ON CONFLICT (round, account) DO NOTHING";
const SQL_FINDING: &str = "INSERT INTO findings (id, ord, round, account, indicator, problem, note, \
     source, deadline, points, batch) \
     VALUES ($1, (SELECT COALESCE(MAX(ord), 0) + 1 FROM findings), $2, $3, $4, $5, \
     $6, $7, $8, $9, $10)";
const SQL_NOTICE: &str = "INSERT INTO notices (round, body, batch) VALUES ($1, $2, $3) \
     ON CONFLICT (round) DO UPDATE SET body = excluded.body, batch = excluded.batch";

/// Prepared statements by their SQL, for one batch.
struct Prepared<'t, 'c> {
    tx: &'t Transaction<'c>,
    name: &'t str,
    done: Vec<(&'static str, Statement)>,
}

impl Prepared<'_, '_> {
    async fn get(&mut self, sql: &'static str) -> Result<Statement, StoreError> {
        if let Some((_, s)) = self.done.iter().find(|(q, _)| std::ptr::eq(*q, sql)) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql).await.map_err(db(self.name))?;
        self.done.push((sql, s.clone()));
        Ok(s)
    }
}

/// Insert `batch` (already checked against the registry it follows).
pub async fn batch(tx: &Transaction<'_>, name: &str, batch: &Batch) -> Result<(), StoreError> {
    let seq = int(batch.seq, "sequence number")?;
    let recorded: Vec<&Change> = batch
        .changes
        .iter()
        .filter(|c| !matches!(c, Change::Event(_)))
        .collect();
    let changes = serde_json::to_string(&recorded).map_err(|e| StoreError::Other(e.to_string()))?;
    let [by, os_user, ssh, peer, c_user, c_ssh] = codec::actor_cols(&batch.by);
    tx.execute(
        "INSERT INTO batches (seq, at, by_name, by_os_user, by_ssh_client, by_peer, \
         claimed_os_user, claimed_ssh_client, changes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &seq,
            &codec::instant(&batch.at),
            &by,
            &os_user,
            &ssh,
            &peer,
            &c_user,
            &c_ssh,
            &changes,
        ],
    )
    .await
    .map_err(db(name))?;
    let mut next_event: i32 = tx
        .query_one("SELECT COALESCE(MAX(id), 0) + 1 FROM events", &[])
        .await
        .and_then(|r| r.try_get(0))
        .map_err(db(name))?;
    let mut prepared = Prepared {
        tx,
        name,
        done: Vec::new(),
    };
    let mut rows: Vec<(Statement, Vec<Param<'_>>)> = Vec::new();
    for change in &batch.changes {
        match change {
            Change::Event(e) => {
                let (kind, payload) = codec::kind_parts(&e.kind).map_err(StoreError::Other)?;
                let [by, os_user, ssh, peer, c_user, c_ssh] = codec::actor_cols(&e.by);
                rows.push((
                    prepared.get(SQL_EVENT).await?,
                    vec![
                        p(next_event),
                        p(&e.finding),
                        p(kind),
                        p(payload),
                        p(codec::instant(&e.at)),
                        p(by),
                        p(os_user),
                        p(ssh),
                        p(peer),
                        p(c_user),
                        p(c_ssh),
                        p(&e.note),
                        p(seq),
                    ],
                ));
                next_event = next_event
                    .checked_add(1)
                    .ok_or_else(|| StoreError::Other("event ids exhausted".into()))?;
            }
            other => row(&mut prepared, seq, other, &mut rows).await?,
        }
        if rows.len() >= PIPELINE {
            send(tx, name, &mut rows).await?;
        }
    }
    send(tx, name, &mut rows).await
}

/// Send `rows` without waiting between them, then wait for every answer.
async fn send(
    tx: &Transaction<'_>,
    name: &str,
    rows: &mut Vec<(Statement, Vec<Param<'_>>)>,
) -> Result<(), StoreError> {
    let pending = rows
        .drain(..)
        .map(|(s, params)| async move { tx.execute_raw(&s, params).await });
    futures_util::future::try_join_all(pending)
        .await
        .map_err(db(name))?;
    Ok(())
}

/// The account's fields that have no column of their own, as a JSON object.
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

/// The insert (or replacement by key) that records `change`, queued in `rows`.
async fn row<'a>(
    prepared: &mut Prepared<'_, '_>,
    seq: i32,
    change: &'a Change,
    rows: &mut Vec<(Statement, Vec<Param<'a>>)>,
) -> Result<(), StoreError> {
    match change {
        Change::Region(r) => rows.push((
            prepared.get(SQL_REGION).await?,
            vec![p(&r.code), p(&r.name), p(&r.parent), p(seq)],
        )),
        Change::Account(a) => rows.push((
            prepared.get(SQL_ACCOUNT).await?,
            vec![
                p(&a.id),
                p(&a.name),
                p(&a.platform),
                p(&a.region),
                p(&a.host_unit),
                p(&a.supervisor_unit),
                p(a.status.as_str()),
                p(codec::opt_date(a.opened_on)),
                p(codec::opt_date(a.closed_on)),
                p(i32::from(a.synthetic)),
                p(account_extra(a)?),
                p(seq),
            ],
        )),
        Change::Round(r) => rows.push((
            prepared.get(SQL_ROUND).await?,
            vec![
                p(&r.id),
                p(&r.title),
                p(codec::date(r.period_start)),
                p(codec::date(r.period_end)),
                p(codec::date(r.monitoring_point)),
                p(r.mode.as_str()),
                p(codec::opt_date(r.deadline)),
                p(&r.note),
                p(seq),
            ],
        )),
        Change::Inspected { round, accounts } => {
            let s = prepared.get(SQL_INSPECTED).await?;
            for a in accounts {
                rows.push((s.clone(), vec![p(round), p(a), p(seq)]));
            }
        }
        Change::Finding(f) => {
            let points = f.points.map(|n| int(u64::from(n), "points")).transpose()?;
            rows.push((
                prepared.get(SQL_FINDING).await?,
                vec![
                    p(&f.id),
                    p(&f.round),
                    p(&f.account),
                    p(&f.indicator),
                    p(&f.problem),
                    p(&f.note),
                    p(codec::source(f.source)),
                    p(codec::opt_date(f.deadline)),
                    p(points),
                    p(seq),
                ],
            ));
        }
        Change::Notice(n) => {
            let body = serde_json::to_string(n).map_err(|e| StoreError::Other(e.to_string()))?;
            rows.push((
                prepared.get(SQL_NOTICE).await?,
                vec![p(&n.round), p(body), p(seq)],
            ));
        }
        Change::Event(_) => {}
    }
    Ok(())
}

/// Add post timestamps; an account's post at a second already recorded is not added
/// again. Returns how many were new. Sent a few thousand at a time as arrays
/// (`unnest`), not a statement per post: a quarter's posts are millions.
pub async fn posts(tx: &Transaction<'_>, name: &str, new: RawPosts) -> Result<usize, StoreError> {
    const CHUNK: usize = 5_000;
    let s = tx
        .prepare(
            "INSERT INTO posts (account, at, utc_offset) \
             SELECT a, t, o FROM unnest($1::TEXT[], $2::BIGINT[], $3::INTEGER[]) AS p (a, t, o) \
             ON CONFLICT (account, at) DO NOTHING",
        )
        .await
        .map_err(db(name))?;
    let (mut accounts, mut ats, mut offsets) = (Vec::new(), Vec::new(), Vec::new());
    let mut added = 0u64;
    let mut flush =
        async |accounts: &mut Vec<String>, ats: &mut Vec<i64>, offsets: &mut Vec<i32>| {
            if accounts.is_empty() {
                return Ok::<(), StoreError>(());
            }
            added += tx
                .execute(&s, &[&*accounts, &*ats, &*offsets])
                .await
                .map_err(db(name))?;
            accounts.clear();
            ats.clear();
            offsets.clear();
            Ok(())
        };
    for (account, mut stamps) in new {
        // As the posts file merges them: of two posts in one second, the smaller offset
        // (the first of the sorted pair; the second is then a conflict, not added).
        stamps.sort_unstable();
        stamps.dedup_by_key(|s| s.0);
        for (at, offset) in stamps {
            accounts.push(account.clone());
            ats.push(at);
            offsets.push(offset);
            if accounts.len() >= CHUNK {
                flush(&mut accounts, &mut ats, &mut offsets).await?;
            }
        }
    }
    flush(&mut accounts, &mut ats, &mut offsets).await?;
    Ok(usize::try_from(added).unwrap_or(usize::MAX))
}
