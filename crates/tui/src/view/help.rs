//! The help overlay, generated from the key map in force, so it never disagrees with
//! what the keys do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::action::Action;
use crate::app::App;
use crate::theme::Theme;
use govcheck_domain::text::{pad_right, truncate, width};

pub fn lines(app: &App, th: &Theme) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Action::ALL
        .iter()
        .filter(|a| !app.keymap.keys(**a).is_empty())
        .map(|a| (app.keymap.label(*a), app.t(&a.help_key()).to_string()))
        .collect();
    out.push(("Ctrl-C".into(), app.t("help.ctrl_c").to_string()));
    // The command line's commands, one a row, so none is hidden in a cut description.
    out.extend(
        COMMANDS
            .iter()
            .map(|(usage, key)| (usage.to_string(), app.t(key).to_string())),
    );
    let _ = th;
    out
}

/// The commands after `:` as the help lists them (usage, catalogue key); the names are
/// those [`crate::update::COMMANDS`] completes.
pub const COMMANDS: [(&str, &str); 6] = [
    (":round ID", "help.cmd_round"),
    (":region NAME", "help.cmd_region"),
    (":as-of DATE", "help.cmd_as_of"),
    (":lang zh|en", "help.cmd_lang"),
    (":ascii on|off", "help.cmd_ascii"),
    (":q", "help.cmd_quit"),
];

/// Widest description column wanted; narrower terminals cut descriptions with `…`.
const DESC_W: usize = 34;

pub fn render(f: &mut Frame, app: &App, area: Rect, th: &Theme) {
    let items = lines(app, th);
    // Border (2) and the dialog-keys footer with its blank line (2).
    let room = usize::from(area.height).saturating_sub(4).max(1);
    // Two columns when one does not fit the height (80x24 holds every key in two),
    // or when the screen is wide anyway.
    let two = items.len() > room || area.width >= 100;
    let cols = if two { 2 } else { 1 };
    let rows = items.len().div_ceil(cols);
    let key_w = items
        .iter()
        .map(|(k, _)| width(k) + 2)
        .max()
        .unwrap_or(0)
        .min(16);
    // Each column is a key, a description and a separating space; the border is 2.
    let avail = usize::from(area.width).saturating_sub(2) / cols;
    let col_w = avail.saturating_sub(key_w + 1).clamp(1, DESC_W);
    let w = (key_w + col_w + 1) * cols + 2;
    let h = rows + 4;
    let rect = super::centered(area, w as u16, h as u16);
    let (inner, block) = super::popup(f, rect, app.t("view.help"), th);
    f.render_widget(block, rect);
    let mut lines: Vec<Line> = Vec::new();
    for r in 0..rows {
        let mut spans = Vec::new();
        for c in 0..cols {
            if let Some((k, d)) = items.get(c * rows + r) {
                spans.push(Span::styled(
                    pad_right(&format!(" {k}"), key_w),
                    th.heading(),
                ));
                spans.push(Span::raw(pad_right(d, col_w + 1)));
            }
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        truncate(
            &format!(" {}", app.t("help.dialog_keys")),
            usize::from(inner.width),
        ),
        th.dim(),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}
