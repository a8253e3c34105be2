//! The remediation dialog (verify, reject, rectification reported, extend, reopen) and
//! the filter chooser. The dialog shows the account and the problem, the note field has
//! the focus, and it says "saving" until the store confirms the event is durable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::action::Layer;
use crate::app::filter_values;
use crate::app::{App, Dialog, DialogKind, DialogState, Page};
use crate::i18n::fill;
use crate::theme::Theme;
use govcheck_domain::text::{sanitize, truncate, width};

pub fn render(f: &mut Frame, app: &App, d: &Dialog, area: Rect, th: &Theme) {
    let w = area.width.min(70);
    let iw = usize::from(w.saturating_sub(2));
    // The outcome, wrapped here so the dialog grows to show all of it: a refusal's
    // cause is at its end.
    // The keys as the `[dialog]` layer binds them, so a remap shows here too.
    let km = &app.keymap;
    let first = |a: &str| {
        km.layer_label(Layer::Dialog, a)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let labels = [
        ("confirm", first("confirm")),
        ("cancel", first("cancel")),
        ("reload", first("reload")),
    ];
    let keys_of = |key: &str| {
        let args: Vec<(&str, &str)> = labels.iter().map(|(n, v)| (*n, v.as_str())).collect();
        fill(app.t(key), &args)
    };
    let (outcome, keys) = match &d.state {
        DialogState::Editing => (Vec::new(), keys_of("dialog.keys")),
        DialogState::Saving => (vec![app.t("dialog.saving").to_string()], String::new()),
        DialogState::Failed(e) => (
            super::wrap_words(
                &format!("{}: {}", app.t("dialog.failed"), sanitize(e)),
                iw.saturating_sub(1),
            ),
            keys_of("dialog.retry_keys"),
        ),
        DialogState::Conflict(e) => (
            super::wrap_words(&sanitize(e), iw.saturating_sub(1)),
            keys_of("dialog.conflict_keys"),
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
        // The domain lets a supervisor's re-check close a finding whose host unit never
        // reported (the rule is `FindingState::check`); say so before it does.
        if d.kind == DialogKind::Verify && d.status == govcheck_domain::event::Status::Open {
            Line::from(Span::styled(
                truncate(&format!(" {}", app.t("dialog.verify_open")), iw),
                th.warn(),
            ))
        } else {
            Line::default()
        },
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
    // The `[filter_box]` layer's first key for each, so a remap shows here too.
    let first = |a: &str| {
        app.keymap
            .layer_label(Layer::Filter, a)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let names = [
        "prev_field",
        "next_field",
        "prev_value",
        "next_value",
        "done",
    ];
    let keys: Vec<(&str, String)> = names.iter().map(|n| (*n, first(n))).collect();
    let args: Vec<(&str, &str)> = keys.iter().map(|(n, k)| (*n, k.as_str())).collect();
    lines.push(Line::from(Span::styled(
        format!(" {}", fill(app.t("filter.keys"), &args)),
        th.dim(),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}

/// Asks before an export replaces an existing file.
pub fn render_overwrite(f: &mut Frame, app: &App, path: &str, area: Rect, th: &Theme) {
    let w = area.width.min(70);
    let iw = usize::from(w.saturating_sub(3)).max(1);
    let text = fill(app.t("dialog.overwrite"), &[("path", &sanitize(path))]);
    let mut lines: Vec<Line> = super::wrap_words(&text, iw)
        .into_iter()
        .map(|l| Line::from(format!(" {l}")))
        .collect();
    lines.push(Line::default());
    let confirm = app
        .keymap
        .layer_label(Layer::Dialog, "confirm")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    lines.push(Line::from(Span::styled(
        format!(
            " {}",
            fill(app.t("dialog.overwrite_keys"), &[("confirm", &confirm)])
        ),
        th.dim(),
    )));
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = super::centered(area, w, h);
    let (inner, block) = super::popup(f, rect, app.t("dialog.overwrite_title"), th);
    f.render_widget(block, rect);
    f.render_widget(Paragraph::new(lines), inner);
}
