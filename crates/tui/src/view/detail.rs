//! Detail: the account's registry fields, the finding, its full history (who, when,
//! what, note) and the account's findings in other rounds (repeat offenders).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, DetailPage};
use crate::theme::Theme;
use govcheck_domain::text::{sanitize, truncate};

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
    out.push(field(app, "detail.account_status", a.status.as_str(), th));
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
                (govcheck_domain::event::EventKind::Reminded { channel }, _) => format!(
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

pub fn render(f: &mut Frame, app: &App, d: &DetailPage, area: Rect, th: &Theme) {
    let all = lines(app, d, th);
    let h = usize::from(area.height);
    let max_scroll = all.len().saturating_sub(h);
    let scroll = d.scroll.min(max_scroll);
    let w = usize::from(area.width);
    let shown: Vec<Line> = all
        .into_iter()
        .skip(scroll)
        .take(h)
        .map(|l| {
            // Cut by display width so a long note never wraps into the next field.
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            if govcheck_domain::text::width(&text) <= w {
                l
            } else {
                let style = l.spans.first().map(|s| s.style).unwrap_or_default();
                Line::from(Span::styled(truncate(&text, w), style))
            }
        })
        .collect();
    f.render_widget(Paragraph::new(shown), area);
}
