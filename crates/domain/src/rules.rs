//! Automatic rules over post timestamps: 监测点前两周未更新 (no post in the 14 days up
//! to and including the monitoring point) and its early warning, so a supervisor can
//! chase an account before it crosses the veto line.

use std::collections::HashMap;

use chrono::{Days, NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use super::registry::Registry;
use super::round::Round;

/// Days in the two-week window, the monitoring point included.
pub const WINDOW_DAYS: u64 = 14;

/// Post times per account id, as Unix seconds, sorted ascending. Time zones are
/// resolved before this point: a post's instant is what counts.
#[derive(Debug, Clone, Default)]
pub struct Posts {
    pub by_account: HashMap<String, Vec<i64>>,
}

impl Posts {
    pub fn len(&self) -> usize {
        self.by_account.values().map(Vec::len).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.by_account.values().all(Vec::is_empty)
    }
}

/// Start (inclusive) and end (exclusive) of a run of local calendar days, as Unix
/// seconds: `[first 00:00, last + 1 day 00:00)` in the office's time zone.
pub fn day_span(first: NaiveDate, last: NaiveDate, tz: Tz) -> (i64, i64) {
    let start = local_midnight(first, tz);
    let end = last
        .checked_add_days(Days::new(1))
        .map_or(i64::MAX, |d| local_midnight(d, tz));
    (start, end)
}

fn local_midnight(day: NaiveDate, tz: Tz) -> i64 {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    // Midnight can fall in a DST gap in some zones: take the first instant that exists.
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| naive.and_utc().timestamp(), |t| t.timestamp())
}

/// The calendar day (in `tz`) of a Unix time.
pub fn local_day(ts: i64, tz: Tz) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp(ts, 0).map(|t| t.with_timezone(&tz).date_naive())
}

/// First day of the two-week window that ends on `point`.
pub fn window_start(point: NaiveDate) -> NaiveDate {
    point
        .checked_sub_days(Days::new(WINDOW_DAYS - 1))
        .unwrap_or(point)
}

/// Is the account subject to the rule in this round? It must be inspected and operating
/// through the whole window: an account opened inside the window, or closed before the
/// point, cannot be expected to have two weeks of posts.
pub fn subject_to_rule(reg: &Registry, round: &Round, idx: usize) -> bool {
    let (_, inspected) = super::figures::counted(reg, round, idx);
    if !inspected {
        return false;
    }
    let a = &reg.accounts()[idx];
    let start = window_start(round.monitoring_point);
    a.opened_on.is_none_or(|o| o <= start)
        && a.operating_during(round.monitoring_point, round.monitoring_point)
}

/// Accounts (registry indexes) with no post in the 14 days up to and including the
/// round's monitoring point.
pub fn silent_accounts(reg: &Registry, round: &Round, posts: &Posts, tz: Tz) -> Vec<usize> {
    let (start, end) = day_span(
        window_start(round.monitoring_point),
        round.monitoring_point,
        tz,
    );
    (0..reg.accounts().len())
        .filter(|&i| subject_to_rule(reg, round, i))
        .filter(|&i| {
            let ts = posts
                .by_account
                .get(&reg.accounts()[i].id)
                .map_or(&[][..], Vec::as_slice);
            !has_post_in(ts, start, end)
        })
        .collect()
}

/// Any timestamp in `[start, end)`? `ts` is sorted.
pub fn has_post_in(ts: &[i64], start: i64, end: i64) -> bool {
    let i = ts.partition_point(|&t| t < start);
    ts.get(i).is_some_and(|&t| t < end)
}

/// An account drifting towards the two-week line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Registry index of the account.
    #[serde(skip)]
    pub account_idx: usize,
    pub account: String,
    /// Day of the last post on or before the reference day; `None` if it never posted.
    pub last_post: Option<NaiveDate>,
    /// Whole days since that post (`None`: never posted).
    pub silent_days: Option<i64>,
    /// First day on which the account has no post in its 14-day window, unless it posts.
    pub fails_on: Option<NaiveDate>,
    /// Fails at this round's monitoring point if it does not post before.
    pub fails_at_point: bool,
}

/// Accounts silent for at least `threshold_days` as of `as_of` (or the monitoring point,
/// whichever is earlier), most silent first.
pub fn early_warnings(
    reg: &Registry,
    round: &Round,
    posts: &Posts,
    tz: Tz,
    as_of: NaiveDate,
    threshold_days: i64,
) -> Vec<Warning> {
    let reference = as_of.min(round.monitoring_point);
    let (_, ref_end) = day_span(reference, reference, tz);
    let mut out: Vec<Warning> = (0..reg.accounts().len())
        .filter(|&i| subject_to_rule(reg, round, i))
        .filter_map(|i| {
            let id = &reg.accounts()[i].id;
            let ts = posts.by_account.get(id).map_or(&[][..], Vec::as_slice);
            let before = ts.partition_point(|&t| t < ref_end);
            let last = before.checked_sub(1).and_then(|j| local_day(ts[j], tz));
            let silent = last.map(|l| (reference - l).num_days());
            if silent.is_some_and(|s| s < threshold_days) {
                return None;
            }
            let fails_on = last.and_then(|l| l.checked_add_days(Days::new(WINDOW_DAYS)));
            Some(Warning {
                account_idx: i,
                account: id.clone(),
                last_post: last,
                silent_days: silent,
                fails_on,
                fails_at_point: fails_on.is_none_or(|f| f <= round.monitoring_point),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.silent_days
            .unwrap_or(i64::MAX)
            .cmp(&a.silent_days.unwrap_or(i64::MAX))
            .then_with(|| a.account.cmp(&b.account))
    });
    out
}
