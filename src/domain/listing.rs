//! The rows that lists of findings show: one query shared by the CLI, the console and
//! the server, so "days left", "overdue" and the deadline groups mean the same
//! everywhere.

use chrono::NaiveDate;
use serde::Serialize;

use super::event::Status;
use super::indicator::Catalogue;
use super::registry::Registry;
use super::search::{Query, SearchKey, match_key};

/// A finding with everything a list shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRow {
    /// Index into the registry's findings.
    #[serde(skip)]
    pub idx: usize,
    pub id: String,
    pub round: String,
    pub region_code: String,
    pub region: String,
    pub platform: String,
    pub account_id: String,
    pub account: String,
    pub host_unit: String,
    pub indicator: String,
    /// The indicator's name as notices word it.
    pub problem: String,
    pub deadline: Option<NaiveDate>,
    /// Negative when overdue.
    pub days_left: Option<i64>,
    pub status: Status,
    pub overdue: bool,
    /// Number of events: the version to state when appending.
    pub version: u32,
    pub note: Option<String>,
}

/// Findings of a round within a scope (tree index), optionally of one status, in id
/// order.
pub fn findings(
    reg: &Registry,
    cat: &Catalogue,
    round: &str,
    scope: Option<usize>,
    status: Option<Status>,
    as_of: NaiveDate,
) -> Vec<FindingRow> {
    let tree = reg.tree();
    reg.findings()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.round == round)
        .filter_map(|(i, f)| {
            let a_idx = reg.account_index(&f.account)?;
            let region_idx = reg.account_region(a_idx);
            if scope.is_some_and(|s| !tree.is_within(region_idx, s)) {
                return None;
            }
            let st = reg.state(i);
            if status.is_some_and(|s| s != st.status) {
                return None;
            }
            let a = &reg.accounts()[a_idx];
            let region = tree.get(region_idx);
            Some(FindingRow {
                idx: i,
                id: f.id.clone(),
                round: f.round.clone(),
                region_code: region.code.clone(),
                region: region.name.clone(),
                platform: a.platform.clone(),
                account_id: a.id.clone(),
                account: a.name.clone(),
                host_unit: a.host_unit.clone(),
                indicator: f.indicator.clone(),
                problem: cat
                    .get(&f.indicator)
                    .map_or_else(|| f.indicator.clone(), |i| i.name.clone()),
                deadline: st.deadline,
                days_left: st.days_left(as_of),
                status: st.status,
                overdue: st.is_overdue(as_of),
                version: st.version,
                note: f.note.clone(),
            })
        })
        .collect()
}

/// The groups of the deadline-tracking view (整改跟踪).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineGroup {
    Overdue,
    /// Due within the "due soon" days (default 3).
    DueSoon,
    /// Due within 7 days.
    ThisWeek,
    Later,
    /// Rectification reported, waiting for the supervisor's re-check.
    AwaitingReview,
    /// Verified or waived.
    Closed,
}

impl DeadlineGroup {
    pub fn of(row: &FindingRow, due_soon_days: i64) -> DeadlineGroup {
        match row.status {
            Status::Verified | Status::Waived => DeadlineGroup::Closed,
            Status::Rectified => DeadlineGroup::AwaitingReview,
            Status::Open => match row.days_left {
                Some(d) if d < 0 => DeadlineGroup::Overdue,
                Some(d) if d <= due_soon_days => DeadlineGroup::DueSoon,
                Some(d) if d <= 7 => DeadlineGroup::ThisWeek,
                _ => DeadlineGroup::Later,
            },
        }
    }
}

/// Accounts within a scope (tree index) matching a search typed as Chinese, pinyin or
/// initials against the name or the host unit, best first (ties in registry order);
/// all accounts in registry order without a query.
pub fn search_accounts(reg: &Registry, scope: Option<usize>, query: Option<&str>) -> Vec<usize> {
    let tree = reg.tree();
    let query = query.map(Query::new).filter(|q| !q.is_empty());
    let mut hits: Vec<(i64, usize)> = reg
        .accounts()
        .iter()
        .enumerate()
        .filter(|(i, _)| scope.is_none_or(|s| tree.is_within(reg.account_region(*i), s)))
        .filter_map(|(i, a)| match &query {
            None => Some((0, i)),
            Some(q) => [&a.name, &a.host_unit]
                .iter()
                .filter_map(|t| match_key(q, &SearchKey::new(t)))
                .map(|m| m.score)
                .max()
                .map(|score| (score, i)),
        })
        .collect();
    if query.is_some() {
        hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    }
    hits.into_iter().map(|(_, i)| i).collect()
}
