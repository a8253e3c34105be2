//! The help overlay, generated from the key map in force, so it never disagrees with
//! what the keys do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::domain::text::pad_right;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::theme::Theme;

pub fn lines(app: &App, th: &Theme) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Action::ALL
        .iter()
        .filter(|a| !app.keymap.keys(**a).is_empty())
        .map(|a| (app.keymap.label(*a), app.t(&a.help_key()).to_string()))
        .collect();
    out.push(("Ctrl-C".into(), app.t("help.ctrl_c").to_string()));
    let _ = th;
    out
}

pub fn render(f: &mut Frame, app: &App, area: Rect, th: &Theme) {
    let items = lines(app, th);
    let two = area.width >= 100;
    let rows = if two {
        items.len().div_ceil(2)
    } else {
        items.len()
    };
    let key_w = 16;
    let col_w = 34;
    let w = if two {
        (key_w + col_w) * 2 + 4
    } else {
        key_w + col_w + 2
    };
    let h = rows + 4;
    let rect = super::centered(area, w as u16, h as u16);
    let (inner, block) = super::popup(f, rect, app.t("view.help"), th);
    f.render_widget(block, rect);
    let mut lines: Vec<Line> = Vec::new();
    for r in 0..rows {
        let mut spans = Vec::new();
        for c in 0..(if two { 2 } else { 1 }) {
            if let Some((k, d)) = items.get(c * rows + r) {
                spans.push(Span::styled(
                    pad_right(&format!(" {k}"), key_w),
                    th.heading(),
                ));
                spans.push(Span::raw(pad_right(d, col_w)));
            }
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(" {}", app.t("help.dialog_keys")),
        th.dim(),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}
