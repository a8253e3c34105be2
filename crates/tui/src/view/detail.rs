//! Detail: the account's registry fields, the finding, its full history (who, when,
//! what, note) and the account's findings in other rounds (repeat offenders). Lines
//! wider than the screen wrap, never cut: a note's end is often what matters. The note
//! viewer (`n`) shows the finding's history alone, each note whole, in a panel that
//! scrolls.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::action::Layer;
use crate::app::{App, DetailPage, NotesState};
use crate::theme::Theme;
use govcheck_domain::text::{sanitize, truncate, width};

fn field(app: &App, key: &str, value: &str, th: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {}: ", app.t(key)), th.dim()),
        Span::raw(sanitize(value)),
    ])
}

pub fn lines(app: &App, d: &DetailPage, th: &Theme) -> Vec<Line<'static>> {
    let Some(reg) = app.registry() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let Some(a) = reg.account(&d.account) else {
        out.push(Line::from(format!(
            "{}: {}",
            app.t("msg.no_account"),
            sanitize(&d.account)
        )));
        return out;
    };
    out.push(Line::from(Span::styled(
        app.t("detail.account").to_string(),
        th.heading(),
    )));
    out.push(field(app, "detail.name", &a.name, th));
    out.push(field(app, "col.platform", &a.platform, th));
    let region = reg
        .account_index(&a.id)
        .map(|i| reg.tree().path(reg.account_region(i)));
    out.push(field(
        app,
        "col.region",
        region.as_deref().unwrap_or(&a.region),
        th,
    ));
    out.push(field(app, "col.host_unit", &a.host_unit, th));
    if let Some(c) = crate::chase::contact_text(a.contact.as_deref(), a.phone.as_deref()) {
        out.push(field(app, "chase.contact", &c, th));
    }
    if let Some(s) = &a.supervisor_unit {
        out.push(field(app, "detail.supervisor_unit", s, th));
    }
    out.push(field(
        app,
        "detail.account_status",
        app.t(&format!("acct.{}", a.status.as_str())),
        th,
    ));
    out.push(field(app, "detail.id", &a.id, th));
    if let Some(o) = a.opened_on {
        out.push(field(app, "detail.opened", &o.to_string(), th));
    }
    if let Some(c) = a.closed_on {
        out.push(field(app, "detail.closed", &c.to_string(), th));
    }

    if let Some(fi) = d.finding.as_deref().and_then(|f| reg.finding_index(f)) {
        let f = &reg.findings()[fi];
        let st = reg.state(fi);
        out.push(Line::default());
        out.push(Line::from(Span::styled(
            app.t("detail.finding").to_string(),
            th.heading(),
        )));
        out.push(field(app, "detail.id", &f.id, th));
        out.push(field(app, "detail.round", &f.round, th));
        let problem = app
            .catalogue
            .get(&f.indicator)
            .map_or(f.indicator.clone(), |i| i.name.clone());
        out.push(field(
            app,
            "col.problem",
            &format!("{problem} ({})", f.indicator),
            th,
        ));
        if let Some(p) = &f.problem {
            out.push(field(app, "detail.problem_text", p, th));
        }
        if let Some(n) = &f.note {
            out.push(field(app, "detail.note", n, th));
        }
        out.push(field(
            app,
            "col.deadline",
            &st.deadline.map_or("-".into(), |x| x.to_string()),
            th,
        ));
        let days = st
            .days_left(app.as_of)
            .map_or("-".into(), |x| x.to_string());
        let overdue = st.is_overdue(app.as_of);
        let status = if overdue {
            format!(
                "{} ({})",
                super::status_label(app, st.status),
                app.t("st.overdue")
            )
        } else {
            super::status_label(app, st.status).to_string()
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {}: ", app.t("col.status")), th.dim()),
            Span::styled(status, if overdue { th.bad() } else { th.heading() }),
            Span::styled(format!("   {}: ", app.t("col.days_left")), th.dim()),
            Span::styled(days, if overdue { th.bad() } else { th.plain() }),
        ]));
        if let Some(r) = crate::chase::last_reminded_text(app, reg, fi) {
            out.push(field(app, "chase.last_reminded", &r, th));
        }
        if app.pending.contains(&f.id) {
            out.push(Line::from(Span::styled(
                format!("  {}: {}", app.t("st.pending"), app.t("status.queued")),
                th.warn(),
            )));
        }
        out.push(Line::default());
        out.push(Line::from(Span::styled(
            app.t("detail.history").to_string(),
            th.heading(),
        )));
        for e in reg.history(fi) {
            let what = match (&e.kind, app.opts.lang) {
                (govcheck_domain::event::EventKind::DeadlineExtended { to }, _) => {
                    format!("{} -> {to}", app.t(&format!("ev.{}", e.kind.label())))
                }
                (govcheck_domain::event::EventKind::Reminded { channel, .. }, _) => format!(
                    "{} ({})",
                    app.t(&format!("ev.{}", e.kind.label())),
                    app.t(&format!("chase.{}", channel.as_str()))
                ),
                _ => app.t(&format!("ev.{}", e.kind.label())).to_string(),
            };
            let mut spans = vec![
                Span::raw(format!("  {}  ", e.at.format("%Y-%m-%d %H:%M"))),
                Span::styled(sanitize(&e.by.to_string()), th.dim()),
                Span::raw("  "),
                Span::styled(what, th.heading()),
            ];
            if let Some(n) = &e.note {
                spans.push(Span::raw(format!("  {}", sanitize(n))));
            }
            out.push(Line::from(spans));
        }
    }

    let others = crate::chase::other_findings(reg, &a.id, d.finding.as_deref());
    out.push(Line::default());
    let mut heading = vec![Span::styled(
        format!("{} ({})", app.t("detail.other_rounds"), others.len()),
        th.heading(),
    )];
    if !others.is_empty() {
        heading.push(Span::styled(
            format!(
                "  {}",
                crate::i18n::fill(
                    app.t("chase.others_hint"),
                    &[
                        ("mark", &app.keymap.label(crate::action::Action::Mark)),
                        ("open", &app.keymap.label(crate::action::Action::Open)),
                    ],
                )
            ),
            th.dim(),
        ));
    }
    out.push(Line::from(heading));
    for (n, i) in others.into_iter().enumerate() {
        let f = &reg.findings()[i];
        let problem = app
            .catalogue
            .get(&f.indicator)
            .map_or(f.indicator.clone(), |x| x.name.clone());
        out.push(Line::from(format!(
            "{} {}  {}  {}  {}",
            if n == d.other { ">" } else { " " },
            f.id,
            f.round,
            sanitize(&problem),
            super::status_label(app, reg.state(i).status)
        )));
    }
    out
}

/// `line` split into lines of at most `cols` cells; continuation lines are indented
/// so a wrapped note reads as part of its entry. A line that fits keeps its styles; a
/// wrapped one takes its first span's.
fn wrap_line(line: Line<'static>, cols: usize) -> Vec<Line<'static>> {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    if width(&text) <= cols {
        return vec![line];
    }
    let style = line.spans.first().map(|s| s.style).unwrap_or_default();
    let indent = "    ";
    let mut out = Vec::new();
    let first = super::wrap_words(&text, cols.max(1));
    let mut rest = String::new();
    for (i, l) in first.into_iter().enumerate() {
        if i == 0 {
            out.push(Line::from(Span::styled(l, style)));
        } else {
            if !rest.is_empty() {
                rest.push(' ');
            }
            rest.push_str(&l);
        }
    }
    if !rest.is_empty() {
        let room = cols.saturating_sub(indent.len()).max(1);
        for l in super::wrap_words(&rest, room) {
            out.push(Line::from(Span::styled(format!("{indent}{l}"), style)));
        }
    }
    out
}

/// The detail's lines wrapped to `cols` cells.
pub fn wrapped(app: &App, d: &DetailPage, th: &Theme, cols: usize) -> Vec<Line<'static>> {
    lines(app, d, th)
        .into_iter()
        .flat_map(|l| wrap_line(l, cols))
        .collect()
}

pub fn render(f: &mut Frame, app: &App, d: &DetailPage, area: Rect, th: &Theme) {
    let all = wrapped(app, d, th, usize::from(area.width));
    let h = usize::from(area.height);
    let max_scroll = all.len().saturating_sub(h);
    let scroll = d.scroll.min(max_scroll);
    let shown: Vec<Line> = all.into_iter().skip(scroll).take(h).collect();
    f.render_widget(Paragraph::new(shown), area);
}

/// The note viewer's lines for finding `n.finding`, `cols` cells wide: the finding as
/// reported, then every event (when, who, what) with its note whole below it.
pub fn notes_lines(app: &App, n: &NotesState, th: &Theme, cols: usize) -> Vec<Line<'static>> {
    let Some(reg) = app.registry() else {
        return Vec::new();
    };
    let Some(fi) = reg.finding_index(&n.finding) else {
        return vec![Line::from(format!(
            "{}: {}",
            app.t("status.no_finding"),
            sanitize(&n.finding)
        ))];
    };
    let f = &reg.findings()[fi];
    let mut out: Vec<Line<'static>> = Vec::new();
    let text = |label: &str, value: &str, out: &mut Vec<Line<'static>>| {
        out.push(Line::from(Span::styled(format!("{label}:"), th.dim())));
        for para in sanitize_keep_breaks(value) {
            for l in super::wrap_words(&para, cols.saturating_sub(2).max(1)) {
                out.push(Line::from(format!("  {l}")));
            }
        }
    };
    if let Some(p) = &f.problem {
        text(app.t("detail.problem_text"), p, &mut out);
    }
    if let Some(note) = &f.note {
        text(app.t("detail.note"), note, &mut out);
    }
    for e in reg.history(fi) {
        if !out.is_empty() {
            out.push(Line::default());
        }
        let what = match &e.kind {
            govcheck_domain::event::EventKind::DeadlineExtended { to } => {
                format!("{} -> {to}", app.t(&format!("ev.{}", e.kind.label())))
            }
            k => app.t(&format!("ev.{}", k.label())).to_string(),
        };
        let head = Line::from(vec![
            Span::raw(format!("{}  ", e.at.format("%Y-%m-%d %H:%M"))),
            Span::styled(what, th.heading()),
            Span::styled(format!("  {}", sanitize(&e.by.to_string())), th.dim()),
        ]);
        out.extend(wrap_line(head, cols));
        if let Some(note) = &e.note {
            for para in sanitize_keep_breaks(note) {
                for l in super::wrap_words(&para, cols.saturating_sub(2).max(1)) {
                    out.push(Line::from(format!("  {l}")));
                }
            }
        }
    }
    out
}

/// A note's lines (its own line breaks kept), each neutralised for the terminal.
fn sanitize_keep_breaks(text: &str) -> Vec<String> {
    text.lines().map(sanitize).collect()
}

/// The note viewer's panel on a screen `area`: nearly the whole screen, so a long
/// note takes as few lines as it can.
pub fn notes_rect(area: Rect) -> Rect {
    super::centered(
        area,
        area.width.saturating_sub(4).min(100),
        area.height.saturating_sub(2),
    )
}

/// Lines the note viewer shows at once inside `rect` (border and footer taken away).
fn notes_room(rect: Rect) -> usize {
    usize::from(rect.height.saturating_sub(3)).max(1)
}

/// The furthest the note viewer scrolls on the app's screen.
pub fn notes_max_scroll(app: &App, n: &NotesState) -> usize {
    let th = super::theme(app);
    let rect = notes_rect(Rect::new(0, 0, app.width, app.height));
    let cols = usize::from(rect.width.saturating_sub(2));
    notes_lines(app, n, &th, cols)
        .len()
        .saturating_sub(notes_room(rect))
}

pub fn render_notes(f: &mut Frame, app: &App, n: &NotesState, area: Rect, th: &Theme) {
    let rect = notes_rect(area);
    let title = format!("{} {}", app.t("detail.history"), sanitize(&n.finding));
    let (inner, block) = super::popup(f, rect, &title, th);
    f.render_widget(block, rect);
    let cols = usize::from(inner.width);
    let all = notes_lines(app, n, th, cols);
    let room = notes_room(rect);
    let first = n.scroll.min(all.len().saturating_sub(room));
    let total = all.len();
    let mut shown: Vec<Line> = all.into_iter().skip(first).take(room).collect();
    while shown.len() < room {
        shown.push(Line::default());
    }
    let keys = crate::i18n::fill(
        app.t("detail.notes_keys"),
        &[
            ("from", &(first + 1).min(total).to_string()),
            ("to", &(first + room).min(total).to_string()),
            ("total", &total.to_string()),
            (
                "scroll",
                &format!(
                    "{} {}",
                    app.keymap.layer_label(Layer::Viewer, "down"),
                    app.keymap.layer_label(Layer::Viewer, "page_down")
                ),
            ),
            ("close", &app.keymap.layer_label(Layer::Viewer, "close")),
        ],
    );
    shown.push(Line::from(Span::styled(truncate(&keys, cols), th.dim())));
    f.render_widget(Paragraph::new(shown), inner);
}
