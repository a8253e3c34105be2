//! The rules of the domain on small registries built by hand: rollup, sampling, the
//! website score, the two-week window edges, names shared across platforms, and the
//! early warning.

use chrono::{DateTime, NaiveDate};
use govcheck::domain::account::{Account, AccountStatus};
use govcheck::domain::event::{Actor, Event, EventKind, Status};
use govcheck::domain::figures::summarize;
use govcheck::domain::finding::Finding;
use govcheck::domain::indicator::Catalogue;
use govcheck::domain::listing;
use govcheck::domain::region::Region;
use govcheck::domain::registry::{Change, Registry};
use govcheck::domain::round::{Round, RoundMode};
use govcheck::domain::rules::{Posts, early_warnings, silent_accounts};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn region(code: &str, name: &str, parent: Option<&str>) -> Change {
    Change::Region(Region {
        code: code.into(),
        name: name.into(),
        parent: parent.map(Into::into),
    })
}

fn account(id: &str, name: &str, platform: &str, region: &str) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        platform: platform.into(),
        region: region.into(),
        host_unit: format!("{name}主办"),
        supervisor_unit: None,
        status: AccountStatus::Operating,
        opened_on: None,
        closed_on: None,
        synthetic: true,
        contact: None,
        phone: None,
    }
}

fn round(id: &str, mode: RoundMode) -> Round {
    Round {
        id: id.into(),
        title: id.into(),
        period_start: d("2025-07-01"),
        period_end: d("2025-08-14"),
        monitoring_point: d("2025-08-14"),
        mode,
        deadline: Some(d("2025-09-01")),
        note: None,
    }
}

fn finding(id: &str, round: &str, account: &str, indicator: &str) -> Vec<Change> {
    vec![
        Change::Finding(Finding {
            id: id.into(),
            round: round.into(),
            account: account.into(),
            indicator: indicator.into(),
            problem: None,
            note: None,
            source: Default::default(),
            deadline: None,
            points: None,
        }),
        event(id, EventKind::Reported, None),
    ]
}

fn event(finding: &str, kind: EventKind, note: Option<&str>) -> Change {
    Change::Event(Event {
        finding: finding.into(),
        kind,
        at: DateTime::parse_from_rfc3339("2025-08-20T10:00:00+08:00").expect("time"),
        by: Actor {
            name: "测试".into(),
            ..Actor::default()
        },
        note: note.map(Into::into),
    })
}

/// 上海市 with two districts; 黄浦区 has a town.
fn base() -> Vec<Change> {
    vec![
        region("310000", "上海市", None),
        region("310101", "黄浦区", Some("310000")),
        region("310104", "徐汇区", Some("310000")),
        region("310101001", "南京东路街道", Some("310101")),
    ]
}

fn registry(changes: Vec<Change>) -> Registry {
    let mut r = Registry::new();
    r.apply_all(changes).expect("valid changes");
    r
}

#[test]
fn counts_accounts_not_findings_and_rolls_up_the_tree() {
    let mut c = base();
    c.push(Change::Account(account(
        "a1",
        "黄浦发布",
        "微信公众号",
        "310101001",
    )));
    c.push(Change::Account(account("a2", "黄浦教育", "微博", "310101")));
    c.push(Change::Account(account("a3", "徐汇发布", "抖音", "310104")));
    c.push(Change::Account(account(
        "a4",
        "上海统计",
        "微信公众号",
        "310000",
    )));
    c.push(Change::Round(round("R1", RoundMode::Full)));
    // Two veto findings on one account: one problem account.
    c.extend(finding("R1-0001", "R1", "a1", "nm.no-update-2w"));
    c.extend(finding("R1-0002", "R1", "a1", "nm.serious-error"));
    // A deduction on a new-media account does not fail it.
    c.extend(finding("R1-0003", "R1", "a3", "nm.untimely"));
    let reg = registry(c);
    let cat = Catalogue::builtin();
    let s = summarize(&reg, &cat, "R1", reg.tree().root(), d("2025-08-20")).expect("summary");
    let row = |name: &str| s.rows.iter().find(|r| r.region == name).expect(name);
    assert_eq!(
        row("黄浦区").total,
        2,
        "town accounts roll up into the district"
    );
    assert_eq!(row("黄浦区").problems, 1, "accounts, not findings");
    assert_eq!(row("黄浦区").findings, 2);
    assert_eq!(row("徐汇区").problems, 0);
    assert_eq!(
        row("上海市本级").total,
        1,
        "accounts at the scope get a 本级 row"
    );
    assert_eq!(s.total.total, 4);
    assert_eq!(s.total.problems, 1);
    assert_eq!(s.total.pass_rate.percent().as_deref(), Some("75.00%"));
    // Drill into 黄浦区: the town row and the 本级 row.
    let hp = reg.tree().by_code("310101").expect("district");
    let s2 = summarize(&reg, &cat, "R1", hp, d("2025-08-20")).expect("summary");
    assert_eq!(s2.rows.len(), 2);
    assert_eq!(s2.rows[0].region, "南京东路街道");
    assert_eq!(s2.rows[1].region, "黄浦区本级");
    assert_eq!(s2.total.total, 2);
}

#[test]
fn sample_rounds_count_only_the_inspected_list() {
    let mut c = base();
    for i in 0..10 {
        c.push(Change::Account(account(
            &format!("a{i}"),
            &format!("号{i}"),
            "微信公众号",
            "310104",
        )));
    }
    c.push(Change::Round(round("S1", RoundMode::Sample)));
    c.push(Change::Inspected {
        round: "S1".into(),
        accounts: vec!["a0".into(), "a1".into(), "a2".into(), "a3".into()],
    });
    c.extend(finding("S1-0001", "S1", "a1", "nm.no-update-2w"));
    let reg = registry(c);
    let s = summarize(
        &reg,
        &Catalogue::builtin(),
        "S1",
        reg.tree().root(),
        d("2025-08-20"),
    )
    .expect("summary");
    assert_eq!(s.total.total, 10);
    assert_eq!(s.total.inspected, 4);
    assert_eq!(s.total.problems, 1);
    assert_eq!(s.total.pass_rate.percent().as_deref(), Some("75.00%"));
}

#[test]
fn inspected_list_on_a_full_round_is_refused() {
    let mut c = base();
    c.push(Change::Account(account("a0", "号", "微信公众号", "310104")));
    c.push(Change::Round(round("F1", RoundMode::Full)));
    c.push(Change::Inspected {
        round: "F1".into(),
        accounts: vec!["a0".into()],
    });
    let mut r = Registry::new();
    assert!(r.apply_all(c).is_err());
}

#[test]
fn websites_fail_below_sixty_points_with_each_indicator_capped() {
    let mut c = base();
    c.push(Change::Account(account(
        "w1",
        "黄浦区政府网站",
        "政府网站",
        "310101",
    )));
    c.push(Change::Account(account(
        "w2",
        "徐汇区政府网站",
        "政府网站",
        "310104",
    )));
    c.push(Change::Round(round("R1", RoundMode::Full)));
    let mut add = |id: &str, acct: &str, ind: &str, pts: u32| {
        let mut f = finding(id, "R1", acct, ind);
        if let Change::Finding(ff) = &mut f[0] {
            ff.points = Some(pts);
        }
        c.extend(f);
    };
    // w1: availability 30 (capped at 15) + updates-late 20 + service-guide 20 = 55 lost → 45: fails.
    add("R1-0001", "w1", "ws.availability", 30);
    add("R1-0002", "w1", "ws.updates-late", 20);
    add("R1-0003", "w1", "ws.service-guide", 20);
    // w2: availability 40 capped at 15 + updates-late 20 = 35 lost → 65: passes
    // (uncapped it would be 60 lost → 40 and fail).
    add("R1-0004", "w2", "ws.availability", 40);
    add("R1-0005", "w2", "ws.updates-late", 20);
    let reg = registry(c);
    let s = summarize(
        &reg,
        &Catalogue::builtin(),
        "R1",
        reg.tree().root(),
        d("2025-08-20"),
    )
    .expect("summary");
    let row = |name: &str| {
        s.rows
            .iter()
            .find(|r| r.region == name)
            .expect(name)
            .problems
    };
    assert_eq!(row("黄浦区"), 1);
    assert_eq!(row("徐汇区"), 0);
}

#[test]
fn a_website_with_a_veto_finding_fails_whatever_its_score() {
    let mut c = base();
    c.push(Change::Account(account("w1", "网站", "政府网站", "310101")));
    c.push(Change::Round(round("R1", RoundMode::Full)));
    c.extend(finding("R1-0001", "R1", "w1", "ws.unreachable"));
    let reg = registry(c);
    let s = summarize(
        &reg,
        &Catalogue::builtin(),
        "R1",
        reg.tree().root(),
        d("2025-08-20"),
    )
    .expect("summary");
    assert_eq!(s.total.problems, 1);
}

#[test]
fn closed_and_not_yet_opened_accounts_are_not_counted() {
    let mut c = base();
    let mut closed = account("c1", "已关停", "微博", "310104");
    closed.status = AccountStatus::Closed;
    closed.closed_on = Some(d("2025-06-30"));
    let mut late = account("c2", "新开", "微博", "310104");
    late.opened_on = Some(d("2025-08-15"));
    let mut closed_mid = account("c3", "期中关停", "微博", "310104");
    closed_mid.status = AccountStatus::Closed;
    closed_mid.closed_on = Some(d("2025-07-15"));
    c.extend([closed, late, closed_mid].map(Change::Account));
    c.push(Change::Round(round("R1", RoundMode::Full)));
    let reg = registry(c);
    let s = summarize(
        &reg,
        &Catalogue::builtin(),
        "R1",
        reg.tree().root(),
        d("2025-08-20"),
    )
    .expect("summary");
    assert_eq!(
        s.total.total, 1,
        "only the account closed during the window counts"
    );
}

#[test]
fn same_name_on_two_platforms_are_two_accounts() {
    let mut c = base();
    c.push(Change::Account(account(
        "sh-wx",
        "上海统计",
        "微信公众号",
        "310000",
    )));
    c.push(Change::Account(account(
        "sh-pp",
        "上海统计",
        "澎湃号",
        "310000",
    )));
    c.push(Change::Round(round("R1", RoundMode::Full)));
    c.extend(finding("R1-0001", "R1", "sh-pp", "nm.no-update-2w"));
    let reg = registry(c);
    let s = summarize(
        &reg,
        &Catalogue::builtin(),
        "R1",
        reg.tree().root(),
        d("2025-08-20"),
    )
    .expect("summary");
    assert_eq!(s.total.total, 2);
    assert_eq!(s.total.problems, 1);
    let rows = listing::findings(
        &reg,
        &Catalogue::builtin(),
        "R1",
        None,
        None,
        d("2025-08-20"),
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].account_id, "sh-pp");
    assert_eq!(rows[0].platform, "澎湃号");
}

fn ts(s: &str) -> i64 {
    DateTime::parse_from_rfc3339(s).expect("ts").timestamp()
}

fn two_accounts() -> Registry {
    let mut c = base();
    c.push(Change::Account(account("a", "甲", "微信公众号", "310104")));
    c.push(Change::Account(account("b", "乙", "微信公众号", "310104")));
    c.push(Change::Round(round("R1", RoundMode::Full)));
    registry(c)
}

fn posts(a: &[&str], b: &[&str]) -> Posts {
    let mut p = Posts::default();
    p.by_account
        .insert("a".into(), a.iter().map(|s| ts(s)).collect());
    p.by_account
        .insert("b".into(), b.iter().map(|s| ts(s)).collect());
    for v in p.by_account.values_mut() {
        v.sort_unstable();
    }
    p
}

#[test]
fn two_week_window_edges_in_the_office_time_zone() {
    // Point 2025-08-14: the window is 08-01 00:00 to 08-14 24:00, Shanghai time.
    let reg = two_accounts();
    let r = reg.round("R1").expect("round").clone();
    let tz = chrono_tz::Asia::Shanghai;
    let silent = |p: &Posts| -> Vec<String> {
        silent_accounts(&reg, &r, p, tz)
            .into_iter()
            .map(|i| reg.accounts()[i].id.clone())
            .collect()
    };
    // First second of the window counts; last second before it does not.
    assert_eq!(
        silent(&posts(
            &["2025-08-01T00:00:00+08:00"],
            &["2025-07-31T23:59:59+08:00"]
        )),
        vec!["b"]
    );
    // Last second of the point counts; the next day does not.
    assert_eq!(
        silent(&posts(
            &["2025-08-14T23:59:59+08:00"],
            &["2025-08-15T00:00:00+08:00"]
        )),
        vec!["b"]
    );
    // Offsets are honoured: 2025-07-31T16:30Z is 2025-08-01 00:30 in Shanghai (inside),
    // 2025-07-31T15:59Z is 07-31 23:59 (outside).
    assert_eq!(
        silent(&posts(&["2025-07-31T16:30:00Z"], &["2025-07-31T15:59:00Z"])),
        vec!["b"]
    );
    // No posts at all: silent.
    assert_eq!(silent(&Posts::default()), vec!["a", "b"]);
}

#[test]
fn accounts_opened_inside_the_window_are_exempt() {
    let mut c = base();
    let mut a = account("n", "新号", "抖音", "310104");
    a.opened_on = Some(d("2025-08-05"));
    c.push(Change::Account(a));
    let mut a = account("o", "老号", "抖音", "310104");
    a.opened_on = Some(d("2025-08-01"));
    c.push(Change::Account(a));
    c.push(Change::Round(round("R1", RoundMode::Full)));
    let reg = registry(c);
    let r = reg.round("R1").expect("round").clone();
    let silent = silent_accounts(&reg, &r, &Posts::default(), chrono_tz::Asia::Shanghai);
    let ids: Vec<&str> = silent
        .iter()
        .map(|&i| reg.accounts()[i].id.as_str())
        .collect();
    assert_eq!(
        ids,
        vec!["o"],
        "opened on the window's first day is subject to the rule"
    );
}

#[test]
fn early_warning_before_the_veto_line() {
    let reg = two_accounts();
    let r = reg.round("R1").expect("round").clone();
    let tz = chrono_tz::Asia::Shanghai;
    // a last posted 08-02 (12 days before the point), b posted 08-05 and 08-10.
    let p = posts(
        &["2025-07-20T10:00:00+08:00", "2025-08-02T10:00:00+08:00"],
        &["2025-08-05T10:00:00+08:00", "2025-08-10T10:00:00+08:00"],
    );
    let w = early_warnings(&reg, &r, &p, tz, d("2025-08-14"), 10);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].account, "a");
    assert_eq!(w[0].silent_days, Some(12));
    assert_eq!(w[0].fails_on, Some(d("2025-08-16")));
    assert!(
        !w[0].fails_at_point,
        "posted inside the window: passes at the point"
    );
    // As of 08-08 neither is silent for 10 days yet (a: 6 days, b: 3).
    assert!(early_warnings(&reg, &r, &p, tz, d("2025-08-08"), 10).is_empty());
    // Threshold 4 as of 08-14: b (4 days) joins, a stays first (most silent).
    let w = early_warnings(&reg, &r, &p, tz, d("2025-08-14"), 4);
    let ids: Vec<&str> = w.iter().map(|w| w.account.as_str()).collect();
    assert_eq!(ids, vec!["a", "b"]);
}

#[test]
fn status_and_overdue_come_from_the_events() {
    let mut c = base();
    c.push(Change::Account(account("a", "甲", "微信公众号", "310104")));
    c.push(Change::Account(account("b", "乙", "微信公众号", "310104")));
    c.push(Change::Account(account("e", "丙", "微信公众号", "310104")));
    c.push(Change::Round(round("R1", RoundMode::Full)));
    c.extend(finding("R1-0001", "R1", "a", "nm.no-update-2w"));
    c.extend(finding("R1-0002", "R1", "b", "nm.no-update-2w"));
    c.extend(finding("R1-0003", "R1", "e", "nm.no-update-2w"));
    c.push(event("R1-0001", EventKind::RectificationReported, None));
    c.push(event("R1-0001", EventKind::Verified, Some("已恢复更新")));
    c.push(event("R1-0002", EventKind::RectificationReported, None));
    let reg = registry(c);
    let cat = Catalogue::builtin();
    let as_of = d("2025-09-02");
    let rows = listing::findings(&reg, &cat, "R1", None, None, as_of);
    let st: Vec<Status> = rows.iter().map(|r| r.status).collect();
    assert_eq!(st, vec![Status::Verified, Status::Rectified, Status::Open]);
    assert_eq!(rows.iter().filter(|r| r.overdue).count(), 1);
    assert_eq!(rows[2].days_left, Some(-1));
    let s = summarize(&reg, &cat, "R1", reg.tree().root(), as_of).expect("summary");
    assert_eq!(
        (
            s.total.open,
            s.total.rectified,
            s.total.verified,
            s.total.overdue
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(s.total.completion.percent().as_deref(), Some("33.33%"));
    assert_eq!(
        s.total.problems, 3,
        "remediation does not rewrite the round's result"
    );
}

#[test]
fn own_level_findings_are_those_the_ben_ji_row_counts() {
    use listing::{Scope, findings_in};
    let mut c = base();
    c.push(Change::Account(account(
        "a1",
        "黄浦发布",
        "微信公众号",
        "310101001",
    )));
    c.push(Change::Account(account("a2", "黄浦教育", "微博", "310101")));
    c.push(Change::Round(round("R1", RoundMode::Full)));
    c.extend(finding("R1-0001", "R1", "a1", "nm.no-update-2w"));
    c.extend(finding("R1-0002", "R1", "a2", "nm.untimely"));
    let reg = registry(c);
    let cat = Catalogue::builtin();
    let hp = reg.tree().by_code("310101").expect("district");
    let as_of = d("2025-08-20");
    let ids = |scope| -> Vec<String> {
        findings_in(&reg, &cat, "R1", scope, None, as_of)
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(ids(Scope::Within(hp)), ["R1-0001", "R1-0002"]);
    assert_eq!(
        ids(Scope::At(hp)),
        ["R1-0002"],
        "the town's finding is not 本级"
    );
    assert_eq!(ids(Scope::All).len(), 2);
    let s = summarize(&reg, &cat, "R1", hp, as_of).expect("summary");
    let own = s
        .rows
        .iter()
        .find(|r| r.region == "黄浦区本级")
        .expect("本级 row");
    assert_eq!(own.findings as usize, ids(Scope::At(hp)).len());
}
