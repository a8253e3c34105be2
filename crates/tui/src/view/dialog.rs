//! The remediation dialog (verify, reject, rectification reported, extend, reopen) and
//! the filter chooser. The dialog shows the account and the problem, the note field has
//! the focus, and it says "saving" until the store confirms the event is durable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::filter_values;
use crate::app::{App, Dialog, DialogKind, DialogState, Page};
use crate::theme::Theme;
use govcheck_domain::text::{sanitize, truncate, width};

pub fn render(f: &mut Frame, app: &App, d: &Dialog, area: Rect, th: &Theme) {
    let w = area.width.min(70);
    let iw = usize::from(w.saturating_sub(2));
    // The outcome, wrapped here so the dialog grows to show all of it: a refusal's
    // cause is at its end.
    let (outcome, keys) = match &d.state {
        DialogState::Editing => (Vec::new(), app.t("dialog.keys")),
        DialogState::Saving => (vec![app.t("dialog.saving").to_string()], ""),
        DialogState::Failed(e) => (
            super::wrap_words(
                &format!("{}: {}", app.t("dialog.failed"), sanitize(e)),
                iw.saturating_sub(1),
            ),
            app.t("dialog.retry_keys"),
        ),
        DialogState::Conflict(e) => (
            super::wrap_words(&sanitize(e), iw.saturating_sub(1)),
            app.t("dialog.conflict_keys"),
        ),
    };
    let keys_lines = u16::from(!keys.is_empty());
    let outcome_lines = u16::try_from(outcome.len()).unwrap_or(u16::MAX);
    let h = 8u16
        .saturating_add(outcome_lines)
        .saturating_add(keys_lines)
        .max(12);
    let rect = super::centered(area, w, h);
    let title = crate::chase::dialog_title(app, d);
    let (inner, block) = super::popup(f, rect, &title, th);
    f.render_widget(block, rect);
    let label = |k: &str| Span::styled(format!(" {}: ", app.t(k)), th.dim());
    let input_label = match d.kind {
        DialogKind::Reject => "dialog.reason",
        DialogKind::Extend => "dialog.new_deadline",
        _ => "dialog.note",
    };
    let prefix = format!(" {}: ", app.t(input_label));
    // The part of the note around the cursor (line breaks marked), so the cursor is
    // always on screen wherever it is moved.
    let room = iw.saturating_sub(width(&prefix) + 1);
    let (shown, cursor_col) = d.input.view(room, th.ascii);
    let shown = sanitize(&shown);
    let mut lines = vec![
        Line::from(vec![label("col.account"), Span::raw(sanitize(&d.account))]),
        Line::from(vec![label("col.problem"), Span::raw(sanitize(&d.problem))]),
        Line::from(vec![
            label("detail.id"),
            Span::raw(d.finding.clone()),
            Span::styled(
                format!("  ({})", super::status_label(app, d.status)),
                th.dim(),
            ),
        ]),
        Line::default(),
        Line::from(vec![
            Span::styled(prefix.clone(), th.heading()),
            Span::styled(shown.clone(), th.plain()),
        ]),
        Line::default(),
    ];
    let style = match &d.state {
        DialogState::Saving => th.warn(),
        _ => th.bad(),
    };
    for l in outcome {
        lines.push(Line::from(Span::styled(format!(" {l}"), style)));
    }
    if !keys.is_empty() {
        lines.push(Line::from(Span::styled(format!(" {keys}"), th.dim())));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if matches!(d.state, DialogState::Editing | DialogState::Failed(_)) {
        let x = inner.x + (width(&prefix) + cursor_col) as u16;
        f.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + 4));
    }
    let _ = truncate;
}

pub fn render_filter(f: &mut Frame, app: &App, field: usize, area: Rect, th: &Theme) {
    let Some(Page::Problems(p)) = app.page() else {
        return;
    };
    let rect = super::centered(area, area.width.min(60), 8);
    let (inner, block) = super::popup(f, rect, app.t("filter.title"), th);
    f.render_widget(block, rect);
    let all = app.t("filter.all").to_string();
    let values = [
        p.filter
            .status
            .map(|s| super::status_label(app, s).to_string()),
        p.filter
            .indicator
            .as_ref()
            .map(|c| app.catalogue.get(c).map_or(c.clone(), |i| i.name.clone())),
        p.filter.platform.clone(),
    ];
    let names = ["col.status", "col.problem", "col.platform"];
    let mut lines = Vec::new();
    for (i, (n, v)) in names.iter().zip(values).enumerate() {
        let sel = i == field;
        let count = filter_values(app, i).len().saturating_sub(1);
        let text = format!(
            "{} {}: < {} >  ({count})",
            if sel { ">" } else { " " },
            app.t(n),
            sanitize(&v.unwrap_or_else(|| all.clone()))
        );
        lines.push(Line::from(Span::styled(text, super::row_style(sel, th))));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(" {}", app.t("filter.keys")),
        th.dim(),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}
