//! Chasing host units (催办): which findings a supervisor calls about, in what order,
//! and when each was last chased. The one place the rule lives: `govcheck chase`, the
//! console's deadlines export and the lists' "last reminded" all come from here.

use chrono::NaiveDate;
use serde::Serialize;

use super::event::Status;
pub use super::event::{last_reminded, last_reminded_at};
use super::indicator::Catalogue;
use super::listing::{FindingRow, findings};
use super::registry::Registry;

/// What to chase: a round, within a region (tree index) or everywhere, as of a day,
/// and optionally only what falls due within some days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaseQuery<'a> {
    pub round: &'a str,
    pub scope: Option<usize>,
    pub as_of: NaiveDate,
    /// Only findings overdue or due within this many days of `as_of`; `None` for every
    /// finding still open.
    pub due_within: Option<u32>,
}

/// One line of a chasing list: the finding as lists show it, and whom to call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChaseRow {
    #[serde(flatten)]
    pub row: FindingRow,
    pub contact: Option<String>,
    pub phone: Option<String>,
}

/// The findings to chase, overdue first, then by days left (fewest first), undated
/// last, ties by finding id.
///
/// Only open findings are chased: the host unit owes a rectification. One it has
/// reported (已整改待复核) waits on the supervisor, and a closed one on nobody (the same
/// line [`crate::event::FindingState::is_overdue`] draws).
pub fn chase_list(reg: &Registry, cat: &Catalogue, q: &ChaseQuery<'_>) -> Vec<ChaseRow> {
    let window = q.due_within.map(i64::from);
    let mut rows: Vec<ChaseRow> = findings(reg, cat, q.round, q.scope, Some(Status::Open), q.as_of)
        .into_iter()
        .filter(|r| match window {
            None => true,
            Some(w) => r.days_left.is_some_and(|d| d <= w),
        })
        .map(|row| {
            let a = reg.account(&row.account_id);
            ChaseRow {
                contact: a.and_then(|a| a.contact.clone()),
                phone: a.and_then(|a| a.phone.clone()),
                row,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &ChaseRow| (r.row.days_left.is_none(), r.row.days_left);
        key(a).cmp(&key(b)).then_with(|| a.row.id.cmp(&b.row.id))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Account, AccountStatus};
    use crate::event::{Actor, Channel, Event, EventKind};
    use crate::finding::{Finding, FindingSource};
    use crate::region::Region;
    use crate::registry::Change;
    use crate::round::{Round, RoundMode};
    use chrono::{DateTime, FixedOffset};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("time")
    }

    fn event(finding: &str, kind: EventKind, when: &str) -> Change {
        Change::Event(Event {
            finding: finding.into(),
            kind,
            at: at(when),
            by: Actor {
                name: "张三".into(),
                ..Actor::default()
            },
            note: None,
        })
    }

    /// Two cities; six findings of R1 with deadlines around 2022-04-27, one of them
    /// rectified, one verified, one undated.
    fn registry() -> Registry {
        let mut reg = Registry::new();
        let mut changes = vec![
            Change::Region(Region {
                code: "330000".into(),
                name: "浙江省".into(),
                parent: None,
            }),
            Change::Region(Region {
                code: "330900".into(),
                name: "舟山市".into(),
                parent: Some("330000".into()),
            }),
            Change::Region(Region {
                code: "330100".into(),
                name: "杭州市".into(),
                parent: Some("330000".into()),
            }),
            Change::Round(Round {
                id: "R1".into(),
                title: "t".into(),
                period_start: d("2022-01-01"),
                period_end: d("2022-03-15"),
                monitoring_point: d("2022-03-15"),
                mode: RoundMode::Full,
                deadline: Some(d("2022-04-27")),
                note: None,
            }),
        ];
        // (finding, region, deadline)
        let specs: [(&str, &str, Option<&str>); 6] = [
            ("R1-0001", "330900", Some("2022-04-20")),
            ("R1-0002", "330100", Some("2022-04-10")),
            ("R1-0003", "330900", Some("2022-05-20")),
            ("R1-0004", "330100", Some("2022-04-29")),
            ("R1-0005", "330900", Some("2022-04-01")),
            ("R1-0006", "330900", Some("2022-04-28")),
        ];
        for (i, (id, region, deadline)) in specs.iter().enumerate() {
            changes.push(Change::Account(Account {
                id: format!("a{i}"),
                name: format!("账号{i}"),
                platform: "微信公众号".into(),
                region: (*region).into(),
                host_unit: "单位".into(),
                supervisor_unit: None,
                status: AccountStatus::Operating,
                opened_on: None,
                closed_on: None,
                synthetic: false,
                contact: (i == 0).then(|| "王芳".into()),
                phone: (i == 0).then(|| "0580-2280000".into()),
            }));
            changes.push(Change::Finding(Finding {
                id: (*id).into(),
                round: "R1".into(),
                account: format!("a{i}"),
                indicator: "nm.no-update-2w".into(),
                problem: None,
                note: None,
                source: FindingSource::Manual,
                deadline: deadline.map(d),
                points: None,
            }));
            changes.push(event(id, EventKind::Reported, "2022-03-27T09:00:00+08:00"));
        }
        changes.push(event(
            "R1-0005",
            EventKind::RectificationReported,
            "2022-04-02T09:00:00+08:00",
        ));
        changes.push(event(
            "R1-0006",
            EventKind::Verified,
            "2022-04-02T09:00:00+08:00",
        ));
        reg.apply_all(changes).expect("registry");
        reg
    }

    fn ids(rows: &[ChaseRow]) -> Vec<&str> {
        rows.iter().map(|r| r.row.id.as_str()).collect()
    }

    #[test]
    fn open_findings_overdue_first_then_by_days_left() {
        let reg = registry();
        let cat = Catalogue::builtin();
        let q = ChaseQuery {
            round: "R1",
            scope: None,
            as_of: d("2022-04-25"),
            due_within: None,
        };
        let rows = chase_list(&reg, &cat, &q);
        // 0002 (-15), 0001 (-5), 0004 (4), 0003 (25); rectified 0005, verified 0006 out.
        assert_eq!(ids(&rows), ["R1-0002", "R1-0001", "R1-0004", "R1-0003"]);
        assert_eq!(rows[1].contact.as_deref(), Some("王芳"));
        assert_eq!(rows[1].phone.as_deref(), Some("0580-2280000"));
        assert_eq!(rows[0].contact, None);
    }

    #[test]
    fn the_window_the_region_and_the_day_narrow_it() {
        let reg = registry();
        let cat = Catalogue::builtin();
        let zhoushan = reg.tree().by_code("330900");
        let mut q = ChaseQuery {
            round: "R1",
            scope: None,
            as_of: d("2022-04-25"),
            due_within: Some(4),
        };
        assert_eq!(
            ids(&chase_list(&reg, &cat, &q)),
            ["R1-0002", "R1-0001", "R1-0004"]
        );
        q.due_within = Some(0);
        assert_eq!(ids(&chase_list(&reg, &cat, &q)), ["R1-0002", "R1-0001"]);
        q.scope = zhoushan;
        assert_eq!(ids(&chase_list(&reg, &cat, &q)), ["R1-0001"]);
        q.as_of = d("2022-04-01");
        assert!(chase_list(&reg, &cat, &q).is_empty(), "nothing due yet");
    }

    #[test]
    fn last_reminded_is_the_latest_reminder() {
        let mut reg = registry();
        let remind = EventKind::reminded;
        reg.apply_all([
            event(
                "R1-0001",
                remind(Channel::Phone),
                "2022-04-21T10:00:00+08:00",
            ),
            event(
                "R1-0001",
                remind(Channel::Document),
                "2022-04-22T16:23:00+08:00",
            ),
            event(
                "R1-0001",
                EventKind::DeadlineExtended {
                    to: d("2022-05-10"),
                },
                "2022-04-23T09:00:00+08:00",
            ),
        ])
        .expect("events");
        let i = reg.finding_index("R1-0001").expect("finding");
        let last = last_reminded(reg.history(i)).expect("reminded");
        assert_eq!(last.kind, remind(Channel::Document));
        assert_eq!(
            last_reminded_at(reg.history(i)),
            Some(at("2022-04-22T16:23:00+08:00"))
        );
        let j = reg.finding_index("R1-0002").expect("finding");
        assert_eq!(last_reminded(reg.history(j)), None);
        // The rows carry it too.
        let cat = Catalogue::builtin();
        let q = ChaseQuery {
            round: "R1",
            scope: None,
            as_of: d("2022-04-25"),
            due_within: None,
        };
        let rows = chase_list(&reg, &cat, &q);
        let r = rows.iter().find(|r| r.row.id == "R1-0001").expect("row");
        assert_eq!(r.row.last_reminded, Some(at("2022-04-22T16:23:00+08:00")));
        assert_eq!(reg.state(i).version, 2, "reminders are not versions");
    }
}
