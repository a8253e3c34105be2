//! The rows that lists of findings show: one query shared by the CLI, the console and
//! the server, so "days left", "overdue" and the deadline groups mean the same
//! everywhere.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use super::event::Status;
use super::figures::RegionFigures;
use super::indicator::Catalogue;
use super::registry::Registry;
use super::search::{Cancel, Query, SearchIndex, accounts_within};

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
    /// When the host unit was last chased (催办), from [`crate::event::last_reminded`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reminded: Option<DateTime<FixedOffset>>,
}

/// Which accounts' findings a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole registry.
    All,
    /// A region (tree index) and everything under it.
    Within(usize),
    /// Only the accounts registered at the region itself (its 本级 row in
    /// [`super::figures::summarize`]), not those of the regions under it.
    At(usize),
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
    let scope = scope.map_or(Scope::All, Scope::Within);
    findings_in(reg, cat, round, scope, status, as_of)
}

/// [`findings`] for any [`Scope`], so a 本级 row opens exactly the findings it counts.
pub fn findings_in(
    reg: &Registry,
    cat: &Catalogue,
    round: &str,
    scope: Scope,
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
            let inside = match scope {
                Scope::All => true,
                Scope::Within(s) => tree.is_within(region_idx, s),
                Scope::At(s) => region_idx == s,
            };
            if !inside {
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
                last_reminded: crate::event::last_reminded_at(reg.history(i)),
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
///
/// Builds a [`SearchIndex`] of the scope for this one search: a caller that searches
/// more than once (the server) keeps an index and calls [`SearchIndex::accounts`].
pub fn search_accounts(reg: &Registry, scope: Option<usize>, query: Option<&str>) -> Vec<usize> {
    let query = query.unwrap_or_default();
    if Query::new(query).is_empty() {
        return accounts_within(reg, scope);
    }
    SearchIndex::build_within(reg, scope)
        .accounts(reg, scope, query, &Cancel::new())
        .unwrap_or_default()
}

/// Which way a list is sorted. Every column has a natural order, the one a supervisor
/// wants first (worst or soonest first); reversing flips only the column's values:
/// rows with nothing to compare (no deadline, nothing inspected, closed findings on
/// the deadline list) stay at the end, and ties keep their list order, so a reversal
/// never shuffles equal rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDir {
    #[default]
    Natural,
    Reversed,
}

impl SortDir {
    pub fn flip(self) -> SortDir {
        match self {
            SortDir::Natural => SortDir::Reversed,
            SortDir::Reversed => SortDir::Natural,
        }
    }
}

/// Sort `order` (indexes into some rows) by `key`: its first part (a group, e.g. "has
/// no value") always ascending, its second ascending or descending; ties by `tie`.
fn sort_keyed<G: Ord, K: Ord>(
    order: &mut [usize],
    ascending: bool,
    key: impl Fn(usize) -> (G, K),
    tie: impl Fn(usize, usize) -> std::cmp::Ordering,
) {
    order.sort_by(|&a, &b| {
        let (last_a, ka) = key(a);
        let (last_b, kb) = key(b);
        let values = if ascending { ka.cmp(&kb) } else { kb.cmp(&ka) };
        last_a.cmp(&last_b).then(values).then_with(|| tie(a, b))
    });
}

/// Columns a list of findings sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingSort {
    /// Soonest deadline first (overdue at the top), closed findings last: the
    /// problems list's default.
    Deadline,
    Region,
    Account,
    Indicator,
    Status,
}

impl FindingSort {
    /// The order `s` cycles through.
    pub const ALL: [FindingSort; 5] = [
        FindingSort::Deadline,
        FindingSort::Region,
        FindingSort::Account,
        FindingSort::Indicator,
        FindingSort::Status,
    ];

    /// The column's name (`col.<name>` in the interface strings).
    pub fn name(self) -> &'static str {
        match self {
            FindingSort::Deadline => "deadline",
            FindingSort::Region => "region",
            FindingSort::Account => "account",
            FindingSort::Indicator => "problem",
            FindingSort::Status => "status",
        }
    }

    /// Every natural order of a findings column is ascending.
    pub fn ascending(self, dir: SortDir) -> bool {
        dir == SortDir::Natural
    }
}

/// Order `order` (indexes into `rows`) by a column; ties by finding id.
pub fn sort_findings(rows: &[FindingRow], order: &mut [usize], by: FindingSort, dir: SortDir) {
    let asc = by.ascending(dir);
    let tie = |a: usize, b: usize| rows[a].id.cmp(&rows[b].id);
    match by {
        FindingSort::Deadline => sort_keyed(
            order,
            asc,
            |i| {
                let r = &rows[i];
                ((r.status.is_closed(), r.days_left.is_none()), r.days_left)
            },
            tie,
        ),
        FindingSort::Region => sort_keyed(order, asc, |i| (false, &rows[i].region_code), tie),
        FindingSort::Account => sort_keyed(order, asc, |i| (false, &rows[i].account), tie),
        FindingSort::Indicator => sort_keyed(order, asc, |i| (false, &rows[i].indicator), tie),
        FindingSort::Status => sort_keyed(order, asc, |i| (false, rows[i].status), tie),
    }
}

/// Columns the per-region table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionSort {
    /// The registry's order (the order notices print).
    Registry,
    Total,
    Inspected,
    Problems,
    PassRate,
    Open,
    Rectified,
    Verified,
    Overdue,
}

impl RegionSort {
    /// The order `s` cycles through.
    pub const ALL: [RegionSort; 9] = [
        RegionSort::Registry,
        RegionSort::Total,
        RegionSort::Inspected,
        RegionSort::Problems,
        RegionSort::PassRate,
        RegionSort::Open,
        RegionSort::Rectified,
        RegionSort::Verified,
        RegionSort::Overdue,
    ];

    /// The column's name (`col.<name>` in the interface strings).
    pub fn name(self) -> &'static str {
        match self {
            RegionSort::Registry => "region",
            RegionSort::Total => "total",
            RegionSort::Inspected => "inspected",
            RegionSort::Problems => "problems",
            RegionSort::PassRate => "pass_rate",
            RegionSort::Open => "open",
            RegionSort::Rectified => "rectified",
            RegionSort::Verified => "verified",
            RegionSort::Overdue => "overdue",
        }
    }

    /// Whether values ascend in this direction. Naturally worst first: the registry
    /// order and the pass rate ascend, the counts descend (most first).
    pub fn ascending(self, dir: SortDir) -> bool {
        let natural = matches!(self, RegionSort::Registry | RegionSort::PassRate);
        natural == (dir == SortDir::Natural)
    }
}

/// Order `order` (indexes into `rows`, the summary's rows) by a column; ties in the
/// registry's order.
pub fn sort_regions(rows: &[RegionFigures], order: &mut [usize], by: RegionSort, dir: SortDir) {
    let asc = by.ascending(dir);
    let tie = |a: usize, b: usize| a.cmp(&b);
    let count = |f: fn(&RegionFigures) -> u64| move |i: usize| (false, f(&rows[i]));
    match by {
        RegionSort::Registry => sort_keyed(order, asc, |i| (false, i), tie),
        RegionSort::PassRate => sort_keyed(
            order,
            asc,
            |i| {
                let bp = rows[i].pass_rate.basis_points();
                (bp.is_none(), bp)
            },
            tie,
        ),
        RegionSort::Total => sort_keyed(order, asc, count(|r| r.total), tie),
        RegionSort::Inspected => sort_keyed(order, asc, count(|r| r.inspected), tie),
        RegionSort::Problems => sort_keyed(order, asc, count(|r| r.problems), tie),
        RegionSort::Open => sort_keyed(order, asc, count(|r| r.open), tie),
        RegionSort::Rectified => sort_keyed(order, asc, count(|r| r.rectified), tie),
        RegionSort::Verified => sort_keyed(order, asc, count(|r| r.verified), tie),
        RegionSort::Overdue => sort_keyed(order, asc, count(|r| r.overdue), tie),
    }
}

/// Columns the early-warnings list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningSort {
    /// Most silent first (never posted at the top): the order warnings are found in.
    Silent,
    /// The soonest day an account fails first.
    FailsOn,
    Account,
    Region,
}

impl WarningSort {
    /// The order `s` cycles through.
    pub const ALL: [WarningSort; 4] = [
        WarningSort::Silent,
        WarningSort::FailsOn,
        WarningSort::Account,
        WarningSort::Region,
    ];

    /// The column's name (`col.<name>` in the interface strings).
    pub fn name(self) -> &'static str {
        match self {
            WarningSort::Silent => "silent_days",
            WarningSort::FailsOn => "fails_on",
            WarningSort::Account => "account",
            WarningSort::Region => "region",
        }
    }

    /// Naturally the most urgent first: silence descends, the rest ascend.
    pub fn ascending(self, dir: SortDir) -> bool {
        let natural = !matches!(self, WarningSort::Silent);
        natural == (dir == SortDir::Natural)
    }
}

/// Order `order` (indexes into `items`) by a column; an account that never posted
/// counts as the most silent and the soonest to fail; ties by account id.
pub fn sort_warnings(
    reg: &Registry,
    items: &[crate::rules::Warning],
    order: &mut [usize],
    by: WarningSort,
    dir: SortDir,
) {
    let asc = by.ascending(dir);
    let tie = |a: usize, b: usize| items[a].account.cmp(&items[b].account);
    match by {
        WarningSort::Silent => sort_keyed(
            order,
            asc,
            |i| (false, items[i].silent_days.unwrap_or(i64::MAX)),
            tie,
        ),
        WarningSort::FailsOn => sort_keyed(
            order,
            asc,
            |i| (false, items[i].fails_on.unwrap_or(NaiveDate::MIN)),
            tie,
        ),
        WarningSort::Account => sort_keyed(
            order,
            asc,
            |i| {
                (
                    false,
                    reg.accounts().get(items[i].account_idx).map(|a| &a.name),
                )
            },
            tie,
        ),
        WarningSort::Region => sort_keyed(
            order,
            asc,
            |i| {
                let r = reg.account_region(items[i].account_idx);
                (false, &reg.tree().get(r).code)
            },
            tie,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate::Rate;

    fn region(name: &str, total: u64, problems: u64, inspected: u64) -> RegionFigures {
        RegionFigures {
            code: name.into(),
            region: name.into(),
            region_idx: None,
            total,
            inspected,
            problems,
            pass_rate: Rate::pass(problems, inspected),
            findings: 0,
            open: 0,
            rectified: 0,
            verified: 0,
            waived: 0,
            overdue: 0,
            completion: Rate::new(0, 0),
        }
    }

    fn names(rows: &[RegionFigures], order: &[usize]) -> Vec<String> {
        order.iter().map(|&i| rows[i].region.clone()).collect()
    }

    #[test]
    fn region_columns_sort_worst_first_and_reverse() {
        let rows = vec![
            region("a", 10, 1, 10),
            region("b", 30, 0, 30),
            region("c", 10, 0, 0),
            region("d", 20, 3, 20),
        ];
        let sorted = |by, dir| {
            let mut o: Vec<usize> = (0..rows.len()).collect();
            sort_regions(&rows, &mut o, by, dir);
            names(&rows, &o)
        };
        assert_eq!(
            sorted(RegionSort::Registry, SortDir::Natural),
            ["a", "b", "c", "d"]
        );
        assert_eq!(
            sorted(RegionSort::Registry, SortDir::Reversed),
            ["d", "c", "b", "a"]
        );
        // Most first; equal totals (a, c) keep registry order both ways.
        assert_eq!(
            sorted(RegionSort::Total, SortDir::Natural),
            ["b", "d", "a", "c"]
        );
        assert_eq!(
            sorted(RegionSort::Total, SortDir::Reversed),
            ["a", "c", "d", "b"]
        );
        // Lowest pass rate first; nothing inspected (c) is last either way.
        assert_eq!(
            sorted(RegionSort::PassRate, SortDir::Natural),
            ["d", "a", "b", "c"]
        );
        assert_eq!(
            sorted(RegionSort::PassRate, SortDir::Reversed),
            ["b", "a", "d", "c"]
        );
        assert!(RegionSort::PassRate.ascending(SortDir::Natural));
        assert!(!RegionSort::Total.ascending(SortDir::Natural));
        assert!(RegionSort::Total.ascending(SortDir::Reversed));
    }

    fn finding(id: &str, days_left: Option<i64>, status: Status) -> FindingRow {
        FindingRow {
            idx: 0,
            id: id.into(),
            round: "R".into(),
            region_code: String::new(),
            region: String::new(),
            platform: String::new(),
            account_id: String::new(),
            account: id.into(),
            host_unit: String::new(),
            indicator: String::new(),
            problem: String::new(),
            deadline: None,
            days_left,
            status,
            overdue: days_left.is_some_and(|d| d < 0),
            version: 1,
            note: None,
            last_reminded: None,
        }
    }

    #[test]
    fn deadline_sort_keeps_closed_and_undated_last_both_ways() {
        let rows = vec![
            finding("f1", Some(5), Status::Open),
            finding("f2", Some(-2), Status::Open),
            finding("f3", Some(-9), Status::Verified),
            finding("f4", None, Status::Open),
            finding("f5", Some(5), Status::Rectified),
        ];
        let sorted = |dir| {
            let mut o: Vec<usize> = (0..rows.len()).collect();
            sort_findings(&rows, &mut o, FindingSort::Deadline, dir);
            o.iter().map(|&i| rows[i].id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(sorted(SortDir::Natural), ["f2", "f1", "f5", "f4", "f3"]);
        assert_eq!(sorted(SortDir::Reversed), ["f1", "f5", "f2", "f4", "f3"]);
    }

    #[test]
    fn warnings_sort_most_silent_or_soonest_failing_first_and_reverse() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let w = |account: &str, silent: Option<i64>, fails: Option<&str>| crate::rules::Warning {
            account_idx: 0,
            account: account.into(),
            last_post: None,
            silent_days: silent,
            fails_on: fails.map(d),
            fails_at_point: true,
        };
        let items = [
            w("a", Some(10), Some("2022-03-20")),
            w("b", None, None),
            w("c", Some(12), Some("2022-03-18")),
        ];
        let reg = Registry::new();
        let sorted = |by, dir| {
            let mut order: Vec<usize> = (0..items.len()).collect();
            sort_warnings(&reg, &items, &mut order, by, dir);
            order
                .iter()
                .map(|&i| items[i].account.as_str())
                .collect::<Vec<_>>()
        };
        // Never posted counts as the most silent and the soonest to fail.
        assert_eq!(
            sorted(WarningSort::Silent, SortDir::Natural),
            ["b", "c", "a"]
        );
        assert_eq!(
            sorted(WarningSort::Silent, SortDir::Reversed),
            ["a", "c", "b"]
        );
        assert_eq!(
            sorted(WarningSort::FailsOn, SortDir::Natural),
            ["b", "c", "a"]
        );
        assert_eq!(
            sorted(WarningSort::FailsOn, SortDir::Reversed),
            ["a", "c", "b"]
        );
    }
}
