//! Chasing host units from the console (#14): marks on findings in a list (Space), one
//! dialog that verifies or reminds (催办) every marked finding, each recorded as its own
//! event; the deadlines tab's export of the chasing list (the domain's one rule, the
//! formats crate's one writer); who else acted on a finding in view; the detail's
//! contact line and last reminder. `update` and the views call in here through small
//! hooks, so the rest of the console stays as it was.

use std::collections::BTreeSet;

pub use crate::marks::{Marks, Target};

use govcheck_domain::chase::{ChaseQuery, ChaseRow, chase_list, last_reminded};
use govcheck_domain::event::EventKind;
use govcheck_domain::listing::FindingRow;
use govcheck_domain::registry::Registry;

use crate::app::{App, Dialog, DialogKind, Page};
use crate::error::TaskError;

/// What a batch came back with: how many landed, and each failure with its cause.
#[derive(Debug)]
pub struct BatchResult {
    pub kind: DialogKind,
    pub done: usize,
    pub failed: Vec<(String, TaskError)>,
}

/// A list row's two marker cells: `*` for a marked finding (else `>` on the selected
/// row, which its highlight shows too), then `!` for an overdue one.
pub fn list_marker(app: &App, sel: bool, r: &FindingRow) -> String {
    let first = if app.marks.ids.contains(&r.id) {
        "*"
    } else if sel {
        ">"
    } else {
        " "
    };
    format!("{first}{}", if r.overdue { "!" } else { " " })
}

/// The marked findings still in the registry, in id order, with their versions.
pub fn targets(app: &App) -> Vec<Target> {
    let Some(reg) = app.registry() else {
        return Vec::new();
    };
    app.marks
        .ids
        .iter()
        .filter_map(|id| {
            let i = reg.finding_index(id)?;
            Some(Target {
                finding: id.clone(),
                version: reg.state(i).version,
            })
        })
        .collect()
}

/// The event kind a dialog records.
pub fn event_kind(app: &App, kind: DialogKind) -> Option<EventKind> {
    match kind {
        DialogKind::Verify => Some(EventKind::Verified),
        DialogKind::Remind => Some(EventKind::reminded(app.marks.channel())),
        _ => None,
    }
}

/// The dialog's title: its action, and for a reminder its channel (Tab changes it),
/// and for marks how many findings it records.
pub fn dialog_title(app: &App, d: &Dialog) -> String {
    let mut t = app.t(d.kind.key()).to_string();
    if d.kind == DialogKind::Remind {
        let ch = app.marks.channel();
        t = format!(
            "{t} · {}: {} [Tab]",
            app.t("chase.channel"),
            app.t(&format!("chase.{}", ch.as_str()))
        );
    }
    if let Some(b) = &app.marks.batch {
        t = format!("{t} · {} {}", b.len(), app.t("chase.findings"));
    }
    t
}

/// The chasing list of the deadlines tab's scope, as `govcheck chase` gives it.
pub fn export_rows(app: &App, scope: Option<usize>) -> Option<(String, Vec<ChaseRow>)> {
    let reg = app.registry()?;
    let round = app.round.as_deref()?;
    let rows = chase_list(
        reg,
        &app.catalogue,
        &ChaseQuery {
            round,
            scope,
            as_of: app.as_of,
            due_within: None,
        },
    );
    let place = scope
        .or_else(|| (!reg.tree().is_empty()).then(|| reg.tree().root()))
        .map(|s| reg.tree().get(s).name.clone())
        .unwrap_or_default();
    let file_name = govcheck_domain::text::sanitize(&format!("{round}-{place}-催办清单.csv"))
        .replace(['/', '\\'], "_");
    Some((file_name, rows))
}

/// Findings in view: those the page on screen lists (or shows).
fn in_view(app: &App) -> BTreeSet<String> {
    match app.page() {
        Some(Page::Problems(p)) => p
            .visible
            .iter()
            .filter_map(|&i| p.rows.get(i))
            .map(|r| r.id.clone())
            .collect(),
        Some(Page::Deadlines(p)) => p.rows.iter().map(|r| r.id.clone()).collect(),
        Some(Page::Detail(d)) => d.finding.iter().cloned().collect(),
        _ => BTreeSet::new(),
    }
}

/// What someone else did to a finding in view since the registry we had: the latest
/// such event, as `李四 16:23 退回 2022Q1-0009` (and how many more). `me` is who we
/// are as the registry records us.
pub fn others_acted(app: &App, old: &Registry, new: &Registry, me: &str) -> Option<String> {
    let mut seen = Vec::new();
    for id in in_view(app) {
        let (Some(i), Some(j)) = (old.finding_index(&id), new.finding_index(&id)) else {
            continue;
        };
        let before = old.history(i).len();
        for e in new.history(j).iter().skip(before) {
            if e.by.name != me {
                seen.push(e);
            }
        }
    }
    let last = seen.iter().max_by_key(|e| e.at)?;
    let at = last.at.with_timezone(&app.tz).format("%H:%M");
    let mut what = app.t(&format!("ev.{}", last.kind.label())).to_string();
    if let EventKind::Reminded { channel, .. } = last.kind {
        what = format!("{what}({})", app.t(&format!("chase.{}", channel.as_str())));
    }
    let mut t = format!("{} {at} {what} {}", last.by.name, last.finding);
    if seen.len() > 1 {
        t.push_str(&crate::i18n::fill(
            app.t("chase.and_more"),
            &[("n", &(seen.len() - 1).to_string())],
        ));
    }
    Some(t)
}

/// The detail's line of whom to call: contact and phone, when filed.
pub fn contact_text(contact: Option<&str>, phone: Option<&str>) -> Option<String> {
    match (contact, phone) {
        (None, None) => None,
        (Some(c), None) => Some(c.to_string()),
        (None, Some(p)) => Some(p.to_string()),
        (Some(c), Some(p)) => Some(format!("{c}  {p}")),
    }
}

/// The detail's "last reminded" value: when, by whom, how.
pub fn last_reminded_text(app: &App, reg: &Registry, finding: usize) -> Option<String> {
    let e = last_reminded(reg.history(finding))?;
    let EventKind::Reminded { channel, .. } = e.kind else {
        return None;
    };
    Some(format!(
        "{} {} ({})",
        e.at.with_timezone(&app.tz).format("%Y-%m-%d %H:%M"),
        e.by.name,
        app.t(&format!("chase.{}", channel.as_str()))
    ))
}

/// The other rounds' findings of the detail's account, in the order the detail lists
/// them (Enter opens the one selected).
pub fn other_findings(reg: &Registry, account: &str, current: Option<&str>) -> Vec<usize> {
    reg.findings_of_account(account)
        .into_iter()
        .filter(|&i| Some(reg.findings()[i].id.as_str()) != current)
        .collect()
}
