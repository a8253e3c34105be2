//! Chasing host units in the console (#14), on ratatui's TestBackend at 80×24 and
//! 120×40, in Chinese and English: marks (Space) and one dialog that records a reminder
//! (催办) or a verify for every marked finding, each its own event; the deadlines tab's
//! export of the chasing list; who else acted on a finding in view; the detail's
//! contact, last reminder, `y` copying the phone, and other rounds opened with Enter.

mod common;

use chrono::DateTime;
use common::console::{Console, draw, key, keys, open_finding, screen, select_finding};
use govcheck::domain::event::{Actor, Channel, Event, EventKind};
use govcheck::domain::finding::{Finding, FindingSource};
use govcheck::domain::registry::Change;
use govcheck::store::RegistrySource;
use govcheck::tui::app::{App, Overlay, Page};
use govcheck::tui::chase::BatchResult;
use govcheck::tui::error::TaskError;
use govcheck::tui::update::{Effect, Msg, update};
use ratatui::crossterm::event::KeyCode;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snapshot(name: &str, app: &App) {
    for (w, h) in SIZES {
        let mut app = app.clone();
        let text = screen(&draw(&mut app, w, h));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

fn english(app: &mut App) {
    key(app, KeyCode::Char(':'));
    keys(app, "lang en");
    key(app, KeyCode::Enter);
}

fn event(finding: &str, kind: EventKind, by: &str, at: &str) -> Event {
    Event {
        finding: finding.into(),
        kind,
        at: DateTime::parse_from_rfc3339(at).expect("time"),
        by: Actor {
            name: by.into(),
            ..Actor::default()
        },
        note: None,
    }
}

/// Carry out a batch as the task runner does: one append per finding, each with the
/// version the dialog saw.
fn run_batch(c: &mut Console, effect: Effect) {
    let Effect::AppendBatch {
        kind,
        event: ev,
        note,
        targets,
    } = effect
    else {
        panic!("not a batch: {effect:?}");
    };
    let mut done = 0;
    let mut failed = Vec::new();
    for t in targets {
        let e = Event {
            finding: t.finding.clone(),
            kind: ev.clone(),
            at: DateTime::parse_from_rfc3339("2022-04-28T16:23:00+08:00").expect("t"),
            by: c.app.actor.clone(),
            note: note.clone(),
        };
        match c.store.append_events(vec![(e, Some(t.version))]) {
            Ok(_) => done += 1,
            Err(e) => failed.push((t.finding, TaskError::from(e))),
        }
    }
    update(
        &mut c.app,
        Msg::BatchWritten(BatchResult { kind, done, failed }),
    );
    c.reload();
}

/// Space marks two findings on the deadlines tab (shown `*`); `c` opens one reminder
/// dialog for both, Tab changes its channel; Enter records one event per finding.
#[test]
fn marked_findings_are_reminded_each_by_its_own_event() {
    for zh in [true, false] {
        let mut c = Console::demo();
        if !zh {
            english(&mut c.app);
        }
        key(&mut c.app, KeyCode::Char('3'));
        select_finding(&mut c.app, "2022Q1-0008");
        key(&mut c.app, KeyCode::Char(' '));
        select_finding(&mut c.app, "2022Q1-0009");
        key(&mut c.app, KeyCode::Char(' '));
        let marked: Vec<&str> = c.app.marks.ids.iter().map(String::as_str).collect();
        assert_eq!(marked, ["2022Q1-0008", "2022Q1-0009"]);
        let lang = if zh { "zh" } else { "en" };
        snapshot(&format!("chase_marked_{lang}"), &c.app);
        key(&mut c.app, KeyCode::Char('c'));
        key(&mut c.app, KeyCode::Tab);
        keys(&mut c.app, "已发督办函");
        assert!(matches!(c.app.overlay, Some(Overlay::Dialog(_))));
        snapshot(&format!("chase_remind_dialog_{lang}"), &c.app);
        let out = key(&mut c.app, KeyCode::Enter);
        let effect = out.effects.into_iter().next().expect("a batch");
        assert!(
            matches!(&effect, Effect::AppendBatch { event: EventKind::Reminded { channel: Channel::Document, .. }, targets, note, .. }
                if targets.len() == 2 && note.as_deref() == Some("已发督办函")),
            "{effect:?}"
        );
        run_batch(&mut c, effect);
        assert!(c.app.marks.ids.is_empty(), "what landed is unmarked");
        let status = c
            .app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default();
        let want = if zh {
            "2 个已保存，0 个未保存"
        } else {
            "2 saved, 0 not saved"
        };
        assert!(status.contains(want), "{status}");
        let reg = c.store.load().expect("load").registry;
        for id in ["2022Q1-0008", "2022Q1-0009"] {
            let i = reg.finding_index(id).expect("finding");
            let last = reg.history(i).last().expect("event");
            assert_eq!(last.kind, EventKind::reminded(Channel::Document));
            assert_eq!(reg.state(i).version, 1, "a reminder is not a version");
        }
    }
}

/// Verifying marked findings: one already closed by someone else fails on its own,
/// the other lands; the failed one stays marked and the status line says which.
#[test]
fn a_marked_verify_reports_what_landed_and_what_did_not() {
    let mut c = Console::demo();
    key(&mut c.app, KeyCode::Char('3'));
    for id in ["2022Q1-0008", "2022Q1-0009"] {
        select_finding(&mut c.app, id);
        key(&mut c.app, KeyCode::Char(' '));
    }
    // 李四 verified 0009 meanwhile (the console has not reloaded).
    let ev = event(
        "2022Q1-0009",
        EventKind::Verified,
        "李四",
        "2022-04-28T16:20:00+08:00",
    );
    c.store.append_events(vec![(ev, None)]).expect("append");
    key(&mut c.app, KeyCode::Char('v'));
    let out = key(&mut c.app, KeyCode::Enter);
    let effect = out.effects.into_iter().next().expect("a batch");
    run_batch(&mut c, effect);
    let status = c
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("1 个已保存，1 个未保存"), "{status}");
    assert!(status.contains("2022Q1-0009"), "{status}");
    let marked: Vec<&str> = c.app.marks.ids.iter().map(String::as_str).collect();
    assert_eq!(marked, ["2022Q1-0009"]);
}

/// Another supervisor's action on a finding in view, brought by a reload, is named on
/// the status line: who, when, what, which.
#[test]
fn another_supervisors_action_in_view_is_named() {
    let mut c = Console::demo();
    key(&mut c.app, KeyCode::Char('3'));
    let ev = event(
        "2022Q1-0009",
        EventKind::RectificationReported,
        "李四",
        "2022-04-28T16:23:00+08:00",
    );
    c.store.append_events(vec![(ev, None)]).expect("append");
    c.reload();
    let status = c
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert_eq!(status, "李四 16:23 报送整改 2022Q1-0009");
    // Our own action says nothing of the kind.
    c.app.status = None;
    let ev = event(
        "2022Q1-0008",
        EventKind::RectificationReported,
        "zhangsan",
        "2022-04-28T16:30:00+08:00",
    );
    c.store.append_events(vec![(ev, None)]).expect("append");
    c.reload();
    assert!(c.app.status.is_none(), "{:?}", c.app.status);
}

/// The detail shows whom to call and when the host unit was last chased; `y` copies
/// the phone; a finding of the same account in another round opens with Enter.
#[test]
fn detail_shows_the_contact_and_the_last_reminder_and_opens_other_rounds() {
    for zh in [true, false] {
        let mut c = Console::demo();
        if !zh {
            english(&mut c.app);
        }
        let at = DateTime::parse_from_rfc3339("2022-04-28T16:23:00+08:00").expect("t");
        let actor = Actor {
            name: "演示".into(),
            ..Actor::default()
        };
        // The same account in an earlier round.
        c.store
            .commit(&actor, at, |_| {
                let round = serde_json::from_str(
                    r#"{"id":"2021Q4","title":"2021年第四季度","period_start":"2021-10-01","period_end":"2021-12-15","monitoring_point":"2021-12-15","mode":"full","deadline":"2022-01-15"}"#,
                )
                .expect("round");
                Ok(vec![
                    Change::Round(round),
                    Change::Finding(Finding {
                        id: "2021Q4-0001".into(),
                        round: "2021Q4".into(),
                        account: "zj-330900-0001".into(),
                        indicator: "nm.no-update-2w".into(),
                        problem: None,
                        note: None,
                        source: FindingSource::Manual,
                        deadline: None,
                        points: None,
                    }),
                    Change::Event(event("2021Q4-0001", EventKind::Reported, "演示", "2021-12-20T09:00:00+08:00")),
                ])
            })
            .expect("commit");
        let ev = Event {
            note: Some("已电话催办".into()),
            ..event(
                "2022Q1-0008",
                EventKind::reminded(Channel::Phone),
                "王芳",
                "2022-04-28T16:23:00+08:00",
            )
        };
        c.store.append_events(vec![(ev, Some(1))]).expect("append");
        c.reload();
        open_finding(&mut c.app, "舟山市", "2022Q1-0008");
        let lang = if zh { "zh" } else { "en" };
        snapshot(&format!("chase_detail_{lang}"), &c.app);
        let out = key(&mut c.app, KeyCode::Char('y'));
        assert!(
            out.effects.contains(&Effect::Copy("0000-0001111".into())),
            "{:?}",
            out.effects
        );
        key(&mut c.app, KeyCode::Enter);
        assert!(
            matches!(c.app.page(), Some(Page::Detail(d)) if d.finding.as_deref() == Some("2021Q4-0001")),
            "{:?}",
            c.app.page()
        );
    }
}

/// `e` on the deadlines tab exports the chasing list of its scope: open findings,
/// overdue first, as `govcheck chase` lists them.
#[test]
fn e_on_the_deadlines_tab_exports_the_chasing_list() {
    let mut c = Console::demo();
    let ev = event(
        "2022Q1-0008",
        EventKind::RectificationReported,
        "李四",
        "2022-04-28T16:23:00+08:00",
    );
    c.store.append_events(vec![(ev, None)]).expect("append");
    c.reload();
    key(&mut c.app, KeyCode::Char('3'));
    let out = key(&mut c.app, KeyCode::Char('e'));
    let Some(Effect::ExportChase {
        file_name, rows, ..
    }) = out.effects.into_iter().next()
    else {
        panic!("no chasing export");
    };
    assert_eq!(file_name, "2022Q1-浙江省-催办清单.csv");
    assert_eq!(rows.len(), 13, "the rectified one waits on the supervisor");
    assert!(rows.iter().all(|r| r.row.overdue));
    assert!(!rows.iter().any(|r| r.row.id == "2022Q1-0008"));
}

/// The lists say when each finding was last chased (催办, month-day) where there is
/// room; at 80 columns that column goes first, and days left and status stay whole.
#[test]
fn the_lists_show_when_a_finding_was_last_chased() {
    for zh in [true, false] {
        let mut c = Console::demo();
        if !zh {
            english(&mut c.app);
        }
        let ev = event(
            "2022Q1-0008",
            EventKind::reminded(Channel::Phone),
            "王芳",
            "2022-04-28T23:30:00+08:00",
        );
        c.store.append_events(vec![(ev, Some(1))]).expect("append");
        c.reload();
        let title = if zh { "催办" } else { "Chased" };
        for tab in ['2', '3'] {
            key(&mut c.app, KeyCode::Char(tab));
            let wide = screen(&draw(&mut c.app, 120, 40));
            assert!(wide.contains(title), "tab {tab}: the column\n{wide}");
            let row = wide
                .lines()
                .find(|l| l.contains("舟山医疗保障"))
                .unwrap_or_else(|| panic!("tab {tab}: the reminded account\n{wide}"));
            // The office's day (Asia/Shanghai), not UTC's 04-28 15:30.
            assert!(row.contains("04-28"), "tab {tab}: {row}");
            let others: Vec<&str> = wide
                .lines()
                .filter(|l| {
                    l.contains("舟山") && !l.contains("舟山医疗保障") && l.contains("2022-")
                })
                .collect();
            assert!(
                others.iter().all(|l| !l.contains("04-28")),
                "only the reminded one: {others:?}"
            );
            let narrow = screen(&draw(&mut c.app, 80, 24));
            let row = narrow
                .lines()
                .find(|l| l.contains("舟山医疗"))
                .unwrap_or_else(|| panic!("tab {tab}: 80x24\n{narrow}"));
            // Overdue by 4 days on 2022-05-01: days left and status are never cut.
            let late = c.app.t("st.overdue").to_string();
            assert!(
                row.contains("-4") && row.contains(&late),
                "tab {tab}: {row}"
            );
        }
    }
}
